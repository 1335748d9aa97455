// @ts-check
/**
 * Pages API adapter: body parsing, size limits and `bodyParser: false` (reference §3.1,
 * cases 39-63).
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { startPages, echo, request } from "./nextjs_pages_harness.mjs";
import { servePagesApi } from "../adapters/nextjs_pages.cjs";
import { parseMediaType } from "../adapters/nextjs_pages/body.cjs";
import { parseByteSize, formatByteSize } from "../adapters/nextjs_pages/sizes.cjs";

/** @type {Awaited<ReturnType<typeof startPages>>} */
let srv;
let echoCalls = 0;

before(async () => {
  srv = await startPages({
    "/api/echo": (/** @type {any} */ req, /** @type {any} */ res) => {
      echoCalls++;
      echo(req, res);
    },
    "/api/raw": {
      config: { bodyParser: false },
      handler: async (/** @type {any} */ req, /** @type {any} */ res) => {
        /** @type {Buffer[]} */
        const chunks = [];
        for await (const c of req) chunks.push(c);
        const b = Buffer.concat(chunks);
        res.json({ bytes: b.length, body: req.body === undefined ? "<undefined>" : req.body, head: b.subarray(0, 20).toString() });
      },
    },
    "/api/state": (/** @type {any} */ req, /** @type {any} */ res) =>
      res.json({ body: req.body, ended: req.readableEnded, complete: req.complete }),
    "/api/limited": {
      config: { sizeLimit: "100b" },
      handler: (/** @type {any} */ req, /** @type {any} */ res) => res.json({ got: req.body }),
    },
    "/api/limitnum": {
      config: { sizeLimit: 50 },
      handler: (/** @type {any} */ req, /** @type {any} */ res) => res.json({ len: String(req.body).length }),
    },
    "/api/limitkb": {
      config: { sizeLimit: "500kb" },
      handler: (/** @type {any} */ req, /** @type {any} */ res) => res.json({ len: String(req.body).length }),
    },
  });
});
after(() => srv.close());

/** @param {string} body */
const echoed = (body, method = "POST") =>
  `{"method":"${method}","url":"/api/echo","body":${body},"type":"${body.startsWith('"') ? "string" : "object"}","cookies":{},"query":{}}`;

/**
 * @param {string | Buffer} body @param {string | null} contentType
 * @param {string} [method]
 */
function post(body, contentType, method = "POST") {
  /** @type {Record<string, string>} */
  const headers = {};
  if (contentType !== null) headers["Content-Type"] = contentType;
  return srv.request({ method, path: "/api/echo", headers, body });
}

describe("content types (cases 39-55)", () => {
  test("case 39: JSON object", async () => {
    const r = await post(`{"a":1,"b":[true,null]}`, "application/json");
    assert.equal(r.status, 200);
    assert.equal(r.text, echoed(`{"a":1,"b":[true,null]}`));
    assert.equal(r.headers["content-length"], "106");
  });

  for (const [n, body] of /** @type {Array<[number, string]>} */ ([
    [40, "{bad json"],
    [42, "  "],
  ])) {
    test(`case ${n}: invalid JSON ${JSON.stringify(body)} → 400 Invalid JSON, handler not called`, async () => {
      const before = echoCalls;
      const r = await post(body, "application/json");
      assert.equal(r.status, 400);
      assert.equal(r.statusMessage, "Invalid JSON");
      assert.equal(r.text, "Invalid JSON");
      assert.equal(r.headers["content-type"], undefined);
      assert.equal(r.headers["transfer-encoding"], "chunked");
      assert.equal(r.headers["content-length"], undefined);
      assert.equal(r.headers.etag, undefined);
      assert.equal(echoCalls, before);
    });
  }

  test("case 41: JSON type with empty body → {}", async () => {
    const r = await post("", "application/json");
    assert.equal(r.text, echoed("{}"));
  });

  test("case 43: JSON scalars (0, string, null)", async () => {
    assert.equal((await post("0", "application/json")).text, echoed("0").replace('"object"', '"number"'));
    assert.equal((await post(`"str"`, "application/json")).json.body, "str");
    const r = await post("null", "application/json");
    assert.equal(r.json.body, null);
    assert.equal(r.json.type, "object");
  });

  test("case 44: form-urlencoded", async () => {
    const r = await post("a=1&a=2&b=%20x&c&d=e+f", "application/x-www-form-urlencoded");
    assert.equal(r.text, echoed(`{"a":["1","2"],"b":" x","c":"","d":"e f"}`));
  });

  test("case 45-47: text/plain, octet-stream, no content-type → string", async () => {
    assert.equal((await post("just text", "text/plain")).text, echoed(`"just text"`));
    assert.equal((await post(Buffer.from("bin\x01ary", "latin1"), "application/octet-stream")).text, echoed(`"bin\\u0001ary"`));
    assert.equal((await post("no ct", null)).text, echoed(`"no ct"`));
  });

  test("invalid UTF-8 bytes become U+FFFD", async () => {
    const r = await post(Buffer.from([0x61, 0xff, 0x62]), "application/octet-stream");
    assert.equal(r.json.body, "a\ufffdb");
  });

  test("case 48: other +json types stay strings", async () => {
    assert.equal((await post(`{"v":1}`, "application/vnd.api+json")).text, echoed(`"{\\"v\\":1}"`));
  });

  test("case 49: ld+json and upper-case JSON type are parsed; params ignored", async () => {
    assert.deepEqual((await post(`{"v":2}`, "application/ld+json")).json.body, { v: 2 });
    assert.deepEqual((await post(`{"v":3}`, "APPLICATION/JSON")).json.body, { v: 3 });
    assert.deepEqual((await post(`{"v":6}`, 'application/json; charset="utf-8"; x=y')).json.body, { v: 6 });
  });

  test("case 50: charset=latin1 decodes byte 0xE9 as é", async () => {
    const bytes = Buffer.concat([Buffer.from(`{"v":"`), Buffer.from([0xe9]), Buffer.from(`"}`)]);
    const r = await post(bytes, "application/json; charset=latin1");
    assert.equal(r.text, echoed(`{"v":"é"}`));
  });

  test("other charsets via TextDecoder (utf-16le, windows-1252) and a UTF-8 BOM is dropped", async () => {
    assert.equal((await post(Buffer.from("hé", "utf16le"), "text/plain; charset=utf-16le")).json.body, "hé");
    assert.equal((await post(Buffer.from([0x80]), "text/plain; charset=windows-1252")).json.body, "€");
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`{"b":1}`)]);
    assert.deepEqual((await post(bom, "application/json")).json.body, { b: 1 });
  });

  test("case 51: unknown charset → 400 Invalid body", async () => {
    const before = echoCalls;
    const r = await post(`{"v":4}`, "application/json; charset=bogus");
    assert.equal(r.status, 400);
    assert.equal(r.statusMessage, "Invalid body");
    assert.equal(r.text, "Invalid body");
    assert.equal(r.headers["content-type"], undefined);
    assert.equal(r.headers["transfer-encoding"], "chunked");
    assert.equal(echoCalls, before);
  });

  test("case 52: unparseable content-type → text/plain string", async () => {
    assert.equal((await post(`{"v":5}`, "garbage;;;")).text, echoed(`"{\\"v\\":5}"`));
    // a trailing ';' makes even a JSON type unparseable
    assert.equal((await post(`{"v":7}`, "application/json;")).json.body, `{"v":7}`);
  });

  test("case 53: multipart stays raw text", async () => {
    const body = `--XX\r\nContent-Disposition: form-data; name="f"\r\n\r\nvalue\r\n--XX--\r\n`;
    const r = await post(body, "multipart/form-data; boundary=XX");
    assert.equal(r.json.body, body);
    assert.equal(r.json.type, "string");
  });

  test("case 54: GET without body → empty string", async () => {
    const r = await srv.request({ path: "/api/echo" });
    assert.equal(r.text, echoed(`""`, "GET"));
    assert.equal(r.headers["content-length"], "84");
  });

  test("no body bytes: value from the headers alone; the handler still sees the stream consumed", async () => {
    const state = (/** @type {string} */ method, /** @type {Record<string, string>} */ headers) =>
      srv.request({ method, path: "/api/state", headers }).then((r) => r.json);
    assert.deepEqual(await state("GET", {}), { body: "", ended: true, complete: true });
    assert.deepEqual(await state("DELETE", { "Content-Type": "application/json", "Content-Length": "0" }), {
      body: {},
      ended: true,
      complete: true,
    });
    assert.deepEqual(await state("PUT", { "Content-Type": "application/x-www-form-urlencoded", "Content-Length": "0" }), {
      body: {},
      ended: true,
      complete: true,
    });
    const bogus = await srv.request({ path: "/api/state", headers: { "Content-Type": "text/plain; charset=bogus" } });
    assert.equal(bogus.status, 400);
    assert.equal(bogus.text, "Invalid body");
  });

  test("bodiless requests back to back on one keep-alive connection", async () => {
    const raw = await srv.raw(
      "GET /api/echo HTTP/1.1\r\nHost: h\r\n\r\n" +
        "GET /api/echo?n=2 HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n" +
        "GET /api/echo?n=3 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
    );
    assert.equal(raw.match(/HTTP\/1\.1 200 OK\r\n/g)?.length, 3);
    assert.match(raw, /"query":\{"n":"3"\}/);
  });

  test("case 55: GET with a JSON body is parsed", async () => {
    const r = await post(`{"g":1}`, "application/json", "GET");
    assert.equal(r.text, echoed(`{"g":1}`, "GET"));
  });

  test("keep-alive connection still works after a rejected body", async () => {
    // two requests on one socket: the first is refused with 413 mid-upload
    const big = "x".repeat(200);
    const raw = await srv.raw(
      `POST /api/limited HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\nContent-Length: ${big.length}\r\n\r\n${big}` +
        `GET /api/echo HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n`,
    );
    assert.match(raw, /^HTTP\/1\.1 413 Body exceeded 100b limit\r\n/);
    assert.match(raw, /HTTP\/1\.1 200 OK\r\n[\s\S]*"method":"GET"/);
  });
});

describe("size limits (cases 60-62)", () => {
  test("case 60: 100b limit: 100 bytes ok, 101 → 413", async () => {
    const ok = await srv.request({ method: "POST", path: "/api/limited", headers: { "Content-Type": "text/plain" }, body: "x".repeat(100) });
    assert.equal(ok.status, 200);
    assert.equal(ok.text, `{"got":"${"x".repeat(100)}"}`);
    const r = await srv.request({ method: "POST", path: "/api/limited", headers: { "Content-Type": "text/plain" }, body: "x".repeat(101) });
    assert.equal(r.status, 413);
    assert.equal(r.statusMessage, "Body exceeded 100b limit");
    assert.equal(r.text, "Body exceeded 100b limit");
    assert.equal(r.headers["content-type"], undefined);
    assert.equal(r.headers["transfer-encoding"], "chunked");
  });

  test("case 61: numeric limit is echoed verbatim", async () => {
    const ok = await srv.request({ method: "POST", path: "/api/limitnum", body: "x".repeat(50) });
    assert.equal(ok.json.len, 50);
    const r = await srv.request({ method: "POST", path: "/api/limitnum", headers: { "Content-Type": "text/plain" }, body: "x".repeat(51) });
    assert.equal(r.status, 413);
    assert.equal(r.statusMessage, "Body exceeded 50 limit");
    assert.equal(r.text, "Body exceeded 50 limit");
  });

  test("500kb limit", async () => {
    const ok = await srv.request({ method: "POST", path: "/api/limitkb", body: "x".repeat(512000) });
    assert.equal(ok.json.len, 512000);
    const r = await srv.request({ method: "POST", path: "/api/limitkb", body: "x".repeat(512001) });
    assert.equal(r.text, "Body exceeded 500kb limit");
  });

  test("case 62: default 1mb: 1,048,576 ok, 1,048,577 → 413 (JSON too)", async () => {
    const ok = await post("x".repeat(1048576), "text/plain");
    assert.equal(ok.status, 200);
    assert.equal(ok.json.body.length, 1048576);
    const r = await post("x".repeat(1048577), "text/plain");
    assert.equal(r.status, 413);
    assert.equal(r.statusMessage, "Body exceeded 1mb limit");
    assert.equal(r.text, "Body exceeded 1mb limit");
    const j = await post(`"${"x".repeat(1048576)}"`, "application/json");
    assert.equal(j.text, "Body exceeded 1mb limit");
  });
});

describe("bodyParser: false (cases 59, 63)", () => {
  test("case 59: invalid JSON is not checked; req.body undefined", async () => {
    const r = await srv.request({ method: "POST", path: "/api/raw", headers: { "Content-Type": "application/json" }, body: "{bad" });
    assert.equal(r.text, `{"bytes":4,"body":"<undefined>","head":"{bad"}`);
  });

  test("case 63: a 2 MiB body streams through untouched", async () => {
    const r = await srv.request({ method: "POST", path: "/api/raw", headers: { "Content-Type": "text/plain" }, body: "x".repeat(2097152) });
    assert.equal(r.status, 200);
    assert.equal(r.text, `{"bytes":2097152,"body":"<undefined>","head":"xxxxxxxxxxxxxxxxxxxx"}`);
  });
});

describe("body helpers (unit)", () => {
  test("parseMediaType follows the media-type grammar", () => {
    assert.deepEqual(
      { ...parseMediaType('Text/HTML; Charset="UTF-8"; q="a\\"b"') },
      { type: "text/html", params: Object.assign(Object.create(null), { charset: "UTF-8", q: 'a"b' }) },
    );
    for (const bad of ["garbage;;;", "text", "text/", "text/plain;", "text/plain; a", "a/b; c=d e"]) {
      assert.throws(() => parseMediaType(bad), TypeError, bad);
    }
  });

  test("parseByteSize reads bytes-style strings and numbers", () => {
    assert.equal(parseByteSize("1mb"), 1048576);
    assert.equal(parseByteSize("4MB"), 4194304);
    assert.equal(parseByteSize("500kb"), 512000);
    assert.equal(parseByteSize("1.5kb"), 1536);
    assert.equal(parseByteSize("100b"), 100);
    assert.equal(parseByteSize("1 gb"), 1073741824);
    assert.equal(parseByteSize(50), 50);
    assert.equal(parseByteSize("lots"), null);
    assert.equal(parseByteSize(undefined), null);
  });

  test("formatByteSize prints like the bytes library", () => {
    assert.equal(formatByteSize(4194304), "4MB");
    assert.equal(formatByteSize(1024), "1KB");
    assert.equal(formatByteSize(1536), "1.5KB");
    assert.equal(formatByteSize(1000), "1000B");
    assert.equal(formatByteSize(1024 ** 3 * 2.25), "2.25GB");
  });
});

test("a body already set on req (truthy) is not parsed again", async () => {
  // A server of our own: something upstream put a body on req before the adapter ran.
  const server = http.createServer((req, res) => {
    /** @type {any} */ (req).body = { pre: true };
    servePagesApi(req, res, {
      page: "/api/preset",
      params: {},
      config: { bodyParser: true, sizeLimit: "1mb", responseLimit: true, externalResolver: false },
      basePath: "",
      dev: false,
      loadModule: async () => ({ default: (/** @type {any} */ rq, /** @type {any} */ rs) => rs.json({ body: rq.body }) }),
      log: { error() {}, warn() {}, info() {} },
      server: { host: "127.0.0.1", port: 0 },
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(undefined)));
  try {
    const port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
    const r = await request(port, { method: "POST", path: "/api/preset", headers: { "Content-Type": "application/json" }, body: "{bad" });
    assert.deepEqual(r.json, { body: { pre: true } });
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
