export default async (request: Request) => new Response(`lower ${request.method}`);

export const config = { path: "/lower", method: "post" };
