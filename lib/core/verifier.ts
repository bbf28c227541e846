import type { AuthResult } from './result.ts';
import type { SignedRequest } from './request.ts';

/** One per scheme, made by a factory that validates its options eagerly. */
export interface Verifier {
  readonly scheme: string;
  /** Whether the request carries this scheme's credentials at all (cheap; no crypto). */
  claims(req: SignedRequest): boolean;
  /** Never throws for bad input: every failure is `{ ok: false, error }` with a stable code. */
  verify(req: SignedRequest): Promise<AuthResult>;
  /**
   * Whether an answer may stand for other routes (API Gateway caches authorizer answers by identity
   * source). False for signature schemes: a signed header proves one method, path and body, and a
   * cached route-wide answer would turn it into a bearer token. True only for bearer credentials.
   */
  readonly cacheableAcrossRoutes: boolean;
  /** The request parts that carry this scheme's credentials: stripped before a request goes to the origin. */
  readonly credentials: CredentialParts;
}

/** Header names (lower-case) and query keys (matched case-insensitively) that carry credentials. */
export interface CredentialParts {
  readonly headers: readonly string[];
  readonly query: readonly string[];
}

/** One per scheme and key: adds credentials to a request. */
export interface Signer {
  readonly scheme: string;
  sign(req: SignedRequest): Promise<SignedRequest>;
}
