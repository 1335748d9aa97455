// @ts-check
/**
 * Pages API adapter: handler errors, the returned-Response guard and dev-only diagnostics
 * (reference §5.3, §6, §10; cases 93-96).
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { startPages, sleep } from "./nextjs_pages_harness.mjs";

/** @type {Record<string, any>} */
const routes = {
  "/api/boom": () => {
    throw new Error("boom sync");
  },
  "/api/boom-async": async () => {
    await sleep(5);
    throw new Error("boom async");
  },
  "/api/boom-string": () => {
    throw "a plain string";
  },
  "/api/boom-after": (/** @type {any} */ _req, /** @type {any} */ res) => {
    res.status(202).setHeader("X-Before", "1");
    res.write("partial");
    throw new Error("boom after write");
  },
  "/api/boom-typed": (/** @type {any} */ _req, /** @type {any} */ res) => {
    res.setHeader("Content-Type", "application/json");
    res.setHeader("Content-Length", "999");
    throw new Error("typed");
  },
  "/api/sent-then-throw": (/** @type {any} */ _req, /** @type {any} */ res) => {
    res.send("fine");
    throw new Error("late");
  },
  "/api/returns-response": () => new Response("web response"),
  "/api/returns-number": (/** @type {any} */ _req, /** @type {any} */ res) => {
    res.send("ok");
    return 42;
  },
  "/api/silent": () => {},
  "/api/timer": (/** @type {any} */ _req, /** @type {any} */ res) => {
    setTimeout(() => res.send("later"), 30);
  },
  "/api/external": {
    config: { externalResolver: true },
    handler: (/** @type {any} */ _req, /** @type {any} */ res) => {
      setTimeout(() => res.send("external"), 10);
    },
  },
  "/api/piped": (/** @type {any} */ _req, /** @type {any} */ res) => {
    const r = new Readable({ read() {} });
    r.pipe(res);
    setTimeout(() => {
      r.push("piped");
      r.push(null);
    }, 10);
  },
  "/api/started": (/** @type {any} */ _req, /** @type {any} */ res) => {
    res.write("head ");
    setTimeout(() => res.end("tail"), 10);
  },
  "/api/204body": (/** @type {any} */ _req, /** @type {any} */ res) => res.status(204).send("ignored"),
  "/api/badstream": (/** @type {any} */ _req, /** @type {any} */ res) => {
    const r = new Readable({
      read() {
        this.destroy(new Error("source broke"));
      },
    });
    res.send(r);
  },
  "/api/badstream-mid": (/** @type {any} */ _req, /** @type {any} */ res) => {
    let n = 0;
    const r = new Readable({
      read() {
        if (n++ === 0) this.push("some ");
        else setTimeout(() => this.destroy(new Error("mid-stream")), 5);
      },
    });
    res.send(r);
  },
};

/** @param {{ dev: boolean }} opts */
async function setup({ dev }) {
  return startPages(routes, { dev });
}

describe("next start semantics", () => {
  /** @type {Awaited<ReturnType<typeof startPages>>} */
  let srv;
  before(async () => (srv = await setup({ dev: false })));
  after(() => srv.close());

  for (const [path, msg] of [
    ["/api/boom", "boom sync"],
    ["/api/boom-async", "boom async"],
  ]) {
    test(`case 93: ${path} → plain 500, error logged with stack`, async () => {
      const before = srv.logs.length;
      const r = await srv.request({ path });
      assert.equal(r.status, 500);
      assert.equal(r.statusMessage, "Internal Server Error");
      assert.equal(r.text, "Internal Server Error");
      assert.equal(r.headers["content-type"], undefined);
      assert.equal(r.headers["transfer-encoding"], "chunked");
      assert.equal(r.headers.etag, undefined);
      assert.equal(r.headers["x-powered-by"], undefined);
      const entry = srv.logs[before];
      assert.equal(entry.level, "error");
      assert.equal(entry.message, "");
      assert.match(String(/** @type {Error} */ (entry.err).stack), new RegExp(`^Error: ${msg}\\n\\s+at `));
      assert.equal(/** @type {any} */ (entry.err).page, undefined);
    });
  }

  test("throw of a non-Error value", async () => {
    const before = srv.logs.length;
    const r = await srv.request({ path: "/api/boom-string" });
    assert.equal(r.status, 500);
    assert.equal(r.text, "Internal Server Error");
    assert.equal(srv.logs[before].err, "a plain string");
  });

  test("case 94: throw after write → status kept, error text appended", async () => {
    const r = await srv.request({ path: "/api/boom-after" });
    assert.equal(r.status, 202);
    assert.equal(r.statusMessage, "Accepted");
    assert.equal(r.headers["x-before"], "1");
    assert.equal(r.headers["transfer-encoding"], "chunked");
    assert.equal(r.text, "partialInternal Server Error");
  });

  test("handler-set Content-Length does not truncate the error text", async () => {
    const r = await srv.request({ path: "/api/boom-typed" });
    assert.equal(r.status, 500);
    assert.equal(r.text, "Internal Server Error");
  });

  test("throw after the response finished: response intact, error logged", async () => {
    const before = srv.logs.length;
    const r = await srv.request({ path: "/api/sent-then-throw" });
    assert.equal(r.status, 200);
    assert.equal(r.text, "fine");
    await sleep(10);
    assert.equal(/** @type {Error} */ (srv.logs[before].err).message, "late");
  });

  test("returned Web Response → 500 + log (deliberate difference: Next start hangs)", async () => {
    const before = srv.logs.length;
    const r = await srv.request({ path: "/api/returns-response" });
    assert.equal(r.status, 500);
    assert.equal(r.text, "Internal Server Error");
    assert.equal(
      /** @type {Error} */ (srv.logs[before].err).message,
      'API route returned a Response object in the Node.js runtime, this is not supported. Please use `runtime: "edge"` instead: https://nextjs.org/docs/api-routes/edge-api-routes',
    );
  });

  test("start mode prints none of the dev warnings", async () => {
    const before = srv.logs.length;
    await srv.request({ path: "/api/returns-number" });
    await srv.request({ path: "/api/timer" });
    await srv.request({ path: "/api/204body" });
    assert.equal(srv.logs.length, before);
  });

  test("case 96: a silent handler leaves the request open; servePagesApi still settles", async () => {
    const served = srv.nextServed();
    const pending = srv.request({ path: "/api/silent", timeoutMs: 150 });
    await served.then((p) => p);
    const r = await pending;
    assert.equal(r.timedOut, true);
  });

  test("a stream that fails before any byte → 500, error logged", async () => {
    const before = srv.logs.length;
    const r = await srv.request({ path: "/api/badstream" });
    assert.equal(r.status, 500);
    assert.equal(r.text, "Internal Server Error");
    assert.equal(/** @type {Error} */ (srv.logs[before].err).message, "source broke");
  });

  test("a stream that fails mid-way → connection cut, error logged", async () => {
    const before = srv.logs.length;
    await assert.rejects(srv.request({ path: "/api/badstream-mid" }));
    assert.equal(/** @type {Error} */ (srv.logs[before].err).message, "mid-stream");
  });
});

describe("next dev semantics (§10)", () => {
  /** @type {Awaited<ReturnType<typeof startPages>>} */
  let srv;
  before(async () => (srv = await setup({ dev: true })));
  after(() => srv.close());

  test("handler error → HTML 500 with no-store showing the error; error tagged with its page", async () => {
    const before = srv.logs.length;
    const r = await srv.request({ path: "/api/boom", headers: { accept: "text/html,*/*" } });
    assert.equal(r.status, 500);
    assert.equal(r.headers["content-type"], "text/html; charset=utf-8");
    assert.equal(r.headers["cache-control"], "no-store");
    assert.equal(r.headers["x-powered-by"], "Next.js");
    assert.match(r.text, /<title>500: Internal Server Error<\/title>/);
    assert.match(r.text, /<pre[^>]*>Error: boom sync\n\s+at /);
    assert.equal(/** @type {any} */ (srv.logs[before].err).page, "/api/boom");
  });

  test("handler error for a client that does not ask for HTML → the error as plain text", async () => {
    const r = await srv.request({ path: "/api/boom" });
    assert.equal(r.status, 500);
    assert.equal(r.headers["content-type"], "text/plain; charset=utf-8");
    assert.equal(r.headers["cache-control"], "no-store");
    assert.match(r.text, /^Internal Server Error\n\nError: boom sync\n\s+at /);
    assert.doesNotMatch(r.text, /node:internal/);
  });

  test("error after write → text appended (no HTML possible)", async () => {
    const r = await srv.request({ path: "/api/boom-after" });
    assert.equal(r.status, 202);
    assert.equal(r.text, "partialInternal Server Error");
  });

  test("returned Web Response → HTML 500", async () => {
    const r = await srv.request({ path: "/api/returns-response", headers: { accept: "text/html" } });
    assert.equal(r.status, 500);
    assert.match(r.text, /<title>500: Internal Server Error<\/title>/);
  });

  test("return value warning", async () => {
    const served = srv.nextServed();
    const before = srv.logs.length;
    const r = await srv.request({ path: "/api/returns-number" });
    await served;
    assert.equal(r.text, "ok");
    assert.deepEqual(srv.logs.slice(before), [
      { level: "warn", message: "API handler should not return a value, received number." },
    ]);
  });

  test("resolved without a response: warns for silent and timer handlers", async () => {
    let before = srv.logs.length;
    const served = srv.nextServed();
    const pending = srv.request({ path: "/api/silent?x=1", timeoutMs: 100 });
    await (await served);
    assert.deepEqual(srv.logs.slice(before), [
      {
        level: "warn",
        message: "API resolved without sending a response for /api/silent?x=1, this may result in stalled requests.",
      },
    ]);
    await pending;

    before = srv.logs.length;
    const r = await srv.request({ path: "/api/timer" });
    assert.equal(r.text, "later"); // still delivered
    assert.equal(srv.logs.length, before + 1);
    assert.match(srv.logs[before].message, /^API resolved without sending a response for \/api\/timer,/);
  });

  test("no unresolved warning with externalResolver, a piped stream, or a started response", async () => {
    const before = srv.logs.length;
    assert.equal((await srv.request({ path: "/api/external" })).text, "external");
    assert.equal((await srv.request({ path: "/api/piped" })).text, "piped");
    assert.equal((await srv.request({ path: "/api/started" })).text, "head tail");
    assert.equal(srv.logs.length, before);
  });

  test("204 with a body warns", async () => {
    const before = srv.logs.length;
    const r = await srv.request({ path: "/api/204body" });
    assert.equal(r.status, 204);
    assert.deepEqual(srv.logs.slice(before), [
      {
        level: "warn",
        message:
          "A body was attempted to be set with a 204 statusCode for /api/204body, this is invalid and the body was ignored.\n" +
          "See more info here https://nextjs.org/docs/messages/invalid-api-status-body",
      },
    ]);
  });

  test("body errors stay plain text in dev", async () => {
    const r = await srv.request({
      method: "POST",
      path: "/api/silent",
      headers: { "Content-Type": "application/json" },
      body: "{nope",
    });
    assert.equal(r.status, 400);
    assert.equal(r.text, "Invalid JSON");
  });
});
