// @ts-check
/**
 * Netlify Functions adapter, v2 functions (web-standard `Request` → `Response`), the `Netlify`
 * global and the body limit; v1 is in netlify_v1.test.mjs. Case numbers refer to
 * shared/reference/netlify-functions-semantics.md §14.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { startNetlify, sleep } from "./netlify_harness.mjs";
import { settleWaitUntil } from "../adapters/netlify.cjs";

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const MOCK_GEO = {
  city: "Mock City",
  country: { code: "US", name: "Mock Country" },
  subdivision: { code: "SD", name: "Mock Subdivision" },
  latitude: 0,
  longitude: 0,
  timezone: "UTC",
};

/** Timestamps recorded by functions, for the timing tests. @type {Record<string, number>} */
const marks = {};

/** @param {Function} fn */
const v2 = (fn) => ({ module: { default: fn } });

/** @type {Awaited<ReturnType<typeof startNetlify>>} */
let srv;

before(async () => {
  srv = await startNetlify({
    hello: v2(async () => new Response("ok")),
    echo: v2(async (/** @type {Request} */ req, /** @type {any} */ context) => {
      const body = req.body ? await req.text() : null;
      return Response.json({
        url: req.url,
        method: req.method,
        headers: Object.fromEntries(req.headers),
        body,
        keys: Object.keys(context),
        context: {
          account: context.account,
          deploy: context.deploy,
          flags: context.flags,
          path: context.path ?? "<undefined>",
          geo: context.geo,
          ip: context.ip,
          params: context.params,
          requestId: context.requestId,
          server: context.server,
          site: context.site,
          url: context.url.href,
          urlIsURL: context.url instanceof URL,
        },
      });
    }),
    items: {
      path: "/api/items/:id",
      module: {
        default: async (/** @type {Request} */ _req, /** @type {any} */ context) =>
          Response.json({ params: context.params, path: context.path }),
      },
    },
    undef: v2(async () => undefined),
    badret: v2(async () => ({ hello: "world" })),
    kaboom: v2(async () => {
      throw new Error("kaboom");
    }),
    cookies: v2(async (/** @type {Request} */ _req, /** @type {any} */ context) => {
      context.cookies.set({ name: "c1", value: "v1", path: "/", httpOnly: true });
      context.cookies.delete("gone");
      return new Response(`foo=${context.cookies.get("foo")}`, { headers: { "set-cookie": "own=1" } });
    }),
    cookieforms: v2(async (/** @type {Request} */ _req, /** @type {any} */ context) => {
      const { set } = context.cookies;
      set("plain", "x");
      context.cookies.set({
        name: "full",
        value: "y",
        expires: new Date(Date.UTC(2030, 0, 2, 3, 4, 5)),
        maxAge: 60,
        domain: "example.com",
        path: "/p",
        secure: true,
        httpOnly: true,
        sameSite: "Lax",
      });
      context.cookies.delete({ name: "old", domain: "example.com", path: "/p" });
      /** @type {string[]} */
      const errors = [];
      for (const bad of [() => set("bad name", "v"), () => set("n", "a;b")]) {
        try {
          bad();
        } catch (e) {
          errors.push(/** @type {Error} */ (e).name);
        }
      }
      return context.json({ errors });
    }),
    cookieundef: v2(async (/** @type {Request} */ _req, /** @type {any} */ context) => {
      context.cookies.set("seen", "1");
    }),
    next: v2(async (/** @type {Request} */ _req, /** @type {any} */ context) => {
      try {
        context.next();
        return new Response("no throw");
      } catch (e) {
        return new Response(/** @type {Error} */ (e).message);
      }
    }),
    nextuncaught: v2(async (/** @type {Request} */ _req, /** @type {any} */ context) => context.next()),
    wait: v2(async (/** @type {Request} */ _req, /** @type {any} */ context) => {
      context.waitUntil(
        sleep(800).then(() => {
          marks.waitDone = Date.now();
        }),
      );
      return new Response("sent");
    }),
    waitfail: v2(async (/** @type {Request} */ _req, /** @type {any} */ context) => {
      context.waitUntil(Promise.reject(new Error("background oops")));
      return new Response("fine");
    }),
    endless: v2(async () => {
      marks.endlessCancelled = 0;
      return new Response(
        new ReadableStream({
          async pull(c) {
            await sleep(10);
            c.enqueue(new TextEncoder().encode("tick\n"));
          },
          cancel() {
            marks.endlessCancelled = 1;
          },
        }),
      );
    }),
    stream: v2(async () => {
      const enc = new TextEncoder();
      let n = 0;
      const body = new ReadableStream({
        async pull(c) {
          if (n > 0) await sleep(200);
          n++;
          c.enqueue(enc.encode(`chunk${n}\n`));
          if (n === 3) {
            marks.lastChunk = Date.now();
            c.close();
          }
        },
      });
      return new Response(body, { headers: { "content-type": "text/plain" } });
    }),
    latin1: v2(async () => new Response("x", { headers: { "x-check": "✓" } })),
    latin1fake: v2(async () => ({
      [Symbol.toStringTag]: "Response",
      status: 200,
      statusText: "",
      type: "default",
      headers: new Map([["x-check", "✓"]]),
      body: null,
    })),
    fetchobj: {
      module: {
        default: {
          greeting: "from fetch",
          /** @param {Request} req */
          async fetch(req) {
            return new Response(`${this.greeting} ${new URL(req.url).pathname}`);
          },
        },
      },
    },
    cjsdefault: { module: { default: { default: async () => new Response("cjs default") } } },
    noexport: { module: { config: {} } },
    importfail: {
      loadModule: async () => {
        throw new SyntaxError("Unexpected token 'export'");
      },
    },
    status: v2(
      async () => new Response("teapot", { status: 418, statusText: "I'm a teapot", headers: { "x-a": "1" } }),
    ),
    envglobal: v2(async () => {
      const N = /** @type {any} */ (globalThis).Netlify;
      N.env.set("PETREL_NETLIFY_TEST", "set-value");
      const afterSet = N.env.get("PETREL_NETLIFY_TEST");
      const has = N.env.has("PETREL_NETLIFY_TEST");
      const inObject = N.env.toObject().PETREL_NETLIFY_TEST;
      N.env.delete("PETREL_NETLIFY_TEST");
      return Response.json({
        afterSet,
        has,
        inObject,
        afterDelete: N.env.get("PETREL_NETLIFY_TEST") ?? null,
        hasAfterDelete: N.env.has("PETREL_NETLIFY_TEST"),
        fromProcess: N.env.get("PETREL_NETLIFY_FROM_PROCESS"),
      });
    }),
    ctxglobal: v2(async (/** @type {Request} */ _req, /** @type {any} */ context) => {
      const N = /** @type {any} */ (globalThis).Netlify;
      const same = N.context === context;
      await sleep(5);
      const afterAwait = N.context === context;
      const inTimer = await new Promise((r) => setTimeout(() => r(N.context === context), 1));
      return Response.json({ same, afterAwait, inTimer, requestId: N.context.requestId === context.requestId });
    }),
    rewriter: v2(async (/** @type {Request} */ _req, /** @type {any} */ context) => context.rewrite("/.netlify/functions/echo")),
    limited: {
      bodyLimit: 1000,
      module: { default: async (/** @type {Request} */ req) => new Response(`read ${(await req.text()).length}`) },
    },
    ignoresbody: {
      bodyLimit: 1000,
      module: { default: async () => new Response("did not read") },
    },
    envsite: {
      env: { siteId: "site-123", siteName: "my-site", url: "https://my-site.example", region: "fra" },
      module: {
        default: async (/** @type {Request} */ req, /** @type {any} */ context) =>
          Response.json({ site: context.site, server: context.server, siteHeader: req.headers.get("x-nf-site-id") }),
      },
    },
  });
});
after(() => srv.close());

describe("default URL (cases 1, 2)", () => {
  test("case 1: GET /.netlify/functions/hello → 200 ok, with a request id", async () => {
    const r = await srv.request({ path: "/.netlify/functions/hello" });
    assert.equal(r.status, 200);
    assert.equal(r.text, "ok");
    assert.match(String(r.headers["x-nf-request-id"]), ULID);
  });

  test("case 2: a sub-path and query still reach the function; req.url keeps them", async () => {
    const r = await srv.request({ path: "/.netlify/functions/echo/any/sub?x=1" });
    assert.equal(r.status, 200);
    assert.equal(r.json.url, `http://127.0.0.1:${srv.port}/.netlify/functions/echo/any/sub?x=1`);
    assert.equal(r.json.method, "GET");
    assert.equal(r.json.context.path, "<undefined>");
    assert.deepEqual(r.json.context.params, {});
  });

  test("the Host header gives the request URL", async () => {
    const r = await srv.request({ path: "/.netlify/functions/echo", headers: { host: "example.test:8888" } });
    assert.equal(r.json.url, "http://example.test:8888/.netlify/functions/echo");
    assert.equal(r.json.context.site.url, "http://example.test:8888");
  });
});

describe("platform headers and context (§2.2, §2.4)", () => {
  test("x-nf-* headers are injected (client values replaced) and echoed in the context", async () => {
    const r = await srv.request({
      path: "/.netlify/functions/echo",
      headers: { "x-nf-client-connection-ip": "6.6.6.6", "X-Custom": "kept" },
    });
    const h = r.json.headers;
    assert.equal(h["x-nf-request-id"], r.headers["x-nf-request-id"]);
    assert.match(String(h["x-nf-request-id"]), ULID);
    assert.equal(h["x-nf-client-connection-ip"], "127.0.0.1");
    assert.equal(h["client-ip"], "127.0.0.1");
    assert.equal(h["x-nf-account-id"], "");
    assert.equal(h["x-nf-site-id"], "unlinked");
    assert.deepEqual(JSON.parse(Buffer.from(h["x-nf-geo"], "base64").toString()), MOCK_GEO);
    assert.equal(h["x-custom"], "kept");

    const c = r.json.context;
    assert.deepEqual(r.json.keys, [
      "account", "cookies", "deploy", "flags", "path", "geo", "ip", "json", "log", "next", "params",
      "requestId", "rewrite", "server", "site", "url", "waitUntil",
    ]);
    assert.deepEqual(c.account, { id: "" });
    assert.deepEqual(c.deploy, { branch: "", context: "production", id: "", published: false });
    assert.deepEqual(c.flags, {});
    assert.deepEqual(c.geo, MOCK_GEO);
    assert.equal(c.ip, "127.0.0.1");
    assert.equal(c.requestId, h["x-nf-request-id"]);
    assert.deepEqual(c.server, { region: process.env.AWS_REGION || "local" });
    assert.equal(c.site.url, `http://127.0.0.1:${srv.port}`);
    assert.equal(c.url, r.json.url);
    assert.equal(c.urlIsURL, true);
  });

  test("configured site values, region and site id header", async () => {
    const r = await srv.request({ path: "/.netlify/functions/envsite" });
    assert.deepEqual(r.json, {
      site: { id: "site-123", name: "my-site", url: "https://my-site.example" },
      server: { region: "fra" },
      siteHeader: "site-123",
    });
  });

  test("routed by config.path: params (not decoded) and context.path", async () => {
    const r = await srv.request({ path: "/api/items/a%20b" });
    assert.deepEqual(r.json, { params: { id: "a%20b" }, path: "/api/items/:id" });
  });

  test("POST body reaches the Request", async () => {
    const r = await srv.request({
      method: "POST",
      path: "/.netlify/functions/echo",
      headers: { "content-type": "application/json" },
      body: '{"x":1}',
    });
    assert.equal(r.json.method, "POST");
    assert.equal(r.json.body, '{"x":1}');
  });

  test("status, status text and headers of the Response", async () => {
    const r = await srv.request({ path: "/.netlify/functions/status" });
    assert.equal(r.status, 418);
    assert.equal(r.statusMessage, "I'm a teapot");
    assert.equal(r.headers["x-a"], "1");
    assert.equal(r.text, "teapot");
  });

  test("HEAD gets the head only", async () => {
    const r = await srv.request({ method: "HEAD", path: "/.netlify/functions/hello" });
    assert.equal(r.status, 200);
    assert.equal(r.text, "");
  });
});

describe("results (cases 27, 28)", () => {
  test("case 27: undefined → 204 with an empty body", async () => {
    const r = await srv.request({ path: "/.netlify/functions/undef" });
    assert.equal(r.status, 204);
    assert.equal(r.text, "");
  });

  test("case 28: any other value → 500 unsupported value", async () => {
    const r = await srv.request({ path: "/.netlify/functions/badret" });
    assert.equal(r.status, 500);
    assert.ok(
      r.text.startsWith("Error: Function returned an unsupported value. Accepted types are 'Response' or 'undefined'"),
      r.text,
    );
  });

  test("a default-exported object with fetch is called with `this`", async () => {
    const r = await srv.request({ path: "/.netlify/functions/fetchobj" });
    assert.equal(r.text, "from fetch /.netlify/functions/fetchobj");
  });

  test("a CommonJS exports.default function", async () => {
    const r = await srv.request({ path: "/.netlify/functions/cjsdefault" });
    assert.equal(r.text, "cjs default");
  });

  test("no default export → 500 naming the function and the fix", async () => {
    const r = await srv.request({ path: "/.netlify/functions/noexport" });
    assert.equal(r.status, 500);
    assert.match(r.text, /Function "noexport" has no default export/);
    assert.match(r.text, /export default async \(req, context\)/);
  });
});

describe("errors (case 29, §4)", () => {
  test("case 29: a thrown error → 500 text `Error: kaboom` + stack, logged", async () => {
    const before = srv.logs.length;
    const r = await srv.request({ path: "/.netlify/functions/kaboom" });
    assert.equal(r.status, 500);
    assert.equal(r.headers["content-type"], "text/plain; charset=utf-8");
    assert.ok(r.text.startsWith("Error: kaboom\n"), r.text);
    assert.match(r.text, /\n\s+at /);
    assert.match(String(r.headers["x-nf-request-id"]), ULID);
    const entry = srv.logs.slice(before).find((l) => l.level === "error");
    assert.ok(entry);
    assert.equal(/** @type {Error} */ (entry.err).message, "kaboom");
  });

  test("with Accept: text/html → the Invocation failed page", async () => {
    const r = await srv.request({ path: "/.netlify/functions/kaboom", headers: { accept: "text/html,*/*" } });
    assert.equal(r.status, 500);
    assert.equal(r.headers["content-type"], "text/html; charset=utf-8");
    assert.match(r.text, /<title>Invocation failed<\/title>/);
    assert.match(r.text, /<code>kaboom<\/code> has crashed/);
    assert.match(r.text, /<pre>Error: kaboom<\/pre>/);
    assert.match(r.text, /Stack trace/);
  });

  test("a module that fails to import → 500 with the error", async () => {
    const r = await srv.request({ path: "/.netlify/functions/importfail" });
    assert.equal(r.status, 500);
    assert.ok(r.text.startsWith("SyntaxError: Unexpected token 'export'"), r.text);
  });

  test("a header value outside Latin-1 → 500 with Netlify's message", async () => {
    for (const name of ["latin1", "latin1fake"]) {
      const r = await srv.request({ path: `/.netlify/functions/${name}` });
      assert.equal(r.status, 500, name);
      assert.equal(r.headers["content-type"], "text/plain; charset=utf-8");
      assert.ok(
        r.text.startsWith(
          "Response header contains a character that is not a Latin-1 character (code point 0-255). ",
        ),
        r.text,
      );
    }
  });
});

describe("context.cookies (case 30)", () => {
  test("case 30: set + delete serialise exactly, after the Response's own cookies", async () => {
    const r = await srv.request({ path: "/.netlify/functions/cookies", headers: { cookie: "foo=bar; other=1" } });
    assert.equal(r.status, 200);
    assert.equal(r.text, "foo=bar");
    assert.deepEqual(r.headers["set-cookie"], [
      "own=1",
      "c1=v1; HttpOnly; Path=/",
      "gone=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
    ]);
  });

  test("other forms: set(name, value), every attribute, delete with domain and path, invalid input", async () => {
    const r = await srv.request({ path: "/.netlify/functions/cookieforms" });
    assert.deepEqual(r.json, { errors: ["TypeError", "TypeError"] });
    assert.equal(r.headers["content-type"], "application/json");
    assert.deepEqual(r.headers["set-cookie"], [
      "plain=x",
      "full=y; Secure; HttpOnly; Max-Age=60; Domain=example.com; SameSite=Lax; Path=/p; Expires=Wed, 02 Jan 2030 03:04:05 GMT",
      "old=; Domain=example.com; Path=/p; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
    ]);
  });

  test("cookies are sent with a 204 too", async () => {
    const r = await srv.request({ path: "/.netlify/functions/cookieundef" });
    assert.equal(r.status, 204);
    assert.deepEqual(r.headers["set-cookie"], ["seen=1"]);
  });
});

describe("context.next (case 31)", () => {
  test("case 31: throws the exact message", async () => {
    const r = await srv.request({ path: "/.netlify/functions/next" });
    assert.equal(r.text, "`context.next` is not implemented for serverless functions");
  });

  test("uncaught → 500 with the message", async () => {
    const r = await srv.request({ path: "/.netlify/functions/nextuncaught" });
    assert.equal(r.status, 500);
    assert.ok(r.text.startsWith("Error: `context.next` is not implemented for serverless functions\n"), r.text);
  });
});

describe("context.waitUntil (case 32)", () => {
  test("case 32: the response is not delayed; the promise still completes", async () => {
    delete marks.waitDone;
    const start = Date.now();
    const r = await srv.request({ path: "/.netlify/functions/wait" });
    const elapsed = Date.now() - start;
    assert.equal(r.text, "sent");
    assert.ok(elapsed < 600, `response took ${elapsed} ms`);
    assert.equal(marks.waitDone, undefined);
    await settleWaitUntil();
    assert.ok(marks.waitDone !== undefined);
  });

  test("a rejected waitUntil promise is logged, never surfaced", async () => {
    const before = srv.logs.length;
    const r = await srv.request({ path: "/.netlify/functions/waitfail" });
    assert.equal(r.status, 200);
    assert.equal(r.text, "fine");
    await settleWaitUntil();
    const entry = srv.logs.slice(before).find((l) => l.level === "error");
    assert.ok(entry, "logged");
    assert.match(entry.message, /waitUntil\(\) by function waitfail/);
    assert.equal(/** @type {Error} */ (entry.err).message, "background oops");
  });
});

describe("streaming (case 33)", () => {
  test("case 33: chunks reach the client as the function produces them", async () => {
    delete marks.lastChunk;
    const r = await srv.request({ path: "/.netlify/functions/stream" });
    assert.equal(r.status, 200);
    assert.equal(r.headers["transfer-encoding"], "chunked");
    assert.equal(r.text, "chunk1\nchunk2\nchunk3\n");
    assert.ok(r.chunks.length >= 2, `got ${r.chunks.length} chunk(s)`);
    assert.equal(r.chunks[0].text, "chunk1\n");
    // the first chunk arrived well before the function produced the last one
    assert.ok(r.chunks[0].at <= marks.lastChunk - 300, `first at ${r.chunks[0].at}, last produced at ${marks.lastChunk}`);
  });
  test("a client that goes away mid-stream cancels the body", async () => {
    await new Promise((resolve) => {
      const req = http.get({ host: "127.0.0.1", port: srv.port, path: "/.netlify/functions/endless", agent: false }, (res) => {
        res.once("data", () => {
          req.destroy();
          resolve(undefined);
        });
      });
      req.on("error", () => {});
    });
    for (let i = 0; i < 50 && !marks.endlessCancelled; i++) await sleep(10);
    assert.equal(marks.endlessCancelled, 1);
  });
});

describe("Netlify global", () => {
  test("Netlify.env over process.env", async () => {
    process.env.PETREL_NETLIFY_FROM_PROCESS = "from-process";
    const r = await srv.request({ path: "/.netlify/functions/envglobal" });
    assert.deepEqual(r.json, {
      afterSet: "set-value",
      has: true,
      inObject: "set-value",
      afterDelete: null,
      hasAfterDelete: false,
      fromProcess: "from-process",
    });
    assert.equal(process.env.PETREL_NETLIFY_TEST, undefined);
  });

  test("Netlify.context is the request's context inside, null outside", async () => {
    const r = await srv.request({ path: "/.netlify/functions/ctxglobal" });
    assert.deepEqual(r.json, { same: true, afterAwait: true, inTimer: true, requestId: true });
    assert.equal(/** @type {any} */ (globalThis).Netlify.context, null);
  });
});

describe("context.rewrite", () => {
  test("a /-relative rewrite fetches that path on the same host", async () => {
    const r = await srv.request({ path: "/.netlify/functions/rewriter?q=1" });
    assert.equal(r.status, 200);
    assert.equal(r.json.url, `http://127.0.0.1:${srv.port}/.netlify/functions/echo?q=1`);
  });
});

describe("request body limit (case 45)", () => {
  test("a body the function does not read is drained: the kept-alive connection serves the next request", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    /** @param {string} method @param {string} path @param {Buffer} [body] */
    const send = (method, path, body) =>
      new Promise((resolve, reject) => {
        const req = http.request({ host: "127.0.0.1", port: srv.port, method, path, agent }, (res) => {
          let text = "";
          res.on("data", (c) => (text += c));
          res.on("end", () => resolve(`${res.statusCode} ${text}`));
        });
        req.on("error", reject);
        req.end(body);
      });
    try {
      assert.equal(await send("POST", "/.netlify/functions/hello", Buffer.alloc(300_000, 1)), "200 ok");
      assert.equal(await send("GET", "/.netlify/functions/hello"), "200 ok");
    } finally {
      agent.destroy();
    }
  });

  test("case 45: a 7 000 000-byte body → 413, the function is not run, the server keeps serving", async () => {
    const before = srv.logs.length;
    const r = await srv.request({ method: "POST", path: "/.netlify/functions/echo", body: Buffer.alloc(7_000_000, 97) });
    assert.equal(r.status, 413);
    assert.equal(r.headers["content-type"], "text/plain; charset=utf-8");
    assert.match(r.text, /6000000 bytes \(6 MB\)/);
    assert.match(r.text, /Netlify rejects such requests too/);
    assert.ok(srv.logs.slice(before).some((l) => l.level === "warn" && /413/.test(l.message)));
    const ok = await srv.request({ path: "/.netlify/functions/hello" });
    assert.equal(ok.text, "ok");
  });

  test("a chunked body is cut off while the function reads it → 413", async () => {
    const r = await srv.request({
      method: "POST",
      path: "/.netlify/functions/limited",
      headers: { "transfer-encoding": "chunked" },
      body: "x".repeat(5000),
    });
    assert.equal(r.status, 413);
    assert.match(r.text, /1000 bytes \(1 KB\)/);
  });

  test("a body at the limit is fine", async () => {
    const r = await srv.request({
      method: "POST",
      path: "/.netlify/functions/limited",
      headers: { "transfer-encoding": "chunked" },
      body: "x".repeat(1000),
    });
    assert.equal(r.status, 200);
    assert.equal(r.text, "read 1000");
  });

  test("announced too large → 413 even when the function would not read it", async () => {
    const r = await srv.request({ method: "POST", path: "/.netlify/functions/ignoresbody", body: "x".repeat(1001) });
    assert.equal(r.status, 413);
  });
});

describe("dev mode", () => {
  test("deploy.context is dev and server.region is dev", async () => {
    const dev = await startNetlify(
      {
        ctx: v2(async (/** @type {Request} */ _req, /** @type {any} */ context) =>
          Response.json({ deploy: context.deploy, server: context.server }),
        ),
      },
      { dev: true },
    );
    try {
      const r = await dev.request({ path: "/.netlify/functions/ctx" });
      assert.deepEqual(r.json, {
        deploy: { branch: "", context: "dev", id: "", published: false },
        server: { region: "dev" },
      });
    } finally {
      await dev.close();
    }
  });
});
