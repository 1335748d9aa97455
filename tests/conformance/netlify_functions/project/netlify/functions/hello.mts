export default async () => new Response("ok");
