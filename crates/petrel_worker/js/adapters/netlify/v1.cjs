// @ts-check
/**
 * Netlify Functions v1 (Lambda-compatible): `handler(event, context[, callback])` returning, or
 * passing to the callback, `{ statusCode, headers?, multiValueHeaders?, body?, isBase64Encoded? }`
 * (reference §2.2; cases 22-26).
 */
"use strict";
const { randomUUID, randomBytes } = require("node:crypto");
const { Readable } = require("node:stream");
const { pipeline } = require("node:stream/promises");
const { PLATFORM_HEADERS, platformHeaders, requestOrigin, requestUrl, siteInfo } = require("./platform.cjs");
const { methodHasBody, readBody } = require("./body.cjs");
const { sendInvocationError, sendTextError, sendPlatformError, latin1Message, findNonLatin1 } = require("./errors.cjs");
const { pumpWebStream } = require("./v2.cjs");

/** Content types whose bodies reach a v1 function as text; every other body is base64. */
const TEXT_TYPES = new Set([
  "application/json",
  "application/javascript",
  "application/x-www-form-urlencoded",
  "application/x-ndjson",
  "application/xml",
  "application/graphql",
  "application/csp-report",
]);

/** Netlify's default function timeout (DECISIONS.md), for `getRemainingTimeInMillis`. */
const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * @typedef {import('../netlify.cjs').NetlifyContext} NetlifyContext
 */

/**
 * The `handler` of a v1 module (also under `default`, for a CommonJS module imported as ESM), or null.
 * @param {any} mod
 * @returns {Function | null}
 */
function v1Entry(mod) {
  if (typeof mod?.handler === "function") return mod.handler;
  if (typeof mod?.default?.handler === "function") return mod.default.handler;
  return null;
}

/** @param {string} name */
function v1ShapeMessage(name) {
  return (
    `Function "${name}" does not export a \`handler\` function. A Lambda-style (v1) function must ` +
    'export one: `export const handler = async (event, context) => ({ statusCode: 200, body: "ok" })` ' +
    "(in CommonJS `exports.handler = ...`). For a web-standard (v2) function, default-export " +
    '`async (req, context) => new Response("ok")` and no `handler`.\n'
  );
}

/**
 * Whether a body with this content type is passed base64-encoded: false for `text/*`, `*+json`,
 * `*+xml` and the listed textual application types; true otherwise, and when there is no type.
 * @param {string | undefined} contentType
 */
function isBinaryContentType(contentType) {
  if (!contentType) return true;
  const type = contentType.split(";")[0].trim().toLowerCase();
  if (type.startsWith("text/")) return false;
  if (type.endsWith("+json") || type.endsWith("+xml")) return false;
  return !TEXT_TYPES.has(type);
}

/**
 * The v1 event (reference §2.2 table).
 * @param {import('node:http').IncomingMessage} req
 * @param {NetlifyContext} ctx @param {string} requestId
 * @param {Buffer | null} body
 */
function buildEvent(req, ctx, requestId, body) {
  const url = requestUrl(req, ctx.server);
  /** @type {Map<string, string[]>} */
  const multi = new Map();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (PLATFORM_HEADERS.has(name)) continue;
    const list = multi.get(name);
    if (list) list.push(raw[i + 1]);
    else multi.set(name, [raw[i + 1]]);
  }
  for (const [name, value] of platformHeaders(req, requestId, ctx.env)) multi.set(name, [value]);

  /** @type {Map<string, string[]>} */
  const query = new Map();
  for (const [key, value] of url.searchParams) {
    const list = query.get(key);
    if (list) list.push(value);
    else query.set(key, [value]);
  }

  const binary = isBinaryContentType(req.headers["content-type"]);
  // Object.fromEntries defines own properties, so a header or key named `__proto__` stays data.
  /** @type {Record<string, unknown>} */
  const event = {
    path: url.pathname,
    httpMethod: req.method ?? "GET",
    headers: Object.fromEntries([...multi].map(([k, v]) => [k, v.join(", ")])),
    multiValueHeaders: Object.fromEntries(multi),
    queryStringParameters: Object.fromEntries([...query].map(([k, v]) => [k, v.join(", ")])),
    multiValueQueryStringParameters: Object.fromEntries(query),
    // No body bytes: no `body` at all, as `netlify dev` gives it (the key is absent).
    body: body && body.length > 0 ? body.toString(binary ? "base64" : "utf8") : undefined,
    isBase64Encoded: binary,
    rawUrl: url.href,
    rawQuery: url.search.slice(1),
  };
  if (ctx.route) event.route = ctx.route;
  return event;
}

/**
 * `context.clientContext`: for `Authorization: Bearer <JWT>` the token's claims, decoded without
 * verifying the signature (as `netlify dev` does; Netlify verifies Identity tokens in
 * production), else `{}`. `identity.token` is the bearer token itself: there is no Identity
 * service here to mint an admin token.
 * @param {import('node:http').IncomingMessage} req @param {string} siteUrl
 */
function clientContextFor(req, siteUrl) {
  const auth = req.headers.authorization;
  const match = typeof auth === "string" ? /^Bearer\s+(\S+)\s*$/i.exec(auth) : null;
  if (!match) return {};
  const parts = match[1].split(".");
  if (parts.length !== 3) return {};
  /** @type {unknown} */
  let user;
  try {
    user = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
  } catch {
    return {};
  }
  if (!user || typeof user !== "object" || Array.isArray(user)) return {};
  const identity = { url: `${siteUrl.replace(/\/$/, "")}/.netlify/identity`, token: match[1] };
  return {
    identity,
    user,
    custom: { netlify: Buffer.from(JSON.stringify({ identity, user })).toString("base64") },
  };
}

/**
 * The Lambda context; `done`/`fail`/`succeed` are attached by `invokeHandler`.
 * @param {import('node:http').IncomingMessage} req @param {NetlifyContext} ctx
 */
function buildLambdaContext(req, ctx) {
  const name = ctx.name;
  const deadline = Date.now() + (ctx.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const region = process.env.AWS_REGION || "us-east-2";
  const day = new Date().toISOString().slice(0, 10).replace(/-/g, "/");
  const site = siteInfo(ctx.env, requestOrigin(req, ctx.server));
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: name,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${name}`,
    memoryLimitInMB: "1024",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: `${day}/[$LATEST]${randomBytes(16).toString("hex")}`,
    identity: undefined,
    clientContext: clientContextFor(req, site.url),
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    /** @type {(err?: unknown, result?: unknown) => void} */
    done: () => {},
    /** @type {(err?: unknown) => void} */
    fail: () => {},
    /** @type {(result?: unknown) => void} */
    succeed: () => {},
  };
}

/**
 * Call the handler and settle with the first result it gives: its promise, the callback, or
 * `context.done/succeed/fail`. A handler that declares the callback parameter and returns (or
 * resolves) `undefined` is waiting to call it, so its return value is not the result.
 * @param {Function} handler @param {object} event @param {ReturnType<typeof buildLambdaContext>} context
 * @returns {Promise<unknown>}
 */
function invokeHandler(handler, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    /** @param {unknown} value */
    const ok = (value) => {
      if (!settled) {
        settled = true;
        resolve(value);
      }
    };
    /** @param {unknown} err */
    const fail = (err) => {
      if (!settled) {
        settled = true;
        reject(err);
      }
    };
    /** @param {unknown} err @param {unknown} value */
    const callback = (err, value) => (err !== null && err !== undefined ? fail(err) : ok(value));
    context.done = callback;
    context.succeed = (value) => ok(value);
    context.fail = (err) => fail(err ?? new Error("context.fail() was called"));
    const usesCallback = handler.length >= 3;

    let returned;
    try {
      returned = handler(event, context, callback);
    } catch (err) {
      fail(err);
      return;
    }
    if (returned && typeof (/** @type {any} */ (returned).then) === "function") {
      /** @type {PromiseLike<unknown>} */ (returned).then(
        (value) => {
          if (value !== undefined || !usesCallback) ok(value);
        },
        (err) => fail(err ?? new Error("The handler's promise was rejected without a reason")),
      );
    } else if (returned !== undefined || !usesCallback) {
      ok(returned);
    }
  });
}

/** @param {unknown} value */
function describeValue(value) {
  if (typeof value === "string") return JSON.stringify(value);
  if (value && typeof value === "object") {
    try {
      const json = JSON.stringify(value);
      if (json !== undefined) return json.length > 200 ? `${json.slice(0, 200)}…` : json;
    } catch {
      // circular: fall through
    }
  }
  return String(value);
}

/** @param {unknown} body */
function isNodeReadable(body) {
  return !!body && typeof body === "object" && typeof (/** @type {any} */ (body).pipe) === "function" &&
    typeof (/** @type {any} */ (body).on) === "function";
}

/** @param {unknown} body */
function isWebStream(body) {
  return !!body && typeof body === "object" && typeof (/** @type {any} */ (body).getReader) === "function";
}

/**
 * Send a v1 result, or the platform's 500 for an invalid one.
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {NetlifyContext} ctx @param {unknown} result
 */
async function sendResult(req, res, ctx, result) {
  const invalid = (/** @type {string} */ message) => {
    ctx.log.error(`Function ${ctx.name}: ${message}`);
    sendPlatformError(res, 500, message);
  };
  if (result === undefined) return invalid("lambda response was undefined. check your function code again");
  if (result === null) {
    return invalid(
      "no lambda response. check your function code again. make sure to return a promise or use the callback.",
    );
  }
  const r = /** @type {any} */ (result);
  const statusCode = typeof r === "object" ? r.statusCode : undefined;
  if (typeof statusCode !== "number" || statusCode === 0 || Number.isNaN(statusCode)) {
    return invalid(`Your function response must have a numerical statusCode. You gave: ${statusCode}`);
  }
  if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 999) {
    return invalid(`Your function response has an invalid statusCode: ${statusCode}. Use an HTTP status code (100-999).`);
  }
  const body = r.body;
  const stream = isNodeReadable(body) || isWebStream(body);
  if (body !== undefined && body !== null && typeof body !== "string" && !stream) {
    return invalid(`Your function response must have a string or a stream body. You gave: ${describeValue(body)}`);
  }

  /** @type {Array<[string, string | string[]]>} */
  const headers = [];
  const single = r.headers && typeof r.headers === "object" ? r.headers : {};
  for (const [name, value] of Object.entries(single)) {
    if (value === undefined || value === null) continue;
    headers.push([name, Array.isArray(value) ? value.map(String) : String(value)]);
  }
  const multi = r.multiValueHeaders && typeof r.multiValueHeaders === "object" ? r.multiValueHeaders : {};
  for (const [name, value] of Object.entries(multi)) {
    if (value === undefined || value === null) continue;
    headers.push([name, (Array.isArray(value) ? value : [value]).map(String)]);
  }
  /** @type {Array<[string, string]>} */
  const flat = headers.flatMap(([n, v]) => (Array.isArray(v) ? v.map((x) => /** @type {[string, string]} */ ([n, x])) : [[n, v]]));
  const bad = findNonLatin1(flat);
  if (bad) return invalid(latin1Message(`header "${bad[0]}"`).trimEnd());

  res.statusCode = statusCode;
  for (const [name, value] of headers) {
    try {
      res.setHeader(name, value); // multiValueHeaders come second and win
    } catch (err) {
      return invalid(`Your function response has an invalid header "${name}": ${/** @type {Error} */ (err).message}`);
    }
  }

  if (!stream) {
    if (body === undefined || body === null || body === "") {
      res.end();
    } else {
      res.end(r.isBase64Encoded === true ? Buffer.from(body, "base64") : body);
    }
    return;
  }
  if (req.method === "HEAD") {
    if (isWebStream(body)) body.cancel?.().catch?.(() => {});
    else body.destroy?.();
    res.end();
    return;
  }
  try {
    if (isWebStream(body)) {
      await pumpWebStream(res, body);
    } else {
      res.flushHeaders();
      await pipeline(/** @type {Readable} */ (body), res);
    }
  } catch (err) {
    if (res.destroyed && !res.writableFinished && /** @type {any} */ (err)?.code === "ERR_STREAM_PREMATURE_CLOSE") {
      return; // the client went away
    }
    sendInvocationError(req, res, ctx, err);
  }
}

/**
 * Serve one request with a v1 function.
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {NetlifyContext} ctx
 * @param {any} mod the function's module namespace
 * @param {string} requestId
 * @param {number} limit request body limit in bytes
 * @param {() => void} sendTooLarge answers 413
 */
async function serveV1(req, res, ctx, mod, requestId, limit, sendTooLarge) {
  const handler = v1Entry(mod);
  if (!handler) {
    const message = v1ShapeMessage(ctx.name);
    ctx.log.error(message.trimEnd());
    sendTextError(res, 500, message);
    return;
  }
  /** @type {Buffer | null} */
  let body = null;
  if (methodHasBody(req.method)) {
    try {
      body = await readBody(req, limit);
    } catch {
      res.destroy(); // the client went away mid-body
      return;
    }
    if (body === null) {
      sendTooLarge();
      return;
    }
  }
  const event = buildEvent(req, ctx, requestId, body);
  const context = buildLambdaContext(req, ctx);
  let result;
  try {
    result = await invokeHandler(handler, event, context);
  } catch (err) {
    sendInvocationError(req, res, ctx, err);
    return;
  }
  await sendResult(req, res, ctx, result);
}

module.exports = {
  serveV1,
  v1Entry,
  buildEvent,
  buildLambdaContext,
  clientContextFor,
  invokeHandler,
  isBinaryContentType,
  sendResult,
};
