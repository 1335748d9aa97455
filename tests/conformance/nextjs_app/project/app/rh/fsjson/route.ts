export const dynamic = "force-static";

export function GET(req) {
  return Response.json({
    fixed: "force-static",
    q: req.nextUrl.searchParams.get("q"),
    search: req.nextUrl.search,
    xtest: req.headers.get("x-test"),
  });
}
