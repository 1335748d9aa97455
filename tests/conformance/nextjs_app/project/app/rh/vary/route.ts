export function GET() {
  return new Response("varies", { headers: { vary: "Origin" } });
}
