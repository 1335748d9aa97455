export async function GET(_req: Request, { params }: { params: Promise<{ id: string }> }) {
  return Response.json(await params);
}
