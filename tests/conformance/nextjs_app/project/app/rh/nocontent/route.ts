export function GET(req) {
  if (req.nextUrl.searchParams.has("body")) return new Response("not allowed", { status: 204 });
  return new Response(null, { status: 204 });
}

export function DELETE() {
  return new Response(null, { status: 204, headers: { "x-deleted": "yes" } });
}
