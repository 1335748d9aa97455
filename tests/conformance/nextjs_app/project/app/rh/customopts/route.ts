export function GET() {
  return new Response("g");
}

export function HEAD() {
  return new Response(null, { headers: { "x-head": "custom" } });
}

export function OPTIONS() {
  return new Response(null, { status: 200, headers: { allow: "GET, X" } });
}
