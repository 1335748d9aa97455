const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function GET() {
  const enc = new TextEncoder();
  const stream = new ReadableStream({
    async start(controller) {
      controller.enqueue(enc.encode("one\n"));
      await sleep(20);
      controller.enqueue(enc.encode("two\n"));
      await sleep(20);
      controller.enqueue(enc.encode("three\n"));
      controller.close();
    },
  });
  return new Response(stream, { headers: { "content-type": "text/plain; charset=utf-8" } });
}
