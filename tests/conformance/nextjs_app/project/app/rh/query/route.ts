export function GET(req) {
  const sp = req.nextUrl.searchParams;
  return Response.json({
    entries: [...sp.entries()],
    all: sp.getAll("a"),
    search: req.nextUrl.search,
    serialized: sp.toString(),
    path: req.nextUrl.pathname,
  });
}
