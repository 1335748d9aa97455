export default async () => {
  const encoder = new TextEncoder();
  let n = 0;
  const body = new ReadableStream({
    async pull(controller) {
      n += 1;
      if (n > 3) {
        controller.close();
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      controller.enqueue(encoder.encode(`chunk ${n}\n`));
    },
  });
  return new Response(body, { headers: { "content-type": "text/plain" } });
};
