// What `petrel migrate` generates for pages/api/[slug]/background-function.ts (the adapter is
// imported from ../templates here; in a project it is ./_petrel/next-adapter.mts).
import type { Config, Context } from "@netlify/functions";
import handler from "../../pages/api/[slug]/background-function";
import { runNextApiHandler } from "../../../../templates/next-adapter.mts";
export default (request: Request, context: Context) =>
  runNextApiHandler(handler, request, context, { page: "/api/[slug]/background-function", basePath: "", revalidateRoute: "/api/petrel-revalidate" });
export const config: Config = { path: "/api/:slug/background-function" };
