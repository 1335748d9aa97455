import type { NextApiRequest, NextApiResponse } from "next";

// /api/post/abc -> "Post: abc"
export default function handler(req: NextApiRequest, res: NextApiResponse) {
  const { pid } = req.query;
  res.end(`Post: ${pid}`);
}
