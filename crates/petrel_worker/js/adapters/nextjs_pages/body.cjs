// @ts-check
/**
 * Request body parsing for Pages API routes (reference §3.1). Next reads the whole body before
 * the handler runs, so limits and decoding errors become 4xx responses the handler never sees.
 * The rules mirror what Next's parser observably does (content-type parsing strictness, charset
 * handling, empty JSON → `{}`, form bodies through Node's `querystring`), implemented with
 * Node built-ins only.
 */
"use strict";
const querystring = require("node:querystring");

const { parse: jsonParse } = JSON;
const { concat: bufferConcat, from: bufferFrom, alloc: bufferAlloc } = Buffer;

/** An error that becomes a plain-text response with its message as status text and body. */
class BodyError extends Error {
  /** @param {number} status @param {string} message */
  constructor(status, message) {
    super(message);
    this.name = "BodyError";
    this.status = status;
  }
}

// RFC 7231 media-type grammar: token "/" token *( OWS ";" OWS token "=" ( token / quoted-string ) )
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const QUOTED = '"(?:[\\t\\x20\\x21\\x23-\\x5b\\x5d-\\x7e\\x80-\\xff]|\\\\[\\t\\x20-\\x7e\\x80-\\xff])*"';
const TYPE_RE = new RegExp(`^${TOKEN}/${TOKEN}$`);
const PARAM_RE = new RegExp(`; *(${TOKEN}) *= *(${QUOTED}|${TOKEN}) *`, "y");

/**
 * Parse a Content-Type value; throws on anything that is not a well-formed media type (a stray
 * `;`, a missing subtype, bad parameter syntax), as Next's parser does.
 * @param {string} header
 * @returns {{ type: string, params: Record<string, string> }}
 */
function parseMediaType(header) {
  const semi = header.indexOf(";");
  const type = (semi === -1 ? header : header.slice(0, semi)).trim();
  if (!TYPE_RE.test(type)) throw new TypeError("invalid media type");
  /** @type {Record<string, string>} */
  const params = Object.create(null);
  if (semi !== -1) {
    let pos = semi;
    while (pos < header.length) {
      PARAM_RE.lastIndex = pos;
      const m = PARAM_RE.exec(header);
      if (!m) throw new TypeError("invalid parameter format");
      let value = m[2];
      if (value.startsWith('"')) value = value.slice(1, -1).replace(/\\([\t\x20-\xff])/g, "$1");
      params[m[1].toLowerCase()] = value;
      pos = PARAM_RE.lastIndex;
    }
  }
  return { type: type.toLowerCase(), params };
}

/**
 * A decoder for a charset label, or null when the label is unknown (→ 400 `Invalid body`).
 * Next decodes with iconv-lite, which strips a leading BOM and reads `latin1` as ISO-8859-1;
 * the common labels are mapped to equivalent built-ins, the rest go through WHATWG TextDecoder.
 * @param {string} label
 * @returns {((bytes: Buffer) => string) | null}
 */
function decoderFor(label) {
  if (label === "utf-8") return decodeUtf8; // the default
  const key = label.toLowerCase().replace(/[^0-9a-z]/g, "");
  switch (key) {
    case "utf8":
    case "unicode11utf8":
      return decodeUtf8;
    case "latin1":
    case "iso88591":
    case "binary":
    case "l1":
      return decodeLatin1;
    case "ascii":
    case "usascii":
      return decodeAscii;
    case "windows1252":
    case "cp1252":
    case "xcp1252":
      return decodeWindows1252;
    case "ucs2":
    case "utf16le":
    case "utf16":
      return decodeUtf16le;
    default:
      return textDecoder(label.trim());
  }
}

// Windows-1252 differs from ISO-8859-1 only in 0x80-0x9F. Node 20's TextDecoder decodes that range
// as ISO-8859-1 (a Node bug), so the 27 assigned code points are mapped here; the five unassigned
// bytes stay C1 controls, as in iconv-lite and the WHATWG table.
const CP1252_HIGH =
  "\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f" +
  "\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178";

/** @param {Buffer} bytes */
function decodeWindows1252(bytes) {
  return bytes.toString("latin1").replace(/[\x80-\x9f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]);
}

/** @param {Buffer} bytes */
const decodeLatin1 = (bytes) => bytes.toString("latin1");
/** @param {Buffer} bytes */
const decodeAscii = (bytes) => bytes.toString("ascii");
// Decoding without `stream: true` keeps no state, so one decoder serves every request.
const decodeUtf8 = /** @type {(bytes: Buffer) => string} */ (textDecoder("utf-8"));
const decodeUtf16le = /** @type {(bytes: Buffer) => string} */ (textDecoder("utf-16le"));

/** @param {string} label @returns {((bytes: Buffer) => string) | null} */
function textDecoder(label) {
  try {
    const decoder = new TextDecoder(label); // replaces invalid sequences with U+FFFD, strips BOM
    return (bytes) => decoder.decode(bytes);
  } catch {
    return null;
  }
}

/**
 * Read the whole body, failing with 413 as soon as more than `limit` bytes arrived. On failure
 * the rest of the upload is drained and discarded so the connection can carry the error reply.
 * @param {import('node:http').IncomingMessage} req
 * @param {number | null} limit
 * @param {string | number} limitText the configured value, echoed verbatim in the 413 message
 * @returns {Promise<Buffer>}
 */
function readAll(req, limit, limitText) {
  return new Promise((resolve, reject) => {
    if (req.readableEnded) {
      resolve(bufferAlloc(0));
      return;
    }
    /** @type {Buffer[]} */
    const chunks = [];
    let received = 0;
    let settled = false;
    /** @param {Buffer | string} chunk */
    const onData = (chunk) => {
      const buf = typeof chunk === "string" ? bufferFrom(chunk) : chunk;
      received += buf.length;
      if (limit !== null && received > limit) {
        fail(new BodyError(413, `Body exceeded ${limitText} limit`));
        return;
      }
      chunks.push(buf);
    };
    const onEnd = () => {
      cleanup();
      settled = true;
      resolve(chunks.length === 1 ? chunks[0] : bufferConcat(chunks, received));
    };
    const onAbort = () => fail(new BodyError(400, "Invalid body"));
    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onAbort);
      req.off("close", onAbort);
    };
    /** @param {BodyError} err */
    const fail = (err) => {
      if (settled) return;
      settled = true;
      cleanup();
      chunks.length = 0;
      req.resume();
      reject(err);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onAbort);
    req.on("close", onAbort);
  });
}

/**
 * Whether the request carries body bytes. An HTTP/1.1 request without Content-Length and
 * Transfer-Encoding has no body (RFC 9112 §6.3), and neither has one with Content-Length 0.
 * @param {import('node:http').IncomingHttpHeaders} headers
 */
function hasBody(headers) {
  if (headers["transfer-encoding"] !== undefined) return true;
  const length = headers["content-length"];
  return length !== undefined && length !== "0";
}

/**
 * Resolve with `value` once a request without body bytes has ended, so the handler sees the
 * stream consumed as after Next's parser; a request closed first fails like `readAll`. Cheaper
 * than `readAll`, which most requests (GET, HEAD, DELETE…) would otherwise go through.
 * @param {import('node:http').IncomingMessage} req @param {unknown} value
 * @returns {Promise<unknown>}
 */
function drain(req, value) {
  if (req.readableEnded) return Promise.resolve(value);
  return new Promise((resolve, reject) => {
    const onEnd = () => {
      req.off("close", onClose);
      resolve(value);
    };
    const onClose = () => {
      req.off("end", onEnd);
      reject(new BodyError(400, "Invalid body"));
    };
    req.on("end", onEnd);
    req.on("close", onClose);
    req.resume();
  });
}

/**
 * Parse the request body the way Next's default body parser does. (Not an `async` function:
 * handing `drain`'s promise through one would cost extra ticks on every request.)
 * @param {import('node:http').IncomingMessage} req
 * @param {number | null} limit size limit in bytes (null: none)
 * @param {string | number} limitText the configured limit, echoed in the 413 message
 * @returns {Promise<unknown>} parsed JSON, a form object, or the body text
 */
function parseBody(req, limit, limitText) {
  const headers = req.headers;
  const contentType = headers["content-type"];
  if (!contentType && !hasBody(headers)) return drain(req, ""); // text/plain, nothing to decode
  let media;
  try {
    media = parseMediaType(contentType || "text/plain");
  } catch {
    media = { type: "text/plain", params: Object.create(null) };
  }
  const decode = decoderFor(media.params.charset || "utf-8");
  if (!decode) {
    req.resume(); // not read: discard it
    return Promise.reject(new BodyError(400, "Invalid body"));
  }
  if (!hasBody(headers)) return drain(req, interpret(media.type, ""));
  return readAll(req, limit, limitText).then((bytes) => interpret(media.type, decode(bytes)));
}

/**
 * The parsed value of a decoded body for its media type.
 * @param {string} type @param {string} text
 */
function interpret(type, text) {
  if (type === "application/json" || type === "application/ld+json") {
    if (text.length === 0) return {};
    try {
      return jsonParse(text);
    } catch {
      throw new BodyError(400, "Invalid JSON");
    }
  }
  if (type === "application/x-www-form-urlencoded") return querystring.parse(text);
  return text;
}

module.exports = { BodyError, parseMediaType, parseBody };
