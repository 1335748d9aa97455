export const runtime = "edge";

export async function GET(req, ctx) {
  return Response.json({ edge: true, params: await ctx.params });
}
