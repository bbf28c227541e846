// What a MAuth failure says to a client, in the original's words and its middleware's shape.
import type { AuthError } from '../../core/errors.ts';
import { MAUTH_MESSAGES } from './verifier.ts';

/** The original middleware's failure body: `{"errors":{"mauth":["<message>"]}}`. */
export interface MAuthFailureBody {
  readonly errors: { readonly mauth: readonly string[] };
}

/**
 * The original's message for a failure (MAUTH_MESSAGES): a missing signature as the original words it
 * (naming only the v2 header in v2-only mode), any bad signature (an unknown app uuid included) as
 * "Signature verification failed for request."; otherwise the verifier's own message, which is the
 * original's where it has one and never quotes a value.
 */
export function mauthFailureMessage(error: AuthError, options: { readonly v2Only?: boolean } = {}): string {
  if (error.code === 'ERR_AUTH_MISSING') return options.v2Only === true ? MAUTH_MESSAGES.missingV2Only : MAUTH_MESSAGES.missing;
  if (error.code === 'ERR_SIGNATURE_INVALID' || error.code === 'ERR_KEY_NOT_FOUND') return MAUTH_MESSAGES.signature;
  return error.message;
}

/** The failure body of a MAuth request (the scheme descriptor's `failureBody`). */
export function mauthFailureBody(error: AuthError, options: { readonly v2Only?: boolean } = {}): MAuthFailureBody {
  return { errors: { mauth: [mauthFailureMessage(error, options)] } };
}
