import { NextResponse } from "next/server";

export function GET(req) {
  return NextResponse.redirect(new URL("/x?y=1", req.url));
}
