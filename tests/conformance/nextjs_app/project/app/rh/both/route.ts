import { NextRequest } from "next/server";

export async function GET(req: NextRequest) {
  return Response.json({
    q: req.nextUrl.searchParams.get("q"),
    c: req.cookies.get("c")?.value ?? null,
    path: req.nextUrl.pathname,
    url: req.url,
  });
}

export async function POST(req) {
  return Response.json({ got: await req.json() }, { status: 201 });
}
