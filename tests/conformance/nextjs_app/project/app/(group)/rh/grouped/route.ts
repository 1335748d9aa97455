export function GET() {
  return Response.json({ where: "grouped" });
}
