export async function GET(req, ctx) {
  const p = await ctx.params;
  return new Response(`id=${p.id}`);
}
