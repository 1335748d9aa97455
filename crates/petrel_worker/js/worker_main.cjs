// @ts-check
/**
 * Entry point of a Petrel Node worker.
 *
 * The Rust host connects to this process over one Unix socket (path in PETREL_IPC) and
 * multiplexes many *virtual connections* over it with a small framed protocol
 * (docs/worker-protocol.md). Each virtual connection is handed to a real `http.Server`
 * through `server.emit("connection", socket)`, so user handlers get a genuine
 * `http.IncomingMessage` / `http.ServerResponse` while the host batches all I/O on one socket.
 */
"use strict";
const net = require("node:net");
const http = require("node:http");
const { Duplex } = require("node:stream");
const { pathToFileURL } = require("node:url");
const { preparePagesRoute, servePagesRoute, PagesResponse } = require("./adapters/nextjs_pages.cjs");
const { serveEdgeApi } = require("./adapters/nextjs_edge.cjs");
const { serveAppRoute } = require("./adapters/nextjs_app.cjs");
const { serveNetlifyFunction } = require("./adapters/netlify.cjs");
const { devErrorText } = require("./code_frame.cjs");
const { installLazyResponse } = require("./adapters/lazy_response.cjs");

// After the adapters took Node's own classes (`originalGlobal`), before any user code: a
// Response made from a string or bytes keeps its body as it is until something reads it.
installLazyResponse();

// Keep our own references: user code may patch globals after it is loaded.
const { parse: jsonParse, stringify: jsonStringify } = JSON;
const BufferAllocSlow = Buffer.allocUnsafeSlow;
const BufferFrom = Buffer.from;
const BufferConcat = Buffer.concat;
const bufferByteLength = Buffer.byteLength;

const HEADER_LEN = 9;
const KIND_CONTROL = 0;
const KIND_META = 1;
const KIND_DATA = 2;
const KIND_END = 3;

const ipcPath = process.env.PETREL_IPC;
if (!ipcPath) {
  process.stderr.write("petrel worker: PETREL_IPC is not set; this script is started by petrel\n");
  process.exit(70);
}

/** @type {Map<number, VirtualSocket>} */
const streams = new Map();
const kMeta = Symbol("petrel.meta");

const link = net.connect(ipcPath);
link.setNoDelay?.(true);

// Outgoing frames are copied into one staging buffer and leave in a single write when the tick
// ends: no per-frame header buffers, one syscall for all the responses a tick produced, and
// strings from Node's http are encoded straight into it. Payloads too big for the buffer are
// written as they are, after what is staged.
const STAGING_SIZE = 64 * 1024;
let out = BufferAllocSlow(STAGING_SIZE);
let outLen = 0;
let flushScheduled = false;

/** Make room for `n` more bytes; false when even an empty buffer is too small. @param {number} n */
function reserve(n) {
  if (outLen + n <= out.length) return true;
  flushFrames();
  return n <= out.length;
}

/** @param {number} at @param {number} len @param {number} stream @param {number} kind */
function putHeader(at, len, stream, kind) {
  out.writeUInt32LE(len, at);
  out.writeUInt32LE(stream, at + 4);
  out[at + 8] = kind;
}

function scheduleFlush() {
  if (!flushScheduled) {
    flushScheduled = true;
    process.nextTick(flushFrames);
  }
}

function flushFrames() {
  flushScheduled = false;
  if (outLen === 0) return;
  link.write(out.subarray(0, outLen));
  outLen = 0;
  // When the kernel took the bytes at once nothing refers to the buffer any more; otherwise
  // the pending write owns it and later frames are staged in a new one.
  if (link.writableLength !== 0) out = BufferAllocSlow(STAGING_SIZE);
}

/**
 * Queue one frame on the link.
 * @param {number} kind @param {number} stream @param {Buffer | Uint8Array | null} payload
 */
function sendFrame(kind, stream, payload) {
  const len = payload ? payload.length : 0;
  if (reserve(HEADER_LEN + len)) {
    putHeader(outLen, len, stream, kind);
    if (len > 0) out.set(/** @type {Uint8Array} */ (payload), outLen + HEADER_LEN);
    outLen += HEADER_LEN + len;
    scheduleFlush();
  } else {
    // larger than the staging buffer (which `reserve` just flushed): header, then the payload
    putHeader(0, len, stream, kind);
    link.write(BufferFrom(out.subarray(0, HEADER_LEN)));
    link.write(/** @type {Uint8Array} */ (payload));
  }
}

/**
 * Queue a DATA frame holding a string, encoded directly into the staging buffer.
 * @param {number} stream @param {string} text @param {BufferEncoding} encoding
 */
function sendText(stream, text, encoding) {
  const len = bufferByteLength(text, encoding);
  if (reserve(HEADER_LEN + len)) {
    putHeader(outLen, len, stream, KIND_DATA);
    out.write(text, outLen + HEADER_LEN, len, encoding);
    outLen += HEADER_LEN + len;
    scheduleFlush();
  } else {
    sendFrame(KIND_DATA, stream, BufferFrom(text, encoding));
  }
}

/** @param {object} message */
function sendControl(message) {
  sendFrame(KIND_CONTROL, 0, BufferFrom(jsonStringify(message)));
}

/** A virtual connection: bytes in from DATA frames, bytes out as DATA frames. */
class VirtualSocket extends Duplex {
  /** @param {number} id */
  constructor(id) {
    // Strings reach _write as they are, to be encoded straight into the staging buffer.
    super({ allowHalfOpen: false, decodeStrings: false });
    this.id = id;
    this.remoteAddress = "127.0.0.1";
    this.remotePort = 0;
    this.remoteFamily = "IPv4";
    this.localAddress = server_address.host;
    this.localPort = server_address.port;
    this.encrypted = false;
    this.closedByHost = false;
  }
  _read() {}
  /** @param {Buffer | string} chunk @param {BufferEncoding} encoding @param {(e?: Error | null) => void} cb */
  _write(chunk, encoding, cb) {
    if (!this.closedByHost) this.#send(chunk, encoding);
    cb();
  }
  /** @param {Array<{chunk: Buffer | string, encoding: BufferEncoding}>} chunks @param {(e?: Error | null) => void} cb */
  _writev(chunks, cb) {
    if (!this.closedByHost) {
      for (const { chunk, encoding } of chunks) this.#send(chunk, encoding);
    }
    cb();
  }
  /** @param {Buffer | string} chunk @param {BufferEncoding} encoding */
  #send(chunk, encoding) {
    // No empty DATA frames: the host reads one as end-of-stream. (Node's http ends every
    // response with an empty write.)
    if (chunk.length === 0) return;
    if (typeof chunk === "string") sendText(this.id, chunk, encoding);
    else sendFrame(KIND_DATA, this.id, chunk);
  }
  /** @param {(e?: Error | null) => void} cb */
  _final(cb) {
    this.#closeStream();
    cb();
  }
  /** @param {Error | null} err @param {(e?: Error | null) => void} cb */
  _destroy(err, cb) {
    this.#closeStream();
    cb(err);
  }
  #closeStream() {
    if (streams.get(this.id) === this) {
      streams.delete(this.id);
      if (!this.closedByHost) sendFrame(KIND_END, this.id, null);
    }
  }
  // net.Socket API surface that http and middleware touch.
  setTimeout() { return this; }
  setNoDelay() { return this; }
  setKeepAlive() { return this; }
  ref() { return this; }
  unref() { return this; }
  address() {
    return { address: this.localAddress, family: "IPv4", port: this.localPort };
  }
}

/** @type {{host: string, port: number}} */
let server_address = { host: "127.0.0.1", port: 0 };
/** @type {Map<number, RouteState>} */
const routes = new Map();
let settings = { dev: false, basePath: "", root: "" };

/**
 * @typedef {{ id: number, page: string, module: string, kind: string, config: any }} RouteSpec
 * @typedef {{ spec: RouteSpec, loadModule: () => Promise<any>, log: any, cached: Promise<any> | null,
 *   pages: import("./adapters/nextjs_pages.cjs").PagesRoute | null,
 *   app: { cached: Promise<any> | null } }} RouteState
 */

/** @param {RouteSpec} spec @returns {RouteState} */
function routeState(spec) {
  /** @type {RouteState} */
  const state = {
    spec,
    cached: null,
    loadModule() {
      if (state.cached) return state.cached;
      const p = import(pathToFileURL(spec.module).href);
      state.cached = p;
      // Next retries a failed import on every request: forget failures.
      p.catch(() => {
        if (state.cached === p) state.cached = null;
      });
      return p;
    },
    log: makeLog(spec.page),
    pages: null,
    app: { cached: null },
  };
  if (spec.kind === "pages" && spec.config.runtime !== "edge") {
    state.pages = preparePagesRoute({
      page: spec.page,
      config: spec.config,
      basePath: settings.basePath,
      dev: settings.dev,
      loadModule: state.loadModule,
      log: state.log,
      server: server_address,
    });
  }
  return state;
}

/** @param {string | null} page */
function makeLog(page) {
  /** @param {string} level */
  const emit = (level) => (/** @type {string} */ message, /** @type {unknown} */ err) => {
    let msg = message;
    if (err !== undefined) msg += (msg ? "\n" : "") + describeError(err);
    sendControl({ t: "log", level, page, msg });
  };
  return { error: emit("error"), warn: emit("warn"), info: emit("info"), describe: describeError };
}

/** @param {unknown} err */
function describeError(err) {
  if (err && typeof err === "object" && "stack" in err && typeof err.stack === "string") {
    if (settings.dev && settings.root) return devErrorText(err.stack, settings.root);
    return settings.root ? err.stack.split(settings.root + "/").join("") : err.stack;
  }
  return String(err);
}

const server = http.createServer({
  keepAliveTimeout: 0,
  requestTimeout: 0,
  headersTimeout: 0,
  ServerResponse: PagesResponse, // a ServerResponse with Next's write guards as methods
});
server.keepAliveTimeout = 0;
server.requestTimeout = 0;
server.headersTimeout = 0;
server.timeout = 0;

/** Params of a route without any (shared: the adapter only reads them). */
const NO_PARAMS = Object.freeze({});

// Background jobs: what a job's handler prints also goes to its job's log on the host.
const { AsyncLocalStorage } = require("node:async_hooks");
const { format } = require("node:util");
/** @type {AsyncLocalStorage<{ id: string, attempt: number }> | null} */
let jobScope = null;

/** Route console output made inside a job's async scope to the job's log too (once). */
function captureJobConsole() {
  if (jobScope) return jobScope;
  const scope = new AsyncLocalStorage();
  jobScope = scope;
  for (const method of /** @type {const} */ (["log", "info", "warn", "error", "debug"])) {
    const original = console[method].bind(console);
    console[method] = (/** @type {unknown[]} */ ...args) => {
      const job = scope.getStore();
      if (job) sendControl({ t: "joblog", job: job.id, attempt: job.attempt, line: format(...args) });
      original(...args);
    };
  }
  return scope;
}

server.on("request", (req, res) => {
  const jobId = req.headers["x-petrel-job-id"];
  if (typeof jobId === "string") {
    const attempt = Number(req.headers["x-petrel-attempt"]) || 0;
    captureJobConsole().run({ id: jobId, attempt }, () => serveRequest(req, res));
  } else {
    serveRequest(req, res);
  }
});

/** @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res */
function serveRequest(req, res) {
  const meta = /** @type {any} */ (req.socket)[kMeta];
  const route = meta && routes.get(meta.r);
  if (!route) {
    res.statusCode = 500;
    res.end("petrel worker: unknown route");
    return;
  }
  const params = meta.p || NO_PARAMS;
  const served = route.pages
    ? servePagesRoute(req, res, route.pages, params)
    : route.spec.kind === "app"
      ? serveAppRoute(req, res, {
          page: route.spec.page,
          params,
          config: route.spec.config,
          basePath: settings.basePath,
          dev: settings.dev,
          loadModule: route.loadModule,
          log: route.log,
          server: server_address,
          state: route.app,
        })
    : route.spec.kind === "netlify"
      ? serveNetlifyFunction(req, res, {
          name: route.spec.config.name,
          api: route.spec.config.api,
          route: meta.rt ?? null,
          params: meta.p || {},
          loadModule: route.loadModule,
          log: route.log,
          dev: settings.dev,
          server: server_address,
          bodyLimit: route.spec.config.bodyLimit,
        })
      : serveEdgeApi(req, res, {
        page: route.spec.page,
        params: meta.p || {},
        config: route.spec.config,
        basePath: settings.basePath,
        dev: settings.dev,
        loadModule: route.loadModule,
        log: route.log,
        server: server_address,
      });
  served.catch((err) => {
    route.log.error("petrel worker: adapter failure", err);
    if (!res.headersSent) {
      res.statusCode = 500;
      res.end("Internal Server Error");
    } else {
      res.destroy();
    }
  });
}

server.on("clientError", (err, socket) => {
  // Same as Node's default (400 and close) but without the noisy log for aborted requests.
  if (/** @type {any} */ (err).code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
});

/** @param {any} message */
function onControl(message) {
  switch (message.t) {
    case "init":
      for (const [key, value] of message.env || []) process.env[key] = value;
      settings = { dev: !!message.dev, basePath: message.basePath || "", root: message.root || "" };
      server_address = message.server || server_address;
      routes.clear();
      for (const spec of message.routes) routes.set(spec.id, routeState(spec));
      sendControl({ t: "ready", pid: process.pid });
      break;
    case "ping":
      sendControl({ t: "pong", id: message.id });
      break;
    default:
      break;
  }
}

/** @type {Buffer | null} */
let pending = null;
link.on("data", (/** @type {Buffer} */ chunk) => {
  const buf = pending ? BufferConcat([pending, chunk]) : chunk;
  let off = 0;
  while (buf.length - off >= HEADER_LEN) {
    const len = buf.readUInt32LE(off);
    const start = off + HEADER_LEN;
    if (buf.length - start < len) break;
    dispatchFrame(buf[off + 8], buf.readUInt32LE(off + 4), buf, start, start + len);
    off = start + len;
  }
  pending = off < buf.length ? buf.subarray(off) : null;
  if (pending && off > 0) pending = BufferFrom(pending); // don't pin the big chunk
});

/**
 * Handle one frame; its payload is `buf[start, end)`.
 * @param {number} kind @param {number} stream @param {Buffer} buf @param {number} start @param {number} end
 */
function dispatchFrame(kind, stream, buf, start, end) {
  if (kind === KIND_DATA) {
    const vs = streams.get(stream);
    if (vs) vs.push(buf.subarray(start, end));
    return;
  }
  if (kind === KIND_META) {
    const meta = jsonParse(buf.toString("utf8", start, end));
    let vs = streams.get(stream);
    if (!vs) {
      vs = new VirtualSocket(stream);
      streams.set(stream, vs);
      /** @type {any} */ (vs)[kMeta] = meta;
      applyPeer(vs, meta);
      server.emit("connection", vs);
    } else {
      /** @type {any} */ (vs)[kMeta] = meta;
      applyPeer(vs, meta);
    }
    return;
  }
  if (kind === KIND_END) {
    const vs = streams.get(stream);
    if (vs) {
      vs.closedByHost = true;
      streams.delete(stream);
      vs.destroy();
    }
    return;
  }
  if (kind === KIND_CONTROL) {
    onControl(jsonParse(buf.toString("utf8", start, end)));
  }
}

/** @param {VirtualSocket} vs @param {any} meta */
function applyPeer(vs, meta) {
  if (meta.a) {
    vs.remoteAddress = meta.a;
    vs.remoteFamily = meta.a.includes(":") ? "IPv6" : "IPv4";
  }
  if (meta.rp) vs.remotePort = meta.rp;
}

/**
 * Runs two requests (a GET and a JSON POST) through the real `http.Server` and the Pages
 * adapter with a built-in handler while the worker waits for its first `init`: Node's HTTP
 * parser, the adapter and the ESM loader are compiled and warmed before the first real
 * request, which otherwise pays ~10 ms for them. Nothing is sent to the host.
 */
function warmUp() {
  const WARM_ROUTE = -1;
  const quiet = { error() {}, warn() {}, info() {}, describe: String };
  const spec = {
    id: WARM_ROUTE,
    page: "/api/[warm]",
    module: "",
    kind: "pages",
    config: { bodyParser: true, sizeLimit: "1mb", responseLimit: true, externalResolver: false, runtime: "nodejs" },
  };
  const handler = {
    default: (/** @type {any} */ req, /** @type {any} */ res) => res.status(200).json({ q: req.query, b: req.body }),
  };
  routes.set(WARM_ROUTE, {
    spec,
    cached: null,
    loadModule: () => Promise.resolve(handler),
    log: quiet,
    pages: preparePagesRoute({
      page: spec.page,
      config: spec.config,
      basePath: "",
      dev: settings.dev,
      loadModule: () => Promise.resolve(handler),
      log: quiet,
      server: server_address,
    }),
  });
  const body = '{"warm":true}';
  const requests = [
    "GET /api/warm?x=1 HTTP/1.1\r\nHost: localhost\r\n\r\n",
    `POST /api/warm HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
  ];
  const sockets = requests.map((text) => {
    const vs = new VirtualSocket(0);
    vs.closedByHost = true; // writes go nowhere; not in `streams`, so no END frame either
    /** @type {any} */ (vs)[kMeta] = { r: WARM_ROUTE, p: { warm: "warm" } };
    server.emit("connection", vs);
    vs.push(text);
    return vs;
  });
  setTimeout(() => {
    for (const vs of sockets) vs.destroy();
    if (routes.get(WARM_ROUTE)?.spec === spec) routes.delete(WARM_ROUTE);
  }, 100).unref();
  import("data:text/javascript,export default 0").catch(() => {});
}
setImmediate(warmUp);

link.on("close", () => {
  // The host went away: nothing left to serve.
  process.exit(0);
});
link.on("error", () => {});

// Errors after a response was sent must not take the worker down (Next keeps serving).
process.on("unhandledRejection", (reason) => {
  makeLog(null).error("Unhandled promise rejection in a handler:", reason);
});
process.on("uncaughtException", (err) => {
  makeLog(null).error("Uncaught exception in a handler:", err);
});
