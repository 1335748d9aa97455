import type { NextApiRequest, NextApiResponse } from "next";
import { createHash } from "node:crypto";

// bodyParser off: read the raw bytes, e.g. to verify a webhook signature.
export const config = {
  api: {
    bodyParser: false,
  },
};

export default async function handler(req: NextApiRequest, res: NextApiResponse) {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  res.json({ bytes: raw.length, sha256: createHash("sha256").update(raw).digest("hex") });
}
