export function GET() {
  return Response.json({ where: "static" });
}
