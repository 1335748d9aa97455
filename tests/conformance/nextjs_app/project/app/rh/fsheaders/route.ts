export const dynamic = "force-static";

export function GET() {
  return new Response("static text", {
    headers: { "content-type": "text/plain; charset=utf-8", "x-static": "1", "cache-control": "public, max-age=5" },
  });
}
