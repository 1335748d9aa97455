export default async () => new Response("nested/index.mts");
