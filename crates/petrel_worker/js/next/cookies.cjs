// @ts-check
/**
 * The cookie jars behind Petrel's `next/server` and `next/headers` (server.cjs, headers.cjs):
 *
 * - `RequestCookies`: `NextRequest.cookies`, parsed from the request's `Cookie` header;
 *   `set`/`delete` rewrite that header, as Next.js does.
 * - `ResponseCookies`: `NextResponse.cookies`, read from and written to the response's own
 *   `Set-Cookie` headers.
 * - `MutableRequestCookies`: what `cookies()` gives a route handler: the request's cookies plus
 *   those set or deleted through it. request_store.cjs creates one per request and turns the
 *   changed ones into `Set-Cookie` lines (`MutableRequestCookies.setCookieLines`).
 * - `SealedRequestCookies`: what `cookies()` gives an `after()` callback: the request's cookies,
 *   read-only.
 *
 * Formats are those of Next.js 16.4.6 (tests/conformance/pending/nextjs_app/README.md,
 * "Observations for the implementer", plus black-box runs of `next start`):
 * `Set-Cookie` is `name=<encodeURIComponent(value)>` then `Path`, `Expires`, `Max-Age`, `Domain`,
 * `Secure`, `HttpOnly`, `SameSite`, `Partitioned`, `Priority`, in that order; `Path=/` unless a
 * path is given; `maxAge` also sets `Expires`; one cookie per name (a second `set` replaces the
 * value in place). Items read back are the objects as set (`{name, value, …options, path}`),
 * which handlers often return as JSON, so their key order is kept as Next's.
 */
"use strict";

const EPOCH = 0;

/**
 * @typedef {object} CookieOptions
 * @property {Date | number | string} [expires]
 * @property {number} [maxAge] seconds; when non-zero, `expires` becomes now + maxAge
 * @property {string} [domain]
 * @property {string} [path] `/` when absent
 * @property {boolean} [secure]
 * @property {boolean} [httpOnly]
 * @property {"strict" | "lax" | "none" | boolean} [sameSite] written as given
 * @property {boolean} [partitioned]
 * @property {"low" | "medium" | "high"} [priority]
 *
 * @typedef {CookieOptions & { name: string, value: any }} ResponseCookie
 * @typedef {{ name: string, value: string }} RequestCookie
 */

const READONLY_COOKIES_MESSAGE =
  "Cookies can only be modified in a Server Action or Route Handler. " +
  "Read more: https://nextjs.org/docs/app/api-reference/functions/cookies#options";

/** Thrown by `set`/`delete` once the response's headers are decided (after() callbacks). */
class ReadonlyRequestCookiesError extends Error {
  constructor() {
    super(READONLY_COOKIES_MESSAGE);
    this.name = "ReadonlyRequestCookiesError";
  }
}

/**
 * A request `Cookie` header as Next.js reads it: pairs split at `;` plus spaces, names and
 * values otherwise untrimmed, values percent-decoded, a pair without `=` is the name with value
 * `"true"`, the last duplicate wins (in the first one's position), and a pair whose value has a
 * bad percent escape is dropped (what Next does; it is not in the goldens).
 * @param {string | null | undefined} header
 * @returns {Map<string, string>}
 */
function parseCookieHeader(header) {
  /** @type {Map<string, string>} */
  const map = new Map();
  if (!header) return map;
  for (const pair of header.split(/; */)) {
    if (!pair) continue;
    const eq = pair.indexOf("=");
    if (eq === -1) {
      map.set(pair, "true");
      continue;
    }
    try {
      map.set(pair.slice(0, eq), decodeURIComponent(pair.slice(eq + 1)));
    } catch {
      // malformed escape: skipped, like Next
    }
  }
  return map;
}

/** @param {Date | number | string} value */
function toDate(value) {
  return value instanceof Date ? value : new Date(value);
}

/**
 * One `Set-Cookie` value in Next's attribute order. Names are not validated (Next does not);
 * the value is always percent-encoded, so `x y;z=1` is sent as `x%20y%3Bz%3D1`.
 * @param {ResponseCookie} c
 * @returns {string}
 */
function serializeSetCookie(c) {
  /** @type {string[]} */
  const attrs = [];
  if (c.path) attrs.push(`Path=${c.path}`);
  if (c.expires || c.expires === 0) attrs.push(`Expires=${toDate(c.expires).toUTCString()}`);
  if (typeof c.maxAge === "number") attrs.push(`Max-Age=${c.maxAge}`);
  if (c.domain) attrs.push(`Domain=${c.domain}`);
  if (c.secure) attrs.push("Secure");
  if (c.httpOnly) attrs.push("HttpOnly");
  if (c.sameSite) attrs.push(`SameSite=${c.sameSite}`);
  if (c.partitioned) attrs.push("Partitioned");
  if (c.priority) attrs.push(`Priority=${c.priority}`);
  const head = `${c.name}=${encodeURIComponent(c.value ?? "")}`;
  return attrs.length === 0 ? head : `${head}; ${attrs.join("; ")}`;
}

const SAME_SITE = new Set(["strict", "lax", "none"]);
const PRIORITY = new Set(["low", "medium", "high"]);

/**
 * A `Set-Cookie` line already on a response, as the object `NextResponse.cookies.get` returns.
 * Unknown attributes are dropped and `SameSite`/`Priority` lower-cased, as Next does; a value
 * with a bad escape is kept raw (Next throws while constructing the response).
 * @param {string} line
 * @returns {ResponseCookie}
 */
function parseSetCookie(line) {
  const [pair, ...attributes] = line.split(/; */);
  const eq = pair.indexOf("=");
  const name = eq === -1 ? pair : pair.slice(0, eq);
  const raw = eq === -1 ? "true" : pair.slice(eq + 1);
  let value = raw;
  try {
    value = decodeURIComponent(raw);
  } catch {
    // keep raw
  }
  /** @type {Record<string, string | true>} */
  const attrs = {};
  for (const attribute of attributes) {
    const i = attribute.indexOf("=");
    const key = (i === -1 ? attribute : attribute.slice(0, i)).toLowerCase();
    attrs[key] = i === -1 ? true : attribute.slice(i + 1);
  }
  /** @type {ResponseCookie} */
  const cookie = { name, value };
  if (typeof attrs.domain === "string" && attrs.domain) cookie.domain = attrs.domain;
  if (typeof attrs.expires === "string" && attrs.expires) cookie.expires = new Date(attrs.expires);
  if (attrs.httponly) cookie.httpOnly = true;
  if (typeof attrs["max-age"] === "string" && attrs["max-age"]) cookie.maxAge = Number(attrs["max-age"]);
  if (typeof attrs.path === "string" && attrs.path) cookie.path = attrs.path;
  const sameSite = typeof attrs.samesite === "string" ? attrs.samesite.toLowerCase() : "";
  if (SAME_SITE.has(sameSite)) cookie.sameSite = /** @type {any} */ (sameSite);
  if (attrs.secure) cookie.secure = true;
  const priority = typeof attrs.priority === "string" ? attrs.priority.toLowerCase() : "";
  if (PRIORITY.has(priority)) cookie.priority = /** @type {any} */ (priority);
  if (attrs.partitioned) cookie.partitioned = true;
  return cookie;
}

/**
 * Next's defaults for a cookie being set: numeric `expires` becomes a Date, a non-zero
 * `maxAge` sets `expires` to now + maxAge, `path` defaults to `/` (an empty path stays empty).
 * @param {ResponseCookie} cookie @returns {ResponseCookie}
 */
function normalizeCookie(cookie) {
  if (typeof cookie.expires === "number") cookie.expires = new Date(cookie.expires);
  if (cookie.maxAge) cookie.expires = new Date(Date.now() + cookie.maxAge * 1000);
  if (cookie.path === undefined || cookie.path === null) cookie.path = "/";
  return cookie;
}

/**
 * The cookie of `set(name, value, options)` or `set({ name, value, ...options })`; keys in the
 * order Next keeps them (name, value, options as given).
 * @param {[string | ResponseCookie, any?, CookieOptions?]} args
 * @returns {ResponseCookie}
 */
function cookieFromSetArgs(args) {
  const [first, value, options] = args;
  if (first !== null && typeof first === "object") {
    // name and value first, then the object's other keys in its order
    return Object.assign({ name: first.name, value: first.value }, first);
  }
  /** @type {ResponseCookie} */
  const cookie = { name: first, value, ...options };
  // Options cannot rename the cookie or change its value.
  cookie.name = first;
  cookie.value = value;
  return cookie;
}

/**
 * `delete(name)` / `delete({ name, path, domain })`: an empty value expiring at the epoch,
 * keeping the given path and domain (a browser only drops a cookie whose path and domain match).
 * @param {string | ({ name: string } & CookieOptions)} nameOrOptions
 * @returns {ResponseCookie}
 */
function deletionCookie(nameOrOptions) {
  if (typeof nameOrOptions === "string") {
    return { name: nameOrOptions, value: "", expires: new Date(EPOCH) };
  }
  if (!nameOrOptions || typeof nameOrOptions !== "object") {
    throw new TypeError("cookies.delete() expects a name or an object ({ name, path?, domain? })");
  }
  const { name, ...options } = nameOrOptions;
  /** @type {ResponseCookie} */
  const cookie = { name, value: "", ...options };
  cookie.value = "";
  cookie.expires = new Date(EPOCH);
  return cookie;
}

/** @param {string | { name: string }} nameOrCookie */
function nameOf(nameOrCookie) {
  return typeof nameOrCookie === "string" ? nameOrCookie : nameOrCookie?.name;
}

const inspect = Symbol.for("nodejs.util.inspect.custom");

/** `NextRequest.cookies`: the request's cookies; `set`/`delete` rewrite its `Cookie` header. */
class RequestCookies {
  /** @param {Headers} headers the request's headers (read now, written on change) */
  constructor(headers) {
    this.#headers = headers;
    for (const [name, value] of parseCookieHeader(headers.get("cookie"))) {
      this.#map.set(name, { name, value });
    }
  }

  /** @type {Headers} */
  #headers;
  /** @type {Map<string, RequestCookie>} */
  #map = new Map();

  get size() {
    return this.#map.size;
  }

  /** @param {string | { name: string }} nameOrCookie @returns {RequestCookie | undefined} */
  get(nameOrCookie) {
    return this.#map.get(nameOf(nameOrCookie));
  }

  /** All cookies, or those named so. @param {string | { name: string }} [nameOrCookie] */
  getAll(nameOrCookie) {
    const all = [...this.#map.values()];
    if (nameOrCookie === undefined) return all;
    const name = nameOf(nameOrCookie);
    return all.filter((c) => c.name === name);
  }

  /** @param {string} name */
  has(name) {
    return this.#map.has(name);
  }

  /**
   * `set(name, value)` or `set({ name, value })`.
   * @param {string | RequestCookie} nameOrCookie @param {string} [value]
   */
  set(nameOrCookie, value) {
    const [name, v] =
      nameOrCookie !== null && typeof nameOrCookie === "object"
        ? [nameOrCookie.name, nameOrCookie.value]
        : [nameOrCookie, value];
    this.#map.set(name, { name, value: /** @type {string} */ (v) });
    this.#writeHeader();
    return this;
  }

  /**
   * Removes one name (→ whether it was there) or several (→ one boolean each).
   * @param {string | string[]} names
   */
  delete(names) {
    const result = Array.isArray(names) ? names.map((n) => this.#map.delete(n)) : this.#map.delete(names);
    this.#writeHeader();
    return result;
  }

  clear() {
    this.delete([...this.#map.keys()]);
    return this;
  }

  toString() {
    return [...this.#map.values()].map((c) => `${c.name}=${encodeURIComponent(c.value ?? "")}`).join("; ");
  }

  [Symbol.iterator]() {
    return this.#map[Symbol.iterator]();
  }

  [inspect]() {
    return `RequestCookies ${JSON.stringify(Object.fromEntries([...this.#map].map(([k, c]) => [k, c.value])))}`;
  }

  #writeHeader() {
    this.#headers.set("cookie", this.toString());
  }
}

/** `cookies()` inside `after()` callbacks: the request's cookies, read-only (as in Next). */
class SealedRequestCookies extends RequestCookies {
  /** @returns {never} */
  set() {
    throw new ReadonlyRequestCookiesError();
  }

  /** @returns {never} */
  delete() {
    throw new ReadonlyRequestCookiesError();
  }

  /** @returns {never} */
  clear() {
    throw new ReadonlyRequestCookiesError();
  }
}

// Hooks the two jars below give their shared base, kept off the public surface.
const ENTRIES = Symbol("entries");
const BEFORE_CHANGE = Symbol("beforeChange");
const CHANGED = Symbol("changed");

/**
 * A name → cookie map with Next's `ResponseCookies` API (`get`, `getAll`, `has`, `set`,
 * `delete`, `toString`; plus `size`). The map is filled on first use from `seed`, so a jar
 * created before the handler runs still sees what the handler did to the request first.
 */
class CookieMap {
  /** @param {() => Iterable<ResponseCookie>} seed */
  constructor(seed) {
    this.#seed = seed;
  }

  /** @type {(() => Iterable<ResponseCookie>) | null} */
  #seed;
  /** @type {Map<string, ResponseCookie>} */
  #map = new Map();

  /** @returns {Map<string, ResponseCookie>} */
  [ENTRIES]() {
    if (this.#seed) {
      const seed = this.#seed;
      this.#seed = null;
      for (const cookie of seed()) this.#map.set(cookie.name, cookie);
    }
    return this.#map;
  }

  /** Throws when changes are not allowed. */
  [BEFORE_CHANGE]() {}

  /** @param {string} _name */
  [CHANGED](_name) {}

  get size() {
    return this[ENTRIES]().size;
  }

  /** @param {string | { name: string }} nameOrCookie @returns {ResponseCookie | undefined} */
  get(nameOrCookie) {
    return this[ENTRIES]().get(nameOf(nameOrCookie));
  }

  /** All cookies, or those named so. @param {string | { name: string }} [nameOrCookie] */
  getAll(nameOrCookie) {
    const all = [...this[ENTRIES]().values()];
    if (nameOrCookie === undefined) return all;
    const name = nameOf(nameOrCookie);
    return all.filter((c) => c.name === name);
  }

  /** @param {string} name */
  has(name) {
    return this[ENTRIES]().has(name);
  }

  /**
   * `set(name, value, options?)` or `set({ name, value, ...options })`.
   * @param {string | ResponseCookie} nameOrCookie @param {any} [value] @param {CookieOptions} [options]
   * @returns {this}
   */
  set(nameOrCookie, value, options) {
    this[BEFORE_CHANGE]();
    const cookie = normalizeCookie(cookieFromSetArgs([nameOrCookie, value, options]));
    this[ENTRIES]().set(cookie.name, cookie);
    this[CHANGED](cookie.name);
    return this;
  }

  /**
   * Expires a cookie: `name=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT`.
   * @param {string | ({ name: string } & CookieOptions)} nameOrOptions
   * @returns {this}
   */
  delete(nameOrOptions) {
    this[BEFORE_CHANGE]();
    return this.set(deletionCookie(nameOrOptions));
  }

  /** All cookies as `Set-Cookie` values joined by `; ` (what Next's `toString` gives). */
  toString() {
    return [...this[ENTRIES]().values()].map(serializeSetCookie).join("; ");
  }

  [inspect]() {
    return `${this.constructor.name} ${JSON.stringify(this.getAll())}`;
  }
}

/**
 * `NextResponse.cookies`. Reads the `Set-Cookie` lines the response has when first used; every
 * `set`/`delete` rewrites all of them from the map (so the handler's own lines come first, in
 * their order, then new names), as Next does. Next also writes an internal
 * `x-middleware-set-cookie` header that never reaches the client; Petrel leaves it out.
 */
class ResponseCookies extends CookieMap {
  /** @param {Headers} headers the response's headers */
  constructor(headers) {
    super(() => headers.getSetCookie().map(parseSetCookie));
    this.#headers = headers;
  }

  /** @type {Headers} */
  #headers;

  [CHANGED]() {
    const headers = this.#headers;
    headers.delete("set-cookie");
    for (const cookie of this[ENTRIES]().values()) headers.append("set-cookie", serializeSetCookie(cookie));
  }
}

/**
 * `cookies()` in a route handler. Holds the request's cookies (`{name, value, path: "/"}`) and
 * what the handler sets or deletes; a set cookie is visible to later reads. Only names changed
 * through it become `Set-Cookie` lines, in map order: a request cookie keeps its request
 * position, a new name goes last, and setting a name again keeps its position.
 */
class MutableRequestCookies extends CookieMap {
  /**
   * @param {() => Iterable<RequestCookie>} requestCookies read on first use
   * @param {() => boolean} canModify false once the response's headers are decided
   */
  constructor(requestCookies, canModify) {
    super(() => Array.from(requestCookies(), ({ name, value }) => normalizeCookie({ name, value })));
    this.#canModify = canModify;
  }

  /** @type {() => boolean} */
  #canModify;
  /** @type {Set<string>} */
  #modified = new Set();

  [BEFORE_CHANGE]() {
    if (!this.#canModify()) throw new ReadonlyRequestCookiesError();
  }

  /** @param {string} name */
  [CHANGED](name) {
    this.#modified.add(name);
  }

  /**
   * The `Set-Cookie` values for the response: one per changed name, in map order.
   * @param {MutableRequestCookies} jar @returns {string[]}
   */
  static setCookieLines(jar) {
    if (jar.#modified.size === 0) return [];
    /** @type {string[]} */
    const lines = [];
    for (const cookie of jar[ENTRIES]().values()) {
      if (jar.#modified.has(cookie.name)) lines.push(serializeSetCookie(cookie));
    }
    return lines;
  }
}

module.exports = {
  RequestCookies,
  SealedRequestCookies,
  ResponseCookies,
  MutableRequestCookies,
  ReadonlyRequestCookiesError,
  parseCookieHeader,
  parseSetCookie,
  serializeSetCookie,
};
