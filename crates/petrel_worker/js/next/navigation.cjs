// @ts-check
/**
 * Petrel's `next/navigation` for route handlers: `redirect()`, `permanentRedirect()`,
 * `notFound()`, `forbidden()`, `unauthorized()` end the handler by throwing an Error whose
 * `digest` says what to answer, in Next's own digest formats:
 *
 *   `NEXT_REDIRECT;<push|replace>;<url>;<303|307|308>;`   (the url may itself contain `;`)
 *   `NEXT_HTTP_ERROR_FALLBACK;<401|403|404>`
 *
 * The route runner passes whatever the handler threw to `interpretThrown` (not part of Next's
 * API), which also recognises digests thrown by the real `next/navigation` (a handler that
 * bundles its own Next.js) and by any object carrying one, as Next does. What Next answers
 * (tests/conformance/pending/nextjs_app, cases c121*, c122*, and `next start` runs):
 * redirect → 307/308 (303 when the digest says so), `location` verbatim, empty body, plus the
 * `cookies()` Set-Cookie lines; 401/403/404 → that status, empty body, without them. Any other
 * digest (e.g. `NEXT_HTTP_ERROR_FALLBACK;418`) or an error merely wrapping one in `cause` → 500.
 */
"use strict";

const REDIRECT_CODE = "NEXT_REDIRECT";
const HTTP_FALLBACK_CODE = "NEXT_HTTP_ERROR_FALLBACK";
const REDIRECT_STATUSES = new Set([303, 307, 308]);
const FALLBACK_STATUSES = new Set([401, 403, 404]);

/** `redirect(url, RedirectType.push)`: the type only matters to client navigation. */
const RedirectType = Object.freeze({ push: "push", replace: "replace" });

/**
 * @param {string | URL} url @param {string} type @param {307 | 308} status
 * @returns {Error & { digest: string }}
 */
function redirectError(url, type, status) {
  const error = /** @type {Error & { digest: string }} */ (new Error(REDIRECT_CODE));
  error.digest = `${REDIRECT_CODE};${type};${url};${status};`;
  return error;
}

/** @param {401 | 403 | 404} status @returns {Error & { digest: string }} */
function httpFallbackError(status) {
  const digest = `${HTTP_FALLBACK_CODE};${status}`;
  const error = /** @type {Error & { digest: string }} */ (new Error(digest));
  error.digest = digest;
  return error;
}

/**
 * Answers 307 with `location: url` (verbatim: relative URLs are not resolved). In a route
 * handler the type defaults to "replace", also for POST.
 * @param {string | URL} url @param {string} [type]
 * @returns {never}
 */
function redirect(url, type = RedirectType.replace) {
  throw redirectError(url, type, 307);
}

/**
 * Answers 308 with `location: url`.
 * @param {string | URL} url @param {string} [type]
 * @returns {never}
 */
function permanentRedirect(url, type = RedirectType.replace) {
  throw redirectError(url, type, 308);
}

/** Answers 404 with an empty body (not Next's HTML page). @returns {never} */
function notFound() {
  throw httpFallbackError(404);
}

/**
 * Answers 403, empty. (Next itself requires `experimental.authInterrupts` for this and throws a
 * configuration error otherwise; Petrel always allows it.)
 * @returns {never}
 */
function forbidden() {
  throw httpFallbackError(403);
}

/** Answers 401, empty (same note as `forbidden`). @returns {never} */
function unauthorized() {
  throw httpFallbackError(401);
}

/** @param {unknown} err @returns {string | undefined} */
function digestOf(err) {
  if (typeof err !== "object" || err === null) return undefined;
  const digest = /** @type {any} */ (err).digest;
  return typeof digest === "string" ? digest : undefined;
}

/**
 * What a thrown value asks the route runner to answer, or null for an ordinary error (500).
 * @param {unknown} err
 * @returns {{ kind: "redirect", status: number, location: string } | { kind: "http", status: number } | null}
 */
function interpretThrown(err) {
  const digest = digestOf(err);
  if (digest === undefined) return null;
  const parts = digest.split(";");
  if (parts[0] === REDIRECT_CODE) {
    // NEXT_REDIRECT ; type ; url (may contain ";") ; status ; (empty)
    if (parts.length < 4 || (parts[1] !== "push" && parts[1] !== "replace")) return null;
    const status = Number(parts[parts.length - 2]);
    if (!REDIRECT_STATUSES.has(status)) return null;
    return { kind: "redirect", status, location: parts.slice(2, -2).join(";") };
  }
  if (parts[0] === HTTP_FALLBACK_CODE) {
    const status = Number(parts[1]);
    return FALLBACK_STATUSES.has(status) ? { kind: "http", status } : null;
  }
  return null;
}

/**
 * Re-throws the errors that `redirect()`/`notFound()`/… throw (also when found in an Error's
 * `cause` chain, which is then what is thrown), so a handler's `try/catch` can let them through;
 * returns for anything else.
 * @param {unknown} err
 * @returns {void}
 */
function unstable_rethrow(err) {
  if (interpretThrown(err)) throw err;
  if (err instanceof Error && "cause" in err) unstable_rethrow(err.cause);
}

module.exports = {
  redirect,
  permanentRedirect,
  notFound,
  forbidden,
  unauthorized,
  RedirectType,
  unstable_rethrow,
  interpretThrown,
};
