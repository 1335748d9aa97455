// @ts-check
/**
 * Test harness for the Netlify Functions adapter: a real `http.Server` on 127.0.0.1:0 (with the
 * worker's `PagesResponse` class, as in the worker) whose request handler plays the host's part —
 * routing `/.netlify/functions/<name>[/…]` and `config.path` patterns, computing v2 params (not
 * decoded) — and calls `serveNetlifyFunction`.
 * (Node 20's test runner also runs this file as a test file; it registers no tests.)
 */
import http from "node:http";
import { PagesResponse } from "../adapters/nextjs_pages.cjs";
import { serveNetlifyFunction } from "../adapters/netlify.cjs";

/**
 * @typedef {object} FunctionSpec
 * @property {"v1" | "v2"} [api] default "v2"
 * @property {any} [module] the module namespace (`{ default }` / `{ handler }`)
 * @property {() => Promise<any>} [loadModule] overrides `module`
 * @property {string} [path] a `config.path` pattern (`:name`, `:name?`, trailing `*`); removes the default URL
 * @property {number} [bodyLimit]
 * @property {{ siteId?: string, siteName?: string, url?: string, region?: string }} [env]
 *
 * @typedef {{ level: string, message: string, err?: unknown }} LogEntry
 */

/**
 * Match a path against a small subset of URLPattern pathname syntax; params stay encoded.
 * @param {string} pattern @param {string} pathname
 * @returns {Record<string, string> | null}
 */
export function matchPattern(pattern, pathname) {
  const path = pathname.length > 1 && pathname.endsWith("/") ? pathname.slice(0, -1) : pathname;
  const parts = pattern.split("/").slice(1);
  const segs = path.split("/").slice(1);
  /** @type {Record<string, string>} */
  const params = {};
  let wild = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (part === "*") {
      const rest = segs.slice(i).join("/");
      if (!rest) return null;
      params[String(wild++)] = rest;
      return params;
    }
    const m = /^:(\w+)(\?)?$/.exec(part);
    if (m) {
      if (i >= segs.length) {
        if (m[2] && i === parts.length - 1) return params;
        return null;
      }
      params[m[1]] = segs[i];
      continue;
    }
    if (segs[i] !== part) return null;
  }
  return parts.length === segs.length ? params : null;
}

/**
 * Start a server for a set of functions (name → spec).
 * @param {Record<string, FunctionSpec>} functions
 * @param {{ dev?: boolean }} [options]
 */
export async function startNetlify(functions, options = {}) {
  const { dev = false } = options;
  /** @type {LogEntry[]} */
  const logs = [];
  /** @type {Promise<void>[]} */
  const served = [];
  const log = {
    /** @param {string} message @param {unknown} [err] */
    error: (message, err) => logs.push({ level: "error", message, err }),
    /** @param {string} message */
    warn: (message) => logs.push({ level: "warn", message }),
    /** @param {string} message */
    info: (message) => logs.push({ level: "info", message }),
    /** @param {unknown} err */
    describe: (err) => (err instanceof Error && err.stack ? err.stack : String(err)),
  };

  const server = http.createServer({ ServerResponse: /** @type {any} */ (PagesResponse) }, (req, res) => {
    const pathname = /** @type {string} */ (req.url).split("?")[0];
    for (const [name, spec] of Object.entries(functions)) {
      /** @type {Record<string, string> | null} */
      let params = null;
      /** @type {string | null} */
      let route = null;
      if (spec.path) {
        params = matchPattern(spec.path, pathname);
        route = spec.path;
      } else if (pathname === `/.netlify/functions/${name}` || pathname.startsWith(`/.netlify/functions/${name}/`)) {
        params = {};
      }
      if (!params) continue;
      const p = serveNetlifyFunction(req, res, {
        name,
        api: spec.api ?? "v2",
        route,
        params,
        loadModule: spec.loadModule ?? (async () => spec.module),
        log,
        dev,
        server: { host: "127.0.0.1", port: /** @type {import('node:net').AddressInfo} */ (server.address()).port },
        bodyLimit: spec.bodyLimit,
        env: spec.env,
      });
      served.push(p);
      return;
    }
    res.statusCode = 404;
    res.end("Function not found...");
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(undefined)));
  const port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;

  return {
    port,
    logs,
    served,
    /** @param {import('./nextjs_pages_harness.mjs').RequestOptions} [opts] */
    request: (opts) => request(port, opts),
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}

/**
 * One request; like the pages harness's client, plus the arrival time of every body chunk.
 * @param {number} port @param {import('./nextjs_pages_harness.mjs').RequestOptions} [opts]
 * @returns {Promise<import('./nextjs_pages_harness.mjs').Reply & { chunks: Array<{ at: number, text: string }> }>}
 */
export function request(port, opts = {}) {
  const { method = "GET", path = "/", headers = {}, body } = opts;
  const sendHeaders = { ...headers };
  if (body !== undefined && !Object.keys(sendHeaders).some((k) => /^(content-length|transfer-encoding)$/i.test(k))) {
    sendHeaders["Content-Length"] = String(Buffer.byteLength(body));
  }
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method, path, headers: sendHeaders, agent: false }, (res) => {
      /** @type {Buffer[]} */
      const parts = [];
      /** @type {Array<{ at: number, text: string }>} */
      const chunks = [];
      res.on("data", (c) => {
        parts.push(c);
        chunks.push({ at: Date.now(), text: c.toString("utf8") });
      });
      res.on("end", () => {
        const bytes = Buffer.concat(parts);
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
          chunks,
        });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

/** @param {number} ms */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
