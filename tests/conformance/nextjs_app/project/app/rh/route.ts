export function GET() {
  return Response.json({ where: "rh-index" });
}
