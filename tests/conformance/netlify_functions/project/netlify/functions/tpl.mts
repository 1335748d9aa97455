// A template literal is not a literal to Netlify's build: the path is dropped.
export default async () => new Response("tpl");

export const config = { path: `/tpl` };
