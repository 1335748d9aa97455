import type { Context } from "@netlify/functions";

export default async (_request: Request, context: Context) => Response.json({ params: context.params });

export const config = { path: "/api/wild/*" };
