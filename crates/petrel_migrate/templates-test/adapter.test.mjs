// Tests ../templates/next-adapter.mts and ../templates/revalidate-route.ts. Node 20 cannot run
// TypeScript, so both are transpiled with `typescript` into a temporary directory first.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";

const templates = fileURLToPath(new URL("../templates/", import.meta.url));
const outDir = mkdtempSync(join(tmpdir(), "petrel-templates-"));
after(() => rmSync(outDir, { recursive: true, force: true }));

// Relative `.ts` imports become `.js` (rewriteRelativeImportExtensions), ES modules all.
writeFileSync(join(outDir, "package.json"), JSON.stringify({ type: "module" }));

/** Transpiles the template `file` to `as` in outDir; `replace` maps import specifiers. */
async function load(file, as, replace = {}) {
  let { outputText, diagnostics } = ts.transpileModule(readFileSync(join(templates, file), "utf8"), {
    fileName: file,
    reportDiagnostics: true,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      rewriteRelativeImportExtensions: true,
    },
  });
  assert.deepEqual(diagnostics, []);
  for (const [from, to] of Object.entries(replace)) outputText = outputText.replaceAll(`"${from}"`, `"${to}"`);
  const path = join(outDir, as);
  writeFileSync(path, outputText);
  return import(pathToFileURL(path).href);
}

const nextCache = await load("next-cache.ts", "next-cache.js");
const { runNextApiHandler } = await load("next-adapter.mts", "next-adapter.mjs");
const { default: revalidateRoute } = await load("revalidate-route.ts", "revalidate-route.mjs");

// The cache route's `next/cache`, recording the calls Next.js would get.
const cacheCalls = [];
globalThis.__petrelNextCacheCalls = cacheCalls;
writeFileSync(
  join(outDir, "next-cache-recorder.js"),
  "export const revalidatePath = (...args) => globalThis.__petrelNextCacheCalls.push(['revalidatePath', ...args]);\n" +
    "export const revalidateTag = (...args) => globalThis.__petrelNextCacheCalls.push(['revalidateTag', ...args]);\n",
);
const { POST: revalidateCacheRoute } = await load("revalidate-cache-route.ts", "revalidate-cache-route.js", {
  "next/cache": "./next-cache-recorder.js",
});

const OPTIONS = { page: "/api/echo", basePath: "", revalidateRoute: "/api/petrel-revalidate" };

/** Runs `handler` for one request; `params` is Netlify's context.params (not decoded). */
function run(handler, { url = "http://localhost/api/echo", params = {}, ip, options, ...init } = {}) {
  return runNextApiHandler(handler, new Request(url, init), { params, ip }, { ...OPTIONS, ...options });
}

const echo = (pick) => (req, res) => res.json(pick(req));

describe("req", () => {
  test("query: search params (repeats as arrays) merged with route params, which win", async () => {
    const res = await run(echo((req) => ({ query: req.query, url: req.url })), {
      url: "http://localhost/api/items/42?id=other&x=1&a=1&a=2&b=&c&z=a+b&bad=%ZZ",
      params: { id: "42" },
      options: { page: "/api/items/[id]" },
    });
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.deepEqual(body.query, { id: "42", x: "1", a: ["1", "2"], b: "", c: "", z: "a b", bad: "%ZZ" });
    assert.deepEqual(Object.keys(body.query), ["id", "x", "a", "b", "c", "z", "bad"]);
    // req.url as Next gives it: the route-param keys are left out of the query string.
    assert.equal(body.url, "/api/items/42?x=1&a=1&a=2&b=&c=&z=a+b&bad=%25ZZ");
  });

  test("params are decoded once per segment; catch-all params are arrays", async () => {
    const handler = echo((req) => req.query);
    let res = await run(handler, {
      url: "http://localhost/api/files/a/b%20c/d%2Fe?z=1",
      params: { path: "a/b%20c/d%2Fe" },
      options: { page: "/api/files/[...path]" },
    });
    assert.deepEqual(await res.json(), { z: "1", path: ["a", "b c", "d/e"] });

    res = await run(handler, {
      url: "http://localhost/api/docs/x",
      params: { parts: "x" },
      options: { page: "/api/docs/[[...parts]]" },
    });
    assert.deepEqual(await res.json(), { parts: ["x"] });

    // An optional catch-all that matched nothing is absent, so a same-named query key survives.
    res = await run(handler, {
      url: "http://localhost/api/docs?parts=q",
      params: {},
      options: { page: "/api/docs/[[...parts]]" },
    });
    assert.deepEqual(await res.json(), { parts: "q" });

    res = await run(handler, {
      url: "http://localhost/api/items/a%2Fb",
      params: { id: "a%2Fb" },
      options: { page: "/api/items/[id]" },
    });
    assert.deepEqual(await res.json(), { id: "a/b" });
  });

  test("a bad percent-escape in a route param is a 400", async () => {
    const res = await run(() => assert.fail("handler called"), {
      url: "http://localhost/api/items/%ZZ",
      params: { id: "%ZZ" },
      options: { page: "/api/items/[id]" },
    });
    assert.equal(res.status, 400);
  });

  test("url without basePath; method; Node-style headers", async () => {
    const headers = new Headers([
      ["X-Custom", "a"],
      ["x-custom", "b"],
      ["Cookie", "k=v"],
    ]);
    const res = await run(
      echo((req) => ({ url: req.url, method: req.method, headers: req.headers, http: req.httpVersion })),
      {
        url: "https://example.org/base/api/echo?q=1",
        method: "DELETE",
        headers,
        ip: "203.0.113.9",
        options: { basePath: "/base" },
      },
    );
    const body = await res.json();
    assert.equal(body.url, "/api/echo?q=1");
    assert.equal(body.method, "DELETE");
    assert.equal(body.http, "1.1");
    assert.equal(body.headers["x-custom"], "a, b");
    assert.equal(body.headers.cookie, "k=v");
    assert.equal(body.headers.host, "example.org");
    assert.equal(body.headers["x-forwarded-host"], "example.org");
    assert.equal(body.headers["x-forwarded-proto"], "https");
    assert.equal(body.headers["x-forwarded-port"], "443");
    assert.equal(body.headers["x-forwarded-for"], "203.0.113.9");
  });

  test("cookies: decoded, unquoted, trimmed, first wins, pairs without = skipped", async () => {
    const res = await run(echo((req) => req.cookies), {
      headers: { cookie: 'a=1; two=two%20words; q="quoted"; bad=%ZZ;  e = sp ; a=2; novalue' },
    });
    assert.deepEqual(await res.json(), { a: "1", two: "two words", q: "quoted", bad: "%ZZ", e: "sp" });
    const none = await run(echo((req) => req.cookies));
    assert.deepEqual(await none.json(), {});
  });
});

describe("req.body (bodyParser on)", () => {
  const body = echo((req) => ({ body: req.body === undefined ? "<undefined>" : req.body }));
  const post = (contentType, data, options) =>
    run(body, {
      method: "POST",
      headers: contentType ? { "content-type": contentType } : {},
      body: data,
      options,
    }).then(async (res) => (res.status === 200 ? (await res.json()).body : res));

  test("JSON (and ld+json), any JSON value; empty JSON body is {}", async () => {
    assert.deepEqual(await post("application/json", '{"a":[1,2]}'), { a: [1, 2] });
    assert.deepEqual(await post("Application/JSON; charset=utf-8", "0"), 0);
    assert.deepEqual(await post("application/ld+json", '"str"'), "str");
    assert.deepEqual(await post("application/json", ""), {});
    assert.equal(await post("application/vnd.api+json", '{"a":1}'), '{"a":1}');
  });

  test("urlencoded → object, repeats as arrays", async () => {
    assert.deepEqual(await post("application/x-www-form-urlencoded", "a=1&a=2&b=x+y&c&d=%20"), {
      a: ["1", "2"],
      b: "x y",
      c: "",
      d: " ",
    });
  });

  test("text, other types and no content-type → string; GET without body → empty string", async () => {
    assert.equal(await post("text/plain", "hello"), "hello");
    assert.equal(await post("application/octet-stream", "bytes"), "bytes");
    assert.equal(await post(undefined, "none"), "none");
    assert.equal(await post("garbage;;;", '{"a":1}'), '{"a":1}');
    assert.equal(await post("text/plain; charset=latin1", new Uint8Array([0xe9])), "é");
    const res = await run(body);
    assert.deepEqual(await res.json(), { body: "" });
  });

  test("invalid JSON → 400 Invalid JSON, handler not called", async () => {
    for (const data of ["{bad", "  "]) {
      const res = await run(() => assert.fail("handler called"), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: data,
      });
      assert.equal(res.status, 400);
      assert.equal(res.statusText, "Invalid JSON");
      assert.equal(res.headers.get("content-type"), null);
      assert.equal(await res.text(), "Invalid JSON");
    }
  });

  test("unknown charset → 400 Invalid body", async () => {
    const res = await post("text/plain; charset=bogus", "x");
    assert.equal(res.status, 400);
    assert.equal(await res.text(), "Invalid body");
  });

  test("size limit: 1mb by default, the configured value echoed", async () => {
    assert.equal((await post("text/plain", "x".repeat(1048576))).length, 1048576);
    let res = await post("text/plain", "x".repeat(1048577));
    assert.equal(res.status, 413);
    assert.equal(await res.text(), "Body exceeded 1mb limit");
    // Without a Content-Length (a stream body), counted while reading.
    res = await run(body, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: Readable.toWeb(Readable.from([Buffer.alloc(60, 0x20), Buffer.alloc(60, 0x20)])),
      duplex: "half",
      options: { sizeLimit: "100b" },
    });
    assert.equal(res.status, 413);
    assert.equal(await res.text(), "Body exceeded 100b limit");
    assert.equal((await post("text/plain", "x".repeat(50), { sizeLimit: 50 })).length, 50);
    res = await post("text/plain", "x".repeat(51), { sizeLimit: 50 });
    assert.equal(await res.text(), "Body exceeded 50 limit");
  });
});

test("bodyParser: false → req is a readable stream of the raw body", async () => {
  const data = Buffer.alloc(2 * 1024 * 1024 + 3, 7);
  const res = await run(
    async (req, res) => {
      assert.equal(req.body, undefined);
      assert.equal(req.query.q, "1");
      const chunks = [];
      for await (const chunk of req) chunks.push(chunk);
      const all = Buffer.concat(chunks);
      res.json({ length: all.length, ok: all.equals(data), method: req.method, type: req.headers["content-type"] });
    },
    {
      url: "http://localhost/api/echo?q=1",
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: data,
      options: { bodyParser: false },
    },
  );
  assert.deepEqual(await res.json(), { length: data.length, ok: true, method: "PUT", type: "application/json" });

  // Event-style reading works too, and invalid JSON is not checked.
  const res2 = await run(
    (req, res) => {
      let text = "";
      req.setEncoding("utf8");
      req.on("data", (chunk) => (text += chunk));
      req.on("end", () => res.send(text));
    },
    { method: "POST", headers: { "content-type": "application/json" }, body: "{bad", options: { bodyParser: false } },
  );
  assert.equal(await res2.text(), "{bad");
});

describe("res", () => {
  test("status().json()", async () => {
    const res = await run((req, res) => res.status(201).json({ ok: true }));
    assert.equal(res.status, 201);
    assert.equal(res.headers.get("content-type"), "application/json; charset=utf-8");
    assert.equal(res.headers.get("etag"), '"w6gfy8q1ypb"');
    assert.equal(await res.text(), '{"ok":true}');
  });

  test("send: object → JSON (overriding content-type), string → no content-type, Buffer → octet-stream", async () => {
    let res = await run((req, res) => {
      res.setHeader("Content-Type", "text/custom");
      res.send({ a: 1 });
    });
    assert.equal(res.headers.get("content-type"), "application/json; charset=utf-8");
    assert.equal(await res.text(), '{"a":1}');

    res = await run((req, res) => res.send("plain words"));
    assert.equal(res.headers.get("content-type"), null);
    assert.equal(res.headers.get("etag"), '"160xkpmvkarb"');
    assert.equal(res.headers.get("content-length"), "11");
    assert.equal(await res.text(), "plain words");

    res = await run((req, res) => res.setHeader("content-type", "text/html").send("<p>é</p>"));
    assert.equal(res.headers.get("content-type"), "text/html");
    assert.equal(res.headers.get("content-length"), "9");

    res = await run((req, res) => res.send(Buffer.from("bytes!")));
    assert.equal(res.headers.get("content-type"), "application/octet-stream");
    assert.equal(res.headers.get("etag"), '"k9hg0cvyke1c"');
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), Buffer.from("bytes!"));

    res = await run((req, res) => res.send(7));
    assert.equal(await res.text(), "7");

    res = await run((req, res) => res.status(204).send("ignored"));
    assert.equal(res.status, 204);
    assert.equal(await res.text(), "");

    res = await run((req, res) => res.send(Readable.from(["a", "b"])));
    assert.equal(res.headers.get("content-type"), "application/octet-stream");
    assert.equal(await res.text(), "ab");
  });

  test("If-None-Match matching the ETag → 304", async () => {
    const res = await run((req, res) => res.json({ ok: true }), {
      method: "POST",
      headers: { "if-none-match": '"w6gfy8q1ypb"' },
    });
    assert.equal(res.status, 304);
    assert.equal(res.headers.get("etag"), '"w6gfy8q1ypb"');
    assert.equal(await res.text(), "");
  });

  test("redirect: 307 by default, or the given status; bad arguments → 500", async (t) => {
    let res = await run((req, res) => res.redirect("/landing"));
    assert.equal(res.status, 307);
    assert.equal(res.headers.get("location"), "/landing");
    assert.equal(res.headers.get("content-type"), null);
    assert.equal(await res.text(), "/landing");

    res = await run((req, res) => res.redirect(308, "https://example.org/x"));
    assert.equal(res.status, 308);
    assert.equal(res.headers.get("location"), "https://example.org/x");

    const error = t.mock.method(console, "error", () => {});
    res = await run((req, res) => res.redirect(308));
    assert.equal(res.status, 500);
    assert.match(String(error.mock.calls[0].arguments[0]), /Invalid redirect arguments/);
  });

  test("headers API; several set-cookie headers survive", async () => {
    const res = await run((req, res) => {
      res.setHeader("Set-Cookie", ["a=1; Path=/", "b=2; HttpOnly"]);
      res.appendHeader("set-cookie", "c=3");
      res.setHeader("X-Num", 5);
      res.setHeader("X-Gone", "1");
      res.removeHeader("x-gone");
      assert.equal(res.getHeader("x-num"), 5);
      assert.equal(res.hasHeader("X-NUM"), true);
      assert.deepEqual(Object.keys(res.getHeaders()), ["set-cookie", "x-num"]);
      assert.equal(res.headersSent, false);
      res.writeHead(202, { "X-Extra": "e" });
      assert.equal(res.headersSent, true);
      res.end("done");
      assert.equal(res.writableEnded, true);
    });
    assert.equal(res.status, 202);
    assert.deepEqual(res.headers.getSetCookie(), ["a=1; Path=/", "b=2; HttpOnly", "c=3"]);
    assert.equal(res.headers.get("x-num"), "5");
    assert.equal(res.headers.get("x-extra"), "e");
    assert.equal(res.headers.get("x-gone"), null);
    assert.equal(await res.text(), "done");
  });

  test("write() then later end(): the response streams", async () => {
    let release;
    const gate = new Promise((resolve) => (release = resolve));
    const res = await run(async (req, res) => {
      res.setHeader("content-type", "text/plain");
      res.write("first,");
      await gate;
      res.write(Buffer.from("second,"));
      res.end("last");
    });
    // Resolved while the handler is still waiting.
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/plain");
    const reader = res.body.getReader();
    assert.equal(Buffer.from((await reader.read()).value).toString(), "first,");
    release();
    let rest = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += Buffer.from(value).toString();
    }
    assert.equal(rest, "second,last");
  });

  test("a second end() is ignored; 'finish' is emitted", async () => {
    let finished = false;
    const res = await run((req, res) => {
      res.on("finish", () => (finished = true));
      res.send("one");
      res.send("two");
    });
    assert.equal(await res.text(), "one");
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(finished, true);
  });
});

describe("errors and unfinished responses", () => {
  test("a thrown error or a rejection → 500 Internal Server Error, logged", async (t) => {
    const error = t.mock.method(console, "error", () => {});
    for (const handler of [
      () => {
        throw new Error("boom sync");
      },
      async () => {
        throw new Error("boom async");
      },
    ]) {
      const res = await run(handler);
      assert.equal(res.status, 500);
      assert.equal(res.statusText, "Internal Server Error");
      assert.equal(res.headers.get("content-type"), null);
      assert.equal(await res.text(), "Internal Server Error");
    }
    assert.deepEqual(
      error.mock.calls.map((call) => call.arguments[0].message),
      ["boom sync", "boom async"],
    );
  });

  test("an error after write() keeps the status and appends the message", async (t) => {
    t.mock.method(console, "error", () => {});
    const res = await run(async (req, res) => {
      res.status(202);
      res.write("partial");
      await new Promise((resolve) => setTimeout(resolve, 5));
      throw new Error("late");
    });
    assert.equal(res.status, 202);
    assert.equal(await res.text(), "partialInternal Server Error");
  });

  test("an invalid status code → 500", async (t) => {
    const error = t.mock.method(console, "error", () => {});
    const res = await run((req, res) => res.status(99).send("code 99"));
    assert.equal(res.status, 500);
    assert.match(error.mock.calls[0].arguments[0].message, /Invalid status code: 99/);
  });

  test("draft/preview mode helpers throw a clear error", async (t) => {
    const error = t.mock.method(console, "error", () => {});
    const res = await run((req, res) => res.setDraftMode({ enable: true }));
    assert.equal(res.status, 500);
    assert.match(error.mock.calls[0].arguments[0].message, /setDraftMode\(\) is not available outside Next\.js/);
  });

  test("a handler that settles without ending: answered with what was written, with a warning", async (t) => {
    const warn = t.mock.method(console, "warn", () => {});
    let res = await run(async (req, res) => {
      res.status(202).setHeader("x-a", "1");
      await new Promise((resolve) => setTimeout(resolve, 5));
    });
    assert.equal(res.status, 202);
    assert.equal(res.headers.get("x-a"), "1");
    assert.equal(await res.text(), "");
    assert.equal(
      warn.mock.calls[0].arguments[0],
      "API resolved without sending a response for /api/echo, this may result in stalled requests.",
    );

    res = await run((req, res) => {
      res.write("so far");
    });
    assert.equal(await res.text(), "so far");
  });

  test("externalResolver: waits for end() after the handler settled", async (t) => {
    const warn = t.mock.method(console, "warn", () => {});
    const res = await run(
      (req, res) => {
        setTimeout(() => res.send("later"), 20);
      },
      { options: { externalResolver: true } },
    );
    assert.equal(await res.text(), "later");
    assert.equal(warn.mock.callCount(), 0);
  });
});

describe("res.revalidate", () => {
  let server;
  let origin;
  const seen = [];
  let answer = 200;
  before(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body });
        res.statusCode = answer;
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ revalidated: [] }));
      });
    });
    await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${server.address().port}`;
  });
  after(() => server.close());

  const revalidating = async (req, res) => {
    try {
      await res.revalidate(req.query.path);
      res.json({ ok: true });
    } catch (error) {
      res.status(500).json({ error: error.message });
    }
  };

  test("POSTs the path to the revalidate route with the secret", async () => {
    process.env.PETREL_REVALIDATE_SECRET = "s3cret";
    seen.length = 0;
    answer = 200;
    const res = await run(revalidating, {
      url: `${origin}/base/api/echo?path=/blog/1`,
      options: { basePath: "/base" },
    });
    assert.deepEqual(await res.json(), { ok: true });
    assert.equal(seen.length, 1);
    assert.equal(seen[0].method, "POST");
    assert.equal(seen[0].url, "/base/api/petrel-revalidate");
    assert.equal(seen[0].headers["x-petrel-revalidate-secret"], "s3cret");
    assert.equal(seen[0].headers["content-type"], "application/json");
    assert.deepEqual(JSON.parse(seen[0].body), { paths: ["/blog/1"] });
  });

  test("sends an empty secret when none is set", async () => {
    delete process.env.PETREL_REVALIDATE_SECRET;
    seen.length = 0;
    answer = 200;
    await run(revalidating, { url: `${origin}/api/echo?path=/x` });
    assert.equal(seen[0].headers["x-petrel-revalidate-secret"], "");
  });

  test("rejects when the route does not answer 2xx, or the path is not a path", async () => {
    answer = 500;
    let res = await run(revalidating, { url: `${origin}/api/echo?path=/blog/1` });
    assert.deepEqual(await res.json(), { error: "Failed to revalidate /blog/1: Invalid response 500" });
    res = await run(revalidating, { url: `${origin}/api/echo?path=nope` });
    assert.deepEqual(await res.json(), {
      error: "Invalid urlPath provided to revalidate(), must be a path e.g. /blog/post-1, received nope",
    });
  });
});

describe("revalidate-route.ts", () => {
  function call({ method = "POST", headers = {}, body, fail } = {}) {
    const out = { status: 200, headers: {}, revalidated: [] };
    const res = {
      setHeader: (name, value) => (out.headers[name.toLowerCase()] = value),
      status: (code) => ((out.status = code), res),
      json: (json) => (out.json = json),
      revalidate: async (path) => {
        if (path === fail) throw new Error(`Failed to revalidate ${path}: Invalid response 404`);
        out.revalidated.push(path);
      },
    };
    return revalidateRoute({ method, headers, body }, res).then(() => out);
  }

  test("POST only", async () => {
    const out = await call({ method: "GET" });
    assert.equal(out.status, 405);
    assert.equal(out.headers.allow, "POST");
  });

  test("checks the secret when PETREL_REVALIDATE_SECRET is set", async () => {
    process.env.PETREL_REVALIDATE_SECRET = "s3cret";
    try {
      assert.equal((await call({ body: { paths: ["/a"] } })).status, 401);
      assert.equal((await call({ headers: { "x-petrel-revalidate-secret": "nope" }, body: { paths: ["/a"] } })).status, 401);
      const out = await call({ headers: { "x-petrel-revalidate-secret": "s3cret" }, body: { paths: ["/a", "/b"] } });
      assert.equal(out.status, 200);
      assert.deepEqual(out.revalidated, ["/a", "/b"]);
      assert.deepEqual(out.json, { revalidated: ["/a", "/b"] });
    } finally {
      delete process.env.PETREL_REVALIDATE_SECRET;
    }
    assert.equal((await call({ body: { paths: ["/a"] } })).status, 200);
  });

  test("a bad body → 400; a failed revalidation → 500", async () => {
    assert.equal((await call({ body: {} })).status, 400);
    assert.equal((await call({ body: { paths: ["nope"] } })).status, 400);
    assert.equal((await call({ body: "" })).status, 400);
    const out = await call({ body: { paths: ["/a", "/missing"] }, fail: "/missing" });
    assert.equal(out.status, 500);
    assert.deepEqual(out.json, { error: "Failed to revalidate /missing: Invalid response 404", revalidated: ["/a"] });
  });
});

describe("revalidatePath / revalidateTag (next-cache.ts)", () => {
  let server;
  let origin;
  const seen = [];
  let answer = 200;
  let delay = 0;
  before(async () => {
    server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () =>
        setTimeout(() => {
          seen.push({ method: req.method, url: req.url, headers: req.headers, body: JSON.parse(body) });
          res.statusCode = answer;
          res.end("{}");
        }, delay),
      );
    });
    await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${server.address().port}`;
  });
  after(() => server.close());

  test("each call POSTs to the cache route under basePath, finished before the function answers", async () => {
    process.env.PETREL_REVALIDATE_SECRET = "s3cret";
    seen.length = 0;
    answer = 200;
    delay = 50;
    try {
      const res = await run(
        (req, res) => {
          // Not awaited, as with Next.js: they return nothing.
          nextCache.revalidatePath("/blog/[slug]", "page");
          nextCache.revalidateTag("posts", "max");
          nextCache.revalidatePath("/");
          res.json({ ok: true });
        },
        { url: `${origin}/base/api/echo`, options: { basePath: "/base" } },
      );
      assert.equal(seen.length, 3, "all three reached the route before the answer");
      assert.deepEqual(await res.json(), { ok: true });
      assert.deepEqual(
        seen.map((s) => [s.method, s.url, s.headers["x-petrel-revalidate-secret"], s.body]),
        [
          ["POST", "/base/api/petrel-revalidate-cache", "s3cret", { revalidatePath: [{ path: "/blog/[slug]", type: "page" }] }],
          ["POST", "/base/api/petrel-revalidate-cache", "s3cret", { revalidateTag: [{ tag: "posts", profile: "max" }] }],
          ["POST", "/base/api/petrel-revalidate-cache", "s3cret", { revalidatePath: [{ path: "/" }] }],
        ],
      );
    } finally {
      delete process.env.PETREL_REVALIDATE_SECRET;
      delay = 0;
    }
  });

  test("waitForHandler: work after res.end() (and its revalidations) ends before the answer", async () => {
    seen.length = 0;
    let finished = false;
    const res = await run(
      async (req, res) => {
        res.status(202).end();
        await new Promise((resolve) => setTimeout(resolve, 30));
        nextCache.revalidateTag("late");
        finished = true;
      },
      { url: `${origin}/api/echo`, options: { waitForHandler: true } },
    );
    assert.equal(res.status, 202);
    assert.equal(finished, true);
    assert.deepEqual(seen.map((s) => s.body), [{ revalidateTag: [{ tag: "late" }] }]);
  });

  test("a failed revalidation is logged, and the function still answers", async (t) => {
    const error = t.mock.method(console, "error", () => {});
    answer = 500;
    try {
      const res = await run(
        (req, res) => {
          nextCache.revalidatePath("/x");
          res.json({ ok: true });
        },
        { url: `${origin}/api/echo` },
      );
      assert.deepEqual(await res.json(), { ok: true });
      assert.equal(error.mock.callCount(), 1);
      assert.match(String(error.mock.calls[0].arguments[0]), /^Failed to revalidatePath\("\/x"\): \/api\/petrel-revalidate-cache answered 500/);
    } finally {
      answer = 200;
    }
  });

  test("outside a function call: the site's URL, else a clear error", () => {
    const url = process.env.URL;
    delete process.env.URL;
    delete process.env.DEPLOY_URL;
    try {
      assert.throws(() => nextCache.revalidatePath("/x"), /needs the site's URL/);
    } finally {
      if (url !== undefined) process.env.URL = url;
    }
  });
});

describe("revalidate-cache-route.ts", () => {
  const post = (body, headers = {}) =>
    revalidateCacheRoute(
      new Request("http://localhost/api/petrel-revalidate-cache", {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: typeof body === "string" ? body : JSON.stringify(body),
      }),
    );

  test("makes each call inside Next.js as the function made it", async () => {
    cacheCalls.length = 0;
    const res = await post({
      revalidatePath: [{ path: "/blog/[slug]", type: "page" }, { path: "/" }],
      revalidateTag: [{ tag: "posts", profile: "max" }, { tag: "old" }],
    });
    assert.equal(res.status, 200);
    assert.deepEqual(cacheCalls, [
      ["revalidatePath", "/blog/[slug]", "page"],
      ["revalidatePath", "/", undefined],
      ["revalidateTag", "posts", "max"],
      ["revalidateTag", "old", undefined],
    ]);
  });

  test("checks the secret; a bad body → 400 and no call", async () => {
    cacheCalls.length = 0;
    process.env.PETREL_REVALIDATE_SECRET = "s3cret";
    try {
      assert.equal((await post({ revalidateTag: [{ tag: "t" }] })).status, 401);
      assert.equal((await post({ revalidateTag: [{ tag: "t" }] }, { "x-petrel-revalidate-secret": "no" })).status, 401);
      assert.equal((await post({ revalidateTag: [{ tag: "t" }] }, { "x-petrel-revalidate-secret": "s3cret" })).status, 200);
    } finally {
      delete process.env.PETREL_REVALIDATE_SECRET;
    }
    assert.equal((await post({ revalidatePath: [{ path: "/x", type: "nope" }] })).status, 400);
    assert.equal((await post({ revalidateTag: "t" })).status, 400);
    assert.deepEqual(cacheCalls, [["revalidateTag", "t", undefined]]);
  });
});
