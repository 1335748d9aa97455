import { permanentRedirect, redirect } from "next/navigation";

export function GET(req) {
  if (req.nextUrl.searchParams.has("p")) permanentRedirect("/perm");
  redirect("/elsewhere");
}
