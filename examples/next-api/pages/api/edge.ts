// An edge API route: a Web Request in, a Web Response out (Petrel runs it in Node).
export const config = { runtime: "edge" };

export default async function handler(req: Request) {
  const { searchParams } = new URL(req.url);
  return Response.json({ edge: true, q: searchParams.get("q"), method: req.method });
}
