// @ts-check
/**
 * Petrel's `next/*` modules for App Router route handlers (../next/): the request store,
 * `next/headers`, `next/server`, `next/navigation`. Expected values come from the recorded
 * goldens of tests/conformance/pending/nextjs_app (case names cited) and from black-box runs of
 * `next start` 16.4.6 noted in the modules. These named imports also check that Node's CJS
 * named-export detection sees every export.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { NextRequest, NextResponse, NextURL, after, connection, userAgent, userAgentFromString } from "../next/server.cjs";
import { cookies, headers, draftMode } from "../next/headers.cjs";
import {
  redirect,
  permanentRedirect,
  notFound,
  forbidden,
  unauthorized,
  RedirectType,
  unstable_rethrow,
  interpretThrown,
} from "../next/navigation.cjs";
import { runWithRequest, finishResponse, runAfter, currentStore } from "../next/request_store.cjs";

const require = createRequire(import.meta.url);
const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));
const RH = "http://localhost:3000/rh/cookies";

/**
 * Runs `handler` as the route runner does and returns the response to send plus the store.
 * @param {NextRequest} req
 * @param {(req: NextRequest) => Response | Promise<Response>} handler
 */
function handle(req, handler) {
  return runWithRequest(req, async (store) => {
    const response = finishResponse(store, await handler(req));
    return { store, response };
  });
}

/** @param {Record<string, string>} [headersInit] */
const request = (headersInit, url = RH) => new NextRequest(url, { headers: headersInit });

/** @param {() => unknown} fn */
function thrown(fn) {
  try {
    fn();
  } catch (err) {
    return /** @type {any} */ (err);
  }
  assert.fail("expected a throw");
}

describe("ES module named imports of the CommonJS shims", () => {
  test("every module's exports are importable by name", async () => {
    const expected = {
      "../next/server.cjs": ["NextRequest", "NextResponse", "NextURL", "ImageResponse", "after", "connection", "userAgent", "userAgentFromString"],
      "../next/headers.cjs": ["cookies", "headers", "draftMode"],
      "../next/navigation.cjs": ["redirect", "permanentRedirect", "notFound", "forbidden", "unauthorized", "RedirectType", "unstable_rethrow", "interpretThrown"],
      "../next/request_store.cjs": ["runWithRequest", "finishResponse", "runAfter", "currentStore", "addAfterTask"],
    };
    for (const [path, names] of Object.entries(expected)) {
      const ns = await import(path);
      for (const name of names) assert.equal(ns[name], require(path)[name], `${path} exports ${name}`);
    }
  });
});

describe("outside a request", () => {
  const message = (/** @type {string} */ api) =>
    `\`${api}\` was called outside a request scope. Read more: https://nextjs.org/docs/messages/next-dynamic-api-wrong-context`;

  test("cookies(), headers(), draftMode(), after(), connection() throw Next's error", () => {
    assert.throws(() => cookies(), { message: message("cookies") });
    assert.throws(() => headers(), { message: message("headers") });
    assert.throws(() => draftMode(), { message: message("draftMode") });
    assert.throws(() => after(() => {}), { message: message("after") });
    assert.throws(() => connection(), { message: message("connection") });
    assert.throws(() => currentStore("anything"), { message: message("anything") });
  });

  test("the store is there in every async continuation of the handler, and only for its request", async () => {
    const seen = await Promise.all(
      ["one", "two"].map((v) =>
        runWithRequest(request({ cookie: `who=${v}` }), async () => {
          await sleep(v === "one" ? 15 : 1);
          const fromTimer = await new Promise((resolve) =>
            setTimeout(async () => resolve((await cookies()).get("who")?.value), 1),
          );
          return [(await cookies()).get("who")?.value, fromTimer];
        }),
      ),
    );
    assert.deepEqual(seen, [["one", "one"], ["two", "two"]]);
    assert.throws(() => cookies());
  });
});

describe("cookies() from next/headers (c125*)", () => {
  test("set → `k=v; Path=/` appended to the response (c125a)", async () => {
    const { response } = await handle(request({ cookie: "c=1" }), async () => {
      (await cookies()).set("k", "v");
      return Response.json({ ok: true });
    });
    assert.deepEqual(response.headers.getSetCookie(), ["k=v; Path=/"]);
    assert.equal(response.headers.get("content-type"), "application/json");
    assert.deepEqual(await response.json(), { ok: true });
  });

  test("read: last duplicate wins, values decoded, items {name, value, path: '/'} (c125b)", async () => {
    await handle(request({ cookie: "a=1; b=x%20y; a=2" }), async () => {
      const c = await cookies();
      assert.equal(
        JSON.stringify({ all: c.getAll(), has: c.has("a"), a: c.get("a")?.value ?? null }),
        '{"all":[{"name":"a","value":"2","path":"/"},{"name":"b","value":"x y","path":"/"}],"has":true,"a":"2"}',
      );
      assert.equal(c.has("zz"), false);
      assert.equal(c.get("zz"), undefined);
      assert.equal(c.size, 2);
      assert.deepEqual(c.get({ name: "b" }), { name: "b", value: "x y", path: "/" });
      assert.deepEqual(c.getAll("a"), [{ name: "a", value: "2", path: "/" }]);
      assert.equal(c.toString(), "a=2; Path=/; b=x%20y; Path=/");
      return new Response("read");
    }).then(({ response }) => assert.deepEqual(response.headers.getSetCookie(), []));
  });

  test("set with options: Next's attribute order, SameSite as given (c125c)", async () => {
    const { response } = await handle(request(), async () => {
      (await cookies()).set("s", "1", {
        httpOnly: true,
        secure: true,
        sameSite: "lax",
        path: "/rh",
        domain: "example.org",
        expires: new Date(Date.UTC(2030, 0, 1)),
      });
      return new Response("options set");
    });
    assert.deepEqual(response.headers.getSetCookie(), [
      "s=1; Path=/rh; Expires=Tue, 01 Jan 2030 00:00:00 GMT; Domain=example.org; Secure; HttpOnly; SameSite=lax",
    ]);
  });

  test("delete → empty value expiring at the epoch (c125d)", async () => {
    const { response } = await handle(request({ cookie: "gone=1" }), async () => {
      const c = await cookies();
      c.delete("gone");
      // A deleted cookie is still listed, empty, as in Next.
      assert.equal(JSON.stringify(c.get("gone")), '{"name":"gone","value":"","expires":"1970-01-01T00:00:00.000Z","path":"/"}');
      return new Response("deleted");
    });
    assert.deepEqual(response.headers.getSetCookie(), ["gone=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT"]);
  });

  test("delete({ name, path, domain }) keeps path and domain", async () => {
    const { response } = await handle(request({ cookie: "a=1; b=2" }), async () => {
      const c = await cookies();
      assert.equal(c.delete({ name: "b", path: "/p", domain: "d.org" }), c);
      assert.equal(JSON.stringify(c.get("b")), '{"name":"b","value":"","path":"/p","domain":"d.org","expires":"1970-01-01T00:00:00.000Z"}');
      return new Response("x");
    });
    assert.deepEqual(response.headers.getSetCookie(), ["b=; Path=/p; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Domain=d.org"]);
  });

  test("setting a name twice: one line, last value, first position (c125e)", async () => {
    const { response } = await handle(request(), async () => {
      const c = await cookies();
      c.set("a", "1");
      c.set("b", "2");
      c.set("a", "3");
      return new Response("multi");
    });
    assert.deepEqual(response.headers.getSetCookie(), ["a=3; Path=/", "b=2; Path=/"]);
  });

  test("values are percent-encoded (c125f)", async () => {
    const { response } = await handle(request(), async () => {
      (await cookies()).set({ name: "enc", value: "x y;z=1" });
      return new Response("encoded");
    });
    assert.deepEqual(response.headers.getSetCookie(), ["enc=x%20y%3Bz%3D1; Path=/"]);
  });

  test("the handler's own set-cookie first, then cookies()'s, each its own line (c125g)", async () => {
    const { response } = await handle(request(), async () => {
      (await cookies()).set("k", "v");
      return new Response("merged", { headers: { "set-cookie": "own=1; Path=/own" } });
    });
    assert.deepEqual(response.headers.getSetCookie(), ["own=1; Path=/own", "k=v; Path=/"]);
    assert.equal(await response.text(), "merged");
  });

  test("a cookie set in the handler is visible to later reads, appended last (c125h)", async () => {
    const { response } = await handle(request({ cookie: "z=9" }), async () => {
      const c = await cookies();
      c.set("fresh", "new");
      return Response.json({ fresh: c.get("fresh")?.value ?? null, all: c.getAll().map((x) => x.name) });
    });
    assert.deepEqual(await response.json(), { fresh: "new", all: ["z", "fresh"] });
    assert.deepEqual(response.headers.getSetCookie(), ["fresh=new; Path=/"]);
  });

  test("changed request cookies keep their request position in the Set-Cookie lines", async () => {
    const { response } = await handle(request({ cookie: "z=9; y=8; q=1" }), async () => {
      const c = await cookies();
      c.set("a", "1");
      c.set("z", "new");
      c.delete("y");
      assert.deepEqual(
        c.getAll().map((x) => x.name),
        ["z", "y", "q", "a"],
      );
      return new Response("x");
    });
    assert.deepEqual(response.headers.getSetCookie(), [
      "z=new; Path=/",
      "y=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
      "a=1; Path=/",
    ]);
  });

  test("maxAge sets Expires and Max-Age; items keep the options as given", async () => {
    const before = Date.now();
    const { response } = await handle(request(), async () => {
      const c = await cookies();
      assert.equal(c.set("m", "x y", { maxAge: 60, httpOnly: true }), c);
      const item = /** @type {any} */ (c.get("m"));
      assert.deepEqual(Object.keys(item), ["name", "value", "maxAge", "httpOnly", "expires", "path"]);
      return new Response("x");
    });
    const [line] = response.headers.getSetCookie();
    const m = /^m=x%20y; Path=\/; Expires=([^;]+); Max-Age=60; HttpOnly$/.exec(line);
    assert.ok(m, line);
    const expires = Date.parse(m[1]);
    assert.ok(expires >= Math.floor(before / 1000) * 1000 + 60_000 && expires <= Date.now() + 61_000, m[1]);
  });

  test("path '' gives no Path, undefined value gives an empty one", async () => {
    const { response } = await handle(request(), async () => {
      const c = await cookies();
      c.set("c", "v", { path: "" });
      c.set("u", /** @type {any} */ (undefined));
      c.set("n", /** @type {any} */ (5), { maxAge: 0, partitioned: true, priority: "high" });
      return new Response("x");
    });
    assert.deepEqual(response.headers.getSetCookie(), ["c=v", "u=; Path=/", "n=5; Path=/; Max-Age=0; Partitioned; Priority=high"]);
  });

  test("request.cookies.set before the first cookies() call is seen by it", async () => {
    await handle(request({ cookie: "a=1" }), async (req) => {
      req.cookies.set("rq", "1");
      assert.deepEqual((await cookies()).getAll(), [
        { name: "a", value: "1", path: "/" },
        { name: "rq", value: "1", path: "/" },
      ]);
      return new Response("x");
    });
  });

  test("a plain Request (no NextRequest) works too", async () => {
    const plain = new Request(RH, { headers: { cookie: "p=1" } });
    const out = await runWithRequest(plain, async (store) => {
      const c = await cookies();
      c.set("q", "2");
      return { value: c.get("p")?.value, response: finishResponse(store, new Response("x")) };
    });
    assert.equal(out.value, "1");
    assert.deepEqual(out.response.headers.getSetCookie(), ["q=2; Path=/"]);
  });

  test("nothing changed → finishResponse returns the handler's response itself", async () => {
    const original = new Response("same");
    const { response } = await handle(request({ cookie: "a=1" }), async () => {
      (await cookies()).get("a");
      return original;
    });
    assert.equal(response, original);
  });

  test("immutable headers (Response.redirect): a new response, status and location kept", async () => {
    const original = Response.redirect("https://e.org/", 302);
    const { response } = await handle(request(), async () => {
      (await cookies()).set("r", "1");
      return original;
    });
    assert.notEqual(response, original);
    assert.equal(response.status, 302);
    assert.equal(response.headers.get("location"), "https://e.org/");
    assert.deepEqual(response.headers.getSetCookie(), ["r=1; Path=/"]);
    assert.deepEqual(original.headers.getSetCookie(), []);
  });

  test("status text, headers and the streamed body survive the rewrap", async () => {
    const { response } = await handle(request(), async () => {
      (await cookies()).set("t", "1");
      const body = new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode("a"));
          controller.enqueue(new TextEncoder().encode("b"));
          controller.close();
        },
      });
      return new Response(body, { status: 418, statusText: "Custom Teapot", headers: { "x-h": "1" } });
    });
    assert.equal(response.status, 418);
    assert.equal(response.statusText, "Custom Teapot");
    assert.equal(response.headers.get("x-h"), "1");
    assert.equal(await response.text(), "ab");
  });

  test("set or delete once the response is decided throws Next's error", async () => {
    const { store } = await handle(request(), async () => new Response("x"));
    const c = store.responseCookies; // kept by a handler past its return, e.g. in a timer
    const message =
      "Cookies can only be modified in a Server Action or Route Handler. Read more: https://nextjs.org/docs/app/api-reference/functions/cookies#options";
    assert.throws(() => c.set("late", "1"), { message });
    assert.throws(() => c.delete("late"), { message });
  });

  test("NextResponse.next() / rewrite() returned from a handler: finishResponse throws Next's errors", async () => {
    await assert.rejects(
      handle(request(), () => NextResponse.next()),
      { message: /^NextResponse\.next\(\) was used in a app route handler, this is not supported\./ },
    );
    await assert.rejects(
      handle(request(), () => NextResponse.rewrite("https://x.org/y")),
      { message: /^NextResponse\.rewrite\(\) was used in a app route handler, this is not currently supported\./ },
    );
  });
});

describe("headers() from next/headers", () => {
  test("the request's headers, read-only; mutation throws Next's error (c120f)", async () => {
    await handle(request({ "x-custom": "yes", host: "example.com" }), async (req) => {
      const h = await headers();
      assert.ok(h instanceof Headers);
      assert.equal(h.get("x-custom"), "yes");
      assert.equal(h.get("host"), "example.com");
      assert.deepEqual([...h.keys()], [...req.headers.keys()]);
      assert.equal(await headers(), h);
      const message = "Headers cannot be modified. Read more: https://nextjs.org/docs/app/api-reference/functions/headers";
      assert.throws(() => h.set("x-not", "allowed"), { message });
      assert.throws(() => h.append("x-not", "allowed"), { message });
      assert.throws(() => h.delete("x-custom"), { message });
      assert.equal(h.get("x-custom"), "yes");
      return new Response("x");
    });
  });
});

describe("draftMode() from next/headers", () => {
  test("disabled; enable() throws a Petrel error; disable() expires Next's cookie", async () => {
    const { response } = await handle(request(), async () => {
      const d = await draftMode();
      assert.equal(d.isEnabled, false);
      assert.throws(() => d.enable(), { message: /^draftMode\(\)\.enable\(\) is not supported by Petrel/ });
      d.disable();
      assert.equal(d.isEnabled, false);
      return new Response("off");
    });
    assert.deepEqual(response.headers.getSetCookie(), [
      "__prerender_bypass=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure; HttpOnly; SameSite=none",
    ]);
  });
});

describe("after() and runAfter", () => {
  test("tasks wait for runAfter, start in order, run concurrently, errors go to onError", async () => {
    /** @type {string[]} */
    const log = [];
    /** @type {unknown[]} */
    const errors = [];
    const { store, response } = await handle(request({ cookie: "q=qq", "x-h": "hv" }), async () => {
      after(async () => {
        log.push("first:start");
        await sleep(20);
        log.push("first:end");
      });
      after(() => {
        log.push("second");
        throw new Error("after boom");
      });
      after(sleep(5).then(() => log.push("promise")));
      after(() => {
        after(() => log.push("nested"));
        log.push("nested scheduled");
      });
      return new Response("ok");
    });
    assert.equal(await response.text(), "ok");
    await sleep(30);
    assert.deepEqual(log, ["promise"], "only the promise, which runs by itself, has run");
    await runAfter(store, (err) => errors.push(err));
    assert.deepEqual(log, ["promise", "first:start", "second", "nested", "nested scheduled", "first:end"]);
    await runAfter(store, (err) => errors.push(err));
    assert.equal(log.length, 6, "a second runAfter runs nothing again");
    assert.equal(errors.length, 1);
    assert.equal(/** @type {Error} */ (errors[0]).message, "after boom");
  });

  test("callbacks see the request: cookies() read-only (request's cookies), headers()", async () => {
    /** @type {unknown[]} */
    const seen = [];
    const { store } = await handle(request({ cookie: "q=qq", "x-h": "hv" }), async () => {
      (await cookies()).set("w", "1");
      after(async () => {
        const c = await cookies();
        seen.push(c.getAll(), (await headers()).get("x-h"));
        try {
          c.set("late", "1");
        } catch (err) {
          seen.push(/** @type {Error} */ (err).message);
        }
      });
      return new Response("ok");
    });
    await runAfter(store);
    assert.deepEqual(seen, [
      [{ name: "q", value: "qq" }],
      "hv",
      "Cookies can only be modified in a Server Action or Route Handler. Read more: https://nextjs.org/docs/app/api-reference/functions/cookies#options",
    ]);
  });

  test("a rejected promise is reported to onError, not as an unhandled rejection", async () => {
    /** @type {unknown[]} */
    const unhandled = [];
    const onUnhandled = (/** @type {unknown} */ reason) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      /** @type {unknown[]} */
      const errors = [];
      const { store } = await handle(request(), async () => {
        after(Promise.reject(new Error("early")));
        return new Response("ok");
      });
      await sleep(10);
      await runAfter(store, (err) => errors.push(err));
      assert.equal(/** @type {Error} */ (errors[0]).message, "early");
      assert.deepEqual(unhandled, []);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  test("runAfter resolves only when async callbacks are done; onError's own throw is contained", async () => {
    let done = false;
    const { store } = await handle(request(), async () => {
      after(async () => {
        await sleep(25);
        done = true;
        throw new Error("late");
      });
      return new Response("ok");
    });
    await runAfter(store, () => {
      throw new Error("reporter failed");
    });
    assert.equal(done, true);
  });

  test("the default onError prints Next's line", async () => {
    const { store } = await handle(request(), async () => {
      after(() => {
        throw new Error("after boom");
      });
      return new Response("ok");
    });
    const original = console.error;
    /** @type {unknown[][]} */
    const lines = [];
    console.error = (...args) => lines.push(args);
    try {
      await runAfter(store);
    } finally {
      console.error = original;
    }
    assert.equal(lines[0][0], "An error occurred in a function passed to `after()`:");
    assert.equal(/** @type {Error} */ (lines[0][1]).message, "after boom");
  });

  test("after(non-function) throws Next's error", async () => {
    await handle(request(), async () => {
      assert.throws(() => after(/** @type {any} */ (42)), { message: "`after()`: Argument must be a promise or a function" });
      assert.equal(await connection(), undefined);
      return new Response("ok");
    });
  });
});

describe("next/navigation", () => {
  /** @param {() => void} fn */
  const digest = (fn) => thrown(fn).digest;

  test("redirect() / permanentRedirect() digests, message NEXT_REDIRECT", () => {
    const err = thrown(() => redirect("/elsewhere"));
    assert.ok(err instanceof Error);
    assert.equal(err.message, "NEXT_REDIRECT");
    assert.deepEqual(Object.keys(err), ["digest"]);
    assert.equal(err.digest, "NEXT_REDIRECT;replace;/elsewhere;307;");
    assert.equal(digest(() => permanentRedirect("/perm")), "NEXT_REDIRECT;replace;/perm;308;");
    assert.equal(digest(() => redirect("/pushed", RedirectType.push)), "NEXT_REDIRECT;push;/pushed;307;");
    assert.equal(digest(() => redirect(new URL("https://e.org/u"))), "NEXT_REDIRECT;replace;https://e.org/u;307;");
    assert.equal(digest(() => permanentRedirect("https://example.org/perm")), "NEXT_REDIRECT;replace;https://example.org/perm;308;");
  });

  test("a caught redirect's digest starts NEXT_REDIRECT;replace;/never (c121j)", () => {
    const err = thrown(() => redirect("/never"));
    assert.equal(String(err.digest).split(";").slice(0, 3).join(";"), "NEXT_REDIRECT;replace;/never");
  });

  test("notFound() / forbidden() / unauthorized()", () => {
    const err = thrown(() => notFound());
    assert.equal(err.message, "NEXT_HTTP_ERROR_FALLBACK;404");
    assert.equal(err.digest, "NEXT_HTTP_ERROR_FALLBACK;404");
    assert.equal(digest(() => forbidden()), "NEXT_HTTP_ERROR_FALLBACK;403");
    assert.equal(digest(() => unauthorized()), "NEXT_HTTP_ERROR_FALLBACK;401");
  });

  test("RedirectType", () => {
    assert.deepEqual({ ...RedirectType }, { push: "push", replace: "replace" });
  });

  test("interpretThrown: our throws (c121*, c122*)", () => {
    assert.deepEqual(interpretThrown(thrown(() => redirect("/elsewhere"))), { kind: "redirect", status: 307, location: "/elsewhere" });
    assert.deepEqual(interpretThrown(thrown(() => permanentRedirect("/perm"))), { kind: "redirect", status: 308, location: "/perm" });
    assert.deepEqual(interpretThrown(thrown(() => redirect("sibling"))), { kind: "redirect", status: 307, location: "sibling" });
    assert.deepEqual(interpretThrown(thrown(() => redirect("/r?x=1&y=2", "push"))), { kind: "redirect", status: 307, location: "/r?x=1&y=2" });
    assert.deepEqual(interpretThrown(thrown(() => notFound())), { kind: "http", status: 404 });
    assert.deepEqual(interpretThrown(thrown(() => forbidden())), { kind: "http", status: 403 });
    assert.deepEqual(interpretThrown(thrown(() => unauthorized())), { kind: "http", status: 401 });
  });

  test("interpretThrown: digests of the real next/navigation, on any object", () => {
    assert.deepEqual(interpretThrown({ digest: "NEXT_REDIRECT;replace;/d;303;" }), { kind: "redirect", status: 303, location: "/d" });
    assert.deepEqual(interpretThrown({ digest: "NEXT_REDIRECT;push;/a;b;307;" }), { kind: "redirect", status: 307, location: "/a;b" });
    assert.deepEqual(interpretThrown({ digest: "NEXT_HTTP_ERROR_FALLBACK;404" }), { kind: "http", status: 404 });
    const real = Object.assign(new Error("NEXT_REDIRECT"), { digest: "NEXT_REDIRECT;replace;https://example.org/ext;307;" });
    assert.deepEqual(interpretThrown(real), { kind: "redirect", status: 307, location: "https://example.org/ext" });
  });

  test("interpretThrown: anything else is an ordinary error (500)", () => {
    const notOurs = [
      new Error("boom"),
      "NEXT_HTTP_ERROR_FALLBACK;404",
      null,
      undefined,
      42,
      { digest: 404 },
      { digest: "NEXT_HTTP_ERROR_FALLBACK;418" },
      { digest: "NEXT_REDIRECT;other;/a;307;" },
      { digest: "NEXT_REDIRECT;replace;/a;301;" },
      { digest: "NEXT_REDIRECT;replace;/a;307" },
      { digest: "DYNAMIC_SERVER_USAGE" },
      new Error("wrapped", { cause: thrown(() => notFound()) }),
    ];
    for (const value of notOurs) assert.equal(interpretThrown(value), null, String(value));
  });

  test("unstable_rethrow: rethrows navigation errors, also from the cause chain", () => {
    const nf = thrown(() => notFound());
    assert.throws(() => unstable_rethrow(nf), (e) => e === nf);
    const redir = thrown(() => redirect("/q"));
    const wrapped = new Error("w", { cause: new Error("w2", { cause: redir }) });
    assert.throws(() => unstable_rethrow(wrapped), (e) => e === redir);
    assert.doesNotThrow(() => unstable_rethrow(new Error("plain")));
    assert.doesNotThrow(() => unstable_rethrow("NEXT_HTTP_ERROR_FALLBACK;404"));
    assert.doesNotThrow(() => unstable_rethrow(null));
  });
});

describe("NextRequest", () => {
  test("is a global Request with nextUrl and cookies (c115b)", () => {
    const req = new NextRequest("http://localhost:3000/rh/urlinfo?q=zz", { headers: { cookie: "c=cv" } });
    assert.ok(req instanceof Request);
    assert.ok(req instanceof NextRequest);
    assert.equal(req.url, "http://localhost:3000/rh/urlinfo?q=zz");
    assert.equal(req.nextUrl.searchParams.get("q"), "zz");
    assert.equal(req.cookies.get("c")?.value, "cv");
    assert.equal(req.nextUrl.pathname, "/rh/urlinfo");
    assert.equal(req.nextUrl.hostname, "localhost");
    assert.equal(req.nextUrl.origin, "http://localhost:3000");
    assert.equal(req.nextUrl.href, "http://localhost:3000/rh/urlinfo?q=zz");
    assert.equal(req.nextUrl.basePath, "");
    assert.equal(req.nextUrl.locale, "");
    assert.ok(req.nextUrl instanceof NextURL);
  });

  test("searchParams entries, search and toString of the URL the runner passes (c115c)", () => {
    // The runner gives the URL with Next's re-serialised query; nextUrl shows it as given.
    const raw = new NextRequest("http://localhost:3000/rh/query?a=1&a=2&b=x+y&c=%ZZ&d&e=%E2%9C%93&a%5B%5D=3");
    const expectedEntries = [["a", "1"], ["a", "2"], ["b", "x y"], ["c", "%ZZ"], ["d", ""], ["e", "✓"], ["a[]", "3"]];
    assert.deepEqual([...raw.nextUrl.searchParams.entries()], expectedEntries);
    assert.equal(raw.nextUrl.search, "?a=1&a=2&b=x+y&c=%ZZ&d&e=%E2%9C%93&a%5B%5D=3");
    const served = new NextRequest("http://localhost:3000/rh/query?a=1&a=2&b=x+y&c=%25ZZ&d=&e=%E2%9C%93&a%5B%5D=3");
    assert.deepEqual([...served.nextUrl.searchParams.entries()], expectedEntries);
    assert.deepEqual(served.nextUrl.searchParams.getAll("a"), ["1", "2"]);
    assert.equal(served.nextUrl.search, "?a=1&a=2&b=x+y&c=%25ZZ&d=&e=%E2%9C%93&a%5B%5D=3");
    assert.equal(served.nextUrl.searchParams.toString(), "a=1&a=2&b=x+y&c=%25ZZ&d=&e=%E2%9C%93&a%5B%5D=3");
    assert.equal(new NextRequest("http://localhost/rh/shop/a%20b/c").nextUrl.pathname, "/rh/shop/a%20b/c");
  });

  test("request.cookies parsing (c115d, c115e)", () => {
    const req = request({ cookie: 'a=1; b=x%20y; a=2; bad; =noname; c="quoted"' });
    assert.equal(
      JSON.stringify({ all: req.cookies.getAll(), a: req.cookies.get("a")?.value ?? null, has: req.cookies.has("b"), size: req.cookies.size }),
      '{"all":[{"name":"a","value":"2"},{"name":"b","value":"x y"},{"name":"bad","value":"true"},{"name":"","value":"noname"},{"name":"c","value":"\\"quoted\\""}],"a":"2","has":true,"size":5}',
    );
    const none = request();
    assert.deepEqual({ all: none.cookies.getAll(), a: none.cookies.get("a") ?? null, has: none.cookies.has("b"), size: none.cookies.size }, { all: [], a: null, has: false, size: 0 });
  });

  test("request.cookies: bad escapes dropped, no trimming of inner spaces, getAll(name)", () => {
    const req = request({ cookie: "x=%ZZ; y=1; x=2; sp = v ;k=v=w;;  c=3" });
    // The dropped `x=%ZZ` takes no place: `x` comes where `x=2` is.
    assert.deepEqual(req.cookies.getAll(), [
      { name: "y", value: "1" },
      { name: "x", value: "2" },
      { name: "sp ", value: " v " },
      { name: "k", value: "v=w" },
      { name: "c", value: "3" },
    ]);
    assert.deepEqual(req.cookies.getAll("y"), [{ name: "y", value: "1" }]);
    assert.deepEqual(req.cookies.get({ name: "k" }), { name: "k", value: "v=w" });
  });

  test("request.cookies set/delete/clear rewrite the Cookie header; toString encodes", () => {
    const req = request({ cookie: "a=1; b=x%20y" });
    assert.equal(req.cookies.set("n", "x y;z"), req.cookies);
    assert.equal(req.headers.get("cookie"), "a=1; b=x%20y; n=x%20y%3Bz");
    assert.equal(req.cookies.toString(), "a=1; b=x%20y; n=x%20y%3Bz");
    assert.deepEqual(req.cookies.delete(["a", "nope"]), [true, false]);
    assert.equal(req.cookies.delete("b"), true);
    assert.equal(req.headers.get("cookie"), "n=x%20y%3Bz");
    assert.deepEqual([...req.cookies], [["n", { name: "n", value: "x y;z" }]]);
    req.cookies.set({ name: "o", value: "1" });
    assert.equal(req.cookies.size, 2);
    req.cookies.clear();
    assert.equal(req.cookies.size, 0);
    assert.equal(req.headers.get("cookie"), "");
  });

  test("from a Request: method, headers and body carried over", async () => {
    const plain = new Request("http://l/x?y=1", { method: "POST", body: "hi", headers: { cookie: "a=1", "x-h": "v" } });
    const req = new NextRequest(plain);
    assert.equal(req.method, "POST");
    assert.equal(req.url, "http://l/x?y=1");
    assert.equal(req.headers.get("x-h"), "v");
    assert.deepEqual(req.cookies.get("a"), { name: "a", value: "1" });
    assert.equal(await req.text(), "hi");
  });

  test("a relative URL throws Next's error", () => {
    assert.throws(() => new NextRequest("/rel"), {
      message: 'URL is malformed "/rel". Please use only absolute URLs - https://nextjs.org/docs/messages/middleware-relative-urls',
    });
  });
});

describe("NextURL", () => {
  test("basePath: stripped from pathname, kept in href; only on a segment boundary", () => {
    const opts = { nextConfig: { basePath: "/base" } };
    const u = new NextRequest("http://localhost:3000/base/rh/x?q=1#h", opts).nextUrl;
    assert.deepEqual([u.pathname, u.basePath, u.href], ["/rh/x", "/base", "http://localhost:3000/base/rh/x?q=1#h"]);
    const root = new NextURL("http://localhost:3000/base", opts);
    assert.deepEqual([root.pathname, root.href], ["/", "http://localhost:3000/base"]);
    const other = new NextURL("http://localhost:3000/based/x", opts);
    assert.deepEqual([other.pathname, other.basePath], ["/based/x", ""]);
    u.basePath = "/b2";
    assert.equal(u.href, "http://localhost:3000/b2/rh/x?q=1#h");
  });

  test("clone() is independent; href, toString and toJSON agree", () => {
    const u = new NextURL("http://localhost:3000/a?x=1");
    const c = u.clone();
    c.pathname = "/z";
    c.searchParams.set("k", "v w");
    assert.equal(c.href, "http://localhost:3000/z?x=1&k=v+w");
    assert.equal(u.href, "http://localhost:3000/a?x=1");
    assert.equal(String(u), u.href);
    assert.equal(JSON.stringify({ u }), '{"u":"http://localhost:3000/a?x=1"}');
    u.href = "https://e.org:8443/q?r=1";
    assert.deepEqual([u.protocol, u.host, u.port, u.pathname, u.search], ["https:", "e.org:8443", "8443", "/q", "?r=1"]);
  });

  test("a trailing slash of the original URL is kept by href (as in Next)", () => {
    const u = new NextURL("http://l/a/b/");
    u.pathname = "/z";
    assert.equal(u.href, "http://l/z/");
    const v = new NextURL("http://l/a/b");
    v.pathname = "/y/";
    assert.deepEqual([v.pathname, v.href], ["/y/", "http://l/y"]);
  });
});

describe("NextResponse", () => {
  test("json: status, headers, application/json, a global Response (c124a)", async () => {
    const res = NextResponse.json({ a: 1 }, { status: 201, headers: { "x-a": "1" } });
    assert.ok(res instanceof Response);
    assert.ok(res instanceof NextResponse);
    assert.equal(res.status, 201);
    assert.equal(res.statusText, "");
    assert.equal(res.headers.get("content-type"), "application/json");
    assert.equal(res.headers.get("x-a"), "1");
    assert.equal(await res.text(), '{"a":1}');
    assert.equal(await NextResponse.json("just a string").text(), '"just a string"');
    assert.equal(await NextResponse.json(null).text(), "null");
    const typed = NextResponse.json({ a: 1 }, { headers: { "content-type": "application/vnd.custom+json" } });
    assert.equal(typed.headers.get("content-type"), "application/vnd.custom+json");
  });

  test("redirect: given status, default 307, URL objects, empty body (c123b, c123c)", async () => {
    const moved = NextResponse.redirect("https://example.org/a?b=1", 301);
    assert.deepEqual([moved.status, moved.headers.get("location"), moved.body], [301, "https://example.org/a?b=1", null]);
    const temp = NextResponse.redirect(new URL("https://example.org/t"));
    assert.deepEqual([temp.status, temp.headers.get("location")], [307, "https://example.org/t"]);
    const withInit = NextResponse.redirect("https://e.org/x", { status: 308, headers: { "x-q": "1" } });
    assert.deepEqual([withInit.status, withInit.headers.get("x-q")], [308, "1"]);
    assert.equal(NextResponse.redirect(new URL("/x?y=1", "http://localhost:3000/rh/nextredir")).headers.get("location"), "http://localhost:3000/x?y=1");
    assert.ok(temp instanceof NextResponse);
  });

  test("redirect: invalid status → RangeError; relative URL → Next's error", () => {
    assert.throws(() => NextResponse.redirect("https://e.org", 200), {
      name: "RangeError",
      message: 'Failed to execute "redirect" on "response": Invalid status code',
    });
    assert.throws(() => NextResponse.redirect("/rel"), { message: /^URL is malformed "\/rel"\. Please use only absolute URLs/ });
  });

  test("next() and rewrite() carry the middleware headers", () => {
    const next = NextResponse.next({ headers: { "x-b": "2" } });
    assert.deepEqual([...next.headers], [["x-b", "2"], ["x-middleware-next", "1"]]);
    const rewrite = NextResponse.rewrite(new URL("https://x.org/y"));
    assert.equal(rewrite.headers.get("x-middleware-rewrite"), "https://x.org/y");
  });

  test("cookies.set writes Set-Cookie lines in Next's format, after the response's own", () => {
    const res = NextResponse.json({ a: 1 }, { headers: { "set-cookie": "own=1; Path=/own" } });
    res.cookies.set("k", "v");
    res.cookies.set("a", "1", {
      domain: "d.org",
      secure: true,
      httpOnly: true,
      path: "/p",
      expires: new Date(0),
      sameSite: "none",
      partitioned: true,
      priority: "low",
    });
    res.cookies.set({ name: "enc", value: "x y;z=1" });
    res.cookies.set("k", "v2");
    assert.deepEqual(res.headers.getSetCookie(), [
      "own=1; Path=/own",
      "k=v2; Path=/",
      "a=1; Path=/p; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Domain=d.org; Secure; HttpOnly; SameSite=none; Partitioned; Priority=low",
      "enc=x%20y%3Bz%3D1; Path=/",
    ]);
    assert.equal(res.headers.get("x-middleware-set-cookie"), null);
  });

  test("cookies.get/getAll/has read the response's lines; delete expires in place", () => {
    const res = new NextResponse("x", {
      headers: [
        ["set-cookie", "q=a b; Max-Age=5; HttpOnly; SameSite=Weird; Priority=HIGH; path=/P; domain=D.org; secure"],
        ["set-cookie", "ss=1; SameSite=Strict"],
      ],
    });
    assert.equal(
      JSON.stringify(res.cookies.get("q")),
      '{"name":"q","value":"a b","domain":"D.org","httpOnly":true,"maxAge":5,"path":"/P","secure":true,"priority":"high"}',
    );
    assert.deepEqual(res.cookies.getAll("ss"), [{ name: "ss", value: "1", sameSite: "strict" }]);
    assert.equal(res.cookies.has("ss"), true);
    assert.equal(res.cookies.has("zz"), false);
    res.cookies.delete("q");
    assert.deepEqual(res.headers.getSetCookie(), ["q=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "ss=1; SameSite=strict"]);
    assert.equal(res.cookies.toString(), "q=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; ss=1; SameSite=strict");
  });

  test("a NextResponse goes through finishResponse with cookies() lines after its own", async () => {
    const { response } = await handle(request(), async () => {
      (await cookies()).set("c", "1");
      const res = NextResponse.json({ ok: true });
      res.cookies.set("r", "2");
      return res;
    });
    assert.deepEqual(response.headers.getSetCookie(), ["r=2; Path=/", "c=1; Path=/"]);
  });
});

describe("userAgent", () => {
  test("Next's result shape; common browsers; bots", () => {
    const chromeMac =
      "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
    // What Next 16.4.6 returns for this agent.
    assert.deepEqual(userAgent({ headers: new Headers({ "user-agent": chromeMac }) }), {
      ua: chromeMac,
      browser: { name: "Chrome", version: "120.0.0.0", major: "120" },
      engine: { name: "Blink", version: "120.0.0.0" },
      os: { name: "Mac OS", version: "10.15.7" },
      device: { vendor: "Apple", model: "Macintosh" },
      cpu: {},
      isBot: false,
    });
    const iphone = userAgentFromString(
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    );
    assert.deepEqual([iphone.browser.name, iphone.os, iphone.device.type], ["Mobile Safari", { name: "iOS", version: "17.1" }, "mobile"]);
    assert.equal(userAgentFromString("Googlebot/2.1 (+http://www.google.com/bot.html)").isBot, true);
    assert.deepEqual(userAgent({ headers: new Headers() }), { ua: "", browser: {}, engine: {}, os: {}, device: {}, cpu: {}, isBot: false });
  });
});
