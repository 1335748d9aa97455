import { headers } from "next/headers";

export async function GET() {
  const h = await headers();
  h.set("x-not", "allowed");
  return new Response("unreachable");
}
