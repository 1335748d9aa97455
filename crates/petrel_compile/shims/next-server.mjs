// Petrel's `next/server` for route handlers: the worker's own implementation (NextRequest,
// NextResponse, after, …), bound to the request being handled. Route handlers always get it,
// whether or not `next` is installed: Next's own module needs Next's server around it.
const next = globalThis[Symbol.for("petrel.next.modules")];
if (!next) throw new Error("next/server: this module runs only in a Petrel worker");
export const {
  NextRequest,
  NextResponse,
  NextURL,
  after,
  connection,
  userAgent,
  userAgentFromString,
  ImageResponse,
} = next.server;
