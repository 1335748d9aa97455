import { NextResponse } from "next/server";

export function GET() {
  return NextResponse.json({ a: 1 }, { status: 201, headers: { "x-a": "1" } });
}
