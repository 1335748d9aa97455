// @ts-check
/**
 * App Router route handlers (`app/…/route.ts`): the module exports one function per HTTP
 * method, `(request: NextRequest, { params: Promise<…> }) => Response`. This runs them as
 * `next start` 16 does (reference §8, recorded in tests/conformance/nextjs_app):
 * - missing method → 405; HEAD from GET without the body; OPTIONS → 204 with `allow`;
 * - `vary` carries the RSC headers on every answer of a Node route;
 * - a thrown `redirect()`/`notFound()` (Petrel's `next/navigation`, or Next's own) becomes
 *   its status; any other throw, or a value that is not a `Response`, is an empty 500;
 * - `cookies()`/`headers()`/`after()` are bound to the request (../next/request_store.cjs);
 * - a GET-only `force-static` (or `revalidate`) route is rendered once, with an emptied
 *   request, and served from memory with Next's cache headers.
 * `runtime = "edge"` routes run here too, in Node with the Web APIs (DECISIONS.md), with the
 * edge differences Next shows (no RSC `vary`, an HTML 500 page).
 */
"use strict";
const { Readable } = require("node:stream");
const { originalGlobal, isWebResponse, writeWebBody } = require("./web.cjs");
const { describeForPage, sendErrorPage, renderErrorPage } = require("./nextjs_pages/error_page.cjs");

const webResponse = originalGlobal("Response");

/** What `vary` says on every answer of a Node route handler. */
const RSC_VARY = "rsc, next-router-state-tree, next-router-prefetch, next-router-segment-prefetch";
/** The methods a route handler may export, in the order Next lists them in `allow`. */
const HTTP_METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"];
/** Framing headers Node writes itself. */
const FRAMING = new Set(["content-length", "transfer-encoding", "connection", "keep-alive"]);
/** Next's `cache-control` lifetime for a prerendered response without `revalidate`. */
const YEAR = 31536000;

/** Petrel's `next/*` implementation, loaded on the first App Router request. */
let next = /** @type {null | {
  NextRequest: typeof import('../next/server.cjs').NextRequest,
  store: typeof import('../next/request_store.cjs'),
  interpretThrown: typeof import('../next/navigation.cjs').interpretThrown,
  HandlerRequest: any,
}} */ (null);

function loadNext() {
  if (next) return next;
  const { NextRequest } = require("../next/server.cjs");
  /**
   * The request a handler gets: a NextRequest whose `signal` is made on first use (most
   * handlers never read it, and an AbortSignal is among the costliest objects of a request)
   * and aborts when the client goes away.
   */
  class HandlerRequest extends NextRequest {
    /** @type {{ aborted: boolean, controller: AbortController | null }} */
    #client;
    /** @param {string} url @param {any} init @param {{ aborted: boolean, controller: AbortController | null }} client */
    constructor(url, init, client) {
      super(url, init);
      this.#client = client;
    }

    get signal() {
      const client = this.#client;
      if (!client.controller) {
        client.controller = new AbortController();
        if (client.aborted) client.controller.abort();
      }
      return client.controller.signal;
    }
  }
  next = {
    NextRequest,
    store: require("../next/request_store.cjs"),
    interpretThrown: require("../next/navigation.cjs").interpretThrown,
    HandlerRequest,
  };
  return next;
}

// The shims of `next/server`, `next/headers` and `next/navigation` that route modules import
// (written by the compiler) hand over to these, loaded on first use.
const MODULES_KEY = Symbol.for("petrel.next.modules");
if (!(/** @type {any} */ (globalThis)[MODULES_KEY])) {
  Object.defineProperty(globalThis, MODULES_KEY, {
    value: {
      get server() {
        return require("../next/server.cjs");
      },
      get headers() {
        return require("../next/headers.cjs");
      },
      get navigation() {
        return require("../next/navigation.cjs");
      },
    },
  });
}

/**
 * @typedef {object} AppRouteConfig
 * @property {string[]} methods exported HTTP methods (from the build)
 * @property {string} dynamic `auto` | `force-dynamic` | `force-static` | `error`
 * @property {number | null} revalidate
 * @property {string} runtime `nodejs` | `edge`
 *
 * @typedef {object} AppContext
 * @property {string} page
 * @property {string} basePath next.config `basePath` ("" when none)
 * @property {Record<string, string | string[]>} params decoded route parameters
 * @property {AppRouteConfig} config
 * @property {boolean} dev
 * @property {() => Promise<any>} loadModule
 * @property {{ error: (msg: string, err?: unknown) => void, describe?: (err: unknown) => string }} log
 * @property {{ host?: string, port: number }} server
 * @property {{ cached: Promise<Prerendered> | null }} state per-route state kept between requests
 *
 * @typedef {{ status: number, statusText: string, headers: [string, string][], body: Buffer | null }} Prerendered
 */

/**
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {AppContext} ctx
 */
async function serveAppRoute(req, res, ctx) {
  /** @type {any} */
  let mod;
  try {
    mod = await ctx.loadModule();
  } catch (err) {
    ctx.log.error("", err);
    fail(res, ctx, err);
    return;
  }
  const method = (req.method ?? "GET").toUpperCase();
  const search = (req.url ?? "").split("?")[1] ?? "";
  if (req.headers.rsc === "1" && ctx.config.runtime !== "edge" && !new URLSearchParams(search).has("_rsc")) {
    // An RSC request (a client router's) is sent to the flight data URL, which a route handler
    // does not have; Next answers it before routing to the handler.
    const pathname = (req.url ?? "/").split("?")[0];
    res.statusCode = 307;
    res.setHeader("location", `${pathname}?_rsc`);
    res.flushHeaders();
    res.end();
    return;
  }
  const exported = HTTP_METHODS.filter((m) => typeof mod?.[m] === "function");
  if (prerendered(ctx.config, exported)) {
    if (method !== "GET" && method !== "HEAD") {
      // Next serves a prerendered route as a static file: only GET and HEAD are allowed.
      sendNotAllowedForStatic(res);
      return;
    }
    let rendered;
    try {
      ctx.state.cached ??= render(mod.GET, ctx);
      rendered = await ctx.state.cached;
    } catch (err) {
      ctx.state.cached = null;
      ctx.log.error("", err);
      fail(res, ctx, err);
      return;
    }
    sendPrerendered(res, rendered, ctx.config, method);
    return;
  }

  let name = method;
  if (method === "HEAD" && !exported.includes("HEAD") && exported.includes("GET")) name = "GET";
  if (!exported.includes(name)) {
    if (method === "OPTIONS") {
      const allow = new Set(exported);
      if (allow.has("GET")) allow.add("HEAD");
      allow.add("OPTIONS");
      await send(res, new (webResponse())(null, { status: 204, headers: { allow: [...allow].sort().join(", ") } }), ctx, method);
      return;
    }
    await send(res, new (webResponse())(null, { status: 405 }), ctx, method);
    return;
  }
  const handler = mod[name];

  const { store: requestStore, interpretThrown } = loadNext();
  const { runWithRequest, finishResponse, runAfter } = requestStore;
  const request = handlerRequest(req, res, ctx);
  const context = { params: Promise.resolve(ctx.params) };
  /** @type {any} */
  let store;
  /** @type {Response} */
  let response;
  try {
    response = await runWithRequest(request, async (/** @type {any} */ s) => {
      store = s;
      try {
        const result = await handler(request, context);
        if (!isWebResponse(result)) {
          throw new Error(
            `No response is returned from route handler '${ctx.page}'. Ensure you return a \`Response\` or a \`NextResponse\` in all branches of your handler.`,
          );
        }
        return finishResponse(s, result);
      } catch (err) {
        const thrown = interpretThrown(err);
        if (thrown?.kind === "redirect") {
          return finishResponse(s, new (webResponse())(null, { status: thrown.status, headers: { location: thrown.location } }));
        }
        if (thrown?.kind === "http") return new (webResponse())(null, { status: thrown.status });
        throw err;
      }
    });
  } catch (err) {
    ctx.log.error("", err);
    fail(res, ctx, err);
    if (store) runAfter(store, (e) => ctx.log.error("An error occurred in a function passed to `after()`:", e));
    return;
  }
  try {
    await send(res, response, ctx, method);
  } finally {
    if (store) runAfter(store, (e) => ctx.log.error("An error occurred in a function passed to `after()`:", e));
  }
}

/**
 * The request a handler gets: `http://localhost:<port>` and the target without the basePath,
 * its query re-serialised, as Next gives it (`?a=%ZZ&b` → `?a=%25ZZ&b=`).
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {AppContext} ctx
 */
function handlerRequest(req, res, ctx) {
  // Next removes the basePath before the handler runs (request.url and nextUrl alike).
  let target = req.url ?? "/";
  if (ctx.basePath && target.startsWith(ctx.basePath)) {
    const rest = target.slice(ctx.basePath.length);
    target = rest.startsWith("/") ? rest : `/${rest}`;
  }
  const q = target.indexOf("?");
  let path = target;
  // `force-static`: the handler sees the request it would be prerendered with, even when it is
  // not (it exports more than GET): no query, no headers.
  const emptied = ctx.config.dynamic === "force-static";
  if (q >= 0) {
    const query = emptied ? "" : new URLSearchParams(target.slice(q + 1)).toString();
    path = target.slice(0, q) + (query ? `?${query}` : "");
  }
  // Pairs, not a Headers object: the Request fills its own list from them once.
  /** @type {[string, string][]} */
  const headers = [];
  if (!emptied) {
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) headers.push([raw[i], raw[i + 1]]);
    addForwarded(headers, req, ctx.server);
  }
  const client = { aborted: false, controller: /** @type {AbortController | null} */ (null) };
  res.once("close", () => {
    if (res.writableFinished) return;
    client.aborted = true;
    client.controller?.abort();
  });
  const method = req.method ?? "GET";
  /** @type {RequestInit & { duplex?: string }} */
  const init = { method, headers };
  if (method !== "GET" && method !== "HEAD") {
    init.body = /** @type {any} */ (Readable.toWeb(req));
    init.duplex = "half";
  }
  return new (loadNext().HandlerRequest)(`http://localhost:${ctx.server.port}${path}`, init, client);
}

/**
 * The `x-forwarded-*` headers Next adds when the client did not send them (client values are
 * kept), after the client's own.
 * @param {[string, string][]} headers @param {import('node:http').IncomingMessage} req
 * @param {{ host?: string, port: number }} server
 */
function addForwarded(headers, req, server) {
  const h = req.headers;
  const ip = req.socket?.remoteAddress;
  if (h["x-forwarded-for"] === undefined && ip !== undefined) headers.push(["x-forwarded-for", ip]);
  if (h["x-forwarded-host"] === undefined) {
    const host = server.host ?? "localhost";
    const fallback = `${host.includes(":") ? `[${host}]` : host}:${server.port}`;
    headers.push(["x-forwarded-host", typeof h.host === "string" ? h.host : fallback]);
  }
  if (h["x-forwarded-port"] === undefined) headers.push(["x-forwarded-port", String(server.port)]);
  if (h["x-forwarded-proto"] === undefined) headers.push(["x-forwarded-proto", "http"]);
}

/**
 * Whether the route is rendered once at build time by Next: GET is its only method, and it is
 * `force-static`/`error`, or sets `revalidate`.
 * @param {AppRouteConfig} config @param {string[]} exported
 */
function prerendered(config, exported) {
  const staticConfig = config.dynamic === "force-static" || config.dynamic === "error" || config.revalidate != null;
  return staticConfig && config.dynamic !== "force-dynamic" && exported.length === 1 && exported[0] === "GET";
}

/**
 * Runs a prerendered GET once, with the request Next prerenders with: no query, no headers.
 * @param {Function} handler @param {AppContext} ctx @returns {Promise<Prerendered>}
 */
async function render(handler, ctx) {
  const {
    NextRequest,
    store: { runWithRequest, finishResponse },
  } = loadNext();
  const request = new NextRequest(`http://localhost:${ctx.server.port}${ctx.page}`);
  const response = await runWithRequest(request, async (/** @type {any} */ s) => {
    const result = await handler(request, { params: Promise.resolve(ctx.params) });
    if (!isWebResponse(result)) throw new Error(`No response is returned from route handler '${ctx.page}'.`);
    return finishResponse(s, result);
  });
  const body = response.body ? Buffer.from(await response.arrayBuffer()) : null;
  return {
    status: response.status,
    statusText: response.statusText,
    headers: [...response.headers],
    body,
  };
}

/**
 * @param {import('node:http').ServerResponse} res @param {Prerendered} rendered
 * @param {AppRouteConfig} config @param {string} method
 */
function sendPrerendered(res, rendered, config, method) {
  res.statusCode = rendered.status;
  if (rendered.statusText) res.statusMessage = rendered.statusText;
  let cacheControl = false;
  for (const [name, value] of rendered.headers) {
    if (FRAMING.has(name)) continue;
    if (name === "cache-control") cacheControl = true;
    res.appendHeader(name, value);
  }
  if (!cacheControl) {
    const seconds = config.revalidate;
    res.setHeader(
      "cache-control",
      seconds == null ? `s-maxage=${YEAR}` : `s-maxage=${seconds}, stale-while-revalidate=${YEAR - seconds}`,
    );
  }
  res.setHeader("x-nextjs-cache", "HIT");
  res.setHeader("vary", RSC_VARY);
  if (method === "HEAD" || !rendered.body) res.end();
  else {
    res.flushHeaders();
    res.end(rendered.body);
  }
}

/** A non-GET request to a prerendered route: Next's static 405. @param {import('node:http').ServerResponse} res */
function sendNotAllowedForStatic(res) {
  res.statusCode = 405;
  res.setHeader("allow", ["GET", "HEAD"]);
  res.setHeader("vary", RSC_VARY);
  res.flushHeaders();
  res.end("Method Not Allowed");
}

/**
 * Writes the handler's response: its status and headers (framing left to Node: bodies go out
 * chunked, as Next sends them), the RSC `vary` first, then the body as it is produced.
 * @param {import('node:http').ServerResponse} res @param {Response} response
 * @param {AppContext} ctx @param {string} method
 */
async function send(res, response, ctx, method) {
  res.statusCode = response.status;
  if (response.statusText) res.statusMessage = response.statusText;
  const vary = ctx.config.runtime === "edge" ? [] : [RSC_VARY];
  for (const [name, value] of response.headers) {
    if (FRAMING.has(name) || name === "set-cookie") continue;
    if (name === "vary") vary.push(value);
    else res.setHeader(name, value);
  }
  if (vary.length > 0) res.setHeader("vary", vary.join(", "));
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader("set-cookie", cookies);
  await writeWebBody(res, response, { head: method === "HEAD", chunked: true });
}

/**
 * The answer to a handler that threw (or a module that failed to load): in `next start` an
 * empty 500 (an HTML error page for edge routes); in `dev` the error page with the stack.
 * @param {import('node:http').ServerResponse} res @param {AppContext} ctx @param {unknown} err
 */
function fail(res, ctx, err) {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (ctx.dev) {
    sendErrorPage(res, 500, "Internal Server Error", true, describeForPage(ctx.log, err));
    return;
  }
  if (ctx.config.runtime === "edge") {
    res.statusCode = 500;
    res.setHeader("content-type", "text/html; charset=utf-8");
    res.setHeader("cache-control", "private, no-cache, no-store, max-age=0, must-revalidate");
    res.setHeader("x-powered-by", "Next.js");
    res.end(renderErrorPage(500, "Internal Server Error"));
    return;
  }
  res.statusCode = 500;
  res.setHeader("vary", RSC_VARY);
  res.flushHeaders();
  res.end();
}

module.exports = { serveAppRoute, RSC_VARY, HTTP_METHODS };
