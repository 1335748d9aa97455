import type { Context } from "@netlify/functions";

export default async (_request: Request, context: Context) => {
  try {
    context.next();
    return new Response("no error");
  } catch (error) {
    return new Response((error as Error).message);
  }
};
