// @ts-check
/**
 * The helpers Next adds to a Pages API `res` (reference §4) and the write guards its server puts
 * around a response. Clients and caches see every detail here — which body kinds get a
 * Content-Type, the ETag text, when a 304 is sent — so the branches follow the recorded cases
 * one by one instead of being "simplified".
 */
"use strict";
const { ServerResponse } = require("node:http");
const { Stream } = require("node:stream");
const { formatByteSize } = require("./sizes.cjs");

const { stringify: jsonStringify } = JSON;
const { byteLength: bufferByteLength, isBuffer } = Buffer;

const JSON_TYPE = "application/json; charset=utf-8";
const OCTET_TYPE = "application/octet-stream";

const REDIRECT_ARGS_ERROR =
  "Invalid redirect arguments. Please use a single argument URL, e.g. res.redirect('/destination') " +
  "or use a status code and URL, e.g. res.redirect(307, '/destination').";

// ---------------------------------------------------------------------------------------------
// ETag: FNV-1a over UTF-16 code units with the 64-bit parameters, XOR-folded to 52 bits so it is
// exact in a double, printed in base 36, followed by the payload length in base 36. The state is
// kept as two unsigned 32-bit halves; every intermediate product stays below 2^53.

const TWO_32 = 4294967296;

/** Incremental hasher, so a Buffer's JSON form can be hashed without building that string. */
class Fnv52 {
  constructor() {
    this.hi = 0xcbf29ce4; // 64-bit offset basis 0xcbf29ce484222325
    this.lo = 0x84222325;
    this.length = 0;
  }
  /** @param {string} text */
  update(text) {
    let { hi, lo } = this;
    for (let i = 0; i < text.length; i++) {
      lo = (lo ^ text.charCodeAt(i)) >>> 0;
      // multiply by the 64-bit prime 2^40 + 435, modulo 2^64
      const low = lo * 435;
      const carry = Math.floor(low / TWO_32);
      hi = (hi * 435 + carry + ((lo << 8) >>> 0)) >>> 0;
      lo = low >>> 0;
    }
    this.hi = hi;
    this.lo = lo;
    this.length += text.length;
    return this;
  }
  /** the tag text, quotes included */
  tag() {
    const folded = (this.hi & 0xfffff) * TWO_32 + ((this.lo ^ (this.hi >>> 20)) >>> 0);
    return `"${folded.toString(36)}${this.length.toString(36)}"`;
  }
}

/**
 * The ETag Next sends for a payload string. A Buffer is hashed through its JSON form
 * (`{"type":"Buffer","data":[…]}`), which is what Next hashes, without materialising it.
 * @param {string | Buffer} payload
 */
function etagOf(payload) {
  const h = new Fnv52();
  if (typeof payload === "string") return h.update(payload).tag();
  h.update('{"type":"Buffer","data":[');
  for (let i = 0; i < payload.length; i++) h.update(i === 0 ? String(payload[i]) : "," + payload[i]);
  return h.update("]}").tag();
}

/**
 * Whether a conditional request can be answered with 304 for this ETag: If-None-Match matches
 * (weak comparison; `*` matches anything), the request does not say `Cache-Control: no-cache`,
 * and it carries no If-Modified-Since (these responses have no Last-Modified to compare with).
 * @param {import('node:http').IncomingHttpHeaders} headers @param {string} etag
 */
function isFresh(headers, etag) {
  const noneMatch = headers["if-none-match"];
  if (!noneMatch) return false;
  const cacheControl = headers["cache-control"];
  if (cacheControl && /(?:^|,)\s*no-cache\s*(?:,|$)/i.test(cacheControl)) return false;
  if (headers["if-modified-since"]) return false;
  if (noneMatch === "*") return true;
  for (const raw of noneMatch.split(/[ ,]+/)) {
    if (!raw) continue;
    if (raw === etag || raw === "W/" + etag || "W/" + raw === etag) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------

/** @param {unknown} chunk */
function chunkBytes(chunk) {
  if (!chunk || typeof chunk === "function") return 0;
  if (typeof chunk === "string") return bufferByteLength(chunk);
  if (ArrayBuffer.isView(chunk)) return chunk.byteLength;
  return 0;
}

/**
 * @typedef {object} ResponseGuard
 * @property {number | null} limit response-size warning threshold in bytes, null when disabled
 * @property {(limit: number, url: string | undefined) => void} onLimit
 */

const kGuard = Symbol("petrel.responseGuard");
const kSent = Symbol("petrel.sentBytes");
const kWarned = Symbol("petrel.sizeWarned");

/**
 * The `res` class of the worker's server. Next's server stack puts guards around a handler's
 * `write`/`end`/`setHeader`; Petrel keeps them here as methods instead of wrapping every
 * response in fresh closures. Responses start unguarded (plain `ServerResponse` behaviour, e.g.
 * for edge routes) and `guardResponse` switches one on.
 */
class PagesResponse extends ServerResponse {
  /** @param {import('node:http').IncomingMessage} req @param {any} [options] */
  constructor(req, options) {
    super(req, options);
    /** @type {ResponseGuard | null} */
    this[kGuard] = null;
    this[kSent] = 0; // bytes passed to write/end, for the size warning
    this[kWarned] = false;
  }

  /** After the head went out, `setHeader` is ignored instead of throwing ERR_HTTP_HEADERS_SENT. */
  setHeader(/** @type {string} */ name, /** @type {any} */ value) {
    if (this[kGuard] && this.headersSent) return this;
    return super.setHeader(name, value);
  }

  /** Writes after the end are ignored (Node would emit an unhandled `error`); bytes are counted. */
  write(/** @type {any} */ chunk, /** @type {any} */ encoding, /** @type {any} */ callback) {
    const guard = this[kGuard];
    if (guard) {
      if (this.writableEnded) return false;
      if (guard.limit !== null) this[kSent] += chunkBytes(chunk);
    }
    return super.write(chunk, encoding, callback);
  }

  /**
   * A second `end` is ignored; the size warning fires once the limit is reached. Next's
   * compression layer writes the head before ending, so a body given to `end()` without an
   * explicit Content-Length goes out chunked (reference §4.4); plain Node would add one.
   */
  end(/** @type {any} */ chunk, /** @type {any} */ encoding, /** @type {any} */ callback) {
    const guard = this[kGuard];
    if (guard) {
      if (this.writableEnded) return this;
      if (guard.limit !== null) {
        this[kSent] += chunkBytes(chunk);
        if (!this[kWarned] && this[kSent] >= guard.limit) {
          this[kWarned] = true;
          guard.onLimit(guard.limit, this.req?.url);
        }
      }
      if (!this.headersSent && this.getHeader("Content-Length") === undefined) this.flushHeaders();
    }
    return super.end(chunk, encoding, callback);
  }
}

/**
 * Turn on Next's write guards for `res` (see `PagesResponse`). A response from a server that was
 * not created with `PagesResponse` (tests, embedders) is given its prototype first.
 * @param {import('node:http').ServerResponse} res
 * @param {ResponseGuard} guard shared by all responses of a route
 */
function guardResponse(res, guard) {
  if (!(res instanceof PagesResponse)) Object.setPrototypeOf(res, PagesResponse.prototype);
  const guarded = /** @type {PagesResponse} */ (res);
  guarded[kSent] = 0;
  guarded[kWarned] = false;
  guarded[kGuard] = guard;
}

/**
 * The size warning text (reference §5.3).
 * @param {string | undefined} url @param {number} limit
 */
function responseLimitMessage(url, limit) {
  return (
    `API response for ${url} exceeds ${formatByteSize(limit)}. API Routes are meant to respond ` +
    "quickly. https://nextjs.org/docs/messages/api-routes-response-size-limit"
  );
}

/**
 * @typedef {object} HelperOptions
 * @property {boolean} dev
 * @property {{ warn(message: string): void, info(message: string): void }} log
 */

/**
 * Add `status`, `send`, `json`, `redirect`, `revalidate` and the preview/draft helpers to `res`.
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {HelperOptions} opts
 */
function installResponseHelpers(req, res, { dev, log }) {
  const api = /** @type {any} */ (res);

  /** @param {number} code */
  api.status = (code) => {
    res.statusCode = code; // validated by Node when the head is written, as in Next
    return res;
  };

  /** @param {unknown} body */
  api.send = (body) => {
    if (body === null || body === undefined) {
      res.end();
      return;
    }
    const code = res.statusCode;
    if (code === 204 || code === 304) {
      res.removeHeader("Content-Type");
      res.removeHeader("Content-Length");
      res.removeHeader("Transfer-Encoding");
      if (dev && body) {
        log.warn(
          `A body was attempted to be set with a ${code} statusCode for ${req.url}, this is invalid ` +
            "and the body was ignored.\nSee more info here https://nextjs.org/docs/messages/invalid-api-status-body",
        );
      }
      res.end();
      return;
    }
    const presetType = res.getHeader("Content-Type");
    if (body instanceof Stream) {
      if (!presetType) res.setHeader("Content-Type", OCTET_TYPE);
      /** @type {import('node:stream').Readable} */ (body).pipe(res);
      return;
    }
    const kind = typeof body;
    const jsonLike = kind === "object" || kind === "number" || kind === "boolean";
    const buffer = isBuffer(body) ? /** @type {Buffer} */ (body) : null;
    const text = buffer ? null : jsonLike ? jsonStringify(body) : body;
    if (!buffer && typeof text !== "string") {
      throw new TypeError(`res.send() cannot send a value of type ${kind}`);
    }
    const etag = etagOf(buffer ?? /** @type {string} */ (text));
    res.setHeader("ETag", etag);
    if (isFresh(req.headers, etag)) {
      res.statusCode = 304;
      res.end();
      return;
    }
    if (buffer) {
      if (!presetType) res.setHeader("Content-Type", OCTET_TYPE);
      res.setHeader("Content-Length", buffer.length);
      res.end(buffer);
      return;
    }
    const str = /** @type {string} */ (text);
    if (jsonLike) res.setHeader("Content-Type", JSON_TYPE);
    res.setHeader("Content-Length", bufferByteLength(str));
    res.end(str);
  };

  /** @param {unknown} value */
  api.json = (value) => {
    res.setHeader("Content-Type", JSON_TYPE);
    return api.send(jsonStringify(value));
  };

  /** @param {number | string} statusOrUrl @param {string} [url] */
  api.redirect = (statusOrUrl, url) => {
    let code = statusOrUrl;
    let location = url;
    if (typeof statusOrUrl === "string") {
      location = statusOrUrl;
      code = 307;
    }
    if (typeof code !== "number" || typeof location !== "string") throw new Error(REDIRECT_ARGS_ERROR);
    res.writeHead(code, { Location: location });
    res.write(location);
    res.end();
    return res;
  };

  // Petrel has no ISR pages to regenerate yet (DECISIONS.md "Spine"): validate like Next, log, resolve.
  /** @param {unknown} urlPath */
  api.revalidate = async (urlPath) => {
    if (typeof urlPath !== "string" || !urlPath.startsWith("/")) {
      throw new Error(
        `Invalid urlPath provided to revalidate(), must be a path e.g. /blog/post-1, received ${urlPath}`,
      );
    }
    log.info(`revalidate ${urlPath}`);
  };

  // Preview and draft mode need Next's signed cookies; they are not supported, so these are
  // accepted and do nothing (chaining still works).
  api.setDraftMode = () => res;
  api.setPreviewData = () => res;
  api.clearPreviewData = () => res;
}

module.exports = {
  JSON_TYPE,
  etagOf,
  isFresh,
  PagesResponse,
  guardResponse,
  responseLimitMessage,
  installResponseHelpers,
};
