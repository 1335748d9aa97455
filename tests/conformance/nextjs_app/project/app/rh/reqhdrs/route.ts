import { headers } from "next/headers";

export async function GET(req) {
  const h = await headers();
  return Response.json({
    keys: [...h.keys()],
    reqKeys: [...req.headers.keys()],
    host: h.get("host"),
    xfh: h.get("x-forwarded-host"),
    xfproto: h.get("x-forwarded-proto"),
    custom: h.get("x-custom"),
    method: req.method,
  });
}
