// Not in the reference fixture: like edge.ts, but without the absolute URL (whose port differs
// between the recording and the run), so its body can be compared.
export const config = { runtime: "edge" };

export default async (req) => {
  const u = new URL(req.url);
  const body = req.method === "POST" ? await req.text() : null;
  return new Response(
    JSON.stringify({ edge: true, path: u.pathname, search: u.search, m: req.method, body }),
    { headers: { "content-type": "application/json" } },
  );
};
