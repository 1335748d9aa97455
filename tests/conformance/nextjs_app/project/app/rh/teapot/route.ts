export function GET() {
  return new Response("short and stout", { status: 418, statusText: "Custom Teapot" });
}
