/**
 * A key as a store returns it: who it speaks for and the secret(s) that prove it. Several secrets
 * may be live for one id while a rotation is under way.
 */
export interface KeyRecord {
  readonly id: string;
  /** Scheme this key may be used with ("sigv4", "api-key", ...); unset means any shared-secret scheme. */
  readonly scheme?: string | undefined;
  /** Shared secrets, newest first. */
  readonly secrets: readonly string[];
  readonly principal: string;
  readonly permissions: readonly string[];
  /** SigV4 session token the client must present with this key (X-Amz-Security-Token). */
  readonly sessionToken?: string | undefined;
  /** Epoch seconds; outside [notBefore, expiresAt) the key does not exist. */
  readonly notBefore?: number | undefined;
  readonly expiresAt?: number | undefined;
  readonly disabled?: boolean | undefined;
}

/** Where verifiers look keys up. `get` resolves `undefined` for an unknown id and rejects only when the store itself fails. */
export interface KeyStore {
  get(id: string): Promise<KeyRecord | undefined>;
}
