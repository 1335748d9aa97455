// @ts-check
/**
 * Request bodies for Netlify Functions under the platform's buffered payload limit (6 MB,
 * reference §7, case 45): v1 gets the whole body as one buffer, v2 a Web stream that fails once
 * the limit is passed. Over the limit the request is answered 413; `netlify dev` crashes there
 * instead, Petrel must not.
 *
 * The rest of an oversized body is read and dropped (never `req.destroy()`, which would close the
 * connection before the 413 is written).
 */
"use strict";

const DEFAULT_BODY_LIMIT = 6_000_000;

/** Thrown into a v2 request body stream once the limit is passed. */
class BodyTooLargeError extends Error {
  /** @param {number} limit */
  constructor(limit) {
    super(`Request body exceeds the limit of ${formatLimit(limit)}`);
    this.name = "BodyTooLargeError";
    this.limit = limit;
  }
}

/** @param {number} limit bytes */
function formatLimit(limit) {
  if (limit >= 1_000_000 && limit % 1_000_000 === 0) return `${limit} bytes (${limit / 1_000_000} MB)`;
  if (limit >= 1000 && limit % 1000 === 0) return `${limit} bytes (${limit / 1000} KB)`;
  return `${limit} bytes`;
}

/**
 * True when the request announces (Content-Length) a body larger than the limit.
 * @param {import('node:http').IncomingMessage} req @param {number} limit
 */
function declaresTooLarge(req, limit) {
  const length = req.headers["content-length"];
  return length !== undefined && /^\d+$/.test(length) && Number(length) > limit;
}

/**
 * Whether the method carries a body to the function (Netlify reads bodies of everything but
 * GET and HEAD).
 * @param {string | undefined} method
 */
function methodHasBody(method) {
  return method !== "GET" && method !== "HEAD";
}

/** Read and drop whatever is left of the request body. @param {import('node:http').IncomingMessage} req */
function discardRest(req) {
  req.resume(); // with no `data` listener left, chunks are dropped
}

/**
 * The whole body, or `null` when it is larger than `limit` (the rest is then discarded).
 * Rejects when the client goes away mid-body.
 * @param {import('node:http').IncomingMessage} req @param {number} limit
 * @returns {Promise<Buffer | null>}
 */
function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const chunks = [];
    let size = 0;
    const onData = (/** @type {Buffer} */ chunk) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        discardRest(req);
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    };
    const onError = (/** @type {Error} */ err) => {
      cleanup();
      reject(err);
    };
    const onAborted = () => onError(new Error("The client closed the connection while sending the request body"));
    function cleanup() {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("aborted", onAborted);
    }
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("aborted", onAborted);
  });
}

/**
 * The request body as a Web stream that errors with `BodyTooLargeError` (and calls `onTooLarge`)
 * once more than `limit` bytes arrived. Backpressure: the request is paused while the stream's
 * queue is full. When the response closes before the body was read to the end, the rest is
 * drained (so a kept-alive connection can carry the next request) and the stream errors.
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {number} limit @param {() => void} onTooLarge
 * @returns {ReadableStream<Uint8Array>}
 */
function limitedBodyStream(req, res, limit, onTooLarge) {
  let size = 0;
  let done = false;
  /** @type {ReadableStreamDefaultController<Uint8Array>} */
  let controller;
  const onData = (/** @type {Buffer} */ chunk) => {
    if (done) return;
    size += chunk.length;
    if (size > limit) {
      finish();
      discardRest(req);
      onTooLarge();
      controller.error(new BodyTooLargeError(limit));
      return;
    }
    controller.enqueue(chunk);
    if ((controller.desiredSize ?? 1) <= 0) req.pause();
  };
  const onEnd = () => {
    if (done) return;
    finish();
    controller.close();
  };
  const onError = (/** @type {Error} */ err) => {
    if (done) return;
    finish();
    controller.error(err);
  };
  const onAborted = () => onError(new Error("The client closed the connection while sending the request body"));
  function finish() {
    done = true;
    req.off("data", onData);
    req.off("end", onEnd);
    req.off("error", onError);
    req.off("aborted", onAborted);
  }
  res.once("close", () => {
    if (done) return;
    finish();
    discardRest(req);
    controller.error(new Error("The response was sent before the request body was read"));
  });
  return new ReadableStream({
    start(c) {
      controller = c;
      req.on("data", onData);
      req.on("end", onEnd);
      req.on("error", onError);
      req.on("aborted", onAborted);
    },
    pull() {
      if (!done) req.resume();
    },
    cancel() {
      if (done) return;
      finish();
      discardRest(req);
    },
  });
}

/**
 * The 413 text.
 * @param {string} name function name @param {number} limit
 */
function tooLargeMessage(name, limit) {
  return (
    `Payload Too Large: the request body sent to function "${name}" is larger than the ` +
    `${formatLimit(limit)} a Netlify Function accepts. Netlify rejects such requests too; ` +
    "send large uploads somewhere other than through a function (for example straight to storage).\n"
  );
}

module.exports = {
  DEFAULT_BODY_LIMIT,
  BodyTooLargeError,
  formatLimit,
  declaresTooLarge,
  methodHasBody,
  readBody,
  limitedBodyStream,
  tooLargeMessage,
};
