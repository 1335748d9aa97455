// @ts-check
/**
 * Netlify Functions v2 (web-standard): `export default async (req: Request, context: Context)
 * => Response | undefined`, or a default-exported object with a `fetch(req, context)` method
 * (reference §2.1, §2.3, §2.4; cases 1, 2, 27-33).
 */
"use strict";
const { originalGlobal, isWebResponse, writeWebBody, pumpWebStream } = require("../web.cjs");
const {
  PLATFORM_HEADERS,
  platformHeaders,
  requestOrigin,
  requestUrl,
  deployInfo,
  serverInfo,
  siteInfo,
  decodeGeo,
} = require("./platform.cjs");
const { CookieJar, cookiesApi } = require("./cookies.cjs");
const { methodHasBody, limitedBodyStream } = require("./body.cjs");
const { contextStorage, trackWaitUntil } = require("./globals.cjs");
const { sendInvocationError, sendTextError, isByteStringError, latin1Message, findNonLatin1 } = require("./errors.cjs");

const webRequest = originalGlobal("Request");
const webHeaders = originalGlobal("Headers");
const webResponse = originalGlobal("Response");
const webFetch = originalGlobal("fetch");

const UNSUPPORTED_VALUE = "Function returned an unsupported value. Accepted types are 'Response' or 'undefined'";
const NEXT_NOT_IMPLEMENTED = "`context.next` is not implemented for serverless functions";

/** Framing headers Node writes itself; a function's values for them are dropped. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"]);
/** Codings `fetch` decodes: a fetched response's body no longer has them. */
const DECODED_CODINGS = new Set(["gzip", "x-gzip", "deflate", "br"]);

/**
 * @typedef {import('../netlify.cjs').NetlifyContext} NetlifyContext
 * @typedef {(request: Request, context: object) => unknown} V2Entry
 */

/**
 * The callable of a v2 module, or null. Accepts a default-exported function, an object with a
 * `fetch` method, and either of those under `default.default` (a CommonJS `exports.default`).
 * @param {any} mod
 * @returns {V2Entry | null}
 */
function v2Entry(mod) {
  let exported = mod?.default;
  if (exported && typeof exported === "object" && typeof exported.fetch !== "function" && exported.default) {
    exported = exported.default;
  }
  if (typeof exported === "function") return (request, context) => exported(request, context);
  if (exported && typeof exported === "object" && typeof exported.fetch === "function") {
    return (request, context) => exported.fetch(request, context);
  }
  return null;
}

/** @param {string} name */
function v2ShapeMessage(name) {
  return (
    `Function "${name}" has no default export that Netlify can call. A web-standard (v2) function must ` +
    'default-export a function, `export default async (req, context) => new Response("ok")`, or an ' +
    "object with a `fetch(req, context)` method. (A Lambda-style function exports `handler` instead.)\n"
  );
}

/** An error whose stack is its headline only (errors raised by the platform, not by user code). @param {string} message */
function platformError(message) {
  const err = new Error(message);
  err.stack = `Error: ${message}`;
  return err;
}

/**
 * The Web `Request` the function sees: the request's URL, method and headers with the platform
 * headers set, and the body streamed (bounded by `limit`).
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {NetlifyContext} ctx @param {string} requestId @param {number} limit
 * @param {() => void} onTooLarge
 * @returns {Request}
 */
function buildRequest(req, res, ctx, requestId, limit, onTooLarge) {
  const headers = new (webHeaders())();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    if (!PLATFORM_HEADERS.has(raw[i].toLowerCase())) headers.append(raw[i], raw[i + 1]);
  }
  for (const [name, value] of platformHeaders(req, requestId, ctx.env)) headers.set(name, value);
  const method = req.method ?? "GET";
  // No `signal`: on Node 20 every AbortSignal is a transferable object that is slow to make,
  // and a Request given one makes a second and listens to the first; that was a third of a
  // v2 call's cost (bench/netlify.py). As on Netlify, a client that goes away does not abort
  // the function; the response stream is cancelled instead (`pumpWebStream`).
  /** @type {RequestInit & { duplex?: string }} */
  const init = { method, headers };
  if (methodHasBody(method)) {
    init.body = limitedBodyStream(req, res, limit, onTooLarge);
    init.duplex = "half";
  }
  return new (webRequest())(requestUrl(req, ctx.server), init);
}

/**
 * `context.rewrite(url)`: a `/`-relative string replaces the path of the request URL (its query
 * is kept); anything else is used as an absolute URL. The request is fetched as it came in
 * (method, headers, body) and that response is returned. Deprecated on Netlify.
 * @param {Request} request @param {string | URL} target
 * @returns {Promise<Response>}
 */
async function rewrite(request, target) {
  /** @type {URL} */
  let url;
  if (target instanceof URL) {
    url = target;
  } else if (typeof target === "string" && target.startsWith("/")) {
    url = new URL(request.url);
    url.pathname = target;
  } else {
    url = new URL(String(target));
  }
  const headers = new (webHeaders())(request.headers);
  for (const name of ["host", "content-length", ...HOP_BY_HOP]) headers.delete(name);
  /** @type {RequestInit & { duplex?: string }} */
  const init = { method: request.method, headers, signal: request.signal };
  if (request.body) {
    init.body = request.body;
    init.duplex = "half";
  }
  return webFetch()(new (webRequest())(url, init));
}

/**
 * The v2 `context` object, keys in Netlify's order.
 * @param {Request} request @param {NetlifyContext} ctx @param {string} requestId
 * @param {InstanceType<typeof CookieJar>} jar @param {string} origin
 */
function buildContext(request, ctx, requestId, jar, origin) {
  // `geo` and `url` are made when first read: most functions read neither.
  /** @type {any} */
  let geo;
  /** @type {URL | undefined} */
  let url;
  return {
    account: { id: request.headers.get("x-nf-account-id") ?? "" },
    cookies: cookiesApi(jar),
    deploy: deployInfo(ctx.dev),
    flags: {},
    path: ctx.route ?? undefined,
    get geo() {
      return (geo ??= decodeGeo(request.headers.get("x-nf-geo")));
    },
    set geo(value) {
      geo = value;
    },
    ip: request.headers.get("x-nf-client-connection-ip") ?? "",
    /** @param {unknown} data */
    json: (data) => webResponse().json(data),
    /** @param {unknown[]} args */
    log: (...args) => console.log(...args),
    next() {
      throw new Error(NEXT_NOT_IMPLEMENTED);
    },
    params: { ...ctx.params },
    requestId,
    /** @param {string | URL} target */
    rewrite: (target) => rewrite(request, target),
    server: serverInfo(ctx.dev, ctx.env),
    site: siteInfo(ctx.env, origin),
    get url() {
      return (url ??= new URL(request.url));
    },
    set url(value) {
      url = value;
    },
    /** @param {unknown} promise */
    waitUntil(promise) {
      trackWaitUntil(promise, (err) =>
        ctx.log.error(`A promise passed to context.waitUntil() by function ${ctx.name} was rejected:`, err),
      );
    },
  };
}

/**
 * Serve one request with a v2 function.
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {NetlifyContext} ctx
 * @param {any} mod the function's module namespace
 * @param {string} requestId
 * @param {number} limit request body limit in bytes
 * @param {() => void} sendTooLarge answers 413
 */
async function serveV2(req, res, ctx, mod, requestId, limit, sendTooLarge) {
  const entry = v2Entry(mod);
  if (!entry) {
    const message = v2ShapeMessage(ctx.name);
    ctx.log.error(message.trimEnd());
    sendTextError(res, 500, message);
    return;
  }
  let tooLarge = false;
  const origin = requestOrigin(req, ctx.server);
  const request = buildRequest(req, res, ctx, requestId, limit, () => {
    tooLarge = true;
  });
  const jar = new CookieJar(req.headers.cookie);
  const context = buildContext(request, ctx, requestId, jar, origin);

  // The whole invocation, response streaming included, runs in the context's async scope, so
  // `Netlify.context` works in body `pull` callbacks too.
  await contextStorage.run(context, async () => {
    let result;
    try {
      result = await entry(request, context);
    } catch (err) {
      if (tooLarge) sendTooLarge();
      else if (isByteStringError(err)) sendLatin1Error(res, ctx, /** @type {Error} */ (err).message);
      else sendInvocationError(req, res, ctx, err);
      return;
    }
    if (tooLarge) {
      sendTooLarge();
      if (isWebResponse(result)) /** @type {Response} */ (result).body?.cancel().catch(() => {});
      return;
    }
    if (result === undefined) {
      res.statusCode = 204;
      const cookies = jar.setCookieHeaders();
      if (cookies.length > 0) res.setHeader("set-cookie", cookies);
      res.end();
      return;
    }
    if (!isWebResponse(result)) {
      sendInvocationError(req, res, ctx, platformError(UNSUPPORTED_VALUE));
      return;
    }
    try {
      await sendResponse(req, res, /** @type {Response} */ (result), jar, ctx);
    } catch (err) {
      sendInvocationError(req, res, ctx, err);
    }
  });
}

/**
 * @param {import('node:http').ServerResponse} res @param {{ name: string, log: any }} ctx
 * @param {string} [detail]
 */
function sendLatin1Error(res, ctx, detail) {
  const message = latin1Message(detail);
  ctx.log.error(`Function ${ctx.name}: ${message.trimEnd()}`);
  sendTextError(res, 500, message);
}

/**
 * Write the function's `Response`: status, headers (the context's cookies appended), and the body
 * streamed chunk by chunk as the function produces it.
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {Response} response @param {InstanceType<typeof CookieJar>} jar
 * @param {{ name: string, log: any }} ctx
 */
async function sendResponse(req, res, response, jar, ctx) {
  const fetched = response.type !== "default" && response.type !== undefined;
  /** @type {Array<[string, string]>} */
  const entries = [];
  for (const [name, value] of response.headers) {
    if (name === "set-cookie" || HOP_BY_HOP.has(name)) continue;
    entries.push([name, value]);
  }
  if (fetched) {
    // `fetch` already decoded the body: its length and coding headers describe other bytes.
    const coding = response.headers.get("content-encoding");
    const decoded = !!coding && coding.split(",").every((c) => DECODED_CODINGS.has(c.trim().toLowerCase()));
    for (let i = entries.length - 1; i >= 0; i--) {
      const name = entries[i][0];
      if ((decoded && name === "content-encoding") || (coding && name === "content-length")) entries.splice(i, 1);
    }
  }
  const headers = /** @type {any} */ (response.headers);
  /** @type {string[]} */
  const cookies =
    typeof headers.getSetCookie === "function"
      ? headers.getSetCookie()
      : headers.get("set-cookie")
        ? [headers.get("set-cookie")]
        : [];
  cookies.push(...jar.setCookieHeaders());

  const bad = findNonLatin1([...entries, ...cookies.map((c) => /** @type {[string, string]} */ (["set-cookie", c]))]);
  if (bad) {
    response.body?.cancel().catch(() => {});
    sendLatin1Error(res, ctx, `header "${bad[0]}"`);
    return;
  }

  res.statusCode = response.status;
  if (response.statusText) res.statusMessage = response.statusText;
  for (const [name, value] of entries) res.setHeader(name, value);
  if (cookies.length > 0) res.setHeader("set-cookie", cookies);

  // Netlify sends a body that is all there with its length (`chunked: false`).
  await writeWebBody(res, response, { head: req.method === "HEAD", chunked: false });
}

module.exports = {
  serveV2,
  v2Entry,
  buildRequest,
  buildContext,
  sendResponse,
  pumpWebStream,
  UNSUPPORTED_VALUE,
  NEXT_NOT_IMPLEMENTED,
};
