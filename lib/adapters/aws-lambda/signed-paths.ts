import type { Authenticator } from '../../authenticator.ts';
import type { SignedRequest } from '../../core/request.ts';
import type { AuthResult } from '../../core/result.ts';

/**
 * How many of a REST event's path readings a scheme that asks a remote service per verification
 * (MAuth's remote mode) is tried with: each try is a call to that service carrying the body, so an
 * inauthentic request costs at most this many calls. The first readings are the likeliest: the path
 * API Gateway saw, as SDKs escape it and as curl and browsers do.
 */
export const MAX_REMOTE_PATHS = 2;

/**
 * Authenticates with each path the client may have signed (REST events cannot say which), the
 * first as given. A signature mismatch, or an unknown key, moves on to the next path; any other
 * answer stands. An unknown key is tried with every path as a wrong signature is, so that the time
 * an answer takes does not tell a known key from an unknown one by the number of paths tried.
 */
export async function authenticateAny(auth: Authenticator, req: SignedRequest, paths: readonly string[]): Promise<AuthResult> {
  const [first, ...rest] = paths.length > 0 ? paths : [req.path];
  let result = await auth.authenticate({ ...req, path: first! });
  if (rest.length === 0 || !retried(result)) return result;
  const selected = auth.select(req);
  const tries = selected.ok && selected.scheme.verifier.asksRemotely === true ? rest.slice(0, MAX_REMOTE_PATHS - 1) : rest;
  for (const path of tries) {
    result = await auth.authenticate({ ...req, path });
    if (!retried(result)) break;
  }
  return result;
}

/** The answers that may come from the wrong path rather than the wrong credentials. */
const RETRIED: ReadonlySet<string> = new Set(['ERR_SIGNATURE_INVALID', 'ERR_KEY_NOT_FOUND']);
const retried = (result: AuthResult) => !result.ok && RETRIED.has(result.error.code);
