import type { AuthError } from './errors.ts';

/** Who a verified request speaks for. */
export interface Principal {
  readonly id: string;
  readonly permissions: readonly string[];
}

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

export interface AuthFailureResult {
  readonly ok: false;
  readonly error: AuthError;
}

export type AuthResult = AuthSuccess | AuthFailureResult;
