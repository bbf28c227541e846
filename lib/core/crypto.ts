/**
 * The crypto backend: the few primitives the schemes need. Web Crypto implements it everywhere;
 * on Node a node:crypto implementation is picked through package.json `imports` (`#crypto`),
 * because synchronous node:crypto HMACs cost several times less than `crypto.subtle` there.
 */

/** SHA-256 of no bytes, lower-case hex: what a request without a body hashes to, known without hashing. */
export const EMPTY_SHA256_HEX = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Raw bytes as every backend takes and returns them; a Node `Buffer` is one too, so no copies. */
export type Bytes = Uint8Array;

/** An imported HMAC-SHA256 key; opaque outside its backend. */
export interface HmacKey {
  readonly __hmacKey: true;
}

/**
 * The primitives every scheme signs and verifies with: one per platform through `#crypto`, or passed as a
 * `crypto` option (tests, other runtimes).
 */
export interface CryptoBackend {
  readonly name: string;
  sha256(data: Bytes | string): Promise<Bytes>;
  /** Lower-case hex of SHA-256: the form SigV4 and friends put on the wire. */
  sha256Hex(data: Bytes | string): Promise<string>;
  importHmacKey(secret: Bytes | string): Promise<HmacKey>;
  hmacSha256(key: HmacKey, data: Bytes | string): Promise<Bytes>;
  hmacSha256Hex(key: HmacKey, data: Bytes | string): Promise<string>;
  /**
   * The same primitives answering at once, where the platform computes them synchronously (node:crypto).
   * Verifiers use it when present, so a verification waits only for its key lookup; a backend without it
   * (Web Crypto) is awaited step by step.
   */
  readonly sync?: SyncCryptoBackend;
}

/** {@link CryptoBackend}'s primitives without promises; keys are interchangeable with the async ones. */
export interface SyncCryptoBackend {
  sha256Hex(data: Bytes | string): string;
  importHmacKey(secret: Bytes | string): HmacKey;
  hmacSha256(key: HmacKey, data: Bytes | string): Bytes;
  hmacSha256Hex(key: HmacKey, data: Bytes | string): string;
}
