// The worker's lazily-bodied Response must behave as Node's own for everything a program can
// observe: each case runs on both classes and compares.
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { describe, test } from "node:test";

const require = createRequire(import.meta.url);
const { lazyResponseClass, keptBody, installLazyResponse } = require("../adapters/lazy_response.cjs");

const Original = globalThis.Response;
const Lazy = lazyResponseClass(Original);

/** What a program sees of a response: status, headers, and the body read by `read`. */
async function observe(make, read = (r) => r.text()) {
  let response;
  try {
    response = make();
  } catch (error) {
    return { threw: `${error.constructor.name}: ${error.message}` };
  }
  const before = response.bodyUsed;
  let body;
  try {
    body = await read(response);
  } catch (error) {
    body = { threw: `${error.constructor.name}: ${error.message}` };
  }
  if (body instanceof Blob) body = { type: body.type, text: await body.text() };
  if (body instanceof ArrayBuffer || body instanceof Uint8Array) body = Buffer.from(body).toString();
  if (body instanceof FormData) body = [...body];
  return {
    status: response.status,
    statusText: response.statusText,
    headers: [...response.headers],
    bodyUsedBefore: before,
    bodyUsedAfter: response.bodyUsed,
    body,
  };
}

const bytes = new Uint8Array([104, 105]);
const cases = [
  ["string", (R) => new R("hello")],
  ["empty string", (R) => new R("")],
  ["string with status and headers", (R) => new R("x", { status: 201, statusText: "Made", headers: { "x-a": "1" } })],
  ["string with own content-type", (R) => new R("x", { headers: { "content-type": "text/html" } })],
  ["bytes", (R) => new R(bytes)],
  ["ArrayBuffer", (R) => new R(bytes.buffer)],
  ["DataView", (R) => new R(new DataView(bytes.buffer))],
  ["null", (R) => new R(null)],
  ["URLSearchParams", (R) => new R(new URLSearchParams("a=1&b=2"))],
  ["Blob", (R) => new R(new Blob(["blob"], { type: "text/x" }))],
  ["json", (R) => R.json({ a: [1, "two"] })],
  ["json with status and content-type", (R) => R.json({ a: 1 }, { status: 202, headers: { "content-type": "application/vnd.x+json" } })],
  ["json of undefined", (R) => R.json(undefined)],
  ["string on a 204", (R) => new R("x", { status: 204 })],
  ["null on a 204", (R) => new R(null, { status: 204 })],
  ["bad status", (R) => new R("x", { status: 99 })],
  ["bad statusText", (R) => new R("x", { statusText: "a\nb" })],
];
const reads = [
  ["text", (r) => r.text()],
  ["json", (r) => r.json()],
  ["arrayBuffer", (r) => r.arrayBuffer()],
  ["blob", (r) => r.blob()],
  ["formData", (r) => r.formData()],
  ["body stream", async (r) => (r.body ? await new Response(r.body).text() : null)],
  ["twice", async (r) => [await r.text(), await r.text()]],
  ["clone, then both", async (r) => {
    const c = r.clone();
    return [await c.text(), await r.text()];
  }],
  ["read, then clone", async (r) => {
    await r.text();
    return r.clone();
  }],
];

describe("lazily-bodied Response", () => {
  for (const [name, make] of cases) {
    for (const [how, read] of reads) {
      test(`${name}: ${how}`, async () => {
        assert.deepEqual(await observe(() => make(Lazy), read), await observe(() => make(Original), read));
      });
    }
  }

  test("a kept body is there for the runtime, until something reads it", async () => {
    const r = Lazy.json({ a: 1 });
    assert.equal(keptBody(r), '{"a":1}');
    assert.equal(keptBody(new Lazy(new Uint8Array([1, 2]))).length, 2);
    assert.equal(keptBody(new Original("x")), undefined);
    await r.json();
    assert.equal(keptBody(r), undefined);
  });

  test("a buffer body is copied, as Node copies it", async () => {
    const data = new Uint8Array([104, 105]);
    const r = new Lazy(data);
    data[0] = 120;
    assert.equal(await r.text(), "hi");
  });

  test("instanceof holds both ways; the tag is Response", () => {
    assert.ok(Lazy.json({}) instanceof Original);
    assert.ok(Original.redirect("http://x/") instanceof Lazy);
    assert.ok(!(({}) instanceof Lazy));
    assert.equal(Object.prototype.toString.call(new Lazy("x")), "[object Response]");
  });

  test("a subclass (NextResponse-like) keeps the fast path and its own members", async () => {
    class Sub extends Lazy {
      get extra() {
        return "yes";
      }
    }
    const r = new Sub("sub", { status: 203 });
    assert.ok(r instanceof Sub && r instanceof Lazy);
    assert.ok(!(Lazy.json({}) instanceof Sub), "a plain Response is not a Sub");
    assert.equal(keptBody(r), "sub");
    assert.equal(r.extra, "yes");
    assert.equal(await r.text(), "sub");
  });

  test("installLazyResponse: made on first read of the global; an assignment replaces it", () => {
    const saved = Object.getOwnPropertyDescriptor(globalThis, "Response");
    try {
      // As in a fresh Node process: a getter that turns the global into Node's class.
      Object.defineProperty(globalThis, "Response", {
        configurable: true,
        enumerable: false,
        get() {
          Object.defineProperty(globalThis, "Response", { configurable: true, writable: true, value: Original });
          return Original;
        },
      });
      installLazyResponse();
      const Installed = globalThis.Response;
      assert.notEqual(Installed, Original);
      assert.ok(new Installed("x") instanceof Original);
      assert.equal(globalThis.Response, Installed, "one class, made once");
      const Mine = class {};
      globalThis.Response = Mine;
      assert.equal(globalThis.Response, Mine);
    } finally {
      Object.defineProperty(globalThis, "Response", saved);
    }
  });
});
