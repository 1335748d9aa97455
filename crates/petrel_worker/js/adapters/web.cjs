// @ts-check
/**
 * Bridges between Node's http objects and the Web Fetch API, for handlers written as
 * `(Request) => Response` (edge Pages API routes now; App Router and Netlify v2 later).
 * Bodies stream both ways; nothing is buffered whole.
 */
"use strict";
const { Readable } = require("node:stream");

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
 * Writes a Web `Response` to a Node response, streaming its body.
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
  if (!response.body) {
    res.end();
    return;
  }
  // Head first, so the body goes out chunked as it is produced.
  res.flushHeaders();
  const reader = response.body.getReader();
  res.once("close", () => {
    if (!res.writableFinished) reader.cancel().catch(() => {});
  });
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (res.destroyed) return;
    if (!res.write(value)) await new Promise((resolve) => res.once("drain", resolve));
  }
  res.end();
}

/** @param {unknown} value */
function isWebResponse(value) {
  return (
    !!value &&
    typeof value === "object" &&
    Object.prototype.toString.call(value) === "[object Response]"
  );
}

module.exports = { originalGlobal, toWebRequest, sendWebResponse, isWebResponse };
