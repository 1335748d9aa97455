// @ts-check
/**
 * What Netlify's platform adds around a function invocation (reference §2.2, §2.4): the request
 * id, the `x-nf-*` headers the function sees, the URL it is told it was called at, and the
 * values behind `context.site`, `context.server` and `context.deploy`.
 */
"use strict";
const { randomFillSync } = require("node:crypto");

/** Crockford's base32, the alphabet of ULIDs. */
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/**
 * A 26-character ULID-shaped request id, as Netlify's `x-nf-request-id`: 10 characters of
 * millisecond time, then 16 random ones.
 * @returns {string}
 */
function newRequestId() {
  let time = Date.now();
  let head = "";
  for (let i = 0; i < 10; i++) {
    head = CROCKFORD[time % 32] + head;
    time = Math.floor(time / 32);
  }
  if (randomAt + 16 > RANDOM_POOL.length) {
    randomFillSync(RANDOM_POOL);
    randomAt = 0;
  }
  let tail = "";
  for (let i = 0; i < 16; i++) tail += CROCKFORD[RANDOM_POOL[randomAt + i] & 31];
  randomAt += 16;
  return head + tail;
}

// Random bytes are drawn from the OS a pool at a time: one `randomFillSync` per 256 ids instead
// of one per request (it was 9% of a v2 function's CPU in bench/netlify.py).
const RANDOM_POOL = Buffer.alloc(4096);
let randomAt = RANDOM_POOL.length;

/**
 * A local stand-in for the visitor's location: there is no geo-IP lookup here, so every request
 * gets the same mock place, shaped like the one `netlify dev` injects (reference §2.4).
 */
const MOCK_GEO = Object.freeze({
  city: "Mock City",
  country: Object.freeze({ code: "US", name: "Mock Country" }),
  subdivision: Object.freeze({ code: "SD", name: "Mock Subdivision" }),
  latitude: 0,
  longitude: 0,
  timezone: "UTC",
});
const MOCK_GEO_HEADER = Buffer.from(JSON.stringify(MOCK_GEO)).toString("base64");

/** Names of the headers the platform sets; values sent by the client under these names are replaced. */
const PLATFORM_HEADERS = new Set([
  "x-nf-request-id",
  "x-nf-client-connection-ip",
  "client-ip",
  "x-nf-account-id",
  "x-nf-site-id",
  "x-nf-geo",
]);

/**
 * @typedef {object} NetlifyEnv
 * @property {string} [siteId]
 * @property {string} [siteName]
 * @property {string} [url]
 * @property {string} [region]
 */

/**
 * The platform headers of one invocation, in the order they are added.
 * @param {import('node:http').IncomingMessage} req
 * @param {string} requestId
 * @param {NetlifyEnv | undefined} env
 * @returns {Array<[string, string]>}
 */
function platformHeaders(req, requestId, env) {
  const ip = clientIp(req);
  return [
    ["x-nf-request-id", requestId],
    ["x-nf-client-connection-ip", ip],
    ["client-ip", ip],
    ["x-nf-account-id", ""],
    // `netlify dev` sends "unlinked" when the folder is not linked to a site.
    ["x-nf-site-id", env?.siteId || process.env.SITE_ID || "unlinked"],
    ["x-nf-geo", MOCK_GEO_HEADER],
  ];
}

/** @param {import('node:http').IncomingMessage} req */
function clientIp(req) {
  return req.socket?.remoteAddress ?? "";
}

/**
 * `http://<host>[:<port>]` for the request: the `Host` header when it is a plausible authority,
 * else the address the server listens on.
 * @param {import('node:http').IncomingMessage} req
 * @param {{ host: string, port: number }} server
 */
function requestOrigin(req, server) {
  const host = req.headers.host;
  if (host && /^[^\s/?#@\\]+$/.test(host)) {
    try {
      new URL(`http://${host}/`);
      return `http://${host}`;
    } catch {
      // fall through to the listening address
    }
  }
  const name = server.host.includes(":") && !server.host.startsWith("[") ? `[${server.host}]` : server.host;
  return `http://${name}:${server.port}`;
}

/**
 * The full URL of the request. The target is appended to the origin as text (not resolved
 * against it), so a target such as `//x` stays a path.
 * @param {import('node:http').IncomingMessage} req
 * @param {{ host: string, port: number }} server
 */
function requestUrl(req, server) {
  const target = req.url ?? "/";
  if (!target.startsWith("/")) {
    // absolute-form (`GET http://host/path`) or `*`: keep the path and query only
    try {
      const u = new URL(target);
      return new URL(requestOrigin(req, server) + u.pathname + u.search);
    } catch {
      return new URL(requestOrigin(req, server) + "/");
    }
  }
  return new URL(requestOrigin(req, server) + target);
}

/**
 * `context.deploy`. Petrel is not a Netlify deploy: no id, no branch. `context` is "dev" under
 * `petrel dev` (Netlify's `CONTEXT` value locally) and "production" under `petrel start`, so code
 * that branches on the deploy context behaves as it does on the published site.
 * @param {boolean} dev
 */
function deployInfo(dev) {
  return { branch: "", context: dev ? "dev" : "production", id: "", published: false };
}

/**
 * `context.server`: region "dev" under `petrel dev` (as `netlify dev` says), else the configured
 * region, `AWS_REGION`, or "local".
 * @param {boolean} dev @param {NetlifyEnv | undefined} env
 */
function serverInfo(dev, env) {
  return { region: dev ? "dev" : env?.region || siteVars().region || "local" };
}

/**
 * `context.site`: configured values, else Netlify's environment variables; the URL falls back to
 * the origin the request came in on (as `netlify dev` gives its own address).
 * @param {NetlifyEnv | undefined} env @param {string} origin
 */
function siteInfo(env, origin) {
  const vars = siteVars();
  return {
    id: env?.siteId ?? vars.id,
    name: env?.siteName ?? vars.name,
    url: env?.url ?? vars.url ?? origin,
  };
}

/** @type {{ id?: string, name?: string, url?: string, region?: string } | null} */
let cachedSiteVars = null;

/**
 * `SITE_ID`, `SITE_NAME`, `URL`, `AWS_REGION`, read once: every `process.env` read is a call into
 * C++, and these were read on every request. (Workers get their environment before serving.)
 */
function siteVars() {
  cachedSiteVars ??= {
    id: process.env.SITE_ID,
    name: process.env.SITE_NAME,
    url: process.env.URL,
    region: process.env.AWS_REGION,
  };
  return cachedSiteVars;
}

/** A fresh copy of the mock place (the function may change it). */
function mockGeo() {
  return {
    city: MOCK_GEO.city,
    country: { ...MOCK_GEO.country },
    subdivision: { ...MOCK_GEO.subdivision },
    latitude: MOCK_GEO.latitude,
    longitude: MOCK_GEO.longitude,
    timezone: MOCK_GEO.timezone,
  };
}

/**
 * The geo object of `context.geo`, decoded from an `x-nf-geo` value (`postal_code` becomes
 * `postalCode`); the mock when the value cannot be read.
 * @param {string | null | undefined} header
 */
function decodeGeo(header) {
  /** @type {any} */
  let geo;
  if (header === MOCK_GEO_HEADER || !header) return mockGeo();
  try {
    geo = JSON.parse(Buffer.from(header, "base64").toString("utf8"));
  } catch {
    geo = null;
  }
  if (!geo || typeof geo !== "object") return mockGeo();
  if ("postal_code" in geo) {
    geo.postalCode = geo.postal_code;
    delete geo.postal_code;
  }
  return geo;
}

module.exports = {
  newRequestId,
  MOCK_GEO,
  MOCK_GEO_HEADER,
  PLATFORM_HEADERS,
  platformHeaders,
  clientIp,
  requestOrigin,
  requestUrl,
  deployInfo,
  serverInfo,
  siteInfo,
  decodeGeo,
};
