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
  /** Lower-case hex of SHA-512 (MAuth); absent from a backend, Web Crypto's digest is used. */
  sha512Hex?(data: Bytes | string): Promise<string>;
  /**
   * The same primitives answering at once, where the platform computes them synchronously (node:crypto).
   * Verifiers use it when present, so a verification waits only for its key lookup; a backend without it
   * (Web Crypto) is awaited step by step.
   */
  readonly sync?: SyncCryptoBackend;
  /**
   * RSA for the schemes that sign with it (MAuth). Both built-in backends have it: node:crypto on Node,
   * Web Crypto plus a BigInt raw operation (which Web Crypto lacks) elsewhere.
   */
  readonly rsa?: RsaBackend;
  /** Asymmetric JWS signatures (JWT): node:crypto on Node, Web Crypto elsewhere. */
  readonly jws?: JwsBackend;
}

/** An imported RSA public key; opaque outside its backend. `bits` is the modulus size. */
export interface RsaPublicKey {
  readonly __rsaPublicKey: true;
  readonly bits: number;
}

/** An imported RSA private key; opaque outside its backend. `bits` is the modulus size. */
export interface RsaPrivateKey {
  readonly __rsaPrivateKey: true;
  readonly bits: number;
}

/** An RSA public key as a record holds it (see lib/keys/types.ts `PublicKeyMaterial`). */
export type RsaPublicKeyInput =
  { readonly format: 'spki' | 'pkcs1'; readonly pem: string } | { readonly format: 'jwk'; readonly jwk: Readonly<Record<string, unknown>> };

/**
 * The RSA operations MAuth needs. v2 is RSASSA-PKCS1-v1_5 with SHA-512; v1 is a raw RSA operation over
 * a PKCS#1 v1.5 type-1 block without DigestInfo (`00 01 FF..FF 00 || payload`), which Web Crypto
 * cannot do, so the Web backend computes it with BigInt.
 */
export interface RsaBackend {
  /**
   * Imports a public key (PEM SPKI, PEM PKCS#1 or an RSA JWK).
   *
   * @throws (rejects) TypeError when it is not an RSA public key.
   */
  importPublicKey(input: RsaPublicKeyInput): Promise<RsaPublicKey>;
  /**
   * Imports a private key from PEM: PKCS#1 (`BEGIN RSA PRIVATE KEY`) or PKCS#8 (`BEGIN PRIVATE KEY`).
   *
   * @throws (rejects) TypeError when it is not an RSA private key; the message never quotes the key.
   */
  importPrivateKey(pem: string): Promise<RsaPrivateKey>;
  /** RSASSA-PKCS1-v1_5 with SHA-512 over `data`: whether `signature` is valid. Never rejects for a bad signature. */
  verifySha512(key: RsaPublicKey, data: Bytes, signature: Bytes): Promise<boolean>;
  /** RSASSA-PKCS1-v1_5 with SHA-512 over `data`. */
  signSha512(key: RsaPrivateKey, data: Bytes): Promise<Bytes>;
  /**
   * The raw public operation `s^e mod n` on a signature as long as the modulus, and the whole result
   * checked as a type-1 block: `00 01`, at least eight `FF`, `00`, payload. The payload, or undefined
   * when the signature is the wrong length, not below the modulus, or the block is not exactly that.
   */
  recoverType1(key: RsaPublicKey, signature: Bytes): Promise<Bytes | undefined>;
  /** `payload` in a type-1 block the size of the modulus, then the raw private operation (what OpenSSL's private_encrypt does). */
  signType1(key: RsaPrivateKey, payload: Bytes): Promise<Bytes>;
}

/** {@link CryptoBackend}'s primitives without promises; keys are interchangeable with the async ones. */
export interface SyncCryptoBackend {
  sha256Hex(data: Bytes | string): string;
  importHmacKey(secret: Bytes | string): HmacKey;
  hmacSha256(key: HmacKey, data: Bytes | string): Bytes;
  hmacSha256Hex(key: HmacKey, data: Bytes | string): string;
  /**
   * Lower-case hex HMAC-SHA256 over `parts` one after another (strings as UTF-8), as if they were one
   * buffer: USTUDIO-HMAC-V2 signs its text and then the body, which is not copied to join them.
   */
  hmacSha256HexParts?(key: HmacKey, parts: readonly (Bytes | string)[]): string;
  /** Lower-case hex of SHA-512 (MAuth). */
  sha512Hex?(data: Bytes | string): string;
  /**
   * Lower-case hex of SHA-512 over `parts` one after another (strings as UTF-8), as if they were one
   * buffer: MAuth v1 hashes its string to sign straight from the request, without copying the body.
   */
  sha512HexParts?(parts: readonly (Bytes | string)[]): string;
  /** {@link RsaBackend} answering at once (node:crypto); its keys are interchangeable with the async face's. */
  readonly rsa?: SyncRsaBackend;
  /** {@link JwsBackend} answering at once (node:crypto); its keys are interchangeable with the async face's. */
  readonly jws?: SyncJwsBackend;
}

/** {@link RsaBackend} without promises: what node:crypto computes synchronously. */
export interface SyncRsaBackend {
  importPublicKey(input: RsaPublicKeyInput): RsaPublicKey;
  importPrivateKey(pem: string): RsaPrivateKey;
  verifySha512(key: RsaPublicKey, data: Bytes, signature: Bytes): boolean;
  signSha512(key: RsaPrivateKey, data: Bytes): Bytes;
  recoverType1(key: RsaPublicKey, signature: Bytes): Bytes | undefined;
  signType1(key: RsaPrivateKey, payload: Bytes): Bytes;
}

/**
 * The asymmetric JWS algorithms (RFC 7518 section 3, RFC 8037) a JWT may be signed with here. No HMAC
 * (`HS*`) and no `none`, ever: a verifier holding a public key must never treat it as a shared secret.
 */
export type JwsAlgorithm = 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'ES256' | 'ES384' | 'EdDSA';

/** A public key as a record holds it, of any type: PEM (SPKI, or PKCS#1 for RSA) or a JWK (RSA, EC or OKP). */
export type PublicKeyInput = RsaPublicKeyInput;

/**
 * A public key imported for exactly one JWS algorithm; opaque outside its backend. The import checked
 * that the key's type suits the algorithm (an RSA key is never an ES256 key), so a key verifies only
 * signatures of its `alg`.
 */
export interface JwsPublicKey {
  readonly __jwsPublicKey: true;
  readonly alg: JwsAlgorithm;
}

/** JWS signature verification: keys imported per algorithm, signatures as JOSE writes them (ECDSA as raw r||s). */
export interface JwsBackend {
  /**
   * Imports `input` to verify `alg` signatures: RSA (at least `minRsaBits`) for RS* and PS*, P-256 for
   * ES256, P-384 for ES384, Ed25519 for EdDSA.
   *
   * @throws (rejects) TypeError when the key is not of the type `alg` needs, too small, private, or does
   * not decode; the message never quotes the key.
   */
  importPublicKey(input: PublicKeyInput, alg: JwsAlgorithm, minRsaBits: number): Promise<JwsPublicKey>;
  /** Whether `signature` is the key's algorithm's signature over `data`. Never rejects for a bad signature. */
  verify(key: JwsPublicKey, data: Bytes, signature: Bytes): Promise<boolean>;
}

/** {@link JwsBackend} without promises: what node:crypto computes synchronously. */
export interface SyncJwsBackend {
  importPublicKey(input: PublicKeyInput, alg: JwsAlgorithm, minRsaBits: number): JwsPublicKey;
  verify(key: JwsPublicKey, data: Bytes, signature: Bytes): boolean;
}
