export function GET() {
  return Response.json({ where: "create" });
}
