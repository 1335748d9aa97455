// @ts-check
/**
 * Dev-mode error text: the stack with project paths made relative and Node's internal frames
 * left out, followed by a code frame of the first frame in the user's own source (as `next dev`
 * prints it).
 */
"use strict";
const fs = require("node:fs");

/** The folder the worker shim runs from (its frames are left out). */
const SHIM_DIR = __dirname + "/";
const FRAME = /\(?((?:\/|file:\/\/)[^()]+?):(\d+):(\d+)\)?$/;

/**
 * @param {string} stack the error's (source-mapped) stack
 * @param {string} root absolute project folder
 * @returns {string}
 */
function devErrorText(stack, root) {
  // Node's internals and Petrel's own shim are noise to the user.
  const lines = stack
    .split("\n")
    .filter((line) => !/^\s+at .*\(?node:internal\//.test(line) && !(/^\s+at /.test(line) && line.includes(SHIM_DIR)));
  let frame = "";
  for (const line of lines) {
    if (!/^\s+at /.test(line)) continue;
    const m = FRAME.exec(line.trim());
    if (!m) continue;
    const file = m[1].startsWith("file://") ? decodeURIComponent(m[1].slice(7)) : m[1];
    if (!file.startsWith(root + "/") || file.includes("/node_modules/") || file.includes("/.petrel/")) continue;
    frame = codeFrame(file, Number(m[2]), Number(m[3]));
    break;
  }
  const text = lines.join("\n").split(root + "/").join("");
  return frame ? `${text}\n${frame}` : text;
}

/**
 * Two lines of context around `line`, a `>` on the line and a caret under the column.
 * @param {string} file @param {number} line 1-based @param {number} column 1-based
 * @returns {string} "" when the file cannot be read or the line does not exist
 */
function codeFrame(file, line, column) {
  let source;
  try {
    source = fs.readFileSync(file, "utf8");
  } catch {
    return "";
  }
  const all = source.split(/\r?\n/);
  if (all.length > 1 && all[all.length - 1] === "") all.pop(); // the final newline
  if (line < 1 || line > all.length) return "";
  const first = Math.max(1, line - 2);
  const last = Math.min(all.length, line + 2);
  const width = String(last).length;
  const out = [];
  for (let n = first; n <= last; n++) {
    const mark = n === line ? ">" : " ";
    const text = all[n - 1];
    out.push(`${mark} ${String(n).padStart(width)} | ${text}`.trimEnd());
    if (n === line) {
      const pad = text.slice(0, Math.max(0, column - 1)).replace(/[^\t]/g, " ");
      out.push(`  ${" ".repeat(width)} | ${pad}^`);
    }
  }
  return out.join("\n");
}

module.exports = { devErrorText, codeFrame };
