export default async () => new Response("mixed/index.ts");
