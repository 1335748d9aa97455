import { NextResponse, type NextRequest } from "next/server";
import { cookies } from "next/headers";

// An App Router route handler beside the Pages API routes: `await params`, `nextUrl`, cookies().
export async function GET(request: NextRequest, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const jar = await cookies();
  const views = Number(jar.get("views")?.value ?? "0") + 1;
  jar.set("views", String(views));
  return NextResponse.json({ id, fields: request.nextUrl.searchParams.getAll("field"), views });
}

export async function DELETE(_request: NextRequest, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return new Response(null, { status: 204, headers: { "x-deleted": id } });
}
