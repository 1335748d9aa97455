export function GET(req) {
  const u = new URL(req.url);
  return Response.json({
    q: req.nextUrl.searchParams.get("q"),
    c: req.cookies.get("c")?.value ?? null,
    path: req.nextUrl.pathname,
    urlHostname: u.hostname,
    urlProtocol: u.protocol,
    urlPathAndQuery: u.pathname + u.search,
    nextUrlHostname: req.nextUrl.hostname,
  });
}
