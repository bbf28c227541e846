// Public keys of a record as Web Crypto keys, imported once per record: the CryptoKeys live in a
// WeakMap slot of the record object, so a cached store (which hands out the same object until the
// record changes) imports each key once, and a changed record imports afresh.
import { parsePem, spkiFromPkcs1 } from '../core/rsa-pem.ts';
import type { KeyRecord, PublicKeyMaterial } from './types.ts';

/**
 * What a public key is imported for: Web Crypto's import parameters (RSASSA-PKCS1-v1_5 with SHA-512,
 * ECDSA P-256, Ed25519, ...). Written out rather than named after the DOM library's types
 * (`RsaHashedImportParams`, `EcKeyImportParams`, `Algorithm`), which the Workers runtime types do
 * not declare: a Worker project type-checks this package's declarations without the DOM library.
 */
export interface PublicKeyAlgorithm {
  readonly name: string;
  /** RSA: the hash the key signs with. */
  readonly hash?: string | { readonly name: string };
  /** ECDSA: the curve. */
  readonly namedCurve?: string;
}

const imported = new WeakMap<KeyRecord, Map<string, Promise<CryptoKey>>>();

/**
 * The DER bytes of a PEM public key as SubjectPublicKeyInfo: SPKI as it is, a PKCS#1 RSAPublicKey
 * wrapped in an SPKI with the rsaEncryption algorithm (what Web Crypto's `spki` import takes).
 */
export function spkiDer(material: Extract<PublicKeyMaterial, { pem: string }>): Uint8Array<ArrayBuffer> {
  const pem = parsePem(material.pem);
  if (!pem) throw new TypeError('not PEM text');
  return material.format === 'spki' ? pem.der : spkiFromPkcs1(pem.der);
}

/**
 * The record's `index`-th public key imported for `algorithm` (verify only), once per record, key and
 * algorithm. Rejects (and forgets the attempt) when the key does not suit the algorithm.
 *
 * @example
 * const key = await importedPublicKey(record, 0, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' });
 */
export function importedPublicKey(
  record: KeyRecord,
  index: number,
  algorithm: PublicKeyAlgorithm,
  subtle: SubtleCrypto = crypto.subtle,
): Promise<CryptoKey> {
  const material = record.publicKeys?.[index];
  if (!material) return Promise.reject(new RangeError('the record has no public key at that index'));
  let slot = imported.get(record);
  if (!slot) imported.set(record, (slot = new Map()));
  const cacheKey = `${index}|${JSON.stringify(algorithm)}`;
  const hit = slot.get(cacheKey);
  if (hit) return hit;
  const p =
    material.format === 'jwk'
      ? subtle.importKey('jwk', material.jwk as JsonWebKey, algorithm, false, ['verify'])
      : subtle.importKey('spki', spkiDer(material), algorithm, false, ['verify']);
  slot.set(cacheKey, p);
  p.catch(() => slot.delete(cacheKey));
  return p;
}
