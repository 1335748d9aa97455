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
 */
import { parseBody, BodyError } from "./nextjs_pages/body.mjs";
import {
  splitTarget,
  parseQuery,
  mergeParams,
  paramNames,
  rebuildUrl,
  addForwardedHeaders,
  parseCookies,
  defineLazy,
} from "./nextjs_pages/request.mjs";
import { guardResponse, installResponseHelpers, responseLimitMessage } from "./nextjs_pages/response.mjs";
import { renderErrorPage, sendErrorPage, sendPlainError } from "./nextjs_pages/error_page.mjs";
import { parseByteSize } from "./nextjs_pages/sizes.mjs";

export { renderErrorPage };

// Saved before any user module loads: handlers may replace globals.
const WebResponse = globalThis.Response;
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
 * Serve one request with a Pages API route.
 * @param {import('node:http').IncomingMessage} req genuine; `req.url` is the raw request target
 * @param {import('node:http').ServerResponse} res
 * @param {PagesContext} ctx
 * @returns {Promise<void>} settles when the handler's returned promise settled (never rejects
 *   for handler or body errors; those are answered and logged here)
 */
export async function servePagesApi(req, res, ctx) {
  const { page, dev, log } = ctx;
  const config = normaliseConfig(ctx.config);
  const params = ctx.params ?? {};
  const anyReq = /** @type {any} */ (req);

  // Request shaping (before anything can fail, so log lines show the rewritten URL).
  const { pathname, search } = splitTarget(req.url ?? "/");
  const query = mergeParams(parseQuery(search), params);
  req.url = rebuildUrl(pathname, search, ctx.basePath ?? "", paramNames(page, params));
  addForwardedHeaders(req, ctx.server);
  anyReq.query = query;
  defineLazy(req, "cookies", () => parseCookies(req.headers.cookie));
  // Preview/draft mode are not supported: report them off, as Next does without its cookies.
  anyReq.previewData = false;
  anyReq.preview = false;
  anyReq.draftMode = false;

  const limit = responseLimitBytes(config.responseLimit);
  guardResponse(res, {
    limit,
    onLimit: (bytes) => log.warn(responseLimitMessage(req.url, bytes)),
  });
  installResponseHelpers(req, res, { dev, log });

  /** @type {Function} */
  let handler;
  try {
    handler = resolveHandler(await ctx.loadModule(), page);
  } catch (err) {
    // Import failures and a missing default export: Next's HTML 500 page, on every request.
    log.error("", err);
    sendErrorPage(res, 500, ISE, dev);
    return;
  }

  let piped = false;
  if (dev) res.once("pipe", () => (piped = true));

  try {
    if (config.bodyParser && !anyReq.body) anyReq.body = await parseBody(req, config.sizeLimit);
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
    if (dev && !res.headersSent) sendErrorPage(res, 500, ISE, true);
    else sendPlainError(res, 500, ISE);
  }
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
  return (
    (typeof WebResponse === "function" && value instanceof WebResponse) ||
    toStringTag.call(value) === "[object Response]"
  );
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
