export async function POST(req) {
  const text = await req.text();
  return Response.json({ len: text.length, head: text.slice(0, 5) });
}
