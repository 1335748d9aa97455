// Petrel's `next/navigation` for route handlers: `redirect()`, `notFound()` and friends throw
// what the route runner turns into Next's answers (see next-server.mjs for why it is always
// Petrel's).
const next = globalThis[Symbol.for("petrel.next.modules")];
if (!next) throw new Error("next/navigation: this module runs only in a Petrel worker");
export const {
  redirect,
  permanentRedirect,
  notFound,
  forbidden,
  unauthorized,
  RedirectType,
  unstable_rethrow,
} = next.navigation;
