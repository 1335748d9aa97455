// @ts-check
/**
 * Netlify Functions v1 adapter (Lambda-compatible `handler(event, context[, callback])`). Case
 * numbers refer to shared/reference/netlify-functions-semantics.md §14.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { startNetlify, sleep } from "./netlify_harness.mjs";

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** @param {Function} handler */
const v1 = (handler) => ({ api: /** @type {const} */ ("v1"), module: { handler } });

/** @param {any} event @param {any} context */
const echoHandler = async (event, context) => ({
  statusCode: 200,
  headers: { "content-type": "application/json" },
  body: JSON.stringify({
    event,
    context: {
      ...context,
      remaining: context.getRemainingTimeInMillis(),
      hasDone: typeof context.done === "function",
      hasFail: typeof context.fail === "function",
      hasSucceed: typeof context.succeed === "function",
      keys: Object.keys(context),
    },
  }),
});

/** A JWT (unsigned: the adapter does not verify) with the given claims. @param {object} claims */
function jwt(claims) {
  const enc = (/** @type {object} */ o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${enc({ alg: "HS256", typ: "JWT" })}.${enc(claims)}.c2lnbmF0dXJl`;
}

/** @type {Awaited<ReturnType<typeof startNetlify>>} */
let srv;

before(async () => {
  srv = await startNetlify({
    v1echo: v1(echoHandler),
    routed: { ...v1(echoHandler), path: "/api/v1/:id" },
    headers: v1(async () => ({
      statusCode: 200,
      headers: { "x-single": "a", "x-both": "single", "x-num": 5 },
      multiValueHeaders: { "set-cookie": ["a=1", "b=2"], "x-both": ["m1", "m2"] },
      body: "multi",
    })),
    nostatus: v1(async () => ({ body: "no status" })),
    strstatus: v1(async () => ({ statusCode: "200", body: "x" })),
    base64: v1(async () => ({ statusCode: 201, isBase64Encoded: true, body: "YmluYXJ5IQ==" })),
    undef: v1(async () => undefined),
    nul: v1(async () => null),
    objbody: v1(async () => ({ statusCode: 200, body: { a: 1 } })),
    nobody: v1(async () => ({ statusCode: 200 })),
    throws: v1(async () => {
      throw new TypeError("v1 kaboom");
    }),
    syncthrows: v1(() => {
      throw new Error("sync kaboom");
    }),
    callback: v1((/** @type {any} */ _e, /** @type {any} */ _c, /** @type {Function} */ cb) => {
      setTimeout(() => cb(null, { statusCode: 202, body: "via callback" }), 20);
    }),
    callbackerr: v1((/** @type {any} */ _e, /** @type {any} */ _c, /** @type {Function} */ cb) => {
      setTimeout(() => cb(new Error("callback failure")), 5);
    }),
    asynccallback: v1(async (/** @type {any} */ _e, /** @type {any} */ _c, /** @type {Function} */ cb) => {
      await sleep(5);
      cb(null, { statusCode: 200, body: "async + callback" });
    }),
    succeed: v1((/** @type {any} */ _e, /** @type {any} */ context) => {
      setTimeout(() => context.succeed({ statusCode: 200, body: "succeeded" }), 5);
      return new Promise(() => {}); // never settles: succeed() decides
    }),
    contextfail: v1((/** @type {any} */ _e, /** @type {any} */ context) => {
      context.fail(new Error("failed via context"));
    }),
    syncreturn: v1(() => ({ statusCode: 200, body: "sync" })),
    nodestream: v1(async () => {
      const body = new Readable({ read() {} });
      body.push("a\n");
      setTimeout(() => {
        body.push("b\n");
        body.push(null);
      }, 250);
      return { statusCode: 200, headers: { "content-type": "text/plain" }, body };
    }),
    webstream: v1(async () => {
      const enc = new TextEncoder();
      const body = new ReadableStream({
        start(c) {
          c.enqueue(enc.encode("x\n"));
          setTimeout(() => {
            c.enqueue(enc.encode("y\n"));
            c.close();
          }, 250);
        },
      });
      return { statusCode: 200, body };
    }),
    badheader: v1(async () => ({ statusCode: 200, headers: { "x-check": "✓" }, body: "x" })),
    noexport: { api: "v1", module: { default: async () => new Response("v2 style") } },
    cjs: { api: "v1", module: { default: { handler: async () => ({ statusCode: 200, body: "cjs" }) } } },
    limited: { ...v1(echoHandler), bodyLimit: 100 },
  });
});
after(() => srv.close());

describe("event (§2.2 table)", () => {
  test("fields of a GET with a sub-path, duplicate headers and a query (case 25)", async () => {
    const r = await srv.request({
      path: "/.netlify/functions/v1echo/extra/path?a=1&a=2&b=x",
      headers: { "X-Dup": ["one", "two"], "X-Mixed-Case": "v" },
    });
    assert.equal(r.status, 200);
    const e = r.json.event;
    assert.equal(e.path, "/.netlify/functions/v1echo/extra/path");
    assert.equal(e.httpMethod, "GET");
    assert.equal(e.headers["x-dup"], "one, two");
    assert.deepEqual(e.multiValueHeaders["x-dup"], ["one", "two"]);
    assert.equal(e.headers["x-mixed-case"], "v");
    assert.deepEqual(e.queryStringParameters, { a: "1, 2", b: "x" });
    assert.deepEqual(e.multiValueQueryStringParameters, { a: ["1", "2"], b: ["x"] });
    assert.equal(e.rawUrl, `http://127.0.0.1:${srv.port}/.netlify/functions/v1echo/extra/path?a=1&a=2&b=x`);
    assert.equal(e.rawQuery, "a=1&a=2&b=x");
    assert.equal(e.body, undefined); // absent, as `netlify dev` gives it (conformance c25)
    assert.equal(e.isBase64Encoded, true); // no content-type
    assert.equal("route" in e, false);
    // platform headers
    assert.equal(e.headers["x-nf-request-id"], r.headers["x-nf-request-id"]);
    assert.match(String(e.headers["x-nf-request-id"]), ULID);
    assert.equal(e.headers["x-nf-client-connection-ip"], "127.0.0.1");
    assert.equal(e.headers["client-ip"], "127.0.0.1");
    assert.equal(e.headers["x-nf-account-id"], "");
    assert.equal(e.headers["x-nf-site-id"], "unlinked");
    assert.equal(JSON.parse(Buffer.from(e.headers["x-nf-geo"], "base64").toString()).city, "Mock City");
    assert.deepEqual(e.multiValueHeaders["client-ip"], ["127.0.0.1"]);
  });

  test("route when routed by config.path", async () => {
    const r = await srv.request({ path: "/api/v1/42" });
    assert.equal(r.json.event.route, "/api/v1/:id");
    assert.equal(r.json.event.path, "/api/v1/42");
  });

  test("case 26: binary content types are base64, textual ones raw", async () => {
    /** @type {Array<[string | undefined, string, string, boolean]>} */
    const cases = [
      ["application/octet-stream", "abc", "YWJj", true],
      ["application/json", '{"x":1}', '{"x":1}', false],
      ["text/plain; charset=utf-8", "hi", "hi", false],
      ["application/vnd.api+json", "{}", "{}", false],
      ["application/atom+xml", "<a/>", "<a/>", false],
      ["application/x-www-form-urlencoded", "a=1", "a=1", false],
      ["image/png", "abc", "YWJj", true],
      [undefined, "abc", "YWJj", true],
    ];
    for (const [type, body, expected, b64] of cases) {
      /** @type {Record<string, string>} */
      const headers = type ? { "content-type": type } : {};
      const r = await srv.request({ method: "POST", path: "/.netlify/functions/v1echo", headers, body });
      assert.equal(r.json.event.body, expected, String(type));
      assert.equal(r.json.event.isBase64Encoded, b64, String(type));
      assert.equal(r.json.event.httpMethod, "POST");
    }
  });
});

describe("Lambda context", () => {
  test("fields", async () => {
    const r = await srv.request({ path: "/.netlify/functions/v1echo" });
    const c = r.json.context;
    assert.deepEqual(c.keys, [
      "callbackWaitsForEmptyEventLoop", "functionName", "functionVersion", "invokedFunctionArn",
      "memoryLimitInMB", "awsRequestId", "logGroupName", "logStreamName", "identity", "clientContext",
      "getRemainingTimeInMillis", "done", "fail", "succeed",
    ]);
    assert.equal(c.callbackWaitsForEmptyEventLoop, true);
    assert.equal(c.functionName, "v1echo");
    assert.equal(c.functionVersion, "$LATEST");
    assert.match(c.invokedFunctionArn, /^arn:aws:lambda:[^:]+:\d{12}:function:v1echo$/);
    assert.equal(c.memoryLimitInMB, "1024");
    assert.match(c.awsRequestId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(c.logGroupName, "/aws/lambda/v1echo");
    assert.match(c.logStreamName, /^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    assert.deepEqual(c.clientContext, {});
    assert.ok(c.remaining > 55_000 && c.remaining <= 60_000, String(c.remaining));
    assert.ok(c.hasDone && c.hasFail && c.hasSucceed);
  });

  test("clientContext from a Bearer JWT, decoded without verification", async () => {
    const claims = { sub: "u1", email: "a@b.c", app_metadata: { roles: ["admin"] } };
    const token = jwt(claims);
    const r = await srv.request({
      path: "/.netlify/functions/v1echo",
      headers: { authorization: `Bearer ${token}`, host: "site.test:8888" },
    });
    const cc = r.json.context.clientContext;
    assert.deepEqual(cc.user, claims);
    assert.deepEqual(cc.identity, { url: "http://site.test:8888/.netlify/identity", token });
    assert.deepEqual(JSON.parse(Buffer.from(cc.custom.netlify, "base64").toString()), {
      identity: cc.identity,
      user: claims,
    });
  });

  test("a malformed bearer token gives {}", async () => {
    const r = await srv.request({ path: "/.netlify/functions/v1echo", headers: { authorization: "Bearer not.a.jwt" } });
    assert.deepEqual(r.json.context.clientContext, {});
  });
});

describe("response mapping (cases 22-24)", () => {
  test("case 22: headers then multiValueHeaders; two set-cookie lines", async () => {
    const r = await srv.request({ path: "/.netlify/functions/headers" });
    assert.equal(r.status, 200);
    assert.equal(r.headers["x-single"], "a");
    assert.equal(r.headers["x-num"], "5");
    assert.deepEqual(r.headers["set-cookie"], ["a=1", "b=2"]);
    assert.equal(r.headers["x-both"], "m1, m2");
    assert.equal(r.text, "multi");
    assert.match(String(r.headers["x-nf-request-id"]), ULID);
  });

  test("case 23: no statusCode → 500 with the exact message", async () => {
    const r = await srv.request({ path: "/.netlify/functions/nostatus" });
    assert.equal(r.status, 500);
    assert.equal(r.text, "Your function response must have a numerical statusCode. You gave: undefined");
  });

  test("a string statusCode is not numerical either", async () => {
    const r = await srv.request({ path: "/.netlify/functions/strstatus" });
    assert.equal(r.status, 500);
    assert.equal(r.text, "Your function response must have a numerical statusCode. You gave: 200");
  });

  test("case 24: isBase64Encoded → decoded bytes", async () => {
    const r = await srv.request({ path: "/.netlify/functions/base64" });
    assert.equal(r.status, 201);
    assert.equal(r.text, "binary!");
  });

  test("undefined and null results", async () => {
    const u = await srv.request({ path: "/.netlify/functions/undef" });
    assert.equal(u.status, 500);
    assert.equal(u.text, "lambda response was undefined. check your function code again");
    const n = await srv.request({ path: "/.netlify/functions/nul" });
    assert.equal(n.status, 500);
    assert.equal(
      n.text,
      "no lambda response. check your function code again. make sure to return a promise or use the callback.",
    );
  });

  test("a non-string body → 500", async () => {
    const r = await srv.request({ path: "/.netlify/functions/objbody" });
    assert.equal(r.status, 500);
    assert.ok(r.text.startsWith("Your function response must have a string or a stream body. You gave: "), r.text);
  });

  test("no body → empty 200", async () => {
    const r = await srv.request({ path: "/.netlify/functions/nobody" });
    assert.equal(r.status, 200);
    assert.equal(r.text, "");
  });

  test("a header value outside Latin-1 → 500", async () => {
    const r = await srv.request({ path: "/.netlify/functions/badheader" });
    assert.equal(r.status, 500);
    assert.ok(r.text.startsWith("Response header contains a character that is not a Latin-1 character"), r.text);
  });

  test("a Node Readable body is streamed", async () => {
    const r = await srv.request({ path: "/.netlify/functions/nodestream" });
    assert.equal(r.status, 200);
    assert.equal(r.headers["transfer-encoding"], "chunked");
    assert.equal(r.text, "a\nb\n");
    assert.ok(r.chunks.length >= 2);
    assert.ok(r.chunks[r.chunks.length - 1].at - r.chunks[0].at >= 150, "first chunk came before the second was produced");
  });

  test("a web ReadableStream body is streamed", async () => {
    const r = await srv.request({ path: "/.netlify/functions/webstream" });
    assert.equal(r.text, "x\ny\n");
    assert.ok(r.chunks.length >= 2);
    assert.ok(r.chunks[r.chunks.length - 1].at - r.chunks[0].at >= 150);
  });
});

describe("handler styles", () => {
  test("callback style", async () => {
    const r = await srv.request({ path: "/.netlify/functions/callback" });
    assert.equal(r.status, 202);
    assert.equal(r.text, "via callback");
  });

  test("an async handler that answers through the callback", async () => {
    const r = await srv.request({ path: "/.netlify/functions/asynccallback" });
    assert.equal(r.text, "async + callback");
  });

  test("callback(err) → 500 invocation error", async () => {
    const r = await srv.request({ path: "/.netlify/functions/callbackerr" });
    assert.equal(r.status, 500);
    assert.ok(r.text.startsWith("Error: callback failure\n"), r.text);
  });

  test("context.succeed and context.fail", async () => {
    const s = await srv.request({ path: "/.netlify/functions/succeed" });
    assert.equal(s.text, "succeeded");
    const f = await srv.request({ path: "/.netlify/functions/contextfail" });
    assert.equal(f.status, 500);
    assert.ok(f.text.startsWith("Error: failed via context"), f.text);
  });

  test("a plain synchronous return", async () => {
    const r = await srv.request({ path: "/.netlify/functions/syncreturn" });
    assert.equal(r.text, "sync");
  });

  test("thrown errors (async and sync) → 500 `<Type>: <message>` + stack, logged", async () => {
    const before = srv.logs.length;
    const r = await srv.request({ path: "/.netlify/functions/throws" });
    assert.equal(r.status, 500);
    assert.ok(r.text.startsWith("TypeError: v1 kaboom\n"), r.text);
    assert.match(r.text, /\n\s+at /);
    assert.ok(srv.logs.slice(before).some((l) => l.level === "error" && l.err instanceof TypeError));
    const s = await srv.request({ path: "/.netlify/functions/syncthrows", headers: { accept: "text/html" } });
    assert.equal(s.status, 500);
    assert.match(s.text, /<title>Invocation failed<\/title>/);
    assert.match(s.text, /Error: sync kaboom/);
  });

  test("a module without handler → 500 naming the function and the fix", async () => {
    const r = await srv.request({ path: "/.netlify/functions/noexport" });
    assert.equal(r.status, 500);
    assert.match(r.text, /Function "noexport" does not export a `handler` function/);
  });

  test("a CommonJS module imported as ESM (handler under default)", async () => {
    const r = await srv.request({ path: "/.netlify/functions/cjs" });
    assert.equal(r.text, "cjs");
  });
});

describe("request body limit (case 45)", () => {
  test("case 45: 7 000 000 bytes → 413 and the worker keeps serving", async () => {
    const r = await srv.request({ method: "POST", path: "/.netlify/functions/v1echo", body: Buffer.alloc(7_000_000, 1) });
    assert.equal(r.status, 413);
    assert.match(r.text, /Payload Too Large/);
    const ok = await srv.request({ path: "/.netlify/functions/syncreturn" });
    assert.equal(ok.text, "sync");
  });

  test("a chunked body over the limit → 413 while buffering", async () => {
    const r = await srv.request({
      method: "POST",
      path: "/.netlify/functions/limited",
      headers: { "transfer-encoding": "chunked", "content-type": "text/plain" },
      body: "y".repeat(500),
    });
    assert.equal(r.status, 413);
    assert.match(r.text, /100 bytes/);
  });

  test("at the limit → delivered", async () => {
    const r = await srv.request({
      method: "POST",
      path: "/.netlify/functions/limited",
      headers: { "transfer-encoding": "chunked", "content-type": "text/plain" },
      body: "y".repeat(100),
    });
    assert.equal(r.status, 200);
    assert.equal(r.json.event.body, "y".repeat(100));
  });
});
