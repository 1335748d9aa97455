// @ts-check
/**
 * Bridges between Node's http objects and the Web Fetch API, for handlers written as
 * `(Request) => Response` (edge Pages API routes now; App Router and Netlify v2 later).
 * Bodies stream both ways; nothing is buffered whole.
 */
"use strict";
const { Readable } = require("node:stream");
const { keptBody } = require("./lazy_response.cjs");

/**
 * The value a global Web API class (`Request`, `Response`, …) had before any user module loaded
 * (handlers and polyfills may replace the globals), read on first use. Node defines these
 * globals as lazy accessors that load its fetch implementation (undici, ~12 ms) when first read,
 * so reading them while the shim loads would put that on every worker's startup.
 * @param {string} name @returns {() => any}
 */
function originalGlobal(name) {
  const initial = Object.getOwnPropertyDescriptor(globalThis, name);
  const get = initial?.get;
  if (!get) {
    const value = initial?.value;
    return () => value;
  }
  let loaded = false;
  /** @type {any} */
  let value;
  return () => {
    if (!loaded) {
      const current = Object.getOwnPropertyDescriptor(globalThis, name);
      value = get.call(globalThis);
      loaded = true;
      // Node's accessor turns the global into the loaded value: keep what user code set since.
      if (!current) delete (/** @type {any} */ (globalThis))[name];
      else if (current.get !== get) Object.defineProperty(globalThis, name, current);
    }
    return value;
  };
}

const webRequest = originalGlobal("Request");
const webHeaders = originalGlobal("Headers");

/**
 * A Web `Request` for a Node request. `origin` is e.g. `http://localhost:3000`.
 * The signal aborts when the client goes away before the response finished.
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {string} origin
 * @param {string} [target] request target to use instead of `req.url`
 */
function toWebRequest(req, res, origin, target) {
  const headers = new (webHeaders())();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i], raw[i + 1]);
  const controller = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  const method = req.method ?? "GET";
  /** @type {RequestInit & { duplex?: string }} */
  const init = { method, headers, signal: controller.signal };
  if (method !== "GET" && method !== "HEAD") {
    init.body = /** @type {any} */ (Readable.toWeb(req));
    init.duplex = "half";
  }
  return new (webRequest())(new URL(target ?? req.url ?? "/", origin), init);
}

/**
 * Writes a Web `Response` to a Node response, streaming its body (edge Pages API routes).
 * @param {import('node:http').ServerResponse} res
 * @param {Response} response
 */
async function sendWebResponse(res, response) {
  res.statusCode = response.status;
  if (response.statusText) res.statusMessage = response.statusText;
  for (const [name, value] of response.headers) {
    if (name === "set-cookie") continue;
    res.setHeader(name, value);
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader("set-cookie", cookies);
  await writeWebBody(res, response, { head: res.req?.method === "HEAD", chunked: true });
}

/**
 * Writes the body of a Web `Response` whose status and headers are set on `res`: the one
 * body writer of every `Request → Response` handler (App Router routes, Netlify v2 functions,
 * edge Pages API routes), so they answer alike.
 * - `head`: a HEAD request: no body (a stream is cancelled).
 * - `chunked`: the body goes out chunked even when it is all there (Next.js does; Netlify
 *   sends it with its length). With no body at all (`null`), the answer is empty but still
 *   chunked then, except for 204 and 304.
 * @param {import('node:http').ServerResponse} res
 * @param {Response} response
 * @param {{ head: boolean, chunked: boolean }} options
 */
async function writeWebBody(res, response, { head, chunked }) {
  const noBody = head || response.status === 204 || response.status === 304;
  const known = noBody ? undefined : knownBody(response);
  if (known !== undefined) {
    // The whole body is already there (a string, JSON, bytes): write it at once rather than
    // through a stream reader, which costs more than the rest of the response.
    if (chunked) res.flushHeaders();
    res.end(known);
    return;
  }
  const body = response.body;
  if (!body || noBody) {
    body?.cancel().catch(() => {});
    if (chunked && !noBody) res.flushHeaders();
    res.end();
    return;
  }
  await pumpWebStream(res, body);
}

/** undici's internal state slot of a `Response` (found once; undefined if it ever changes). */
let stateSymbol = /** @type {symbol | undefined | null} */ (null);

/**
 * The body of a `Response` built from a string or bytes (`new Response("…")`, `Response.json`),
 * read from undici's state without touching the stream; undefined for streamed, used or other
 * bodies (those go through `pumpWebStream`).
 * @param {Response} response @returns {string | Uint8Array | undefined}
 */
function knownBody(response) {
  const kept = keptBody(response);
  if (kept !== undefined) return kept;
  if (stateSymbol === null) {
    stateSymbol = Object.getOwnPropertySymbols(new Response("")).find((s) => s.description === "state");
  }
  if (!stateSymbol || response.bodyUsed) return undefined;
  const body = /** @type {any} */ (response)[stateSymbol]?.body;
  if (!body || body.stream?.locked) return undefined;
  const source = body.source;
  if (typeof source === "string" || source instanceof Uint8Array) return source;
  return undefined;
}

/**
 * Stream a Web body to the response, each chunk written as soon as it is read (head first, so the
 * client sees chunks as they come, reference case 33). Stops when the client goes away.
 * @param {import('node:http').ServerResponse} res
 * @param {ReadableStream<any>} body
 */
async function pumpWebStream(res, body) {
  res.flushHeaders();
  const reader = body.getReader();
  const onClose = () => {
    if (!res.writableFinished) reader.cancel().catch(() => {});
  };
  res.once("close", onClose);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (res.destroyed) return;
      /** @type {Uint8Array} */
      let chunk;
      if (value instanceof Uint8Array) chunk = value;
      else if (typeof value === "string") chunk = Buffer.from(value, "utf8");
      else if (ArrayBuffer.isView(value)) chunk = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      else if (value instanceof ArrayBuffer) chunk = new Uint8Array(value);
      else throw new TypeError(`The response body stream produced a chunk that is not bytes (${typeof value})`);
      if (chunk.byteLength === 0) continue;
      if (!res.write(chunk)) await drained(res);
    }
    if (!res.destroyed) res.end();
  } finally {
    res.off("close", onClose);
  }
}

/** Resolves on `drain`, or when the response closes first. @param {import('node:http').ServerResponse} res */
function drained(res) {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve(undefined);
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

/** @param {unknown} value */
function isWebResponse(value) {
  return (
    !!value &&
    typeof value === "object" &&
    Object.prototype.toString.call(value) === "[object Response]"
  );
}

module.exports = {
  originalGlobal,
  toWebRequest,
  sendWebResponse,
  writeWebBody,
  pumpWebStream,
  isWebResponse,
};
