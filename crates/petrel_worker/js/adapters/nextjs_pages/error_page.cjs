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
 * Send the HTML error page with the headers Next puts on its rendered error pages. In dev,
 * `detail` (the error with its source-mapped stack) is shown: in the page for browsers, as
 * plain text for clients that do not ask for HTML (curl, fetch).
 * @param {import('node:http').ServerResponse} res
 * @param {number} status @param {string} title @param {boolean} dev
 * @param {string} [detail]
 */
function sendErrorPage(res, status, title, dev, detail) {
  if (res.headersSent) {
    res.end();
    return;
  }
  const accept = /** @type {any} */ (res).req?.headers?.accept;
  const wantsText = dev && detail !== undefined && !(typeof accept === "string" && accept.includes("text/html"));
  const body = wantsText
    ? `${title}\n\n${detail}\n`
    : dev && detail !== undefined
      ? renderErrorPage(status, title).replace(
          "</body>",
          `<pre style="max-width:90vw;overflow:auto;margin-top:2rem;font-size:13px;white-space:pre-wrap">${escapeHtml(detail)}</pre></body>`,
        )
      : renderErrorPage(status, title);
  const html = body;
  res.statusCode = status;
  res.setHeader("Content-Type", wantsText ? "text/plain; charset=utf-8" : "text/html; charset=utf-8");
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

/**
 * The error as the dev error page shows it: message and source-mapped stack, project paths
 * relative, Node's internal frames left out.
 * @param {any} log @param {unknown} err
 */
function describeForPage(log, err) {
  const anyErr = /** @type {any} */ (err);
  const text =
    typeof log.describe === "function"
      ? log.describe(err)
      : typeof anyErr?.stack === "string"
        ? anyErr.stack
        : String(err);
  return text
    .split("\n")
    .filter((line) => !/^\s+at .*\(?node:internal\//.test(line))
    .join("\n");
}

module.exports = { describeForPage, renderErrorPage, sendErrorPage, sendPlainError };
