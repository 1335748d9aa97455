import type { NextApiRequest, NextApiResponse } from "next";

// Static beats dynamic: /api/post/create lands here, not in [pid].ts.
export default function handler(req: NextApiRequest, res: NextApiResponse) {
  if (req.method !== "POST") {
    res.setHeader("Allow", "POST");
    return res.status(405).json({ error: `Use POST, not ${req.method}` });
  }
  const { title } = req.body ?? {};
  res.status(201).json({ created: { title } });
}
