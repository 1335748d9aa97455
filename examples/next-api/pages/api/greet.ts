import type { NextApiRequest, NextApiResponse } from "next";
import { greeting } from "@/lib/greeting";

// GET /api/greet?name=Ada -> {"greeting":"Hello, Ada!"}
export default function handler(req: NextApiRequest, res: NextApiResponse) {
  const name = typeof req.query.name === "string" ? req.query.name : "world";
  res.json({ greeting: greeting(name) });
}
