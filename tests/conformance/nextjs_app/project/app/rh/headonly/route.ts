export function HEAD() {
  return new Response(null, { headers: { "x-only": "head" } });
}
