// @ts-check
/**
 * Process-wide pieces of the Netlify runtime (reference §2.4): the `Netlify` global
 * (`Netlify.env`, `Netlify.context`), the AsyncLocalStorage that makes `Netlify.context` the
 * context of the request whose code is running, and the set of `context.waitUntil` promises
 * still pending.
 */
"use strict";
const { AsyncLocalStorage } = require("node:async_hooks");

/** @type {AsyncLocalStorage<object>} */
const contextStorage = new AsyncLocalStorage();

/** `Netlify.env`: a view of `process.env`. */
const env = Object.freeze({
  /** @param {string} name @returns {string | undefined} */
  get(name) {
    return process.env[name];
  },
  /** @param {string} name */
  has(name) {
    return Object.prototype.hasOwnProperty.call(process.env, name);
  },
  /** @param {string} name @param {string} value */
  set(name, value) {
    process.env[name] = value;
  },
  /** @param {string} name */
  delete(name) {
    delete process.env[name];
  },
  /** @returns {Record<string, string>} */
  toObject() {
    /** @type {Record<string, string>} */
    const out = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (value !== undefined) out[key] = value;
    }
    return out;
  },
});

const netlifyGlobal = Object.freeze({
  env,
  /** The v2 context of the invocation running this code, or null outside one. */
  get context() {
    return contextStorage.getStore() ?? null;
  },
});

let installed = false;

/**
 * Define `globalThis.Netlify` (once; a value already there is left alone). Called before a
 * function module is imported, since module code may read `Netlify.env` at the top level.
 */
function installNetlifyGlobal() {
  if (installed) return;
  installed = true;
  if ("Netlify" in globalThis) return;
  Object.defineProperty(globalThis, "Netlify", {
    value: netlifyGlobal,
    writable: true,
    configurable: true,
    enumerable: false,
  });
}

/** @type {Set<Promise<unknown>>} */
const pendingWaitUntil = new Set();

/**
 * Track a `waitUntil` promise; a rejection is reported through `onError` and never surfaces.
 * @param {unknown} promise @param {(err: unknown) => void} onError
 */
function trackWaitUntil(promise, onError) {
  const tracked = Promise.resolve(promise).then(
    () => {},
    (err) => {
      try {
        onError(err);
      } catch {
        // logging must not throw out of here
      }
    },
  );
  pendingWaitUntil.add(tracked);
  tracked.finally(() => pendingWaitUntil.delete(tracked));
}

/**
 * Resolves when every `waitUntil` promise tracked so far has settled (for a graceful stop: an
 * invocation is not finished until they are).
 * @returns {Promise<void>}
 */
async function settleWaitUntil() {
  while (pendingWaitUntil.size > 0) await Promise.allSettled([...pendingWaitUntil]);
}

/** Number of `waitUntil` promises still pending. */
function pendingWaitUntilCount() {
  return pendingWaitUntil.size;
}

module.exports = {
  contextStorage,
  installNetlifyGlobal,
  netlifyGlobal,
  trackWaitUntil,
  settleWaitUntil,
  pendingWaitUntilCount,
};
