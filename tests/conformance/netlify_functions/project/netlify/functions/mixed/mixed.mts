export default async () => new Response("mixed/mixed.mts");
