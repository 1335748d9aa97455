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
import net from "node:net";
import http from "node:http";
import { Duplex } from "node:stream";
import { pathToFileURL } from "node:url";
import { servePagesApi, renderErrorPage } from "./adapters/nextjs_pages.mjs";
import { serveEdgeApi } from "./adapters/nextjs_edge.mjs";

// Keep our own references: user code may patch globals after it is loaded.
const { parse: jsonParse, stringify: jsonStringify } = JSON;
const BufferAlloc = Buffer.allocUnsafe;
const BufferFrom = Buffer.from;
const BufferConcat = Buffer.concat;

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
let corked = false;

/**
 * Queue one frame on the link. Frames written in the same tick leave in one writev.
 * @param {number} kind @param {number} stream @param {Buffer | Uint8Array | null} payload
 */
function sendFrame(kind, stream, payload) {
  const len = payload ? payload.length : 0;
  const header = BufferAlloc(HEADER_LEN);
  header.writeUInt32LE(len, 0);
  header.writeUInt32LE(stream, 4);
  header.writeUInt8(kind, 8);
  if (!corked) {
    corked = true;
    link.cork();
    process.nextTick(uncorkLink);
  }
  link.write(header);
  if (len > 0) link.write(payload);
}
function uncorkLink() {
  corked = false;
  link.uncork();
}
/** @param {object} message */
function sendControl(message) {
  sendFrame(KIND_CONTROL, 0, BufferFrom(jsonStringify(message)));
}

/** A virtual connection: bytes in from DATA frames, bytes out as DATA frames. */
class VirtualSocket extends Duplex {
  /** @param {number} id */
  constructor(id) {
    super({ allowHalfOpen: false });
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
  /** @param {Buffer} chunk @param {BufferEncoding} _enc @param {(e?: Error | null) => void} cb */
  _write(chunk, _enc, cb) {
    if (!this.closedByHost) sendFrame(KIND_DATA, this.id, chunk);
    cb();
  }
  /** @param {Array<{chunk: Buffer}>} chunks @param {(e?: Error | null) => void} cb */
  _writev(chunks, cb) {
    if (!this.closedByHost) {
      sendFrame(KIND_DATA, this.id, BufferConcat(chunks.map((c) => c.chunk)));
    }
    cb();
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
 * @typedef {{ spec: RouteSpec, loadModule: () => Promise<any>, log: any, cached: Promise<any> | null }} RouteState
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
  };
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
  return { error: emit("error"), warn: emit("warn"), info: emit("info") };
}

/** @param {unknown} err */
function describeError(err) {
  if (err && typeof err === "object" && "stack" in err && typeof err.stack === "string") {
    return settings.root ? err.stack.split(settings.root + "/").join("") : err.stack;
  }
  return String(err);
}

const server = http.createServer({ keepAliveTimeout: 0, requestTimeout: 0, headersTimeout: 0 });
server.keepAliveTimeout = 0;
server.requestTimeout = 0;
server.headersTimeout = 0;
server.timeout = 0;

server.on("request", (req, res) => {
  const meta = /** @type {any} */ (req.socket)[kMeta];
  const route = meta && routes.get(meta.r);
  if (!route) {
    res.statusCode = 500;
    res.end("petrel worker: unknown route");
    return;
  }
  const spec = route.spec;
  const serve = spec.config.runtime === "edge" ? serveEdgeApi : servePagesApi;
  serve(req, res, {
    page: spec.page,
    params: meta.p || {},
    config: spec.config,
    basePath: settings.basePath,
    dev: settings.dev,
    loadModule: route.loadModule,
    log: route.log,
    server: server_address,
  }).catch((err) => {
    route.log.error("petrel worker: adapter failure", err);
    if (!res.headersSent) {
      res.statusCode = 500;
      res.end("Internal Server Error");
    } else {
      res.destroy();
    }
  });
});

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
link.on("data", (chunk) => {
  let buf = pending ? BufferConcat([pending, chunk]) : chunk;
  let off = 0;
  while (buf.length - off >= HEADER_LEN) {
    const len = buf.readUInt32LE(off);
    if (buf.length - off - HEADER_LEN < len) break;
    const stream = buf.readUInt32LE(off + 4);
    const kind = buf.readUInt8(off + 8);
    const payload = buf.subarray(off + HEADER_LEN, off + HEADER_LEN + len);
    off += HEADER_LEN + len;
    dispatchFrame(kind, stream, payload);
  }
  pending = off < buf.length ? buf.subarray(off) : null;
  if (pending && off > 0) pending = BufferFrom(pending); // don't pin the big chunk
});

/** @param {number} kind @param {number} stream @param {Buffer} payload */
function dispatchFrame(kind, stream, payload) {
  if (kind === KIND_DATA) {
    const vs = streams.get(stream);
    if (vs) vs.push(payload);
    return;
  }
  if (kind === KIND_META) {
    let vs = streams.get(stream);
    const meta = jsonParse(payload.toString("utf8"));
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
    onControl(jsonParse(payload.toString("utf8")));
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

export { renderErrorPage };
