// Public keys of a record as Web Crypto keys, imported once per record: the CryptoKeys live in a
// WeakMap slot of the record object, so a cached store (which hands out the same object until the
// record changes) imports each key once, and a changed record imports afresh.
import type { KeyRecord, PublicKeyMaterial } from './types.ts';

/** What a public key is imported for: Web Crypto's import parameters (RSASSA-PKCS1-v1_5 with SHA-512, ECDSA P-256, Ed25519, ...). */
export type PublicKeyAlgorithm = RsaHashedImportParams | EcKeyImportParams | Algorithm;

const imported = new WeakMap<KeyRecord, Map<string, Promise<CryptoKey>>>();

function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function derLength(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>>= 8) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

// AlgorithmIdentifier { rsaEncryption (1.2.840.113549.1.1.1), NULL }
const RSA_ALGORITHM_IDENTIFIER = [0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00];

/**
 * The DER bytes of a PEM public key as SubjectPublicKeyInfo: SPKI as it is, a PKCS#1 RSAPublicKey
 * wrapped in an SPKI with the rsaEncryption algorithm (what Web Crypto's `spki` import takes).
 */
export function spkiDer(material: Extract<PublicKeyMaterial, { pem: string }>): Uint8Array<ArrayBuffer> {
  const body = material.pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, '').replace(/\s+/g, '');
  const der = base64ToBytes(body);
  if (material.format === 'spki') return der;
  const bitString = [0x03, ...derLength(der.length + 1), 0x00];
  const inner = RSA_ALGORITHM_IDENTIFIER.length + bitString.length + der.length;
  const out = new Uint8Array(1 + derLength(inner).length + inner);
  out.set([0x30, ...derLength(inner), ...RSA_ALGORITHM_IDENTIFIER, ...bitString]);
  out.set(der, out.length - der.length);
  return out;
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
