import type { Context } from "@netlify/functions";

export default async (_request: Request, context: Context) => {
  context.waitUntil(new Promise((resolve) => setTimeout(resolve, 1500)));
  return new Response("answered before the promise settles");
};
