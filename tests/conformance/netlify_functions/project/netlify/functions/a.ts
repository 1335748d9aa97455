export default async () => new Response("a.ts");
