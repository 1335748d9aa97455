import { cookies, headers } from "next/headers";

export async function GET() {
  const c = await cookies();
  const h = await headers();
  c.set("k", "v");
  return Response.json({ ua: h.get("user-agent"), x: h.get("x-test"), c: c.get("c")?.value ?? null });
}
