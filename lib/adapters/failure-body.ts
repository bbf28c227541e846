// The body an HTTP answer to a failed request carries when its scheme has a shape of its own
// (SchemeImplementation.failureBody). Nothing scheme-specific here: the descriptors decide.
import type { Authenticator } from '../authenticator-core.ts';
import type { AuthError } from '../core/errors.ts';
import type { SignedRequest } from '../core/request.ts';

/**
 * The scheme's own failure body for `error` (already in its public form), or `undefined` for the
 * adapter's usual body. The scheme is the one the request speaks; for a request that speaks none and
 * carries no credentials at all (`ERR_AUTH_MISSING`), the only configured scheme when there is one.
 * Never throws: a hook that throws or returns nothing leaves the usual body.
 */
export function schemeFailureBody(auth: Authenticator, req: SignedRequest | undefined, error: AuthError): unknown {
  try {
    const selected = req ? auth.select(req) : undefined;
    const scheme = selected?.ok
      ? selected.scheme
      : error.code === 'ERR_AUTH_MISSING' && auth.schemes.length === 1
        ? auth.schemes[0]
        : undefined;
    if (!scheme?.descriptor.failureBody) return undefined;
    return scheme.descriptor.failureBody(error, scheme.options) ?? undefined;
  } catch {
    return undefined;
  }
}
