import { NextResponse } from "next/server";

export function GET(req) {
  if (req.nextUrl.searchParams.has("default")) return NextResponse.redirect(new URL("https://example.org/t"));
  return NextResponse.redirect("https://example.org/a?b=1", 301);
}
