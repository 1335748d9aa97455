export async function GET(req, ctx) {
  const { id } = await ctx.params;
  return new Response(`dyn ${id}`, { headers: { "x-id": id } });
}

export async function DELETE(req, ctx) {
  const { id } = await ctx.params;
  return Response.json({ deleted: id });
}
