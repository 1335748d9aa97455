import { notFound, permanentRedirect, redirect, RedirectType } from "next/navigation";

export function GET(req) {
  const to = req.nextUrl.searchParams.get("to");
  if (to === "abs") redirect("https://example.org/ext");
  if (to === "query") redirect("/r?x=1&y=2");
  if (to === "relative") redirect("sibling");
  if (to === "push") redirect("/pushed", RedirectType.push);
  if (to === "permabs") permanentRedirect("https://example.org/perm");
  if (to === "caught") {
    try {
      redirect("/never");
    } catch (e) {
      return Response.json({ caughtDigestPrefix: String(e.digest).split(";").slice(0, 3).join(";") });
    }
  }
  return new Response("no redirect");
}

export function POST(req) {
  const to = req.nextUrl.searchParams.get("to");
  if (to === "perm") permanentRedirect("/perm-posted");
  if (to === "notfound") notFound();
  redirect("/posted");
}
