export async function POST(req) {
  const fd = await req.formData();
  const entries = [];
  for (const [k, v] of fd.entries()) {
    if (typeof v === "string") entries.push([k, v]);
    else entries.push([k, { file: v.name, type: v.type, size: v.size, text: await v.text() }]);
  }
  return Response.json({ entries });
}
