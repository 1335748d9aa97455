// Petrel's `next/headers` for route handlers: `cookies()`, `headers()` and `draftMode()` of the
// request being handled (see next-server.mjs for why it is always Petrel's).
const next = globalThis[Symbol.for("petrel.next.modules")];
if (!next) throw new Error("next/headers: this module runs only in a Petrel worker");
export const { cookies, headers, draftMode } = next.headers;
