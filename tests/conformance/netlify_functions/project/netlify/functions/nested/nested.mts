export default async () => new Response("nested/nested.mts");
