async function h(req) {
  const text = await req.text();
  return Response.json({ method: req.method, text, len: text.length, ct: req.headers.get("content-type") });
}
export { h as GET, h as POST, h as PUT, h as PATCH, h as DELETE };
