export function GET() {
  return Response.json({ where: "escaped-underscore" });
}
