import type { NextApiRequest, NextApiResponse } from "next";

// /api/docs -> {}, /api/docs/a/b -> {"slug":["a","b"]}
export default function handler(req: NextApiRequest, res: NextApiResponse) {
  res.json(req.query);
}
