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
 * A `Request`'s headers as pairs (lower-case names, repeated values joined, as `Headers` holds them), in
 * one walk; the caller may pass them to {@link readRequest} so it does not walk them again.
 *
 * @internal
 */
export function headerPairs(request: Request): Array<[string, string]> {
  const headers: Array<[string, string]> = [];
  request.headers.forEach((value, name) => {
    headers.push([name, value]);
  });
  return headers;
}

/**
 * {@link toSignedRequest} for a caller that has split `request.url` already (the Hono middleware
 * judges the route on the raw path first). Synchronous for a request without a body (a GET, a
 * HEAD): a promise only when there is a stream to read.
 *
 * @internal
 */
export function readRequest(
  request: Request,
  path: string,
  query: string,
  maxBodyBytes: number,
  pairs?: Array<[string, string]>,
): ReadRequest | Promise<ReadRequest> {
  const headers = pairs ?? headerPairs(request);
  // Headers yields lower-case names, repeated values joined: one Content-Length at most.
  let declared: string | undefined;
  for (const [name, value] of headers) if (name === 'content-length') declared = value;
  if (declared !== undefined && (!/^\d+$/.test(declared) || Number(declared) > maxBodyBytes)) {
    return { ok: false, error: authError('ERR_BODY_TOO_LARGE', 'request body is too large') };
  }
  // As fetch hands it over (the six standard methods upper-case, any other as sent) and as the origin
  // gets it: a signature over "PATCH" does not stand for a request sent as "patch".
  const method = request.method;
  const stream = request.body;
  if (!stream) return { ok: true, request: { method, path, query, headers, body: new Uint8Array() } };
  return readBoundedStream(stream, maxBodyBytes).then((body): ReadRequest =>
    body
      ? { ok: true, request: { method, path, query, headers, body } }
      : { ok: false, error: authError('ERR_BODY_TOO_LARGE', 'request body is too large') },
  );
}
