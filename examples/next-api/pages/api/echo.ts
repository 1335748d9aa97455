import type { NextApiRequest, NextApiResponse } from "next";

// Custom config: bodies up to 500kb are parsed by content type (JSON, form, text).
export const config = {
  api: {
    bodyParser: {
      sizeLimit: "500kb",
    },
  },
  maxDuration: 5,
};

export default function handler(req: NextApiRequest, res: NextApiResponse) {
  res.json({ method: req.method, body: req.body, cookies: req.cookies, query: req.query });
}
