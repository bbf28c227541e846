// What both JWS backends share: the algorithm table (hash, key type, signature length) and the public
// key forms reduced to what makes the key. Platform-free; errors are TypeErrors that never quote a key.
import type { JwsAlgorithm, PublicKeyInput } from './crypto.ts';
import { parsePem, spkiFromPkcs1 } from './rsa-pem.ts';

/** The key type and parameters one JWS algorithm needs. */
export interface JwsAlgorithmSpec {
  readonly kty: 'RSA' | 'EC' | 'OKP';
  /** SHA-2 size in bits (EdDSA: none, the curve hashes). */
  readonly hash: 256 | 384 | 512 | 0;
  readonly padding?: 'pkcs1' | 'pss';
  /** JOSE curve name for EC and OKP keys. */
  readonly crv?: 'P-256' | 'P-384' | 'Ed25519';
  /** Exact signature length in bytes (RSA: the modulus length, known after import). */
  readonly signatureLength?: number;
}

/** Every algorithm a JWT may be signed with here (RFC 7518 section 3, RFC 8037): no HS*, no none. */
export const JWS_ALGORITHMS: Readonly<Record<JwsAlgorithm, JwsAlgorithmSpec>> = Object.freeze({
  RS256: { kty: 'RSA', hash: 256, padding: 'pkcs1' },
  RS384: { kty: 'RSA', hash: 384, padding: 'pkcs1' },
  RS512: { kty: 'RSA', hash: 512, padding: 'pkcs1' },
  PS256: { kty: 'RSA', hash: 256, padding: 'pss' },
  PS384: { kty: 'RSA', hash: 384, padding: 'pss' },
  PS512: { kty: 'RSA', hash: 512, padding: 'pss' },
  ES256: { kty: 'EC', hash: 256, crv: 'P-256', signatureLength: 64 },
  ES384: { kty: 'EC', hash: 384, crv: 'P-384', signatureLength: 96 },
  EdDSA: { kty: 'OKP', hash: 0, crv: 'Ed25519', signatureLength: 64 },
});

/** The algorithm names, in the table's order. */
export const JWS_ALGORITHM_NAMES = Object.freeze(Object.keys(JWS_ALGORITHMS) as JwsAlgorithm[]);

/** Whether `alg` is one of {@link JWS_ALGORITHMS} (an own key: `__proto__`, `none` and `HS256` are not). */
export function isJwsAlgorithm(alg: unknown): alg is JwsAlgorithm {
  return typeof alg === 'string' && Object.hasOwn(JWS_ALGORITHMS, alg);
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const B64URL = /^[A-Za-z0-9_-]+$/;

/**
 * The members of a public JWK that make the key, for `kty` RSA (`n`, `e`), EC (`crv`, `x`, `y`) or OKP
 * (`crv`, `x`); the rest (kid, alg, use, ...) is left out, and a private member refuses it.
 *
 * @throws TypeError for any other JWK.
 */
export function publicJwkMembers(jwk: Readonly<Record<string, unknown>>): Record<string, string> {
  if (typeof jwk !== 'object' || jwk === null) throw new TypeError('not a public key: the JWK is not an object');
  if (PRIVATE_MEMBERS.some((m) => Object.hasOwn(jwk, m))) throw new TypeError('not a public key: the JWK holds a private key');
  const members = jwk.kty === 'RSA' ? ['n', 'e'] : jwk.kty === 'EC' ? ['crv', 'x', 'y'] : jwk.kty === 'OKP' ? ['crv', 'x'] : undefined;
  if (!members) throw new TypeError('not a public key: JWK kty must be RSA, EC or OKP');
  const out: Record<string, string> = { kty: jwk.kty as string };
  for (const m of members) {
    const v = jwk[m];
    if (typeof v !== 'string' || (m !== 'crv' && !B64URL.test(v)))
      throw new TypeError(`not a public key: JWK ${m} is missing or not base64url`);
    out[m] = v;
  }
  return out;
}

/**
 * The SubjectPublicKeyInfo DER of a PEM public key whose label matches its format (`PUBLIC KEY` for
 * spki, `RSA PUBLIC KEY` for pkcs1, wrapped into an SPKI): a private key's PEM is refused here.
 *
 * @throws TypeError otherwise.
 */
export function publicKeySpki(input: Extract<PublicKeyInput, { pem: string }>): Uint8Array<ArrayBuffer> {
  const pem = parsePem(input.pem);
  const label = input.format === 'spki' ? 'PUBLIC KEY' : input.format === 'pkcs1' ? 'RSA PUBLIC KEY' : undefined;
  if (!pem || !label || pem.label !== label) throw new TypeError(`not a public key: expected one PEM block labelled "${label ?? '?'}"`);
  return input.format === 'spki' ? pem.der : spkiFromPkcs1(pem.der);
}
