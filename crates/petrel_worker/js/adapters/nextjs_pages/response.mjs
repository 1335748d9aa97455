// @ts-check
/**
 * The helpers Next adds to a Pages API `res` (reference §4) and the write guards its server puts
 * around a response. Clients and caches see every detail here — which body kinds get a
 * Content-Type, the ETag text, when a 304 is sent — so the branches follow the recorded cases
 * one by one instead of being "simplified".
 */
import { Stream } from "node:stream";
import { formatByteSize } from "./sizes.mjs";

const { stringify: jsonStringify } = JSON;
const { byteLength: bufferByteLength, isBuffer } = Buffer;

export const JSON_TYPE = "application/json; charset=utf-8";
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
export function etagOf(payload) {
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
export function isFresh(headers, etag) {
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
 * Wrap `write`/`end`/`setHeader` the way Next's server stack behaves around a handler:
 * `setHeader` after the head went out is ignored (no ERR_HTTP_HEADERS_SENT), writes and ends
 * after the response ended are ignored silently (Node would emit an unhandled `error`), `end`
 * without a Content-Length is chunked, and the bytes passed to write/end are counted for the
 * response-size warning.
 * @param {import('node:http').ServerResponse} res
 * @param {{ limit: number | null, onLimit: (limit: number) => void }} opts
 */
export function guardResponse(res, { limit, onLimit }) {
  const setHeader = res.setHeader;
  const write = res.write;
  const end = res.end;
  let sent = 0;
  let warned = false;
  /** @type {any} */ (res).setHeader = function guardedSetHeader(/** @type {any[]} */ ...args) {
    if (res.headersSent) return res;
    return Reflect.apply(setHeader, res, args);
  };
  /** @type {any} */ (res).write = function guardedWrite(/** @type {any[]} */ ...args) {
    if (res.writableEnded) return false;
    if (limit !== null) sent += chunkBytes(args[0]);
    return Reflect.apply(write, res, args);
  };
  /** @type {any} */ (res).end = function guardedEnd(/** @type {any[]} */ ...args) {
    if (res.writableEnded) return res;
    if (limit !== null) {
      sent += chunkBytes(args[0]);
      if (!warned && sent >= limit) {
        warned = true;
        onLimit(limit);
      }
    }
    // Next's compression layer writes the head before ending, so a body given to end() without
    // an explicit Content-Length goes out chunked (reference §4.4); plain Node would add one.
    if (!res.headersSent && res.getHeader("Content-Length") === undefined) res.flushHeaders();
    return Reflect.apply(end, res, args);
  };
}

/**
 * The size warning text (reference §5.3).
 * @param {string | undefined} url @param {number} limit
 */
export function responseLimitMessage(url, limit) {
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
export function installResponseHelpers(req, res, { dev, log }) {
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
