// @ts-check
/**
 * `context.cookies` of v2 functions (reference §2.4, case 30): `get` reads the request's
 * `Cookie` header, `set` and `delete` queue `Set-Cookie` lines that are appended to the
 * function's response. Attributes are written in a fixed order — `Secure`, `HttpOnly`,
 * `Max-Age`, `Domain`, `SameSite`, `Path`, `Expires` — which gives Netlify's observed
 * serialisations `c1=v1; HttpOnly; Path=/` and `gone=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT`.
 */
"use strict";

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// RFC 6265 cookie-octet: visible ASCII but `"` `,` `;` `\`, optionally inside double quotes.
const COOKIE_VALUE = /^(?:[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*|"[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*")$/;
// Domain and Path: no controls, no `;`.
const ATTRIBUTE_VALUE = /^[\x20-\x3A\x3C-\x7E]*$/;
const EPOCH = "Thu, 01 Jan 1970 00:00:00 GMT";

/**
 * @typedef {object} CookieOptions
 * @property {string} name
 * @property {string} value
 * @property {Date | number} [expires] a Date or milliseconds since the epoch
 * @property {number} [maxAge] seconds
 * @property {string} [domain]
 * @property {string} [path]
 * @property {boolean} [secure]
 * @property {boolean} [httpOnly]
 * @property {"Strict" | "Lax" | "None"} [sameSite]
 *
 * @typedef {{ name: string, domain?: string, path?: string }} DeleteOptions
 */

/**
 * Cookies of a `Cookie` header value; the first occurrence of a name wins; values are not decoded.
 * @param {string | undefined} header
 * @returns {Map<string, string>}
 */
function parseCookieHeader(header) {
  /** @type {Map<string, string>} */
  const map = new Map();
  if (!header) return map;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (!name || map.has(name)) continue;
    map.set(name, part.slice(eq + 1).trim());
  }
  return map;
}

/** @param {unknown} name */
function checkName(name) {
  if (typeof name !== "string" || !TOKEN.test(name)) {
    throw new TypeError(`Invalid cookie name: ${JSON.stringify(name)}`);
  }
}

/**
 * @param {string} attribute @param {unknown} value
 * @returns {string}
 */
function checkAttribute(attribute, value) {
  const text = String(value);
  if (!ATTRIBUTE_VALUE.test(text)) {
    throw new TypeError(`Invalid cookie ${attribute}: ${JSON.stringify(text)}`);
  }
  return text;
}

/** @param {CookieOptions} cookie @returns {string} */
function serializeCookie(cookie) {
  checkName(cookie.name);
  const value = cookie.value === undefined || cookie.value === null ? "" : String(cookie.value);
  if (!COOKIE_VALUE.test(value)) {
    throw new TypeError(
      `Invalid value for cookie "${cookie.name}": ${JSON.stringify(value)} ` +
        "(encode it first, for example with encodeURIComponent())",
    );
  }
  const parts = [`${cookie.name}=${value}`];
  if (cookie.secure) parts.push("Secure");
  if (cookie.httpOnly) parts.push("HttpOnly");
  if (typeof cookie.maxAge === "number" && Number.isFinite(cookie.maxAge)) {
    parts.push(`Max-Age=${Math.floor(cookie.maxAge)}`);
  }
  if (cookie.domain) parts.push(`Domain=${checkAttribute("domain", cookie.domain)}`);
  if (cookie.sameSite) parts.push(`SameSite=${checkAttribute("sameSite", cookie.sameSite)}`);
  if (cookie.path) parts.push(`Path=${checkAttribute("path", cookie.path)}`);
  if (cookie.expires !== undefined && cookie.expires !== null) {
    const date = cookie.expires instanceof Date ? cookie.expires : new Date(cookie.expires);
    if (Number.isNaN(date.getTime())) throw new TypeError(`Invalid cookie expires: ${String(cookie.expires)}`);
    parts.push(`Expires=${date.toUTCString()}`);
  }
  return parts.join("; ");
}

/** The cookie jar behind `context.cookies`. */
class CookieJar {
  /** @param {string | undefined} cookieHeader the request's `Cookie` header */
  constructor(cookieHeader) {
    this.#request = parseCookieHeader(cookieHeader);
  }

  /** @type {Map<string, string>} */
  #request;
  /** @type {string[]} */
  #outgoing = [];

  /** The request's value of a cookie, or undefined. @param {string} name */
  get(name) {
    return this.#request.get(name);
  }

  /**
   * `set({name, value, …})` or `set(name, value)`.
   * @param {CookieOptions | string} cookieOrName @param {string} [value]
   */
  set(cookieOrName, value) {
    const cookie =
      typeof cookieOrName === "string"
        ? { name: cookieOrName, value: /** @type {string} */ (value) }
        : cookieOrName;
    if (!cookie || typeof cookie !== "object") {
      throw new TypeError("cookies.set() expects an object ({ name, value, ... }) or a name and a value");
    }
    this.#outgoing.push(serializeCookie(cookie));
  }

  /**
   * Expire a cookie: empty value, `Path` `/` unless given, `Expires` at the epoch.
   * @param {string | DeleteOptions} nameOrOptions
   */
  delete(nameOrOptions) {
    const options = typeof nameOrOptions === "string" ? { name: nameOrOptions } : nameOrOptions;
    if (!options || typeof options !== "object") {
      throw new TypeError("cookies.delete() expects a name or an object ({ name, domain?, path? })");
    }
    checkName(options.name);
    const parts = [`${options.name}=`];
    if (options.domain) parts.push(`Domain=${checkAttribute("domain", options.domain)}`);
    parts.push(`Path=${checkAttribute("path", options.path || "/")}`);
    parts.push(`Expires=${EPOCH}`);
    this.#outgoing.push(parts.join("; "));
  }

  /** The queued `Set-Cookie` values, in call order. */
  setCookieHeaders() {
    return this.#outgoing.slice();
  }
}

/**
 * The public face of a jar: only `get`, `set` and `delete` (bound, so they can be destructured).
 * @param {CookieJar} jar
 */
function cookiesApi(jar) {
  return {
    get: (/** @type {string} */ name) => jar.get(name),
    set: (/** @type {CookieOptions | string} */ c, /** @type {string} */ v) => jar.set(c, v),
    delete: (/** @type {string | DeleteOptions} */ c) => jar.delete(c),
  };
}

module.exports = { CookieJar, cookiesApi, parseCookieHeader, serializeCookie };
