import { redirect } from "next/navigation";

// Does Next prefix the basePath to redirect()'s location?
export function GET() {
  redirect("/rh/where/");
}
