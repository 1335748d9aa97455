export async function GET(req, ctx) {
  return Response.json({ where: "slug", params: await ctx.params });
}
