import type { Config, Context } from "@netlify/functions";

export default async (request: Request, context: Context) =>
  Response.json({ fn: "items", method: request.method, params: context.params });

export const config: Config = {
  path: "/api/items/:id",
  excludedPath: "/api/items/secret",
  method: ["GET", "POST"],
};
