import type { NextApiRequest, NextApiResponse } from "../../../next-types";

type Data = { slug: string; received: unknown } | { error: string };

export default async function handler(req: NextApiRequest, res: NextApiResponse<Data>) {
  const slug = req.query.slug;
  if (typeof slug !== "string") {
    res.status(400).json({ error: "slug" });
    return;
  }
  await res.revalidate(`/posts/${slug}`);
  res.status(200).json({ slug, received: req.body });
}

export const config = { type: "experimental-background" };
