export default async () => new Response("unreachable");
