// @ts-check
/**
 * Test harness for the Pages API adapter: a real `http.Server` on 127.0.0.1:0 (with the worker's
 * `PagesResponse` class) whose request handler plays the host's part (route matching,
 * percent-decoding params, building the context) and calls `servePagesApi`, plus clients that
 * expose exact status text, headers and bytes.
 * (Node 20's test runner also runs this file as a test file; it registers no tests.)
 */
import http from "node:http";
import net from "node:net";
import { servePagesApi, PagesResponse } from "../adapters/nextjs_pages.cjs";

/**
 * @typedef {object} RouteSpec
 * @property {Function} [handler] becomes `{ default: handler }`
 * @property {() => Promise<any>} [loadModule] overrides `handler`
 * @property {object} [config]
 *
 * @typedef {{ level: string, message: string, err?: unknown }} LogEntry
 */

/**
 * Match a decoded-per-segment path against a page pattern the way the host does.
 * @param {string} page @param {string[]} segments raw (still encoded) path segments
 * @returns {Record<string, string | string[]> | null}
 */
function matchPage(page, segments) {
  const parts = page.split("/").filter(Boolean);
  /** @type {Record<string, string | string[]>} */
  const params = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    let m;
    if ((m = /^\[\[\.\.\.(.+)\]\]$/.exec(part))) {
      const rest = segments.slice(i).map(decodeURIComponent);
      if (rest.length) params[m[1]] = rest;
      return params;
    }
    if ((m = /^\[\.\.\.(.+)\]$/.exec(part))) {
      const rest = segments.slice(i).map(decodeURIComponent);
      if (!rest.length) return null;
      params[m[1]] = rest;
      return params;
    }
    if (i >= segments.length) return null;
    if ((m = /^\[(.+)\]$/.exec(part))) {
      if (!segments[i]) return null;
      params[m[1]] = decodeURIComponent(segments[i]);
    } else if (part !== segments[i]) {
      return null;
    }
  }
  return parts.length === segments.length ? params : null;
}

/**
 * Start a server for a set of routes. Routes are tried in the order given (list static before
 * dynamic, as the host's precedence would).
 * @param {Record<string, RouteSpec | Function>} routes page pattern → spec or bare handler
 * @param {{ dev?: boolean, basePath?: string }} [options]
 */
export async function startPages(routes, options = {}) {
  const { dev = false, basePath = "" } = options;
  /** @type {LogEntry[]} */
  const logs = [];
  /** @type {Promise<void>[]} */
  const served = [];
  /** @type {Array<(p: Promise<void>) => void>} */
  const waiters = [];
  const log = {
    /** @param {string} message @param {unknown} [err] */
    error: (message, err) => logs.push({ level: "error", message, err }),
    /** @param {string} message */
    warn: (message) => logs.push({ level: "warn", message }),
    /** @param {string} message */
    info: (message) => logs.push({ level: "info", message }),
  };

  // The worker's server class, so responses take the same path as in the worker.
  const server = http.createServer({ ServerResponse: PagesResponse }, (req, res) => {
    const raw = /** @type {string} */ (req.url);
    let path = raw.split("?")[0];
    if (basePath) path = path.slice(basePath.length);
    const segments = path.split("/").slice(1);
    if (segments.at(-1) === "") segments.pop(); // trailingSlash: true form
    for (const [page, specOrFn] of Object.entries(routes)) {
      const params = matchPage(page, segments);
      if (!params) continue;
      const spec = typeof specOrFn === "function" ? { handler: specOrFn } : specOrFn;
      const p = servePagesApi(req, res, {
        page,
        params,
        config: {
          bodyParser: true,
          sizeLimit: "1mb",
          responseLimit: true,
          externalResolver: false,
          ...spec.config,
        },
        basePath,
        dev,
        loadModule: spec.loadModule ?? (async () => ({ default: spec.handler })),
        log,
        server: { host: "127.0.0.1", port: /** @type {import('node:net').AddressInfo} */ (server.address()).port },
      });
      served.push(p);
      waiters.splice(0).forEach((w) => w(p));
      return;
    }
    res.statusCode = 404;
    res.end("harness: no route");
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(undefined)));
  const port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;

  return {
    port,
    logs,
    /** the promise returned by servePagesApi for the next request (or the latest, if already in) */
    nextServed() {
      return new Promise((resolve) => waiters.push(resolve));
    },
    served,
    /** @param {RequestOptions} [opts] */
    request: (opts) => request(port, opts),
    /** @param {string} text raw request bytes */
    raw: (text) => rawRequest(port, text),
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}

/**
 * @typedef {object} RequestOptions
 * @property {string} [method]
 * @property {string} [path]
 * @property {Record<string, string | string[]>} [headers]
 * @property {string | Buffer} [body]
 * @property {number} [timeoutMs] give up (and resolve with `timedOut: true`) after this long
 *
 * @typedef {object} Reply
 * @property {number} status
 * @property {string} statusMessage
 * @property {import('node:http').IncomingHttpHeaders} headers
 * @property {string[]} rawHeaders
 * @property {Buffer} bytes
 * @property {string} text
 * @property {any} json parsed body when it is JSON, else undefined
 * @property {boolean} timedOut
 */

/**
 * One request over a fresh connection; exposes the status text and raw headers.
 * @param {number} port @param {RequestOptions} [opts]
 * @returns {Promise<Reply>}
 */
export function request(port, opts = {}) {
  const { method = "GET", path = "/", headers = {}, body, timeoutMs } = opts;
  const sendHeaders = { ...headers };
  if (body !== undefined && !Object.keys(sendHeaders).some((k) => /^(content-length|transfer-encoding)$/i.test(k))) {
    sendHeaders["Content-Length"] = String(Buffer.byteLength(body)); // Node's client omits it for GET
  }
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method, path, headers: sendHeaders, agent: false }, (res) => {
      /** @type {Buffer[]} */
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const bytes = Buffer.concat(chunks);
        const text = bytes.toString("utf8");
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({
          status: /** @type {number} */ (res.statusCode),
          statusMessage: /** @type {string} */ (res.statusMessage),
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          bytes,
          text,
          json,
          timedOut: false,
        });
      });
      res.on("error", reject);
    });
    if (timeoutMs) {
      req.setTimeout(timeoutMs, () => {
        req.destroy();
        resolve(/** @type {Reply} */ ({ timedOut: true }));
      });
    }
    req.on("error", (err) => {
      if (!req.destroyed || !timeoutMs) reject(err);
    });
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

/**
 * Send raw bytes, half-close, and collect the raw response until the server closes the
 * connection. Used where the client must not add headers of its own.
 * @param {number} port @param {string} text
 * @returns {Promise<string>}
 */
export function rawRequest(port, text) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, "127.0.0.1", () => sock.end(text));
    /** @type {Buffer[]} */
    const chunks = [];
    sock.on("data", (c) => chunks.push(c));
    sock.on("end", () => resolve(Buffer.concat(chunks).toString("latin1")));
    sock.on("error", reject);
  });
}

/** W-style handler from the reference fixtures. @param {string} where */
export function W(where) {
  return (/** @type {any} */ req, /** @type {any} */ res) => res.json({ where, query: req.query, url: req.url });
}

/** The reference's echo fixture. */
export function echo(/** @type {any} */ req, /** @type {any} */ res) {
  res.json({
    method: req.method,
    url: req.url,
    body: req.body === undefined ? "<undefined>" : req.body,
    type: typeof req.body,
    cookies: req.cookies,
    query: req.query,
  });
}

/** @param {number} ms */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
