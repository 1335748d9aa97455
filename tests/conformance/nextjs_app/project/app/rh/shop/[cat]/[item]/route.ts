export async function GET(req, ctx) {
  return Response.json({ params: await ctx.params, path: req.nextUrl.pathname });
}
