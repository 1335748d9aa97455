// Compile-time checks only.
import type { NextApiHandler } from "./next-types";
import revalidateRoute from "../../templates/revalidate-route";
import { runNextApiHandler, type ApiRequest, type NextApiHandlerLike } from "../../templates/next-adapter.mts";

// The migration's revalidate route is a valid Pages API handler.
export const route: NextApiHandler = revalidateRoute;

// Handlers typed with Next's types, with no types, or with the adapter's own `ApiRequest` fit.
export const typed: NextApiHandlerLike = route;
export const untyped: NextApiHandlerLike = (req, res) => res.status(200).json(req.query);
export const own: NextApiHandlerLike = (req: ApiRequest, res: { end(): void }) => {
  req.resume();
  res.end();
};

// A minimal context (just what the adapter reads) is enough.
export const direct: Promise<Response> = runNextApiHandler(
  untyped,
  new Request("http://localhost/api/x"),
  { params: {} },
  { page: "/api/x", basePath: "", revalidateRoute: "/api/petrel-revalidate", bodyParser: false, sizeLimit: "4mb" },
);
