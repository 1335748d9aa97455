// @ts-check
/**
 * Error replies of Netlify Functions (reference §2.2, §2.3, §4; case 29). A function that throws
 * (or whose module fails to load) gets 500: for browsers (`Accept: text/html`) a small page titled
 * "Invocation failed", otherwise plain text `<ErrorType>: <message>\n<stack>`. Netlify shows the
 * error and stack in production as well, so this does not depend on dev mode; in dev the stack is
 * the source-mapped one with a code frame (the host's `log.describe`). The page markup is our own.
 */
"use strict";
const { describeForPage } = require("../nextjs_pages/error_page.cjs");

const LATIN1_PREFIX =
  "Response header contains a character that is not a Latin-1 character (code point 0-255).";

/** @param {string} text */
function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * `Error` subclass name and message of a thrown value.
 * @param {unknown} err
 */
function errorHeadline(err) {
  if (err && typeof err === "object") {
    const e = /** @type {any} */ (err);
    const type = typeof e.name === "string" && e.name ? e.name : e.constructor?.name || "Error";
    const message = typeof e.message === "string" ? e.message : String(e.message ?? "");
    return { type, message };
  }
  return { type: "Error", message: String(err) };
}

/**
 * `<ErrorType>: <message>` followed by the stack.
 * @param {any} log @param {unknown} err
 */
function invocationErrorText(log, err) {
  const { type, message } = errorHeadline(err);
  const headline = `${type}: ${message}`;
  const hasStack = !!err && typeof err === "object" && typeof (/** @type {any} */ (err).stack) === "string";
  if (!hasStack) return headline;
  const text = describeForPage(log, err);
  if (text.startsWith(headline)) return text;
  return text && text !== headline ? `${headline}\n${text}` : headline;
}

/**
 * The "Invocation failed" page.
 * @param {string} name function name @param {string} headline @param {string} stack
 */
function renderInvocationFailed(name, headline, stack) {
  return (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    "<title>Invocation failed</title>" +
    "<style>body{margin:0;padding:40px 24px;font-family:system-ui,sans-serif;color:#111;background:#fff;" +
    "line-height:1.5}main{max-width:960px;margin:0 auto}h1{font-size:24px;margin:0 0 8px}" +
    "h2{font-size:16px;margin:24px 0 8px}pre{padding:12px 16px;background:#f5f5f5;border-radius:6px;" +
    "overflow:auto;white-space:pre-wrap;font-size:13px}code{font-size:95%}" +
    "@media (prefers-color-scheme:dark){body{color:#eee;background:#111}pre{background:#222}}</style>" +
    "</head><body><main><h1>Invocation failed</h1>" +
    `<p>The function <code>${escapeHtml(name)}</code> has crashed. ` +
    "An unhandled error in the function code triggered the following message:</p>" +
    `<pre>${escapeHtml(headline)}</pre>` +
    (stack ? `<h2>Stack trace</h2><pre>${escapeHtml(stack)}</pre>` : "") +
    "</main></body></html>"
  );
}

/** @param {import('node:http').IncomingMessage} req */
function wantsHtml(req) {
  const accept = req.headers.accept;
  return typeof accept === "string" && accept.includes("text/html");
}

/**
 * Answer 500 for an error thrown by the function (or while loading it) and log it. When the
 * response head is already out, the connection is cut instead (the client sees a truncated body).
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {{ name: string, log: any }} ctx
 * @param {unknown} err
 */
function sendInvocationError(req, res, ctx, err) {
  ctx.log.error("", err);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = invocationErrorText(ctx.log, err);
  // Tells the host this 500 is a failed invocation (a background job retries it), not a
  // response the function chose; the host removes it before anything reaches a client.
  const marked = () => res.setHeader(INVOCATION_ERROR_HEADER, "1");
  if (wantsHtml(req)) {
    const { type, message } = errorHeadline(err);
    const headline = `${type}: ${message}`;
    const stack = text.startsWith(headline) ? text.slice(headline.length).replace(/^\n/, "") : text;
    sendBody(res, 500, "text/html; charset=utf-8", renderInvocationFailed(ctx.name, headline, stack), marked);
  } else {
    sendBody(res, 500, "text/plain; charset=utf-8", text.endsWith("\n") ? text : text + "\n", marked);
  }
}

/** Response header marking a failed invocation for the host (never sent to clients). */
const INVOCATION_ERROR_HEADER = "x-petrel-invocation-error";

/**
 * Replace whatever the response held with a complete text reply.
 * @param {import('node:http').ServerResponse} res
 * @param {number} status @param {string | null} contentType @param {string} body
 * @param {() => void} [decorate] adds headers after the old ones are cleared
 */
function sendBody(res, status, contentType, body, decorate) {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const keep = res.getHeader("x-nf-request-id");
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  if (keep !== undefined) res.setHeader("x-nf-request-id", keep);
  decorate?.();
  res.statusCode = status;
  if (contentType) res.setHeader("Content-Type", contentType);
  res.setHeader("Content-Length", Buffer.byteLength(body));
  res.end(body);
}

/**
 * The platform's own plain error text, sent as `netlify dev` sends it: no Content-Type.
 * @param {import('node:http').ServerResponse} res @param {number} status @param {string} message
 */
function sendPlatformError(res, status, message) {
  sendBody(res, status, null, message);
}

/**
 * A plain-text reply (exact platform messages such as v1's invalid-response errors).
 * @param {import('node:http').ServerResponse} res @param {number} status @param {string} message
 */
function sendTextError(res, status, message) {
  sendBody(res, status, "text/plain; charset=utf-8", message);
}

/**
 * Undici's error for a header value outside Latin-1 (thrown by `new Response`, `new Headers`,
 * `headers.set` …).
 * @param {unknown} err
 */
function isByteStringError(err) {
  return (
    err instanceof TypeError &&
    /Cannot convert argument to a ByteString because the character at index \d+ has a value of \d+/.test(err.message)
  );
}

/**
 * Netlify's text for a header value outside Latin-1 (reference §2.3), with what we know about it.
 * @param {string} [detail]
 */
function latin1Message(detail) {
  return (
    `${LATIN1_PREFIX} Header values must be ISO-8859-1 text: encode other characters first, ` +
    `for example with encodeURIComponent().${detail ? ` (${detail})` : ""}\n`
  );
}

/**
 * The first header value with a character above U+00FF, or null.
 * @param {Iterable<[string, string]>} entries
 * @returns {[string, string] | null}
 */
function findNonLatin1(entries) {
  for (const [name, value] of entries) {
    // eslint-disable-next-line no-control-regex
    if (/[^\u0000-\u00ff]/.test(value)) return [name, value];
  }
  return null;
}

module.exports = {
  INVOCATION_ERROR_HEADER,
  LATIN1_PREFIX,
  errorHeadline,
  invocationErrorText,
  renderInvocationFailed,
  sendInvocationError,
  sendTextError,
  sendPlatformError,
  sendBody,
  isByteStringError,
  latin1Message,
  findNonLatin1,
  escapeHtml,
};
