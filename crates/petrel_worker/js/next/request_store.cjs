// @ts-check
/**
 * Per-request state of App Router route handlers, which `next/headers` (`cookies()`,
 * `headers()`, `draftMode()`) and `next/server` (`after()`) read without being passed anything:
 * an `AsyncLocalStorage` store, one per request.
 *
 * The route runner, for each request:
 *   1. `runWithRequest(nextRequest, (store) => handler(nextRequest, ctx))`;
 *   2. `finishResponse(store, response)` on the handler's Response (or on the redirect that a
 *      thrown `redirect()` stands for): it adds the `Set-Cookie` lines of `cookies()`;
 *   3. sends the response, then `runAfter(store, onError)` for the `after()` callbacks.
 *
 * A store goes through three phases: "handler" (cookies may be set), "sent" (from
 * `finishResponse` on: the headers are decided, so `cookies().set` throws as in Next) and
 * "after" (`after()` callbacks run; `cookies()` is then the request's cookies, read-only).
 */
"use strict";
const { AsyncLocalStorage } = require("node:async_hooks");
const { MutableRequestCookies, parseCookieHeader } = require("./cookies.cjs");
const { originalGlobal } = require("../adapters/web.cjs");

const webHeaders = originalGlobal("Headers");
const webResponse = originalGlobal("Response");

// One storage per process, even if this file is loaded twice under different paths (a handler
// bundle that resolves its own copy of the shims): a second AsyncLocalStorage would not see
// the runner's store and every `cookies()` would throw "outside a request scope".
const STORAGE_KEY = Symbol.for("petrel.next.requestStorage");
/** @type {AsyncLocalStorage<RequestStore>} */
const storage = /** @type {any} */ (globalThis)[STORAGE_KEY] ?? new AsyncLocalStorage();
/** @type {any} */ (globalThis)[STORAGE_KEY] = storage;

/**
 * @typedef {object} RequestStore
 * @property {Request} request the request the handler receives (a NextRequest)
 * @property {InstanceType<typeof MutableRequestCookies>} responseCookies what `cookies()` returns in the handler
 * @property {Array<Function | Promise<unknown>>} after tasks given to `after()` before `runAfter`
 * @property {"handler" | "sent" | "after"} phase
 * @property {Headers} [readonlyHeaders] `headers()`'s result, made on first call (headers.cjs)
 * @property {InstanceType<typeof import('./cookies.cjs').SealedRequestCookies>} [sealedCookies] `cookies()` in after()
 * @property {(task: Function | Promise<unknown>) => void} [startAfter] set by `runAfter`
 * @property {Promise<void>} [afterRun] the first `runAfter`'s result, which later calls return
 */

/**
 * The request's cookies as `{name, value}` items: `NextRequest.cookies` when there is one (so a
 * handler's `request.cookies.set` before its first `cookies()` call is seen, as in Next), else
 * the `Cookie` header.
 * @param {Request} request
 * @returns {Iterable<{ name: string, value: string }>}
 */
function requestCookieItems(request) {
  const cookies = /** @type {any} */ (request).cookies;
  if (cookies && typeof cookies.getAll === "function") return cookies.getAll();
  return Array.from(parseCookieHeader(request.headers.get("cookie")), ([name, value]) => ({ name, value }));
}

/**
 * Runs `fn(store)` with a fresh store for `request`; `cookies()`, `headers()` and `after()`
 * called anywhere in what `fn` starts (awaits, timers, promises) see this store.
 * @template T
 * @param {Request} request
 * @param {(store: RequestStore) => T} fn
 * @returns {T}
 */
function runWithRequest(request, fn) {
  /** @type {RequestStore} */
  const store = {
    request,
    responseCookies: /** @type {any} */ (null),
    after: [],
    phase: "handler",
  };
  store.responseCookies = new MutableRequestCookies(
    () => requestCookieItems(request),
    () => store.phase === "handler",
  );
  return storage.run(store, fn, store);
}

/**
 * The Response to send for the handler's `response`: the same object when `cookies()` changed
 * nothing, else a new Response (same status, statusText, headers and body stream) with the
 * `cookies()` lines appended after the handler's own `Set-Cookie` lines, one header line each.
 * A new object rather than an edit, because the handler's headers may be immutable
 * (`Response.redirect`, `fetch` results) and its Response may be reused across requests.
 *
 * Throws, as Next does, for a `NextResponse.next()` / `NextResponse.rewrite()` (middleware-only);
 * the runner treats that like a handler throw (500). From this call on `cookies().set` throws.
 * @param {RequestStore} store
 * @param {Response} response
 * @returns {Response}
 */
function finishResponse(store, response) {
  if (response.headers.has("x-middleware-rewrite")) {
    throw new Error(
      "NextResponse.rewrite() was used in a app route handler, this is not currently supported. " +
        "Please remove the invocation to continue.",
    );
  }
  if (response.headers.get("x-middleware-next") === "1") {
    throw new Error(
      "NextResponse.next() was used in a app route handler, this is not supported. " +
        "See here for more info: https://nextjs.org/docs/messages/next-response-next-in-app-route-handler",
    );
  }
  if (store.phase === "handler") store.phase = "sent";
  const lines = MutableRequestCookies.setCookieLines(store.responseCookies);
  if (lines.length === 0) return response;
  const headers = new (webHeaders())(response.headers);
  for (const line of lines) headers.append("set-cookie", line);
  return new (webResponse())(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}

/** @param {unknown} value @returns {value is PromiseLike<unknown>} */
function isThenable(value) {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (/** @type {any} */ (value).then) === "function"
  );
}

/**
 * `after(task)` for the store: queued until `runAfter`, started at once when `runAfter` is
 * already running (Next runs an `after()` called from an after() callback immediately).
 * @param {RequestStore} store
 * @param {unknown} task
 */
function addAfterTask(store, task) {
  /** @type {Function | Promise<unknown>} */
  let entry;
  if (typeof task === "function") {
    entry = task;
  } else if (isThenable(task)) {
    const promise = Promise.resolve(task);
    // Handled: runAfter reports the error. Without this, a promise rejecting before the
    // response is sent would count as an unhandled rejection.
    promise.catch(() => {});
    entry = promise;
  } else {
    throw new Error("`after()`: Argument must be a promise or a function");
  }
  if (store.startAfter) store.startAfter(entry);
  else store.after.push(entry);
}

/** @param {unknown} err */
function logAfterError(err) {
  console.error("An error occurred in a function passed to `after()`:", err);
}

/**
 * Runs the `after()` tasks once the response is sent (Next runs them whatever the outcome:
 * 2xx, redirect, 404, 500). They start in the order given, each inside the request's store so
 * `cookies()`/`headers()` work, and run concurrently; tasks added meanwhile start at once.
 * Resolves when all have settled; never rejects: each error (thrown, rejected) goes to
 * `onError`, whose default prints Next's line. Calling it again returns the first run's
 * promise (tasks run once).
 * @param {RequestStore} store
 * @param {(err: unknown) => void} [onError]
 * @returns {Promise<void>}
 */
function runAfter(store, onError = logAfterError) {
  store.afterRun ??= drainAfter(store, onError);
  return store.afterRun;
}

/**
 * @param {RequestStore} store
 * @param {(err: unknown) => void} onError
 */
async function drainAfter(store, onError) {
  store.phase = "after";
  /** @param {unknown} err */
  const report = (err) => {
    try {
      onError(err);
    } catch {
      // the reporter's own failure must not become an unhandled rejection
    }
  };
  /** @type {Promise<void>[]} */
  const running = [];
  store.startAfter = (task) => {
    const settled = storage
      .run(store, () => {
        try {
          return Promise.resolve(typeof task === "function" ? task() : task);
        } catch (err) {
          return Promise.reject(err);
        }
      })
      .then(() => {}, report);
    running.push(settled);
  };
  for (const task of store.after) store.startAfter(task);
  // `running` grows while tasks add tasks; index loop picks those up.
  for (let i = 0; i < running.length; i++) await running[i];
}

/**
 * The current request's store, or Next's error for `apiName` called outside a request.
 * @param {string} apiName e.g. "cookies"
 * @returns {RequestStore}
 */
function currentStore(apiName) {
  const store = storage.getStore();
  if (!store) {
    throw new Error(
      `\`${apiName}\` was called outside a request scope. ` +
        "Read more: https://nextjs.org/docs/messages/next-dynamic-api-wrong-context",
    );
  }
  return store;
}

module.exports = { runWithRequest, finishResponse, runAfter, currentStore, addAfterTask };
