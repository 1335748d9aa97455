import type { Config, Context } from "@netlify/functions";

// A Netlify Function (v2) served by the same Petrel server as the Next.js API routes; it calls
// one of them with `fetch`, as functions migrated from advanced API routes do.
export default async (request: Request, context: Context) => {
  const hello = await fetch(new URL("/api/hello", request.url)).then((r) => r.json());
  return Response.json({ name: context.params.name, fromNext: hello.message });
};

export const config: Config = {
  path: "/greeting/:name",
};
