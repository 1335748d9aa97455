export async function GET(req) {
  const kind = req.nextUrl.searchParams.get("kind");
  if (kind === "object") return { a: 1 };
  if (kind === "string") return "a string";
  if (kind === "null") return null;
  if (kind === "number") return 42;
  return undefined;
}
