// @ts-check
/**
 * Pages API routes with `runtime: "edge"`: the default export receives a Web `Request` and
 * returns a `Response`. Petrel runs them in Node with the Web APIs (no edge sandbox), as
 * DECISIONS.md settles; `request.url` uses host `localhost`, as Next does.
 */
"use strict";
const { toWebRequest, sendWebResponse, isWebResponse } = require("./web.cjs");
const { describeForPage, sendErrorPage, sendPlainError } = require("./nextjs_pages/error_page.cjs");

const ISE = "Internal Server Error";

/**
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {import('./nextjs_pages.cjs').PagesContext} ctx
 */
async function serveEdgeApi(req, res, ctx) {
  const { log, dev, page } = ctx;
  /** @type {Function} */
  let handler;
  try {
    const mod = await ctx.loadModule();
    const exported = mod?.default;
    handler = typeof exported === "function" ? exported : exported?.default;
    if (typeof handler !== "function") {
      const err = new Error(`Page ${page} does not export a default function.`);
      err.stack = `Error: ${err.message}`;
      throw err;
    }
  } catch (err) {
    log.error("", err);
    sendErrorPage(res, 500, ISE, dev, dev ? describeForPage(log, err) : undefined);
    return;
  }
  try {
    const request = toWebRequest(req, res, `http://localhost:${ctx.server.port}`);
    const pending = [];
    const context = {
      params: ctx.params,
      waitUntil(/** @type {Promise<unknown>} */ promise) {
        pending.push(Promise.resolve(promise).catch((e) => log.error("", e)));
      },
    };
    const response = await handler(request, context);
    if (!isWebResponse(response)) {
      throw new Error(`The edge API route ${page} did not return a Response (received ${typeof response}).`);
    }
    await sendWebResponse(res, response);
  } catch (err) {
    log.error("", err);
    if (!res.headersSent) {
      if (dev) sendErrorPage(res, 500, ISE, true, describeForPage(log, err));
      else sendPlainError(res, 500, ISE);
    } else {
      res.destroy();
    }
  }
}

module.exports = { serveEdgeApi };
