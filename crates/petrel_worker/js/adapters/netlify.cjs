// @ts-check
/**
 * Netlify Functions in a Petrel worker (shared/reference/netlify-functions-semantics.md §2, §4,
 * §7). The host has already routed the request (default URL `/.netlify/functions/<name>[/…]` or a
 * `config.path` pattern), decided v1 vs v2 statically, and computed the v2 route params; this
 * adapter builds what the function receives (v1 event + Lambda context, or v2 `Request` +
 * `Context`), calls it and maps the result onto the Node response.
 *
 * Pieces: `netlify/platform.cjs` (request id, `x-nf-*` headers, site/deploy/server values),
 * `netlify/body.cjs` (6 MB request body limit → 413), `netlify/cookies.cjs` (`context.cookies`),
 * `netlify/globals.cjs` (`globalThis.Netlify`, AsyncLocalStorage, `waitUntil` tracking),
 * `netlify/errors.cjs` (500 replies), `netlify/v1.cjs`, `netlify/v2.cjs`.
 */
"use strict";
const { newRequestId } = require("./netlify/platform.cjs");
const { DEFAULT_BODY_LIMIT, declaresTooLarge, methodHasBody, tooLargeMessage, formatLimit } = require("./netlify/body.cjs");
const { installNetlifyGlobal, settleWaitUntil, pendingWaitUntilCount } = require("./netlify/globals.cjs");
const { sendInvocationError, sendTextError } = require("./netlify/errors.cjs");
const { serveV1 } = require("./netlify/v1.cjs");
const { serveV2 } = require("./netlify/v2.cjs");

/**
 * @typedef {object} NetlifyLog
 * @property {(message: string, err?: unknown) => void} error
 * @property {(message: string) => void} warn
 * @property {(message: string) => void} info
 * @property {(err: unknown) => string} [describe] the error's text (source-mapped stack in dev)
 *
 * @typedef {object} NetlifyContext
 * @property {string} name function name (for messages and the Lambda context)
 * @property {"v1" | "v2"} api
 * @property {string | null} route the matched `config.path` pattern as written; null on the default URL
 * @property {Record<string, string>} params v2 route params, as computed by the host (not decoded)
 * @property {() => Promise<any>} loadModule the function's module namespace
 * @property {NetlifyLog} log
 * @property {boolean} dev
 * @property {{ host: string, port: number }} server the address Petrel listens on
 * @property {number} [bodyLimit] request body limit in bytes (default 6 000 000)
 * @property {{ siteId?: string, siteName?: string, url?: string, region?: string }} [env]
 * @property {number} [timeoutMs] the function's time limit, for v1 `getRemainingTimeInMillis` (default 60 000)
 */

/**
 * Serve one request with a Netlify Function. Never rejects: every failure is answered (500, 413)
 * or, once the response head is out, ends the connection.
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {NetlifyContext} ctx
 * @returns {Promise<void>}
 */
async function serveNetlifyFunction(req, res, ctx) {
  try {
    installNetlifyGlobal(); // before the import: module code may read Netlify.env at the top level
    const requestId = newRequestId();
    res.setHeader("x-nf-request-id", requestId);
    const limit = ctx.bodyLimit ?? DEFAULT_BODY_LIMIT;
    const sendTooLarge = () => {
      ctx.log.warn(`Function ${ctx.name}: request body larger than ${formatLimit(limit)}, answered 413`);
      sendTextError(res, 413, tooLargeMessage(ctx.name, limit));
      req.resume(); // drop the rest of the body
    };
    if (methodHasBody(req.method) && declaresTooLarge(req, limit)) {
      sendTooLarge();
      return;
    }
    let mod;
    try {
      mod = await ctx.loadModule();
    } catch (err) {
      sendInvocationError(req, res, ctx, err);
      return;
    }
    if (ctx.api === "v2") await serveV2(req, res, ctx, mod, requestId, limit, sendTooLarge);
    else await serveV1(req, res, ctx, mod, requestId, limit, sendTooLarge);
  } catch (err) {
    // A bug here, not in the function: still answer.
    try {
      ctx.log.error(`petrel: Netlify adapter failure in function ${ctx.name}`, err);
    } catch {
      // nothing left to report with
    }
    if (!res.headersSent) {
      try {
        sendTextError(res, 500, "Internal Server Error\n");
      } catch {
        res.destroy();
      }
    } else {
      res.destroy();
    }
  }
}

module.exports = { serveNetlifyFunction, installNetlifyGlobal, settleWaitUntil, pendingWaitUntilCount };
