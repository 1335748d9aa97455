export function GET(req) {
  const kind = req.nextUrl.searchParams.get("kind");
  switch (kind) {
    case "bytes":
      return new Response(new Uint8Array([104, 105]));
    case "blob":
      return new Response(new Blob(["png?"], { type: "image/png" }));
    case "params":
      return new Response(new URLSearchParams({ a: "1", b: "x y" }));
    case "jsonstring":
      return Response.json("just a string");
    case "jsonnull":
      return Response.json(null);
    case "ctoverride":
      return Response.json({ a: 1 }, { headers: { "content-type": "application/vnd.custom+json" } });
    case "empty":
      return new Response("");
    case "null":
      return new Response(null);
    case "multicookie": {
      const h = new Headers();
      h.append("set-cookie", "a=1; Path=/");
      h.append("set-cookie", "b=2; HttpOnly");
      return new Response("two cookies", { headers: h });
    }
    case "respredirect":
      return Response.redirect("https://example.org/r?x=1", 302);
    case "cachecontrol":
      return new Response("cached by handler", { headers: { "cache-control": "public, max-age=10" } });
    case "poweredby":
      return new Response("powered", { headers: { "x-powered-by": "me" } });
    case "mixedcase":
      return new Response("cased", { headers: { "X-Mixed-Case": "Yes" } });
    case "contentlength":
      return new Response("12345", { headers: { "content-length": "5" } });
    default:
      return new Response("unknown kind", { status: 400 });
  }
}
