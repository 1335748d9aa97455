import type { NextApiRequest, NextApiResponse } from "next";

// Redirects (307 by default) to the hello route.
export default function handler(req: NextApiRequest, res: NextApiResponse) {
  res.redirect(307, "/api/hello");
}
