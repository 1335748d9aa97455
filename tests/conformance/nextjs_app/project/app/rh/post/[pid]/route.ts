export async function GET(req, ctx) {
  return Response.json({ where: "pid", params: await ctx.params });
}
