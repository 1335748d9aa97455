import type { NextApiRequest, NextApiResponse } from "next";

// /api/post/a/b/c -> "Post: a, b, c"
export default function handler(req: NextApiRequest, res: NextApiResponse) {
  const { slug } = req.query;
  res.end(`Post: ${(slug as string[]).join(", ")}`);
}
