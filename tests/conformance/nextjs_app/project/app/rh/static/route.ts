export function GET() {
  return Response.json({ t: Date.now() });
}
