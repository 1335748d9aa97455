export async function GET(req, ctx) {
  return Response.json({ where: "dynamic", params: await ctx.params });
}
