// @ts-check
/**
 * Byte sizes as Next's config accepts and prints them. Next reads `sizeLimit` and
 * `responseLimit` with the `bytes` npm package, so the same loose rules apply here ("100b" is
 * read as the integer prefix, "1.5mb" is allowed, units are powers of 1024) and the warning text
 * prints sizes the way that package does ("4MB", "1.5KB"). Written from those observable rules.
 */
"use strict";

const UNITS = /** @type {const} */ ([
  ["pb", 1024 ** 5],
  ["tb", 1024 ** 4],
  ["gb", 1024 ** 3],
  ["mb", 1024 ** 2],
  ["kb", 1024],
]);

const WITH_UNIT = /^([+-]?\d+(?:\.\d+)?) *(kb|mb|gb|tb|pb)$/i;

/**
 * A size setting to a number of bytes, or null when it cannot be read (no limit then).
 * @param {unknown} value
 * @returns {number | null}
 */
function parseByteSize(value) {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value !== "string") return null;
  const m = WITH_UNIT.exec(value);
  let n;
  if (m) {
    const unit = m[2].toLowerCase();
    const factor = /** @type {number} */ (UNITS.find(([u]) => u === unit)?.[1]);
    n = Math.floor(factor * parseFloat(m[1]));
  } else {
    // No recognised unit: plain bytes, reading only the leading integer ("100b" → 100).
    n = parseInt(value, 10);
  }
  return Number.isNaN(n) ? null : n;
}

/**
 * Bytes for humans, as the size warning prints them: the largest unit not above the value,
 * at most two decimals, trailing zeros dropped ("4MB", "1KB", "1.5KB", "100B").
 * @param {number} n
 */
function formatByteSize(n) {
  const abs = Math.abs(n);
  let unit = "B";
  let factor = 1;
  for (const [u, f] of UNITS) {
    if (abs >= f) {
      unit = u.toUpperCase();
      factor = f;
      break;
    }
  }
  let text = (n / factor).toFixed(2);
  if (text.includes(".")) text = text.replace(/0+$/, "").replace(/\.$/, "");
  return text + unit;
}

module.exports = { parseByteSize, formatByteSize };
