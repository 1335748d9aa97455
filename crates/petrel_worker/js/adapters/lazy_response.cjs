// @ts-check
/**
 * The worker's global `Response`: Node's own, except that a body given as a string or as
 * bytes is kept as it is, and its `ReadableStream` is made only if something reads the body.
 *
 * Why: on Node 20, undici makes a stream for every body when the Response is constructed
 * (`Response.json(x)` costs ~27 µs, ~2 µs without the stream), and the runtime sends such a
 * body without ever reading the stream (`knownBody` in web.cjs). For an App Router or Netlify
 * v2 hello handler this nearly doubles the requests per second (bench/app.py).
 *
 * It is a subclass of Node's `Response`, so every undici getter and brand check works on it;
 * `instanceof Response` stays true for Node's own Responses (`fetch` results). The body
 * members (`body`, `bodyUsed`, `text()`, `json()`, `arrayBuffer()`, `bytes()`, `blob()`,
 * `formData()`, `clone()`) behave as Node's: the first one that needs the stream builds a Node
 * Response with the kept body and answers from it.
 */
"use strict";

/** Statuses that cannot have a body (undici throws for them with one). */
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);
/** The Response to delegate body members to, or null to use Node's own on `this`. */
const FULL = Symbol("petrel.fullResponse");
/** The body methods, delegated alike (only those Node's Response has). */
const BODY_METHODS = ["text", "json", "arrayBuffer", "blob", "formData", "bytes"];

/** The lazily-bodied class, once made. @type {any} */
let lazyClass = null;

/**
 * Makes the lazily-bodied `Response` class over Node's `Original`.
 * @param {typeof Response} Original
 */
function lazyResponseClass(Original) {
  /** @param {unknown} body @returns {body is string | ArrayBuffer | ArrayBufferView} */
  const keepable = (body) =>
    typeof body === "string" || body instanceof ArrayBuffer || ArrayBuffer.isView(body);

  class Response extends Original {
    /** @type {string | Uint8Array | undefined} the body, until `#full` is made */
    #kept;
    /** @type {globalThis.Response | undefined} Node's Response holding the body, once needed */
    #full;

    /**
     * @param {any} [body] @param {ResponseInit} [init]
     * @param {string} [defaultType] content-type when `init` has none (strings only)
     */
    constructor(body, init, defaultType = "text/plain;charset=UTF-8") {
      const status = init?.status ?? 200;
      if (!keepable(body) || NULL_BODY_STATUS.has(status)) {
        // Node's own handling (and its errors, e.g. a body on a 204).
        super(body, init);
        return;
      }
      super(null, init);
      if (typeof body === "string") {
        this.#kept = body;
        if (!this.headers.has("content-type")) this.headers.set("content-type", defaultType);
      } else {
        // Copied, as Node copies a buffer body: later writes to it do not change the response.
        const view = ArrayBuffer.isView(body)
          ? new Uint8Array(body.buffer, body.byteOffset, body.byteLength)
          : new Uint8Array(body);
        this.#kept = Uint8Array.prototype.slice.call(view);
      }
    }

    /** @returns {globalThis.Response | null} */
    [FULL]() {
      if (this.#full) return this.#full;
      if (this.#kept === undefined) return null;
      this.#full = new Original(/** @type {any} */ (this.#kept), { headers: this.headers });
      this.#kept = undefined;
      return this.#full;
    }

    /** The body this Response still keeps (never read), else undefined. @param {unknown} response */
    static keptBody(response) {
      return response instanceof Original && #kept in /** @type {any} */ (response)
        ? /** @type {any} */ (response).#kept
        : undefined;
    }

    /**
     * `Response.json(data, init)`: `application/json` unless `init` sets a content-type.
     * @param {any} data @param {ResponseInit} [init]
     */
    static json(data, init) {
      const text = JSON.stringify(data);
      // Node's errors for what JSON cannot hold (undefined, a function, a symbol).
      if (typeof text !== "string") return Original.json(data, init);
      return new Response(text, init, "application/json");
    }

    get body() {
      const full = this[FULL]();
      return full ? full.body : super.body;
    }

    get bodyUsed() {
      return this.#full ? this.#full.bodyUsed : this.#kept === undefined ? super.bodyUsed : false;
    }

    /** @returns {any} */
    clone() {
      if (this.#kept !== undefined) {
        return new Response(this.#kept, { status: this.status, statusText: this.statusText, headers: this.headers });
      }
      if (!this.#full) return super.clone();
      if (this.#full.bodyUsed) return this.#full.clone(); // Node's TypeError
      const [a, b] = /** @type {ReadableStream} */ (this.#full.body).tee();
      this.#full = new Original(a, { headers: this.headers });
      return new Response(b, { status: this.status, statusText: this.statusText, headers: this.headers });
    }

    /**
     * Node's Responses (`fetch` results) are Responses too; a subclass (`NextResponse`) keeps
     * the ordinary check. @param {unknown} value
     */
    static [Symbol.hasInstance](value) {
      if (this === Response) return value instanceof Original;
      return Function.prototype[Symbol.hasInstance].call(this, value);
    }
  }
  for (const name of BODY_METHODS) {
    const own = /** @type {any} */ (Original.prototype)[name];
    if (typeof own !== "function") continue;
    Object.defineProperty(Response.prototype, name, {
      configurable: true,
      writable: true,
      value: {
        /** @this {any} @param {unknown[]} args */
        [name](...args) {
          const full = this[FULL]();
          return full ? /** @type {any} */ (full)[name](...args) : own.apply(this, args);
        },
      }[name],
    });
  }
  lazyClass = Response;
  return Response;
}

/**
 * Installs the lazily-bodied class as `globalThis.Response`, made on first read (Node loads
 * its fetch implementation on first use too, ~12 ms, which a worker should not pay at start).
 * A value a program assigns to `Response` replaces it, as for any global.
 */
function installLazyResponse() {
  const initial = Object.getOwnPropertyDescriptor(globalThis, "Response");
  if (!initial) return;
  /** @param {any} value */
  const settle = (value) =>
    Object.defineProperty(globalThis, "Response", {
      configurable: true,
      enumerable: initial.enumerable,
      writable: true,
      value,
    });
  Object.defineProperty(globalThis, "Response", {
    configurable: true,
    enumerable: initial.enumerable,
    get() {
      // Node's own getter turns the global into its class: ours replaces that at once.
      const original = initial.get ? initial.get.call(globalThis) : initial.value;
      const lazy = lazyResponseClass(original);
      settle(lazy);
      return lazy;
    },
    set: settle,
  });
}

/**
 * The body a lazily-bodied Response still keeps (never read), else undefined.
 * @param {Response} response
 */
function keptBody(response) {
  return lazyClass ? lazyClass.keptBody(response) : undefined;
}

module.exports = { lazyResponseClass, installLazyResponse, keptBody };
