// @ts-check
/**
 * Request shaping that Next does before a Pages API handler runs. Handlers observe all of it
 * (`res.json(req.query)` shows key order, `req.url` is echoed back, proxies read the forwarded
 * headers), so the rules follow the recorded behaviour in the reference (§2.3, §2.4, §2.4b, §3.2)
 * rather than what would be most natural.
 */
"use strict";

/**
 * @typedef {Record<string, string | string[]>} Query
 * @typedef {Record<string, string | string[]>} Params
 */

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Assign an own enumerable property even for the key `__proto__`, which plain assignment would
 * turn into a prototype change (a client controls these keys).
 * @param {Record<string, unknown>} obj @param {string} key @param {unknown} value
 */
function setOwn(obj, key, value) {
  if (key === "__proto__") {
    Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

/**
 * Split a raw request target into its path and query text (without `?`); a fragment, which
 * clients do not normally send, is dropped like a URL parser would.
 * @param {string} target
 * @returns {{ pathname: string, search: string }}
 */
function splitTarget(target) {
  let rest = target;
  if (!rest.startsWith("/") && /^[a-z][a-z0-9+.-]*:\/\//i.test(rest)) {
    // absolute-form target (proxies): keep only what follows the authority
    const afterScheme = rest.indexOf("//") + 2;
    const slash = rest.indexOf("/", afterScheme);
    const q = rest.indexOf("?", afterScheme);
    const cut = slash === -1 ? q : q === -1 ? slash : Math.min(slash, q);
    rest = cut === -1 ? "/" : (rest[cut] === "?" ? "/" : "") + rest.slice(cut);
  }
  const hash = rest.indexOf("#");
  if (hash !== -1) rest = rest.slice(0, hash);
  const q = rest.indexOf("?");
  if (q === -1) return { pathname: rest, search: "" };
  return { pathname: rest.slice(0, q), search: rest.slice(q + 1) };
}

/**
 * Query text to Next's query object: form-urlencoded decoding (`+` is a space, malformed escapes
 * stay as written), repeated keys collect into an array, brackets mean nothing.
 * @param {string} search query text without the leading `?`
 * @returns {Query}
 */
function parseQuery(search) {
  /** @type {Query} */
  const out = {};
  if (search === "") return out;
  // The added "?" is stripped by URLSearchParams, so a query that itself starts with "?" keeps it.
  for (const [key, value] of new URLSearchParams("?" + search)) {
    if (!hasOwn.call(out, key)) {
      setOwn(out, key, value);
    } else {
      const prev = out[key];
      if (Array.isArray(prev)) prev.push(value);
      else setOwn(out, key, [prev, value]);
    }
  }
  return out;
}

/**
 * Route params override query keys of the same name but take that key's position; params not
 * in the query follow in path order. An optional catch-all that matched nothing is absent from
 * `params`, so a query key of that name survives.
 * @param {Query} query @param {Params} params
 * @returns {Query}
 */
function mergeParams(query, params) {
  for (const key of Object.keys(params)) setOwn(query, key, params[key]);
  return query;
}

/**
 * Names of the dynamic segments of a route pattern (`/api/docs/[[...parts]]` → parts). Taken from
 * the pattern, not the matched params: a zero-segment optional catch-all still removes its name
 * from the rebuilt `req.url` (reference case 30).
 * @param {string} page @param {Params} params
 * @returns {Set<string>}
 */
function paramNames(page, params) {
  const names = new Set(Object.keys(params));
  for (const segment of page.split("/")) {
    const m = /^\[\[?(?:\.\.\.)?([^\]]+)\]?\]$/.exec(segment);
    if (m) names.add(m[1]);
  }
  return names;
}

/**
 * The `req.url` a handler sees: raw path (escapes as received) without the basePath, then the
 * query re-serialised form-style without the route-param keys; no `?` when nothing is left.
 * @param {string} pathname @param {string} search @param {string} basePath @param {Set<string>} drop
 */
function rebuildUrl(pathname, search, basePath, drop) {
  let path = pathname;
  if (basePath && (path === basePath || path.startsWith(basePath + "/"))) {
    path = path.slice(basePath.length) || "/";
  }
  if (search === "") return path;
  const sp = new URLSearchParams("?" + search);
  for (const name of drop) sp.delete(name);
  const qs = sp.toString();
  return qs ? `${path}?${qs}` : path;
}

/**
 * Fill the x-forwarded-* headers Next adds when the client did not send them, in Next's order,
 * after the client's own headers. Client values are kept untouched; `rawHeaders` is not changed.
 * The host header wins over the listen address for x-forwarded-host, as in Next.
 * @param {import('node:http').IncomingMessage} req
 * @param {{ host: string, port: number }} server
 */
function addForwardedHeaders(req, server) {
  const h = req.headers;
  if (h["x-forwarded-host"] === undefined) {
    const host = server.host.includes(":") ? `[${server.host}]` : server.host;
    h["x-forwarded-host"] = h.host ?? `${host}:${server.port}`;
  }
  if (h["x-forwarded-port"] === undefined) h["x-forwarded-port"] = String(server.port);
  if (h["x-forwarded-proto"] === undefined) h["x-forwarded-proto"] = "http";
  if (h["x-forwarded-for"] === undefined) {
    const ip = req.socket?.remoteAddress;
    if (ip !== undefined) h["x-forwarded-for"] = ip;
  }
}

/**
 * Parse a Cookie header: `name=value` pairs split on `;`, names and values trimmed, one pair of
 * surrounding double quotes removed, values percent-decoded when valid, pairs without `=`
 * skipped, and the first of duplicate names kept.
 * @param {string | string[] | undefined} header
 * @returns {Record<string, string>}
 */
function parseCookies(header) {
  /** @type {Record<string, string>} */
  const out = {};
  if (!header) return out;
  const text = Array.isArray(header) ? header.join("; ") : header;
  for (const pair of text.split(";")) {
    const eq = pair.indexOf("=");
    if (eq === -1) continue;
    const name = pair.slice(0, eq).trim();
    if (hasOwn.call(out, name)) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (value.includes("%")) {
      try {
        value = decodeURIComponent(value);
      } catch {
        // keep the text as sent when it is not valid percent-encoding
      }
    }
    setOwn(out, name, value);
  }
  return out;
}

/** @param {object} obj @param {string} key @param {unknown} value */
function settle(obj, key, value) {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

// One accessor pair for every request: per-request getter closures would give each request its
// own hidden class (slow property access everywhere in Node's http code afterwards).
const lazyCookies = {
  configurable: true,
  enumerable: true,
  /** @this {import('node:http').IncomingMessage} */
  get() {
    const value = parseCookies(this.headers.cookie);
    settle(this, "cookies", value);
    return value;
  },
  /** @this {import('node:http').IncomingMessage} @param {unknown} value */
  set(value) {
    settle(this, "cookies", value);
  },
};

/**
 * `req.cookies` the way Next exposes it: an own accessor that parses the Cookie header on first
 * read (handlers that never look pay nothing) and then turns into a plain data property, as an
 * assignment does.
 * @param {import('node:http').IncomingMessage} req
 */
function defineLazyCookies(req) {
  Object.defineProperty(req, "cookies", lazyCookies);
}

module.exports = {
  splitTarget,
  parseQuery,
  mergeParams,
  paramNames,
  rebuildUrl,
  addForwardedHeaders,
  parseCookies,
  defineLazyCookies,
};
