// Petrel's stand-in for `@netlify/functions`, used when the package is not installed: the
// helpers a function calls at run time, as they behave locally. (Types such as `Config` and
// `Context` need nothing: type-only imports are removed when the function is built.)

/** `schedule(cron, handler)`: the cron is read from the source at build time; at run time the handler is returned as it is. */
export function schedule(_cron, handler) {
  return handler;
}

/** `stream(handler)`: v1 streaming; Petrel streams a body that is a stream anyway. */
export function stream(handler) {
  return handler;
}

/** `builder(handler)`: legacy On-demand Builders, run as plain functions locally. */
export function builder(handler) {
  return handler;
}

/** The context of the request being handled (v2), as `Netlify.context`. */
export function getContext() {
  const context = globalThis.Netlify?.context;
  if (!context) {
    throw new Error(
      "getContext() can only be called within a Netlify serverless function's request handler or one of its async children.",
    );
  }
  return context;
}

/** `purgeCache()`: there is no CDN cache locally. */
export async function purgeCache(options = {}) {
  const tags = Array.isArray(options.tags) && options.tags.length ? ` for tags ${options.tags.join(", ")}` : "";
  console.log(`Skipping purgeCache${tags} in local development.`);
}
