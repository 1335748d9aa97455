export const runtime = "edge";

export function GET(req) {
  return Response.json({ edge: true, url: req.url });
}
