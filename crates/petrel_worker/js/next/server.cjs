// @ts-check
/**
 * Petrel's `next/server` for route handlers: `NextRequest`, `NextResponse`, `NextURL`,
 * `after()`, `connection()`, `userAgent()`. Written from Next.js's documented and observed
 * behaviour (16.4.6, tests/conformance/pending/nextjs_app), so route handlers work whether or
 * not the app installs `next`.
 *
 * The route runner builds the handler's request as `new NextRequest(webRequest)` (a Web
 * `Request` whose URL already has Next's re-serialised query, e.g. `?c=%25ZZ&d=` for
 * `?c=%ZZ&d`; `nextUrl` shows the URL as given) and runs the handler inside
 * `runWithRequest` (request_store.cjs), which `after()` and `connection()` need.
 * `NextRequest`/`NextResponse` extend the global `Request`/`Response` as they were before user
 * code ran, so `instanceof Request`/`Response` holds and the runner sends them like any Response.
 */
"use strict";
const { originalGlobal } = require("../adapters/web.cjs");
const { RequestCookies, ResponseCookies } = require("./cookies.cjs");
const { currentStore, addAfterTask } = require("./request_store.cjs");

const BaseRequest = /** @type {typeof Request} */ (originalGlobal("Request")());
const BaseResponse = /** @type {typeof Response} */ (originalGlobal("Response")());
const BaseHeaders = /** @type {typeof Headers} */ (originalGlobal("Headers")());

const inspect = Symbol.for("nodejs.util.inspect.custom");

/**
 * `String(new URL(url))`, or Next's error for a relative or malformed URL (NextRequest and
 * NextResponse.redirect/rewrite need absolute URLs).
 * @param {string | URL} url @returns {string}
 */
function validateURL(url) {
  try {
    return String(new URL(String(url)));
  } catch (error) {
    throw new Error(
      `URL is malformed "${String(url)}". Please use only absolute URLs - ` +
        "https://nextjs.org/docs/messages/middleware-relative-urls",
      { cause: error },
    );
  }
}

/**
 * @typedef {{ basePath?: string }} NextConfigLike
 * @typedef {{ nextConfig?: NextConfigLike }} NextURLOptions
 */

/**
 * `request.nextUrl`: a URL whose `pathname` excludes the app's basePath (when the URL starts
 * with it) and whose `href` puts it back. Like Next's, it remembers whether the URL it was made
 * from (or its last `href`) ended in `/`: `href` then keeps a trailing slash whatever `pathname`
 * is set to, and drops one otherwise. No i18n: `locale` is "", `defaultLocale`,
 * `domainLocale` and `buildId` are undefined, as in an app without i18n.
 */
class NextURL {
  /**
   * `new NextURL(url, options?)` or `new NextURL(url, base, options?)`.
   * @param {string | URL} input
   * @param {string | URL | NextURLOptions} [baseOrOptions]
   * @param {NextURLOptions} [options]
   */
  constructor(input, baseOrOptions, options) {
    /** @type {string | URL | undefined} */
    let base;
    /** @type {NextURLOptions | undefined} */
    let opts = options;
    if (typeof baseOrOptions === "string" || baseOrOptions instanceof URL) base = baseOrOptions;
    else if (baseOrOptions) opts = baseOrOptions;
    this.#configuredBasePath = opts?.nextConfig?.basePath ?? "";
    this.#url = new URL(String(input), base);
    this.#analyze();
  }

  /** @type {URL} the URL without the basePath */
  #url;
  #basePath = "";
  #configuredBasePath;
  #trailingSlash = false;

  #analyze() {
    const configured = this.#configuredBasePath;
    const path = this.#url.pathname;
    this.#trailingSlash = path !== "/" && path.endsWith("/");
    this.#basePath = "";
    if (configured && (path === configured || path.startsWith(`${configured}/`))) {
      this.#basePath = configured;
      this.#url.pathname = path.slice(configured.length) || "/";
    }
  }

  #fullPathname() {
    const path = this.#url.pathname === "/" ? "/" : this.#url.pathname.replace(/\/$/, "");
    let full = path;
    if (this.#basePath) full = path === "/" ? this.#basePath : this.#basePath + path;
    return this.#trailingSlash && !full.endsWith("/") ? `${full}/` : full;
  }

  get href() {
    return `${this.#url.protocol}//${this.#url.host}${this.#fullPathname()}${this.#url.search}${this.#url.hash}`;
  }
  set href(value) {
    this.#url = new URL(value);
    this.#analyze();
  }
  get origin() {
    return this.#url.origin;
  }
  get protocol() {
    return this.#url.protocol;
  }
  set protocol(value) {
    this.#url.protocol = value;
  }
  get username() {
    return this.#url.username;
  }
  set username(value) {
    this.#url.username = value;
  }
  get password() {
    return this.#url.password;
  }
  set password(value) {
    this.#url.password = value;
  }
  get host() {
    return this.#url.host;
  }
  set host(value) {
    this.#url.host = value;
  }
  get hostname() {
    return this.#url.hostname;
  }
  set hostname(value) {
    this.#url.hostname = value;
  }
  get port() {
    return this.#url.port;
  }
  set port(value) {
    this.#url.port = value;
  }
  /** The path without the basePath, still percent-encoded (`/rh/shop/a%20b/c`). */
  get pathname() {
    return this.#url.pathname;
  }
  set pathname(value) {
    this.#url.pathname = value;
  }
  get search() {
    return this.#url.search;
  }
  set search(value) {
    this.#url.search = value;
  }
  get searchParams() {
    return this.#url.searchParams;
  }
  get hash() {
    return this.#url.hash;
  }
  set hash(value) {
    this.#url.hash = value;
  }
  get basePath() {
    return this.#basePath;
  }
  set basePath(value) {
    this.#basePath = !value || value.startsWith("/") ? value : `/${value}`;
  }
  get locale() {
    return "";
  }
  get defaultLocale() {
    return undefined;
  }
  get domainLocale() {
    return undefined;
  }
  get buildId() {
    return undefined;
  }

  toString() {
    return this.href;
  }

  toJSON() {
    return this.href;
  }

  /** An independent copy (changing it leaves this one alone). */
  clone() {
    const copy = new NextURL(this.#url.href);
    copy.#configuredBasePath = this.#configuredBasePath;
    copy.#basePath = this.#basePath;
    copy.#trailingSlash = this.#trailingSlash;
    return copy;
  }

  [inspect]() {
    return `NextURL ${JSON.stringify({
      href: this.href,
      origin: this.origin,
      pathname: this.pathname,
      search: this.search,
      basePath: this.basePath,
    })}`;
  }
}

/**
 * The route handler's request: a Web Request plus `nextUrl` and `cookies`.
 * `url` is the URL it was made with (fragment included), fixed at construction as in Next.
 */
class NextRequest extends BaseRequest {
  /**
   * @param {string | URL | Request} input an absolute URL or a Request (whose body it takes)
   * @param {RequestInit & { nextConfig?: NextConfigLike, duplex?: string }} [init]
   */
  constructor(input, init = {}) {
    const url =
      typeof input !== "string" && input && "url" in input ? /** @type {Request} */ (input).url : String(input);
    validateURL(url);
    if (input instanceof BaseRequest) super(input, init);
    else super(url, init);
    this.#nextUrl = new NextURL(url, { nextConfig: init.nextConfig });
    this.#url = this.#nextUrl.toString();
    this.#cookies = new RequestCookies(this.headers);
  }

  /** @type {NextURL} */
  #nextUrl;
  /** @type {string} */
  #url;
  /** @type {InstanceType<typeof RequestCookies>} */
  #cookies;

  /** The request's cookies (`get(name)?.value`, `getAll()`, `has`, `size`, …). */
  get cookies() {
    return this.#cookies;
  }

  get nextUrl() {
    return this.#nextUrl;
  }

  // @ts-ignore: lib.dom declares `url` a property; Next (and Petrel) override it with a getter.
  get url() {
    return this.#url;
  }

  [inspect]() {
    return `NextRequest ${JSON.stringify({ method: this.method, url: this.#url })}`;
  }
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * A Web Response plus `cookies` (written as `Set-Cookie` headers) and Next's static helpers.
 */
class NextResponse extends BaseResponse {
  /** @type {InstanceType<typeof ResponseCookies> | undefined} */
  #cookies;

  /**
   * The response's cookies: `set(name, value, options?)`, `delete(name)`, `get`, `getAll`,
   * `has`. Made on first use from the `Set-Cookie` headers the response has then.
   */
  get cookies() {
    this.#cookies ??= new ResponseCookies(this.headers);
    return this.#cookies;
  }

  /**
   * `Response.json` as a NextResponse: `application/json` (no charset) unless init's headers
   * set a content-type.
   * @param {any} body @param {ResponseInit} [init]
   */
  static json(body, init) {
    const text = JSON.stringify(body);
    // `Response.json`'s own error for what JSON cannot hold (undefined, a function…).
    if (typeof text !== "string") return BaseResponse.json(body, init);
    const headers = new BaseHeaders(init?.headers);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
    return new NextResponse(text, { status: init?.status, statusText: init?.statusText, headers });
  }

  /**
   * A redirect to an absolute URL (a relative one throws): status 307 unless given, and only
   * 301, 302, 303, 307 or 308.
   * @param {string | URL} url @param {number | ResponseInit} [init]
   */
  static redirect(url, init) {
    const status = typeof init === "number" ? init : (init?.status ?? 307);
    if (!REDIRECT_STATUSES.has(status)) {
      throw new RangeError('Failed to execute "redirect" on "response": Invalid status code');
    }
    const initObject = typeof init === "object" && init !== null ? init : {};
    const headers = new BaseHeaders(initObject.headers);
    headers.set("Location", validateURL(url));
    return new NextResponse(null, { ...initObject, headers, status });
  }

  /**
   * Middleware-only: marks the response with `x-middleware-rewrite`. Returned from a route
   * handler it is a 500 (finishResponse throws Next's error).
   * @param {string | URL} destination @param {ResponseInit} [init]
   */
  static rewrite(destination, init) {
    const headers = new BaseHeaders(init?.headers);
    headers.set("x-middleware-rewrite", validateURL(destination));
    return new NextResponse(null, { ...init, headers });
  }

  /**
   * Middleware-only: marks the response with `x-middleware-next: 1`; a 500 from a route handler.
   * @param {ResponseInit} [init]
   */
  static next(init) {
    const headers = new BaseHeaders(init?.headers);
    headers.set("x-middleware-next", "1");
    return new NextResponse(null, { ...init, headers });
  }
}

/**
 * Runs `task` (a function, or a promise to wait for) after the response is sent. Throws
 * outside a request, and for anything else than a function or a promise.
 * @param {(() => unknown) | PromiseLike<unknown>} task
 * @returns {void}
 */
function after(task) {
  addAfterTask(currentStore("after"), task);
}

/**
 * Resolves at once in a request (Next uses it to mark a render dynamic; route handlers are
 * always dynamic under Petrel). Throws outside a request.
 * @returns {Promise<void>}
 */
function connection() {
  currentStore("connection");
  return Promise.resolve();
}

/** `ImageResponse` (OG images) needs Next's image renderer, which Petrel does not ship. */
class ImageResponse {
  constructor() {
    throw new Error(
      "ImageResponse is not supported by Petrel: it needs Next.js's image renderer (`next/og`). " +
        "Generate the image in another way, or serve this route with `next start`.",
    );
  }
}

const BOT =
  /Googlebot|Mediapartners-Google|AdsBot-Google|Google-InspectionTool|Storebot-Google|GoogleOther|Google-PageRenderer|googleweblight|bingbot|BingPreview|Slurp|DuckDuckBot|Baiduspider|YandexBot|Sogou|Exabot|facebookexternalhit|facebookcatalog|Twitterbot|LinkedInBot|Slackbot|Discordbot|WhatsApp|TelegramBot|SkypeUriPreview|Applebot|redditbot|Pinterestbot|vkShare|quora link preview|bitlybot|tumblr|ia_archiver|AhrefsBot|SemrushBot|MJ12bot|PetalBot|Bytespider|GPTBot|ClaudeBot|CCBot|crawler|spider/i;

/** @param {string} version */
function withMajor(version) {
  return { version, major: version.split(".")[0] };
}

/** @param {string} ua */
function parseBrowser(ua) {
  /** @type {[RegExp, string][]} */
  const rules = [
    [/Edg(?:e|A|iOS)?\/([\d.]+)/, "Edge"],
    [/(?:OPR|Opera)\/([\d.]+)/, "Opera"],
    [/SamsungBrowser\/([\d.]+)/, "Samsung Internet"],
    [/(?:Firefox|FxiOS)\/([\d.]+)/, "Firefox"],
    [/CriOS\/([\d.]+)/, "Chrome"],
    [/Chrome\/([\d.]+)/, "Chrome"],
    [/Version\/([\d.]+).*Safari\//, /Mobile\//.test(ua) ? "Mobile Safari" : "Safari"],
  ];
  for (const [re, name] of rules) {
    const m = re.exec(ua);
    if (m) return { name, ...withMajor(m[1]) };
  }
  return {};
}

/** @param {string} ua */
function parseEngine(ua) {
  const chrome = /Chrome\/([\d.]+)/.exec(ua);
  if (chrome && !/CriOS|FxiOS/.test(ua)) return { name: "Blink", version: chrome[1] };
  const gecko = /rv:([\d.]+)\) Gecko\//.exec(ua);
  if (gecko) return { name: "Gecko", version: gecko[1] };
  const webkit = /AppleWebKit\/([\d.]+)/.exec(ua);
  if (webkit) return { name: "WebKit", version: webkit[1] };
  return {};
}

const WINDOWS_VERSIONS = /** @type {Record<string, string>} */ ({
  "10.0": "10",
  "6.3": "8.1",
  "6.2": "8",
  "6.1": "7",
  "6.0": "Vista",
  "5.1": "XP",
});

/** @param {string} ua */
function parseOs(ua) {
  let m;
  if ((m = /(?:iPhone|CPU) OS (\d+(?:_\d+)*)/.exec(ua))) return { name: "iOS", version: m[1].replace(/_/g, ".") };
  if ((m = /Mac OS X (\d+(?:[_.]\d+)*)/.exec(ua))) return { name: "Mac OS", version: m[1].replace(/_/g, ".") };
  if ((m = /Windows NT ([\d.]+)/.exec(ua))) return { name: "Windows", version: WINDOWS_VERSIONS[m[1]] ?? m[1] };
  if ((m = /Android ([\d.]+)/.exec(ua))) return { name: "Android", version: m[1] };
  if (/CrOS/.test(ua)) return { name: "Chromium OS" };
  if (/Linux/.test(ua)) return { name: "Linux" };
  return {};
}

/** @param {string} ua */
function parseDevice(ua) {
  if (/iPhone/.test(ua)) return { vendor: "Apple", model: "iPhone", type: "mobile" };
  if (/iPad/.test(ua)) return { vendor: "Apple", model: "iPad", type: "tablet" };
  if (/Macintosh/.test(ua)) return { vendor: "Apple", model: "Macintosh" };
  const android = /Android [\d.]+; (?:[a-z]{2}-[a-z]{2}; )?([^;)]+?)(?: Build\/[^;)]*)?\)/i.exec(ua);
  if (android || /Android/.test(ua)) {
    const type = /Mobile/.test(ua) ? "mobile" : "tablet";
    const model = android?.[1];
    if (!model || model === "K") return { type }; // "K": Chrome's reduced UA hides the model
    const vendor = /^Pixel|^Nexus/.test(model) ? "Google" : /^SM-|^GT-/.test(model) ? "Samsung" : undefined;
    return vendor ? { vendor, model, type } : { model, type };
  }
  return {};
}

/** @param {string} ua */
function parseCpu(ua) {
  if (/x86_64|x64|Win64|WOW64|amd64/i.test(ua)) return { architecture: "amd64" };
  if (/aarch64|arm64/i.test(ua)) return { architecture: "arm64" };
  return {};
}

/**
 * A small user-agent parse with Next's result shape (`ua`, `browser`, `engine`, `os`, `device`,
 * `cpu`, `isBot`): the common browsers and systems, not Next's full ua-parser-js database.
 * @param {string | null | undefined} input
 */
function userAgentFromString(input) {
  const ua = input ?? "";
  return {
    ua,
    browser: parseBrowser(ua),
    engine: parseEngine(ua),
    os: parseOs(ua),
    device: parseDevice(ua),
    cpu: parseCpu(ua),
    isBot: BOT.test(ua),
  };
}

/** @param {{ headers: { get(name: string): string | null } }} request */
function userAgent(request) {
  return userAgentFromString(request.headers.get("user-agent"));
}

module.exports = {
  NextRequest,
  NextResponse,
  NextURL,
  ImageResponse,
  after,
  connection,
  userAgent,
  userAgentFromString,
};
