// @ts-check
/**
 * Pages API adapter: request shaping (req.query, req.url, forwarded headers, cookies) and module
 * loading. Case numbers refer to shared/reference/nextjs-api-semantics.md §9.2.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { startPages, W, echo } from "./nextjs_pages_harness.mjs";
import {
  parseQuery,
  rebuildUrl,
  paramNames,
  parseCookies,
  splitTarget,
} from "../adapters/nextjs_pages/request.cjs";
import { renderErrorPage } from "../adapters/nextjs_pages.cjs";

/** @type {Awaited<ReturnType<typeof startPages>>} */
let srv;

before(async () => {
  srv = await startPages({
    "/api": (/** @type {any} */ _req, /** @type {any} */ res) => res.json({ where: "api-index" }),
    "/api/items": W("index"),
    "/api/items/new": W("static"),
    "/api/items/[id]": W("dynamic"),
    "/api/files/[...path]": W("catchall"),
    "/api/docs/[[...parts]]": W("optional"),
    "/api/post/create": W("create"),
    "/api/post/[pid]": W("pid"),
    "/api/post/[...slug]": W("slug"),
    "/api/_private": W("underscore"),
    "/api/thing.test": W("testfile"),
    "/api/echo": echo,
    "/api/hdrs": (/** @type {any} */ req, /** @type {any} */ res) => {
      /** @param {string} k */
      const pick = (k) => req.headers[k] ?? null;
      res.json({
        keys: Object.keys(req.headers),
        xff: pick("x-forwarded-for"),
        xfh: pick("x-forwarded-host"),
        xfp: pick("x-forwarded-proto"),
        xfport: pick("x-forwarded-port"),
        raw: req.rawHeaders.length / 2,
      });
    },
  });
});
after(() => srv.close());

describe("req.query and req.url (cases 8, 11-37, 57)", () => {
  /** @type {Array<[number, string, string]>} */
  const cases = [
    [8, "/api", `{"where":"api-index"}`],
    [11, "/api/items", `{"where":"index","query":{},"url":"/api/items"}`],
    [12, "/api/items?a=1&a=2&b=&c", `{"where":"index","query":{"a":["1","2"],"b":"","c":""},"url":"/api/items?a=1&a=2&b=&c="}`],
    [13, "/api/items/index", `{"where":"dynamic","query":{"id":"index"},"url":"/api/items/index"}`],
    [14, "/api/items/new", `{"where":"static","query":{},"url":"/api/items/new"}`],
    [15, "/api/items/42", `{"where":"dynamic","query":{"id":"42"},"url":"/api/items/42"}`],
    [16, "/api/items/42?id=other&x=1", `{"where":"dynamic","query":{"id":"42","x":"1"},"url":"/api/items/42?x=1"}`],
    [17, "/api/items/a%20b", `{"where":"dynamic","query":{"id":"a b"},"url":"/api/items/a%20b"}`],
    [18, "/api/items/a%2Fb", `{"where":"dynamic","query":{"id":"a/b"},"url":"/api/items/a%2Fb"}`],
    [19, "/api/items/%E2%9C%93", `{"where":"dynamic","query":{"id":"✓"},"url":"/api/items/%E2%9C%93"}`],
    [20, "/api/items/a+b", `{"where":"dynamic","query":{"id":"a+b"},"url":"/api/items/a+b"}`],
    [21, "/api/items/%25", `{"where":"dynamic","query":{"id":"%"},"url":"/api/items/%25"}`],
    [24, "/api/files/a/b/c", `{"where":"catchall","query":{"path":["a","b","c"]},"url":"/api/files/a/b/c"}`],
    [26, "/api/files/a%2Fb/c", `{"where":"catchall","query":{"path":["a/b","c"]},"url":"/api/files/a%2Fb/c"}`],
    [27, "/api/files/x?path=q", `{"where":"catchall","query":{"path":["x"]},"url":"/api/files/x"}`],
    [29, "/api/docs", `{"where":"optional","query":{},"url":"/api/docs"}`],
    [30, "/api/docs?parts=q", `{"where":"optional","query":{"parts":"q"},"url":"/api/docs"}`],
    [31, "/api/docs/a/b?z=1", `{"where":"optional","query":{"z":"1","parts":["a","b"]},"url":"/api/docs/a/b?z=1"}`],
    [32, "/api/post/create", `{"where":"create","query":{},"url":"/api/post/create"}`],
    [33, "/api/post/abc", `{"where":"pid","query":{"pid":"abc"},"url":"/api/post/abc"}`],
    [34, "/api/post/create/x", `{"where":"slug","query":{"slug":["create","x"]},"url":"/api/post/create/x"}`],
    [36, "/api/_private", `{"where":"underscore","query":{},"url":"/api/_private"}`],
    [36, "/api/thing.test", `{"where":"testfile","query":{},"url":"/api/thing.test"}`],
    [37, "/api/items/42?a[]=1&a[]=2&b[c]=d", `{"where":"dynamic","query":{"a[]":["1","2"],"b[c]":"d","id":"42"},"url":"/api/items/42?a%5B%5D=1&a%5B%5D=2&b%5Bc%5D=d"}`],
    [57, "/api/echo?x=%ZZ&y=%E2%9C%93&z=a+b&e", `{"method":"GET","url":"/api/echo?x=%25ZZ&y=%E2%9C%93&z=a+b&e=","body":"","type":"string","cookies":{},"query":{"x":"%ZZ","y":"✓","z":"a b","e":""}}`],
  ];
  for (const [n, path, expected] of cases) {
    test(`case ${n}: GET ${path}`, async () => {
      const r = await srv.request({ path });
      assert.equal(r.status, 200);
      assert.equal(r.text, expected);
      assert.equal(r.headers["content-type"], "application/json; charset=utf-8");
      assert.equal(r.headers["content-length"], String(Buffer.byteLength(expected)));
      assert.match(String(r.headers.etag), /^"[0-9a-z]+"$/);
    });
  }

  test("case 19 has Content-Length 69 (UTF-8 bytes)", async () => {
    const r = await srv.request({ path: "/api/items/%E2%9C%93" });
    assert.equal(r.headers["content-length"], "69");
  });

  test("query keys that look like Object.prototype members stay plain data", async () => {
    const r = await srv.request({ path: "/api/items?__proto__=x&constructor=y&toString=z" });
    assert.equal(
      r.text,
      `{"where":"index","query":{"__proto__":"x","constructor":"y","toString":"z"},"url":"/api/items?__proto__=x&constructor=y&toString=z"}`,
    );
  });

  test("an empty query string leaves no '?' in req.url", async () => {
    const r = await srv.request({ path: "/api/items?" });
    assert.equal(r.json.url, "/api/items");
  });
});

describe("basePath and trailing slash (project c, cases 102, 105, 106)", () => {
  /** @type {Awaited<ReturnType<typeof startPages>>} */
  let c;
  before(async () => {
    c = await startPages(
      {
        "/api": (/** @type {any} */ req, /** @type {any} */ res) => res.json({ where: "index", url: req.url }),
        "/api/where": (/** @type {any} */ req, /** @type {any} */ res) =>
          res.json({ where: "root-pages", url: req.url, query: req.query }),
        "/api/items/[id]": (/** @type {any} */ req, /** @type {any} */ res) =>
          res.json({ where: "dynamic", url: req.url, query: req.query }),
        "/api/go": (/** @type {any} */ _req, /** @type {any} */ res) => res.redirect("/landing"),
      },
      { basePath: "/base" },
    );
  });
  after(() => c.close());

  test("case 102: /base/api/where/?a=1", async () => {
    const r = await c.request({ path: "/base/api/where/?a=1" });
    assert.equal(r.text, `{"where":"root-pages","url":"/api/where/?a=1","query":{"a":"1"}}`);
  });
  test("case 105: /base/api/", async () => {
    const r = await c.request({ path: "/base/api/" });
    assert.equal(r.text, `{"where":"index","url":"/api/"}`);
  });
  test("case 106: /base/api/items/7/", async () => {
    const r = await c.request({ path: "/base/api/items/7/" });
    assert.equal(r.text, `{"where":"dynamic","url":"/api/items/7/","query":{"id":"7"}}`);
  });
  test("case 107: redirect Location gets no basePath", async () => {
    const r = await c.request({ path: "/base/api/go/" });
    assert.equal(r.status, 307);
    assert.equal(r.headers.location, "/landing");
    assert.equal(r.text, "/landing");
  });
});

describe("forwarded headers (case 58)", () => {
  test("only Host sent: four x-forwarded-* headers appended in order, rawHeaders untouched", async () => {
    const raw = await srv.raw(`GET /api/hdrs HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\n\r\n`);
    const body = raw.slice(raw.indexOf("\r\n\r\n") + 4);
    assert.equal(
      body,
      `{"keys":["host","x-forwarded-host","x-forwarded-port","x-forwarded-proto","x-forwarded-for"],` +
        `"xff":"127.0.0.1","xfh":"127.0.0.1:${srv.port}","xfp":"http","xfport":"${srv.port}","raw":1}`,
    );
  });

  test("client-sent values are kept as they are", async () => {
    const r = await srv.request({
      path: "/api/hdrs",
      headers: { "X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "example.org" },
    });
    assert.equal(r.json.xff, "203.0.113.9");
    assert.equal(r.json.xfp, "https");
    assert.equal(r.json.xfh, "example.org");
    assert.equal(r.json.xfport, String(srv.port));
  });

  test("x-forwarded-host follows the Host header, falling back to the listen address", async () => {
    const r = await srv.request({ path: "/api/hdrs", headers: { Host: "shop.example:8080" } });
    assert.equal(r.json.xfh, "shop.example:8080");
    const raw = await srv.raw(`GET /api/hdrs HTTP/1.0\r\n\r\n`);
    const json = JSON.parse(raw.slice(raw.indexOf("\r\n\r\n") + 4));
    assert.equal(json.xfh, `127.0.0.1:${srv.port}`);
    assert.deepEqual(json.keys, ["x-forwarded-host", "x-forwarded-port", "x-forwarded-proto", "x-forwarded-for"]);
  });
});

describe("req.cookies (case 56)", () => {
  test("parsing rules: decode, quotes, trim, skip bare, first wins", async () => {
    const r = await srv.request({
      path: "/api/echo",
      headers: { Cookie: `a=1; b=two%20words; a=dup; bad; c="q"; d=%ZZ;  e = sp ` },
    });
    assert.equal(
      r.text,
      `{"method":"GET","url":"/api/echo","body":"","type":"string","cookies":{"a":"1","b":"two words","c":"q","d":"%ZZ","e":"sp"},"query":{}}`,
    );
  });

  test("lazy: nothing parsed until read; assignable; {} without a header", async () => {
    const s = await startPages({
      "/api/c": (/** @type {any} */ req, /** @type {any} */ res) => {
        const desc = Object.getOwnPropertyDescriptor(req, "cookies");
        const lazy = typeof desc?.get === "function";
        const first = req.cookies;
        const same = first === req.cookies;
        req.cookies = { replaced: "yes" };
        res.json({ lazy, first, same, after: req.cookies, preview: req.preview, draft: req.draftMode, pd: req.previewData });
      },
    });
    try {
      const r = await s.request({ path: "/api/c" });
      assert.deepEqual(r.json, {
        lazy: true,
        first: {},
        same: true,
        after: { replaced: "yes" },
        preview: false,
        draft: false,
        pd: false,
      });
    } finally {
      await s.close();
    }
  });
});

describe("module loading (case 95, CommonJS interop)", () => {
  test("default export, module.exports = fn, exports.default = fn all serve", async () => {
    const fn = (/** @type {any} */ _req, /** @type {any} */ res) => res.send("ok");
    const s = await startPages({
      "/api/esm": { loadModule: async () => ({ default: fn }) },
      "/api/cjs": { loadModule: async () => ({ default: fn, other: 1 }) },
      "/api/transpiled": { loadModule: async () => ({ default: { default: fn, __esModule: true } }) },
    });
    try {
      for (const path of ["/api/esm", "/api/cjs", "/api/transpiled"]) {
        const r = await s.request({ path });
        assert.equal(r.status, 200, path);
        assert.equal(r.text, "ok");
      }
    } finally {
      await s.close();
    }
  });

  for (const [name, mod] of /** @type {Array<[string, any]>} */ ([
    ["named export only", { handler() {} }],
    ["default is an object", { default: { a: 1 } }],
    ["null module", null],
  ])) {
    test(`no default function (${name}) → HTML 500 and Next's log line`, async () => {
      let called = false;
      const s = await startPages({ "/api/nodefault": { loadModule: async () => mod, handler: () => (called = true) } });
      try {
        const r = await s.request({ path: "/api/nodefault", method: "POST", body: "x" });
        assert.equal(r.status, 500);
        assert.equal(r.statusMessage, "Internal Server Error");
        assert.equal(r.headers["content-type"], "text/html; charset=utf-8");
        assert.equal(r.headers["cache-control"], "private, no-cache, no-store, max-age=0, must-revalidate");
        assert.equal(r.headers["x-powered-by"], "Next.js");
        assert.equal(r.headers["content-length"], String(r.bytes.length));
        assert.ok(r.headers.etag);
        assert.match(r.text, /<title>500: Internal Server Error<\/title>/);
        assert.equal(called, false);
        assert.equal(s.logs.length, 1);
        assert.equal(s.logs[0].level, "error");
        const err = /** @type {Error} */ (s.logs[0].err);
        assert.equal(err.message, "Page /api/nodefault does not export a default function.");
        assert.equal(err.stack, "Error: Page /api/nodefault does not export a default function.");
      } finally {
        await s.close();
      }
    });
  }

  test("import-time throw → HTML 500 on every request, error logged with its stack", async () => {
    let attempts = 0;
    const s = await startPages({
      "/api/importthrow": {
        loadModule: async () => {
          attempts++;
          throw new Error("import time failure");
        },
      },
    });
    try {
      for (let i = 0; i < 2; i++) {
        const r = await s.request({ path: "/api/importthrow" });
        assert.equal(r.status, 500);
        assert.match(r.text, /<title>500: Internal Server Error<\/title>/);
      }
      assert.equal(attempts, 2);
      assert.equal(s.logs.length, 2);
      assert.match(String(/** @type {Error} */ (s.logs[0].err).stack), /^Error: import time failure\n\s+at /);
    } finally {
      await s.close();
    }
  });

  test("dev: error page uses Cache-Control: no-store", async () => {
    const s = await startPages(
      { "/api/importthrow": { loadModule: () => Promise.reject(new SyntaxError("Unexpected token")) } },
      { dev: true },
    );
    try {
      const r = await s.request({ path: "/api/importthrow" });
      assert.equal(r.status, 500);
      assert.equal(r.headers["cache-control"], "no-store");
      assert.equal(r.headers["x-powered-by"], "Next.js");
    } finally {
      await s.close();
    }
  });

  test("renderErrorPage is reusable and escapes its title", () => {
    const html = renderErrorPage(404, "This page could not be found");
    assert.match(html, /^<!DOCTYPE html>/);
    assert.match(html, /<title>404: This page could not be found<\/title>/);
    assert.match(renderErrorPage(400, "<Bad & Request>"), /<title>400: &#60;Bad &#38; Request&#62;<\/title>/);
  });
});

describe("request helpers (unit)", () => {
  test("parseQuery: repeats, bare keys, plus, malformed escapes, brackets", () => {
    assert.deepEqual(parseQuery("a=1&a=2&a=3&b&c=x+y&d=%ZZ&e[f]=g"), {
      a: ["1", "2", "3"],
      b: "",
      c: "x y",
      d: "%ZZ",
      "e[f]": "g",
    });
    assert.deepEqual(parseQuery("?q=1"), { "?q": "1" });
    assert.deepEqual(parseQuery(""), {});
  });

  test("paramNames come from the page pattern", () => {
    assert.deepEqual([...paramNames("/api/a/[id]/[...rest]", {})], ["id", "rest"]);
    assert.deepEqual([...paramNames("/api/docs/[[...parts]]", {})], ["parts"]);
    assert.deepEqual([...paramNames("/api/plain", {})], []);
  });

  test("rebuildUrl strips basePath only at a segment boundary", () => {
    assert.equal(rebuildUrl("/base/api/x", "a=1", "/base", new Set()), "/api/x?a=1");
    assert.equal(rebuildUrl("/basement/api/x", "", "/base", new Set()), "/basement/api/x");
    assert.equal(rebuildUrl("/api/x", "id=1&id=2&k=v w", "", new Set(["id"])), "/api/x?k=v+w");
  });

  test("splitTarget handles fragments and absolute-form targets", () => {
    assert.deepEqual(splitTarget("/a?b=1#frag"), { pathname: "/a", search: "b=1" });
    assert.deepEqual(splitTarget("http://h:1/api/x?y=2"), { pathname: "/api/x", search: "y=2" });
    assert.deepEqual(splitTarget("http://h:1?y=2"), { pathname: "/", search: "y=2" });
  });

  test("parseCookies: array header, empty value, lone quote", () => {
    assert.deepEqual(parseCookies(["a=1", "b=2"]), { a: "1", b: "2" });
    assert.deepEqual(parseCookies('x=; y="; z=""'), { x: "", y: '"', z: "" });
    assert.deepEqual(parseCookies(undefined), {});
  });
});
