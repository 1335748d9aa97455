export function GET(req) {
  return Response.json({
    all: req.cookies.getAll(),
    a: req.cookies.get("a")?.value ?? null,
    has: req.cookies.has("b"),
    size: req.cookies.size,
  });
}
