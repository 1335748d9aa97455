export const config = { runtime: "edge" };

export default async (req) =>
  new Response(JSON.stringify({ edge: true, url: req.url, m: req.method }), {
    headers: { "content-type": "application/json" },
  });
