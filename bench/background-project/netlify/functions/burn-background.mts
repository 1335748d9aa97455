// A CPU-heavy job: spins for `seconds` (default 20).
export default async (request: Request) => {
  const { seconds = 20 } = await request.json().catch(() => ({}));
  const end = Date.now() + seconds * 1000;
  let x = 0;
  while (Date.now() < end) x = (x * 31 + 7) % 1000003;
  return new Response(String(x));
};
