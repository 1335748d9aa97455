import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { devErrorText, codeFrame } = require("../code_frame.cjs");

const root = fs.mkdtempSync(path.join(os.tmpdir(), "petrel-frame-"));
fs.mkdirSync(path.join(root, "pages/api"), { recursive: true });
const file = path.join(root, "pages/api/boom.ts");
fs.writeFileSync(file, "type R = {};\n\nexport default function handler(req: R, res: any) {\n  throw new Error(\"boom\");\n}\n");

test("code frame: context, marker and caret under the column", () => {
  assert.equal(
    codeFrame(file, 4, 9),
    [
      "  2 |",
      "  3 | export default function handler(req: R, res: any) {",
      "> 4 |   throw new Error(\"boom\");",
      "    |         ^",
      "  5 | }",
    ].join("\n"),
  );
  assert.equal(codeFrame(file, 99, 1), "");
  assert.equal(codeFrame(path.join(root, "missing.ts"), 1, 1), "");
});

test("dev error text: relative paths, no node:internal frames, frame of the first user frame", () => {
  const stack = [
    "Error: boom",
    `    at handler (${file}:4:9)`,
    `    at servePagesRoute (${path.resolve(path.dirname(new URL(import.meta.url).pathname), "..")}/adapters/nextjs_pages.cjs:170:26)`,
    "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
  ].join("\n");
  const text = devErrorText(stack, root);
  assert.match(text, /^Error: boom\n    at handler \(pages\/api\/boom\.ts:4:9\)\n/);
  assert.doesNotMatch(text, /node:internal/);
  assert.match(text, /> 4 \|   throw new Error\("boom"\);\n    \|         \^/);
});

test("dev error text: frames in node_modules are skipped for the code frame", () => {
  const stack = ["Error: x", `    at dep (${root}/node_modules/dep/index.js:1:1)`].join("\n");
  assert.equal(devErrorText(stack, root), "Error: x\n    at dep (node_modules/dep/index.js:1:1)");
});

test("dev error text: the shim's own frames are left out", () => {
  const shim = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
  const stack = ["Error: y", `    at handler (${file}:4:9)`, `    at serve (${shim}/adapters/nextjs_pages.cjs:1:1)`].join("\n");
  assert.doesNotMatch(devErrorText(stack, root), /nextjs_pages\.cjs/);
});
