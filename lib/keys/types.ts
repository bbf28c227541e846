/**
 * A public key as a record holds it: PEM text (SubjectPublicKeyInfo, `-----BEGIN PUBLIC KEY-----`, or
 * PKCS#1, `-----BEGIN RSA PUBLIC KEY-----`) or a JWK. `parseKeyRecord` checks the form, not the key:
 * a scheme imports it (and refuses a key of the wrong type or size) when it first needs it.
 */
export type PublicKeyMaterial =
  { readonly format: 'spki' | 'pkcs1'; readonly pem: string } | { readonly format: 'jwk'; readonly jwk: Readonly<Record<string, unknown>> };

/**
 * A key as a store returns it: who it speaks for and the secret(s) or public key(s) that prove it.
 * Several may be live for one id while a rotation is under way. The one format every store holds
 * (inline configuration, Secrets Manager, Workers KV, secret bindings); `parseKeyRecord` reads it.
 */
export interface KeyRecord {
  readonly id: string;
  /** Scheme this key may be used with ("sigv4", "api-key", ...); unset means any configured scheme. */
  readonly scheme?: string | undefined;
  /** Shared secrets, newest first (empty for a public-key record). */
  readonly secrets: readonly string[];
  /** Public keys, newest first (absent for a shared-secret record). */
  readonly publicKeys?: readonly PublicKeyMaterial[] | undefined;
  readonly principal: string;
  readonly permissions: readonly string[];
  /** SigV4 session token the client must present with this key (X-Amz-Security-Token). */
  readonly sessionToken?: string | undefined;
  /** Epoch seconds; outside [notBefore, expiresAt) the key does not exist. */
  readonly notBefore?: number | undefined;
  readonly expiresAt?: number | undefined;
  readonly disabled?: boolean | undefined;
}

/**
 * Where verifiers look keys up. `get` resolves `undefined` for an unknown id and rejects only when the
 * store itself fails (a {@link KeyStoreError}, which verifiers turn into `ERR_KEYSTORE_UNAVAILABLE`).
 */
export interface KeyStore {
  get(id: string): Promise<KeyRecord | undefined>;
  /**
   * What `get(id)` would resolve to, when the store knows it without waiting (records in memory): the
   * record, `null` for an id it knows it lacks, or `undefined` when it cannot tell now (then call
   * `get`). Optional; it never throws and does no I/O. Verifiers whose every other step is synchronous
   * (API keys on Node) use it to answer without a promise step of their own.
   */
  peek?(id: string): KeyRecord | null | undefined;
}

/** Why a store could not answer; a stable word for logs and metrics, never a value. */
export type KeyStoreFault =
  'timeout' | 'throttled' | 'server-error' | 'access-denied' | 'network' | 'malformed-response' | 'invalid-record' | 'misconfigured';

/**
 * A store's failure: the store is down, slow, refusing us, or holds a record that is not one. Its
 * message and `fault` name what went wrong, never a key id, secret or the store's own error text
 * (which can quote the secret's name). Verifiers answer it with `ERR_KEYSTORE_UNAVAILABLE`: 503 at the
 * Worker, a thrown error (500) at the Lambda authorizer, never an accept.
 */
export class KeyStoreError extends Error {
  readonly code = 'ERR_KEYSTORE_UNAVAILABLE' as const;
  readonly fault: KeyStoreFault;
  constructor(fault: KeyStoreFault, message: string) {
    super(message);
    this.name = 'KeyStoreError';
    this.fault = fault;
  }
}

/** The `fetch` a store or scheme calls (the global one by default; tests and embedders pass their own). */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/**
 * A cache a platform shares between instances (Workers KV), for documents fetched from the network
 * (a JWKS), so that a new isolate or cold start need not fetch them again. Values are public documents,
 * never secrets. `get` resolves `undefined` for a missing or expired entry; both may reject, and a
 * caller treats that as a miss.
 */
export interface SharedDocumentCache {
  get(key: string): Promise<string | undefined>;
  put(key: string, value: string, ttlSeconds: number): Promise<void>;
}
