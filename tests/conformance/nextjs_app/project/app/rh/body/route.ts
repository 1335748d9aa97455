export async function POST(req) {
  const ct = req.headers.get("content-type") ?? "";
  if (ct.includes("form")) return Response.json(Object.fromEntries(await req.formData()));
  return Response.json({ text: await req.text() });
}
