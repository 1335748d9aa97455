// @ts-check
/**
 * Next.js Pages API adapter: what Next's "api resolver" does around a `pages/api/**` handler,
 * rebuilt so that handlers ported from Next see the same `req`/`res` and clients see the same
 * wire behaviour (contract: shared/reference/nextjs-api-semantics.md, `next start` semantics,
 * with `next dev` diagnostics when `ctx.dev`). The worker main owns sockets and module loading;
 * this module owns everything between a parsed request and the handler's settled promise.
 *
 * Helpers live in ./nextjs_pages/ by concern: request shaping, body parsing, response helpers,
 * error pages, byte sizes.
 *
 * This runs for every request, so it is kept lean: what depends only on the route is worked out
 * once (`preparePagesRoute`), the write guards are methods of the server's `PagesResponse` class
 * instead of per-request wrappers, and `req.cookies` uses one shared accessor pair (per-request
 * accessor closures gave every request its own hidden class, which cost more than all the rest).
 */
"use strict";
const { parseBody, BodyError } = require("./nextjs_pages/body.cjs");
const {
  splitTarget,
  parseQuery,
  mergeParams,
  paramNames,
  rebuildUrl,
  addForwardedHeaders,
  defineLazyCookies,
} = require("./nextjs_pages/request.cjs");
const {
  PagesResponse,
  guardResponse,
  installResponseHelpers,
  responseLimitMessage,
} = require("./nextjs_pages/response.cjs");
const { describeForPage, renderErrorPage, sendErrorPage, sendPlainError } = require("./nextjs_pages/error_page.cjs");
const { parseByteSize } = require("./nextjs_pages/sizes.cjs");
// Saved before any user module loads: handlers may replace globals.
const toStringTag = Object.prototype.toString;

const DEFAULT_RESPONSE_LIMIT = 4 * 1024 * 1024;
const ISE = "Internal Server Error";
// Errors are logged as `log.error("", err)`: the host prints the error (its stack, or the thrown
// value) after the message, which is exactly the line Next prints; the route is in the log record.
const RETURNED_RESPONSE =
  'API route returned a Response object in the Node.js runtime, this is not supported. Please use `runtime: "edge"` instead: https://nextjs.org/docs/api-routes/edge-api-routes';

/**
 * @typedef {object} PagesConfig
 * @property {boolean} bodyParser
 * @property {string | number} sizeLimit default '1mb'
 * @property {boolean | string | number} responseLimit default true (4MB)
 * @property {boolean} externalResolver
 *
 * @typedef {object} PagesLog
 * @property {(message: string, err?: unknown) => void} error
 * @property {(message: string) => void} warn
 * @property {(message: string) => void} info
 *
 * @typedef {object} PagesContext
 * @property {string} page route pattern, e.g. "/api/items/[id]"
 * @property {Record<string, string | string[]>} params decoded route params in path order
 * @property {Partial<PagesConfig>} config
 * @property {string} basePath "" when none
 * @property {boolean} dev
 * @property {() => Promise<any>} loadModule
 * @property {PagesLog} log
 * @property {{ host: string, port: number }} server
 */

/**
 * Everything about a route that does not change between its requests, worked out once.
 * @typedef {object} PagesRoute
 * @property {string} page
 * @property {PagesConfig} config
 * @property {number | null} bodyLimit `config.sizeLimit` in bytes
 * @property {Set<string>} paramNames dynamic segment names of the pattern
 * @property {string} basePath
 * @property {boolean} dev
 * @property {PagesLog} log
 * @property {{ host: string, port: number }} server
 * @property {() => Promise<any>} loadModule
 * @property {any} module the module once it loaded (Node caches it; only failures are retried)
 * @property {import('./nextjs_pages/response.cjs').ResponseGuard} guard
 */

/**
 * Prepare a route for `servePagesRoute` (the worker does this once per route and init).
 * @param {Omit<PagesContext, "params">} ctx
 * @returns {PagesRoute}
 */
function preparePagesRoute(ctx) {
  const { page, log } = ctx;
  const config = normaliseConfig(ctx.config);
  return {
    page,
    config,
    bodyLimit: parseByteSize(config.sizeLimit),
    paramNames: paramNames(page, {}),
    basePath: ctx.basePath ?? "",
    dev: ctx.dev,
    log,
    server: ctx.server,
    loadModule: ctx.loadModule,
    module: undefined,
    guard: {
      limit: responseLimitBytes(config.responseLimit),
      onLimit: (bytes, url) => log.warn(responseLimitMessage(url, bytes)),
    },
  };
}

/**
 * Serve one request with a Pages API route.
 * @param {import('node:http').IncomingMessage} req genuine; `req.url` is the raw request target
 * @param {import('node:http').ServerResponse} res
 * @param {PagesContext} ctx
 * @returns {Promise<void>} settles when the handler's returned promise settled (never rejects
 *   for handler or body errors; those are answered and logged here)
 */
async function servePagesApi(req, res, ctx) {
  return servePagesRoute(req, res, preparePagesRoute(ctx), ctx.params ?? {});
}

/**
 * `servePagesApi` for a prepared route.
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {PagesRoute} route
 * @param {Record<string, string | string[]>} params decoded route params in path order
 * @returns {Promise<void>}
 */
async function servePagesRoute(req, res, route, params) {
  const { page, dev, log, config } = route;
  const anyReq = /** @type {any} */ (req);

  // Request shaping (before anything can fail, so log lines show the rewritten URL).
  const { pathname, search } = splitTarget(req.url ?? "/");
  const query = mergeParams(parseQuery(search), params);
  const drop = search === "" ? route.paramNames : withParamKeys(route.paramNames, params);
  req.url = rebuildUrl(pathname, search, route.basePath, drop);
  addForwardedHeaders(req, route.server);
  anyReq.query = query;
  defineLazyCookies(req);
  // Preview/draft mode are not supported: report them off, as Next does without its cookies.
  anyReq.previewData = false;
  anyReq.preview = false;
  anyReq.draftMode = false;

  guardResponse(res, route.guard);
  installResponseHelpers(req, res, { dev, log });

  /** @type {Function} */
  let handler;
  try {
    handler = resolveHandler(route.module ?? (await loadModule(route)), page);
  } catch (err) {
    // Import failures and a missing default export: Next's HTML 500 page, on every request.
    log.error("", err);
    sendErrorPage(res, 500, ISE, dev, dev ? describeForPage(log, err) : undefined);
    return;
  }

  let piped = false;
  if (dev) res.once("pipe", () => (piped = true));

  try {
    if (config.bodyParser && !anyReq.body) anyReq.body = await parseBody(req, route.bodyLimit, config.sizeLimit);
    watchPipedStreams(res, log);
    const result = await handler(req, res);
    // Deliberate difference: Next (start) never answers when a Node-runtime handler returns a
    // Web Response, leaving the client hanging; Petrel fails it with a 500 in both modes, using
    // the error Next dev raises.
    if (isWebResponse(result)) throw new Error(RETURNED_RESPONSE);
    if (dev) {
      if (result !== undefined) log.warn(`API handler should not return a value, received ${typeof result}.`);
      if (!config.externalResolver && !res.writableEnded && !res.headersSent && !piped) {
        log.warn(`API resolved without sending a response for ${req.url}, this may result in stalled requests.`);
      }
    }
  } catch (err) {
    if (err instanceof BodyError) {
      sendPlainError(res, err.status, err.message);
      return;
    }
    if (dev && err && typeof err === "object") {
      try {
        /** @type {any} */ (err).page = page; // Next tags dev errors with their page
      } catch {
        // frozen or exotic error values: nothing to tag
      }
    }
    log.error("", err);
    // A failed invocation, for the host (a background job retries it); removed by the host.
    if (!res.headersSent) res.setHeader("x-petrel-invocation-error", "1");
    if (dev && !res.headersSent) sendErrorPage(res, 500, ISE, true, describeForPage(log, err));
    else sendPlainError(res, 500, ISE);
  }
}

/** @param {PagesRoute} route */
async function loadModule(route) {
  const mod = await route.loadModule();
  route.module = mod;
  return mod;
}

/**
 * The names to drop from the rebuilt query: the pattern's, plus any param the host matched
 * that the pattern does not name (none, normally).
 * @param {Set<string>} names @param {Record<string, unknown>} params
 */
function withParamKeys(names, params) {
  let out = names;
  for (const key in params) {
    if (!out.has(key)) {
      if (out === names) out = new Set(names);
      out.add(key);
    }
  }
  return out;
}

/**
 * The handler of a route module: its default export, or the default of a transpiled CommonJS
 * module (`exports.default = fn` shows up as `default.default` when imported from ESM).
 * @param {any} mod @param {string} page
 * @returns {Function}
 */
function resolveHandler(mod, page) {
  const exported = mod?.default;
  if (typeof exported === "function") return exported;
  if (exported && typeof exported.default === "function") return exported.default;
  const message = `Page ${page} does not export a default function.`;
  const err = new Error(message);
  err.stack = `Error: ${message}`; // our frames would only point into the adapter
  throw err;
}

/** @param {unknown} value */
function isWebResponse(value) {
  if (!value || typeof value !== "object") return false;
  // The tag, not `instanceof`: reading the global `Response` would load Node's fetch
  // implementation (~12 ms) in every worker, and subclasses carry the same tag.
  return toStringTag.call(value) === "[object Response]";
}

/** @param {Partial<PagesConfig> | undefined} config @returns {PagesConfig} */
function normaliseConfig(config) {
  return {
    bodyParser: config?.bodyParser !== false,
    sizeLimit: config?.sizeLimit ?? "1mb",
    responseLimit: config?.responseLimit ?? true,
    externalResolver: config?.externalResolver === true,
  };
}

/**
 * The response-size warning threshold, or null when disabled. As in Next, `true` (and any other
 * value that is not a size) means the 4MB default.
 * @param {boolean | string | number} setting
 */
function responseLimitBytes(setting) {
  if (setting === false) return null;
  if (setting === true || !setting) return DEFAULT_RESPONSE_LIMIT;
  return parseByteSize(setting) ?? DEFAULT_RESPONSE_LIMIT;
}

/**
 * A stream handed to `res.send()` (or piped by the handler) that errors would leave the client
 * waiting forever under Next. Petrel logs it and ends the exchange: a 500 if nothing was sent
 * yet, otherwise the response is cut off so the client sees an incomplete body.
 * @param {import('node:http').ServerResponse} res @param {PagesLog} log
 */
function watchPipedStreams(res, log) {
  res.on("pipe", (/** @type {import('node:stream').Readable} */ source) => {
    source.once("error", (err) => {
      log.error("", err);
      if (res.writableEnded) return;
      if (!res.headersSent) sendPlainError(res, 500, ISE);
      else res.destroy();
    });
  });
}

module.exports = {
  preparePagesRoute,
  servePagesApi,
  servePagesRoute,
  renderErrorPage,
  PagesResponse,
};
