import type { AuthResult } from './result.ts';
import type { SignedRequest } from './request.ts';

/** One per scheme, made by a factory that validates its options eagerly. */
export interface Verifier {
  readonly scheme: string;
  /** Whether the request carries this scheme's credentials at all (cheap; no crypto). */
  claims(req: SignedRequest): boolean;
  /** Never throws for bad input: every failure is `{ ok: false, error }` with a stable code. */
  verify(req: SignedRequest): Promise<AuthResult>;
}

/** One per scheme and key: adds credentials to a request. */
export interface Signer {
  readonly scheme: string;
  sign(req: SignedRequest): Promise<SignedRequest>;
}
