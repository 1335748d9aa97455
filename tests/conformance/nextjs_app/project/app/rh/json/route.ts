export async function POST(req) {
  const got = await req.json();
  return Response.json({ got, isArray: Array.isArray(got), type: typeof got });
}
