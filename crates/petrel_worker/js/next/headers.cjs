// @ts-check
/**
 * Petrel's `next/headers` for route handlers: `cookies()`, `headers()`, `draftMode()`, each a
 * Promise (Next 15+ requires `await`), bound to the current request through request_store.cjs.
 * The route runner only has to run the handler inside `runWithRequest`; outside one, each of
 * these throws Next's "`cookies` was called outside a request scope" error.
 *
 * - `cookies()`: the request's cookies, and `set`/`delete` whose `Set-Cookie` lines
 *   `finishResponse` adds to the response (format and order in cookies.cjs). Inside an
 *   `after()` callback it is the request's cookies, read-only, as in Next.
 * - `headers()`: the request's headers, read-only: `set`/`append`/`delete` throw Next's
 *   "Headers cannot be modified" error (the handler then fails with a 500, case c120f).
 * - `draftMode()`: always disabled: draft mode bypasses Next's prerendered pages with a secret
 *   from `next build`, and Petrel has neither.
 */
"use strict";
const { currentStore } = require("./request_store.cjs");
const { SealedRequestCookies } = require("./cookies.cjs");
const { originalGlobal } = require("../adapters/web.cjs");

const READONLY_HEADERS_MESSAGE =
  "Headers cannot be modified. Read more: https://nextjs.org/docs/app/api-reference/functions/headers";

class ReadonlyHeadersError extends Error {
  constructor() {
    super(READONLY_HEADERS_MESSAGE);
    this.name = "ReadonlyHeadersError";
  }
}

const BaseHeaders = /** @type {typeof Headers} */ (originalGlobal("Headers")());

/**
 * A copy of the request's headers that refuses changes (still `instanceof Headers`).
 * The constructor fills it through undici's internals, not these overrides.
 */
class ReadonlyHeaders extends BaseHeaders {
  /** @returns {never} */
  set() {
    throw new ReadonlyHeadersError();
  }

  /** @returns {never} */
  append() {
    throw new ReadonlyHeadersError();
  }

  /** @returns {never} */
  delete() {
    throw new ReadonlyHeadersError();
  }
}

/**
 * The current request's cookie store.
 * @returns {Promise<InstanceType<typeof import('./cookies.cjs').MutableRequestCookies> | InstanceType<typeof SealedRequestCookies>>}
 */
function cookies() {
  const store = currentStore("cookies");
  if (store.phase === "after") {
    store.sealedCookies ??= new SealedRequestCookies(store.request.headers);
    return Promise.resolve(store.sealedCookies);
  }
  return Promise.resolve(store.responseCookies);
}

/**
 * The current request's headers, read-only (the same object for every call in a request).
 * @returns {Promise<Headers>}
 */
function headers() {
  const store = currentStore("headers");
  store.readonlyHeaders ??= new ReadonlyHeaders(store.request.headers);
  return Promise.resolve(store.readonlyHeaders);
}

const DRAFT_MODE_COOKIE = "__prerender_bypass";

/** `draftMode()`'s result. */
class DraftMode {
  /** @param {import('./request_store.cjs').RequestStore} store */
  constructor(store) {
    this.#store = store;
  }

  /** @type {import('./request_store.cjs').RequestStore} */
  #store;

  /** Always false under Petrel (see the header comment). */
  get isEnabled() {
    return false;
  }

  /** @returns {never} */
  enable() {
    throw new Error(
      "draftMode().enable() is not supported by Petrel: draft mode switches Next.js's " +
        "prerendered pages to dynamic rendering using a secret made by `next build`, and Petrel " +
        "serves route handlers without either. Remove the call, or serve this app with `next start`.",
    );
  }

  /**
   * Draft mode is never on, but a browser may still hold the cookie from a Next.js deployment:
   * expire it exactly as Next does, so a "leave draft mode" route keeps working.
   */
  disable() {
    this.#store.responseCookies.set({
      name: DRAFT_MODE_COOKIE,
      value: "",
      httpOnly: true,
      sameSite: "none",
      secure: true,
      path: "/",
      expires: new Date(0),
    });
  }
}

/** @returns {Promise<DraftMode>} */
function draftMode() {
  return Promise.resolve(new DraftMode(currentStore("draftMode")));
}

module.exports = { cookies, headers, draftMode };
