// @ts-check
/**
 * Pages API adapter: response helpers, ETag/304, raw Node API pass-through and the
 * response-size warning (reference §4, §5.3; cases 64-92, 99).
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { startPages, sleep } from "./nextjs_pages_harness.mjs";
import { etagOf, isFresh } from "../adapters/nextjs_pages/response.cjs";

/** @type {Record<string, unknown>} */
const V = {
  string: "plain words",
  object: { a: 1 },
  array: [1, "two"],
  buffer: Buffer.from("bytes!"),
  number: 42,
  false: false,
  zero: 0,
  null: null,
  undefined: undefined,
  empty: "",
  unicode: "héllo ✓",
};

/** @type {Awaited<ReturnType<typeof startPages>>} */
let srv;

before(async () => {
  srv = await startPages({
    "/api/ping": (/** @type {any} */ _req, /** @type {any} */ res) => res.status(200).json({ ok: true }),
    "/api/sendkinds": (/** @type {any} */ req, /** @type {any} */ res) => {
      const kind = req.query.kind;
      if (kind === "json-null") return res.json(null);
      if (kind === "json-string") return res.json("a string");
      if (kind === "json-undefined") return res.json(undefined);
      if (kind === "ct-object") {
        res.setHeader("Content-Type", "text/custom");
        return res.send({ x: 1 });
      }
      if (kind === "ct-string") {
        res.setHeader("Content-Type", "text/plain; charset=utf-8");
        return res.send("typed");
      }
      if (kind === "ct-buffer") {
        res.setHeader("Content-Type", "image/png");
        return res.send(Buffer.from([1, 2, 3]));
      }
      if (kind === "204body") {
        res.status(204);
        return res.send("ignored");
      }
      if (kind === "304body") {
        res.setHeader("Content-Type", "text/plain");
        res.status(304);
        return res.send({ a: 1 });
      }
      if (kind === "stream") return res.send(Readable.from(["s1", "s2"]));
      if (kind === "bigint") return res.send(10n);
      return res.send(V[kind]);
    },
    "/api/go": (/** @type {any} */ req, /** @type {any} */ res) => {
      if (req.query.bad) return res.redirect(301, undefined);
      if (req.query.s) return res.redirect(Number(req.query.s), "https://example.org/elsewhere?x=1");
      res.redirect("/landing");
    },
    "/api/status": (/** @type {any} */ req, /** @type {any} */ res) => {
      const c = req.query.code;
      res.status(c === "str" ? "201" : Number(c)).send("code " + c);
    },
    "/api/methods": (/** @type {any} */ req, /** @type {any} */ res) => {
      res.setHeader("X-Method", req.method);
      res.status(200).send("method=" + req.method);
    },
    "/api/headers-out": (/** @type {any} */ _req, /** @type {any} */ res) => {
      res.setHeader("Cache-Control", "s-maxage=60");
      res.setHeader("Vary", "Origin");
      res.setHeader("X-Powered-By", "me");
      res.json({ h: 1 });
    },
    "/api/setcookie": (/** @type {any} */ _req, /** @type {any} */ res) => {
      res.setHeader("Set-Cookie", ["a=1; Path=/", "b=2; HttpOnly"]);
      res.setHeader("X-Custom", "yes");
      res.status(201).json({ set: true });
    },
    "/api/writehead": (/** @type {any} */ _req, /** @type {any} */ res) => {
      res.writeHead(201, { "X-A": "1", "Content-Type": "text/plain" });
      res.end("done");
    },
    "/api/twice": (/** @type {any} */ _req, /** @type {any} */ res) => {
      res.send("first");
      res.send("second");
    },
    "/api/endtwice": (/** @type {any} */ _req, /** @type {any} */ res) => {
      res.end("first");
      res.end("second");
      res.write("third");
    },
    "/api/afterheaders": (/** @type {any} */ _req, /** @type {any} */ res) => {
      res.write("started ");
      let err = "none";
      try {
        res.status(500);
        res.setHeader("X-Late", "1");
      } catch (e) {
        err = /** @type {any} */ (e).code;
      }
      res.end("status-now=" + res.statusCode + " err=" + err);
    },
    "/api/stream": async (/** @type {any} */ _req, /** @type {any} */ res) => {
      res.setHeader("Content-Type", "text/plain");
      res.write("one\n");
      await sleep(20);
      res.write("two\n");
      res.end("three\n");
    },
    "/api/revalidate": async (/** @type {any} */ req, /** @type {any} */ res) => {
      try {
        await res.revalidate(req.query.p ?? "/no-such-page");
        res.json({ revalidated: true });
      } catch (e) {
        res.status(500).json({ error: /** @type {Error} */ (e).message });
      }
    },
    "/api/chain": (/** @type {any} */ _req, /** @type {any} */ res) => {
      const same = res.setDraftMode({ enable: true }) === res && res.setPreviewData({}) === res && res.clearPreviewData() === res;
      res.status(202).json({ same });
    },
    "/api/big": (/** @type {any} */ req, /** @type {any} */ res) => res.send("x".repeat(Number(req.query.n))),
    "/api/bigwrite": (/** @type {any} */ _req, /** @type {any} */ res) => {
      res.write("a".repeat(3 * 1024 * 1024));
      res.end(Buffer.alloc(1024 * 1024, 98));
    },
    "/api/bigcustom": { config: { responseLimit: "1kb" }, handler: (/** @type {any} */ _req, /** @type {any} */ res) => res.send("y".repeat(2048)) },
    "/api/nolimit": { config: { responseLimit: false }, handler: (/** @type {any} */ _req, /** @type {any} */ res) => res.send("z".repeat(4194304)) },
  });
});
after(() => srv.close());

/** @param {string} kind @param {Record<string, string>} [headers] @param {string} [method] */
const kinds = (kind, headers = {}, method = "GET") => srv.request({ method, path: `/api/sendkinds?kind=${kind}`, headers });

describe("res.send kinds (cases 67-78)", () => {
  test("case 67: string → ETag, Content-Length, no Content-Type", async () => {
    const r = await kinds("string");
    assert.equal(r.status, 200);
    assert.equal(r.headers.etag, `"160xkpmvkarb"`);
    assert.equal(r.headers["content-length"], "11");
    assert.equal(r.headers["content-type"], undefined);
    assert.equal(r.text, "plain words");
  });

  test("case 68: unicode string: length in UTF-8 bytes", async () => {
    const r = await kinds("unicode");
    assert.equal(r.headers.etag, `"f17ldr2zvl7"`);
    assert.equal(r.headers["content-length"], "10");
    assert.equal(r.text, "héllo ✓");
  });

  for (const [kind, body, etag] of [
    ["object", `{"a":1}`, `"147uiiad94i7"`],
    ["array", `[1,"two"]`, `"o9q6cxxfki9"`],
    ["false", "false", etagOf("false")],
    ["zero", "0", etagOf("0")],
    ["number", "42", etagOf("42")],
    ["json-null", "null", `"wm6yxsynvh4"`],
    ["json-string", `"a string"`, `"xyzjf6jyr6a"`],
  ]) {
    test(`cases 69/70/74: ${kind} → JSON with ETag ${etag}`, async () => {
      const r = await kinds(kind);
      assert.equal(r.headers["content-type"], "application/json; charset=utf-8");
      assert.equal(r.headers.etag, etag);
      assert.equal(r.headers["content-length"], String(body.length));
      assert.equal(r.text, body);
    });
  }

  test("case 71: Buffer → octet-stream, ETag of its JSON form", async () => {
    const r = await kinds("buffer");
    assert.equal(r.headers["content-type"], "application/octet-stream");
    assert.equal(r.headers.etag, `"k9hg0cvyke1c"`);
    assert.equal(r.headers["content-length"], "6");
    assert.equal(r.text, "bytes!");
  });

  test("Buffer keeps a Content-Type the handler set", async () => {
    const r = await kinds("ct-buffer");
    assert.equal(r.headers["content-type"], "image/png");
    assert.deepEqual([...r.bytes], [1, 2, 3]);
  });

  for (const kind of ["null", "undefined"]) {
    test(`case 72: ${kind} → plain end, chunked, nothing else`, async () => {
      const r = await kinds(kind);
      assert.equal(r.status, 200);
      assert.equal(r.headers["transfer-encoding"], "chunked");
      assert.equal(r.headers.etag, undefined);
      assert.equal(r.headers["content-type"], undefined);
      assert.equal(r.text, "");
    });
  }

  test("case 73: empty string", async () => {
    const r = await kinds("empty");
    assert.equal(r.headers.etag, `"78p3gz236i0"`);
    assert.equal(r.headers["content-length"], "0");
    assert.equal(r.text, "");
  });

  test("case 75: json(undefined) → JSON type, empty chunked body, no ETag", async () => {
    const r = await kinds("json-undefined");
    assert.equal(r.headers["content-type"], "application/json; charset=utf-8");
    assert.equal(r.headers["transfer-encoding"], "chunked");
    assert.equal(r.headers.etag, undefined);
    assert.equal(r.text, "");
  });

  test("case 76: objects overwrite a preset Content-Type, strings keep it", async () => {
    const o = await kinds("ct-object");
    assert.equal(o.headers["content-type"], "application/json; charset=utf-8");
    assert.equal(o.text, `{"x":1}`);
    const s = await kinds("ct-string");
    assert.equal(s.headers["content-type"], "text/plain; charset=utf-8");
    assert.equal(s.text, "typed");
    assert.ok(s.headers.etag);
    assert.equal(s.headers["content-length"], "5");
  });

  test("case 77: 204 strips body and headers (start: no warning)", async () => {
    const before = srv.logs.length;
    const r = await kinds("204body");
    assert.equal(r.status, 204);
    assert.equal(r.text, "");
    for (const h of ["content-type", "content-length", "transfer-encoding", "etag"]) assert.equal(r.headers[h], undefined, h);
    assert.equal(srv.logs.length, before);
  });

  test("304 set by the handler also strips Content-Type", async () => {
    const r = await kinds("304body");
    assert.equal(r.status, 304);
    assert.equal(r.headers["content-type"], undefined);
  });

  test("case 78: stream → piped, octet-stream, chunked, no ETag", async () => {
    const r = await kinds("stream");
    assert.equal(r.headers["content-type"], "application/octet-stream");
    assert.equal(r.headers["transfer-encoding"], "chunked");
    assert.equal(r.headers.etag, undefined);
    assert.equal(r.text, "s1s2");
  });

  test("unsendable value (bigint) → 500 Internal Server Error", async () => {
    const r = await kinds("bigint");
    assert.equal(r.status, 500);
    assert.equal(r.text, "Internal Server Error");
  });

  test("HEAD keeps Content-Length of the unsent body (case 2, 83)", async () => {
    const r = await srv.request({ method: "HEAD", path: "/api/methods" });
    assert.equal(r.headers["x-method"], "HEAD");
    assert.equal(r.headers["content-length"], "11");
    assert.equal(r.text, "");
    const p = await srv.request({ method: "PATCH", path: "/api/methods" });
    assert.equal(p.text, "method=PATCH");
    assert.equal(p.headers["content-length"], "12");
    assert.equal(p.headers["content-type"], undefined);
  });
});

describe("conditional requests (cases 79, 80)", () => {
  test("case 79: matching If-None-Match → 304 with ETag only, for GET and POST", async () => {
    for (const method of ["GET", "POST"]) {
      const r = await kinds("string", { "If-None-Match": `"160xkpmvkarb"` }, method);
      assert.equal(r.status, 304, method);
      assert.equal(r.headers.etag, `"160xkpmvkarb"`);
      assert.equal(r.headers["content-length"], undefined);
      assert.equal(r.headers["content-type"], undefined);
      assert.equal(r.text, "");
    }
  });

  test("case 80: '*' and weak tags match; Content-Type set by json() stays; no-cache disables", async () => {
    for (const inm of ["*", `W/"w6gfy8q1ypb"`, `"nope", "w6gfy8q1ypb"`]) {
      const r = await srv.request({ path: "/api/ping", headers: { "If-None-Match": inm } });
      assert.equal(r.status, 304, inm);
      assert.equal(r.headers["content-type"], "application/json; charset=utf-8");
      assert.equal(r.headers.etag, `"w6gfy8q1ypb"`);
      assert.equal(r.headers["content-length"], undefined);
    }
    const r = await srv.request({ path: "/api/ping", headers: { "If-None-Match": "*", "Cache-Control": "no-cache" } });
    assert.equal(r.status, 200);
    assert.equal(r.text, `{"ok":true}`);
    const miss = await srv.request({ path: "/api/ping", headers: { "If-None-Match": `"other"` } });
    assert.equal(miss.status, 200);
  });

  test("case 1: ping", async () => {
    const r = await srv.request({ path: "/api/ping" });
    assert.equal(r.headers.etag, `"w6gfy8q1ypb"`);
    assert.equal(r.headers["content-length"], "11");
    assert.equal(r.text, `{"ok":true}`);
  });

  test("isFresh (unit)", () => {
    const tag = `"abc"`;
    assert.equal(isFresh({}, tag), false);
    assert.equal(isFresh({ "if-none-match": "" }, tag), false);
    assert.equal(isFresh({ "if-none-match": `"abc"` }, tag), true);
    assert.equal(isFresh({ "if-none-match": `"x","abc"` }, tag), true);
    assert.equal(isFresh({ "if-none-match": `W/"abc"` }, tag), true);
    assert.equal(isFresh({ "if-none-match": `"abc"` }, `W/"abc"`), true);
    assert.equal(isFresh({ "if-none-match": `"abc"`, "cache-control": "max-age=0, no-cache" }, tag), false);
    assert.equal(isFresh({ "if-none-match": `"abc"`, "cache-control": "no-cache-ish" }, tag), true);
    assert.equal(isFresh({ "if-none-match": `"abc"`, "if-modified-since": "Mon, 01 Jan 2024 00:00:00 GMT" }, tag), false);
  });

  test("etagOf matches the reference examples", () => {
    assert.equal(etagOf(`{"ok":true}`), `"w6gfy8q1ypb"`);
    assert.equal(etagOf("plain words"), `"160xkpmvkarb"`);
    assert.equal(etagOf(Buffer.from("bytes!")), `"k9hg0cvyke1c"`);
    assert.equal(etagOf(""), `"78p3gz236i0"`);
    assert.equal(etagOf("code 99"), `"95q1slzpt87"`);
    assert.equal(etagOf("first"), `"lyzh93diho5"`);
    for (const n of [0, 1, 255, 1000]) {
      const b = Buffer.from(Array.from({ length: n }, (_, i) => (i * 37) & 255));
      assert.equal(etagOf(b), etagOf(JSON.stringify(b)));
    }
  });
});

describe("status and redirects (cases 64-66, 85-86)", () => {
  test("case 64: redirect(url) → 307, Location, body = url, no content-type", async () => {
    const r = await srv.request({ path: "/api/go" });
    assert.equal(r.status, 307);
    assert.equal(r.statusMessage, "Temporary Redirect");
    assert.equal(r.headers.location, "/landing");
    assert.equal(r.headers["transfer-encoding"], "chunked");
    assert.equal(r.headers["content-type"], undefined);
    assert.equal(r.headers.etag, undefined);
    assert.equal(r.text, "/landing");
    assert.ok(r.rawHeaders.includes("Location"));
  });

  for (const s of [301, 308, 200]) {
    test(`case 65: redirect(${s}, url)`, async () => {
      const r = await srv.request({ path: `/api/go?s=${s}` });
      assert.equal(r.status, s);
      assert.equal(r.headers.location, "https://example.org/elsewhere?x=1");
      assert.equal(r.text, "https://example.org/elsewhere?x=1");
    });
  }

  test("case 66: bad redirect args → 500 and Next's message logged", async () => {
    const before = srv.logs.length;
    const r = await srv.request({ path: "/api/go?bad=1" });
    assert.equal(r.status, 500);
    assert.equal(r.text, "Internal Server Error");
    const entry = srv.logs[before];
    assert.equal(entry.level, "error");
    assert.equal(
      /** @type {Error} */ (entry.err).message,
      "Invalid redirect arguments. Please use a single argument URL, e.g. res.redirect('/destination') or use a status code and URL, e.g. res.redirect(307, '/destination').",
    );
  });

  for (const [code, status, text] of /** @type {const} */ ([
    ["999", 999, "unknown"],
    ["418", 418, "I'm a Teapot"],
    ["str", 201, "Created"],
  ])) {
    test(`case 85: status(${code})`, async () => {
      const r = await srv.request({ path: `/api/status?code=${code}` });
      assert.equal(r.status, status);
      assert.equal(r.statusMessage, text);
      assert.equal(r.headers["content-length"], "8");
      assert.ok(r.headers.etag);
      assert.equal(r.text, `code ${code}`);
    });
  }

  test("case 86: invalid status → 500, RangeError logged (full text: known difference)", async () => {
    const before = srv.logs.length;
    const r = await srv.request({ path: "/api/status?code=99" });
    assert.equal(r.status, 500);
    assert.equal(r.statusMessage, "Internal Server Error");
    assert.equal(r.headers.etag, `"95q1slzpt87"`);
    assert.equal(r.text, "Internal Server Error");
    assert.equal(/** @type {any} */ (srv.logs[before].err).code, "ERR_HTTP_INVALID_STATUS_CODE");
  });
});

describe("raw Node API (cases 82, 87-91)", () => {
  test("case 82: user headers pass through", async () => {
    const r = await srv.request({ path: "/api/headers-out" });
    assert.equal(r.headers["cache-control"], "s-maxage=60");
    assert.equal(r.headers.vary, "Origin");
    assert.equal(r.headers["x-powered-by"], "me");
    assert.equal(r.text, `{"h":1}`);
  });

  test("case 87: Set-Cookie array → two lines", async () => {
    const r = await srv.request({ path: "/api/setcookie" });
    assert.equal(r.status, 201);
    assert.deepEqual(r.headers["set-cookie"], ["a=1; Path=/", "b=2; HttpOnly"]);
    assert.equal(r.headers["x-custom"], "yes");
    assert.equal(r.headers["content-length"], "12");
  });

  test("case 88: writeHead + end → chunked, no ETag", async () => {
    const r = await srv.request({ path: "/api/writehead" });
    assert.equal(r.status, 201);
    assert.equal(r.headers["x-a"], "1");
    assert.equal(r.headers["content-type"], "text/plain");
    assert.equal(r.headers["transfer-encoding"], "chunked");
    assert.equal(r.headers.etag, undefined);
    assert.equal(r.text, "done");
  });

  test("case 89: second send/end/write ignored silently", async () => {
    const before = srv.logs.length;
    const t = await srv.request({ path: "/api/twice" });
    assert.equal(t.text, "first");
    assert.equal(t.headers.etag, `"lyzh93diho5"`);
    assert.equal(t.headers["content-length"], "5");
    const e = await srv.request({ path: "/api/endtwice" });
    assert.equal(e.text, "first");
    assert.equal(e.headers["transfer-encoding"], "chunked");
    await sleep(20);
    assert.equal(srv.logs.length, before);
  });

  test("case 90: status/setHeader after write do not throw and do not change the wire", async () => {
    const r = await srv.request({ path: "/api/afterheaders" });
    assert.equal(r.status, 200);
    assert.equal(r.headers["x-late"], undefined);
    assert.equal(r.text, "started status-now=500 err=none");
  });

  test("case 91: streaming writes", async () => {
    const r = await srv.request({ path: "/api/stream" });
    assert.equal(r.headers["content-type"], "text/plain");
    assert.equal(r.headers["transfer-encoding"], "chunked");
    assert.equal(r.text, "one\ntwo\nthree\n");
  });
});

describe("revalidate and preview helpers (case 92, DECISIONS.md)", () => {
  test("a path resolves and is logged; a non-path rejects with Next's message", async () => {
    const before = srv.logs.length;
    const ok = await srv.request({ path: "/api/revalidate?p=/ssg" });
    assert.equal(ok.text, `{"revalidated":true}`);
    assert.deepEqual(srv.logs[before], { level: "info", message: "revalidate /ssg" });
    const bad = await srv.request({ path: "/api/revalidate?p=nope" });
    assert.equal(bad.status, 500);
    assert.equal(
      bad.text,
      `{"error":"Invalid urlPath provided to revalidate(), must be a path e.g. /blog/post-1, received nope"}`,
    );
  });

  test("setDraftMode/setPreviewData/clearPreviewData return res", async () => {
    const r = await srv.request({ path: "/api/chain" });
    assert.equal(r.status, 202);
    assert.deepEqual(r.json, { same: true });
  });
});

describe("response-size warning (case 99)", () => {
  const WARN_TAIL = "API Routes are meant to respond quickly. https://nextjs.org/docs/messages/api-routes-response-size-limit";

  test("4,194,304 bytes warn (full body still sent); 4,194,303 do not", async () => {
    let before = srv.logs.length;
    const r = await srv.request({ path: "/api/big?n=4194304" });
    assert.equal(r.bytes.length, 4194304);
    assert.equal(r.headers["content-length"], "4194304");
    assert.deepEqual(srv.logs.slice(before), [
      { level: "warn", message: `API response for /api/big?n=4194304 exceeds 4MB. ${WARN_TAIL}` },
    ]);
    before = srv.logs.length;
    const under = await srv.request({ path: "/api/big?n=4194303" });
    assert.equal(under.bytes.length, 4194303);
    assert.equal(srv.logs.length, before);
  });

  test("write + end are summed", async () => {
    const before = srv.logs.length;
    const r = await srv.request({ path: "/api/bigwrite" });
    assert.equal(r.bytes.length, 4 * 1024 * 1024);
    assert.deepEqual(srv.logs.slice(before), [
      { level: "warn", message: `API response for /api/bigwrite exceeds 4MB. ${WARN_TAIL}` },
    ]);
  });

  test("custom '1kb' limit; false disables", async () => {
    let before = srv.logs.length;
    await srv.request({ path: "/api/bigcustom" });
    assert.deepEqual(srv.logs.slice(before), [
      { level: "warn", message: `API response for /api/bigcustom exceeds 1KB. ${WARN_TAIL}` },
    ]);
    before = srv.logs.length;
    const r = await srv.request({ path: "/api/nolimit" });
    assert.equal(r.bytes.length, 4194304);
    assert.equal(srv.logs.length, before);
  });
});
