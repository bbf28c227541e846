import type { Authenticator } from '../../authenticator.ts';
import type { SignedRequest } from '../../core/request.ts';
import type { AuthResult } from '../../core/result.ts';

/**
 * Authenticates with each path the client may have signed (REST events cannot say which), the
 * first as given. Only a signature mismatch moves on to the next path; any other answer stands.
 */
export async function authenticateAny(auth: Authenticator, req: SignedRequest, paths: readonly string[]): Promise<AuthResult> {
  const [first, ...rest] = paths.length > 0 ? paths : [req.path];
  let result = await auth.authenticate({ ...req, path: first! });
  for (const path of rest) {
    if (result.ok || result.error.code !== 'ERR_SIGNATURE_INVALID') break;
    result = await auth.authenticate({ ...req, path });
  }
  return result;
}
