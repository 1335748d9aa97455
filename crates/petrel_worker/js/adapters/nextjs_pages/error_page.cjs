// @ts-check
/**
 * The two error-response shapes of Pages API routes. Next answers handler and body failures
 * with a bare text reply (message as status text and body, no Content-Type, chunked) and
 * answers failures outside the handler (module load, dev-mode errors) with its HTML error page.
 * Next's page embeds build-specific assets, so only its status, headers and `<title>` are
 * reproduced; the markup is our own (reference §12).
 */
"use strict";
const { etagOf } = require("./response.cjs");

/** @param {string} text */
function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A small self-contained HTML error page whose `<title>` is `<status>: <title>`, as Next's is.
 * @param {number} status e.g. 500
 * @param {string} title e.g. "Internal Server Error"
 * @returns {string}
 */
function renderErrorPage(status, title) {
  const heading = `${status}: ${title}`;
  return (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${escapeHtml(heading)}</title>` +
    "<style>body{margin:0;height:100vh;display:flex;align-items:center;justify-content:center;" +
    "font-family:system-ui,sans-serif;color:#000;background:#fff}" +
    "h1{margin:0 20px 0 0;padding-right:20px;border-right:1px solid rgba(0,0,0,.3);font-size:24px;" +
    "font-weight:500}p{margin:0;font-size:14px}" +
    "@media (prefers-color-scheme:dark){body{color:#fff;background:#000}" +
    "h1{border-color:rgba(255,255,255,.3)}}</style></head>" +
    `<body><h1>${status}</h1><p>${escapeHtml(title)}.</p></body></html>`
  );
}

/**
 * Send the HTML error page with the headers Next puts on its rendered error pages.
 * @param {import('node:http').ServerResponse} res
 * @param {number} status @param {string} title @param {boolean} dev
 */
function sendErrorPage(res, status, title, dev) {
  if (res.headersSent) {
    res.end();
    return;
  }
  const html = renderErrorPage(status, title);
  res.statusCode = status;
  res.setHeader("Content-Type", "text/html; charset=utf-8");
  res.setHeader(
    "Cache-Control",
    dev ? "no-store" : "private, no-cache, no-store, max-age=0, must-revalidate",
  );
  res.setHeader("X-Powered-By", "Next.js");
  res.setHeader("ETag", etagOf(html));
  res.setHeader("Content-Length", Buffer.byteLength(html));
  res.end(html);
}

/**
 * Next's bare error reply. When the head is already on the wire the message is appended to the
 * body instead (reference case 94: `partialInternal Server Error`).
 * @param {import('node:http').ServerResponse} res
 * @param {number} status @param {string} message
 */
function sendPlainError(res, status, message) {
  if (!res.headersSent) {
    res.statusCode = status;
    res.statusMessage = message;
    // Next leaves a Content-Length from a failed res.send() in place and so truncates this text
    // (reference case 86); Petrel sends the whole message, chunked. Known, deliberate difference.
    res.removeHeader("Content-Length");
  }
  res.end(message);
}

module.exports = { renderErrorPage, sendErrorPage, sendPlainError };
