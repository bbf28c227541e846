import { authError, type AuthError } from '../core/errors.ts';
import { splitUrl, type SignedRequest } from '../core/request.ts';
import { readBoundedStream } from '../core/bounded-body.ts';

/** A request read into the request model, or why it could not be. */
export type ReadRequest = { ok: true; request: SignedRequest } | { ok: false; error: AuthError };

/**
 * Reads a Web `Request` into the request model: raw path and query split from `request.url`
 * without `new URL()` normalisation, headers as pairs, the body read with a hard cap.
 *
 * Note: `Headers` has already joined repeated headers with ", " (except Set-Cookie), which is
 * also how SigV4 canonicalizes them, so signatures over repeated headers still verify.
 */
export async function toSignedRequest(request: Request, maxBodyBytes: number): Promise<ReadRequest> {
  const { path, query } = splitUrl(request.url);
  return readRequest(request, path, query, maxBodyBytes);
}

/**
 * {@link toSignedRequest} for a caller that has split `request.url` already (the Hono middleware
 * judges the route on the raw path first). Synchronous for a request without a body (a GET, a
 * HEAD): a promise only when there is a stream to read.
 *
 * @internal
 */
export function readRequest(request: Request, path: string, query: string, maxBodyBytes: number): ReadRequest | Promise<ReadRequest> {
  const headers: Array<[string, string]> = [];
  // Content-Length is read from the pairs as they are collected rather than by a second `headers.get()`:
  // the same value (Headers yields lower-case names, repeated values joined), one walk instead of two.
  let declared: string | undefined;
  request.headers.forEach((value, name) => {
    headers.push([name, value]);
    if (name === 'content-length') declared = value;
  });
  if (declared !== undefined && (!/^\d+$/.test(declared) || Number(declared) > maxBodyBytes)) {
    return { ok: false, error: authError('ERR_BODY_TOO_LARGE', 'request body is too large') };
  }
  const method = request.method.toUpperCase();
  const stream = request.body;
  if (!stream) return { ok: true, request: { method, path, query, headers, body: new Uint8Array() } };
  return readBoundedStream(stream, maxBodyBytes).then((body): ReadRequest =>
    body
      ? { ok: true, request: { method, path, query, headers, body } }
      : { ok: false, error: authError('ERR_BODY_TOO_LARGE', 'request body is too large') },
  );
}
