import { authError, type AuthError } from '../core/errors.ts';
import { splitUrl, type SignedRequest } from '../core/request.ts';

/**
 * Reads a Web `Request` into the request model: raw path and query split from `request.url`
 * without `new URL()` normalisation, headers as pairs, the body read with a hard cap.
 *
 * Note: `Headers` has already joined repeated headers with ", " (except Set-Cookie), which is
 * also how SigV4 canonicalizes them, so signatures over repeated headers still verify.
 */
export async function toSignedRequest(
  request: Request,
  maxBodyBytes: number,
): Promise<{ ok: true; request: SignedRequest } | { ok: false; error: AuthError }> {
  const { path, query } = splitUrl(request.url);
  const headers: Array<[string, string]> = [];
  request.headers.forEach((value, name) => headers.push([name, value]));
  const declared = request.headers.get('content-length');
  if (declared !== null && (!/^\d+$/.test(declared) || Number(declared) > maxBodyBytes)) {
    return { ok: false, error: authError('ERR_BODY_TOO_LARGE', 'request body is too large') };
  }
  let body = new Uint8Array();
  if (request.body) {
    const chunks: Uint8Array[] = [];
    let total = 0;
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBodyBytes) {
        await reader.cancel().catch(() => undefined);
        return { ok: false, error: authError('ERR_BODY_TOO_LARGE', 'request body is too large') };
      }
      chunks.push(value);
    }
    body = new Uint8Array(total);
    let offset = 0;
    for (const c of chunks) {
      body.set(c, offset);
      offset += c.byteLength;
    }
  }
  return { ok: true, request: { method: request.method.toUpperCase(), path, query, headers, body } };
}
