import type { NextRequest } from "next/server";

// request.url and request.nextUrl under basePath "/base" and trailingSlash: the port is removed
// (it is the recording server's), so the body is deterministic.
export function GET(request: NextRequest) {
  const u = new URL(request.url);
  const href = new URL(request.nextUrl.href);
  href.port = "";
  return Response.json({
    url: { protocol: u.protocol, hostname: u.hostname, pathname: u.pathname, search: u.search },
    nextPathname: request.nextUrl.pathname,
    nextBasePath: request.nextUrl.basePath,
    nextHref: href.href,
  });
}
