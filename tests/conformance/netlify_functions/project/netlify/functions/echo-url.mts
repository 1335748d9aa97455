// The path and query the function sees (the host differs between servers).
export default async (request: Request) => {
  const url = new URL(request.url);
  return new Response(`${request.method} ${url.pathname}${url.search}`);
};
