export const runtime = "edge";

export async function GET(req) {
  return Response.json({ edge: true, urlHostname: new URL(req.url).hostname, path: req.nextUrl.pathname, q: req.nextUrl.searchParams.get("q"), method: req.method });
}

export async function POST(req) {
  return Response.json({ edge: true, got: await req.json() }, { status: 201 });
}
