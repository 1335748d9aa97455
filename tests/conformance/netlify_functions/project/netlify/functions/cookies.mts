import type { Context } from "@netlify/functions";

export default async (_request: Request, context: Context) => {
  context.cookies.set({ name: "c1", value: "v1", path: "/", httpOnly: true });
  context.cookies.delete("gone");
  return new Response(`foo=${context.cookies.get("foo")}`);
};
