import { cookies } from "next/headers";

export async function GET(req) {
  const c = await cookies();
  const op = req.nextUrl.searchParams.get("op");
  if (op === "read") return Response.json({ all: c.getAll(), has: c.has("a"), a: c.get("a")?.value ?? null });
  if (op === "options") {
    c.set("s", "1", { httpOnly: true, secure: true, sameSite: "lax", path: "/rh", domain: "example.org", expires: new Date(Date.UTC(2030, 0, 1)) });
    return new Response("options set");
  }
  if (op === "delete") {
    c.delete("gone");
    return new Response("deleted");
  }
  if (op === "multi") {
    c.set("a", "1");
    c.set("b", "2");
    c.set("a", "3");
    return new Response("multi");
  }
  if (op === "encode") {
    c.set({ name: "enc", value: "x y;z=1" });
    return new Response("encoded");
  }
  if (op === "merge") {
    c.set("k", "v");
    return new Response("merged", { headers: { "set-cookie": "own=1; Path=/own" } });
  }
  if (op === "setthenread") {
    c.set("fresh", "new");
    return Response.json({ fresh: c.get("fresh")?.value ?? null, all: c.getAll().map((x) => x.name) });
  }
  return new Response("no op", { status: 400 });
}
