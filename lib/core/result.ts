import type { AuthError } from './errors.ts';

/** Who a verified request speaks for. */
export interface Principal {
  readonly id: string;
  readonly permissions: readonly string[];
}

/** The success half of a verification result: which scheme and key proved the request, and whom it speaks for. */
export interface AuthSuccess {
  readonly ok: true;
  readonly scheme: string;
  /** The key id the request was signed with. Never echo it to clients in error messages. */
  readonly keyId: string;
  readonly principal: Principal;
  /**
   * Set when the signature covers a body hash (x-amz-content-sha256) but the body was not
   * available (API Gateway authorizers): the request is authentic only if its body hashes to
   * this value, which the integration must check before trusting the body.
   */
  readonly pendingBodySha256?: string;
  /** The API Gateway API key a usage plan should count this call against (set by API-key schemes). */
  readonly usageIdentifierKey?: string;
}

/** The failure half of a verification result; `error.code` is what callers switch on. */
export interface AuthFailureResult {
  readonly ok: false;
  readonly error: AuthError;
}

/** What a verification resolves to; narrow on `ok` before reading the principal or the error. */
export type AuthResult = AuthSuccess | AuthFailureResult;
