export async function GET(req, ctx) {
  return Response.json({ params: await ctx.params, isPromise: ctx.params instanceof Promise });
}
