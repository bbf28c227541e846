import type {
  Bytes,
  CryptoBackend,
  HmacKey,
  JwsAlgorithm,
  JwsBackend,
  JwsPublicKey,
  PublicKeyInput,
  RsaBackend,
  RsaPrivateKey,
  RsaPublicKey,
  RsaPublicKeyInput,
} from './crypto.ts';
import { JWS_ALGORITHMS, publicJwkMembers, publicKeySpki } from './jws-keys.ts';
import { toHex } from './encoding.ts';
import { pkcs8FromPkcs1, privatePemDer, publicJwk, publicPemDer, spkiFromPkcs1 } from './rsa-pem.ts';
import { base64UrlToBigInt, bitLength, recoverType1Raw, signType1Raw, type RawRsaPrivate, type RawRsaPublic } from './rsa-raw.ts';

const encoder = new TextEncoder();
const asBytes = (d: Bytes | string): Bytes => (typeof d === 'string' ? encoder.encode(d) : d);
const toBytes = (b: ArrayBuffer): Bytes => new Uint8Array(b);
const bufferHex = (b: ArrayBuffer): string => toHex(new Uint8Array(b));

interface WebHmacKey extends HmacKey {
  readonly key: CryptoKey;
}

const RSA_SHA512 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' } as const;

interface WebRsaPublicKey extends RsaPublicKey {
  readonly key: CryptoKey;
  readonly raw: RawRsaPublic;
}

interface WebRsaPrivateKey extends RsaPrivateKey {
  readonly key: CryptoKey;
  readonly raw: RawRsaPrivate;
}

// The numbers of a key Web Crypto imported (and so checked), from its JWK export; undefined if one is missing.
function jwkNumbers(jwk: JsonWebKey, members: readonly string[]): Record<string, bigint> | undefined {
  const out: Record<string, bigint> = {};
  for (const m of members) {
    const v = base64UrlToBigInt((jwk as Record<string, unknown>)[m]);
    if (v === undefined) return undefined;
    out[m] = v;
  }
  return out;
}

async function importWebPublic(input: RsaPublicKeyInput): Promise<RsaPublicKey> {
  let key: CryptoKey;
  try {
    key =
      input.format === 'jwk'
        ? await crypto.subtle.importKey('jwk', { ...publicJwk(input.jwk), ext: true }, RSA_SHA512, true, ['verify'])
        : await crypto.subtle.importKey('spki', webSpki(input), RSA_SHA512, true, ['verify']);
  } catch (e) {
    // Web Crypto's DataError for an EC or malformed SPKI does not quote the key either, but is not ours to promise.
    throw e instanceof TypeError && e.message.startsWith('not an RSA')
      ? e
      : new TypeError(`not an RSA public key: ${input.format} did not import`);
  }
  const nums = jwkNumbers(await crypto.subtle.exportKey('jwk', key), ['n', 'e']);
  if (!nums) throw new TypeError('not an RSA public key: no modulus');
  const bits = bitLength(nums.n!);
  const raw: RawRsaPublic = { n: nums.n!, e: nums.e!, k: Math.ceil(bits / 8) };
  return { __rsaPublicKey: true, bits, key, raw } as WebRsaPublicKey;
}

function webSpki(input: Extract<RsaPublicKeyInput, { pem: string }>): Uint8Array<ArrayBuffer> {
  const { type, der } = publicPemDer(input);
  return type === 'spki' ? der : spkiFromPkcs1(der);
}

async function importWebPrivate(pem: string): Promise<RsaPrivateKey> {
  let key: CryptoKey;
  try {
    const { type, der } = privatePemDer(pem);
    key = await crypto.subtle.importKey('pkcs8', type === 'pkcs8' ? der : pkcs8FromPkcs1(der), RSA_SHA512, true, ['sign']);
  } catch (e) {
    throw e instanceof TypeError && e.message.startsWith('not an RSA')
      ? e
      : new TypeError('not an RSA private key: the PEM did not import');
  }
  // Exported once at import: the CRT numbers the raw private operation (MAuth v1 signing) needs.
  const nums = jwkNumbers(await crypto.subtle.exportKey('jwk', key), ['n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi']);
  if (!nums) throw new TypeError('not an RSA private key: no CRT parameters');
  const bits = bitLength(nums.n!);
  const raw = { ...nums, k: Math.ceil(bits / 8) } as unknown as RawRsaPrivate;
  return { __rsaPrivateKey: true, bits, key, raw } as WebRsaPrivateKey;
}

/**
 * Web Crypto's RSASSA-PKCS1-v1_5 (SHA-512) for v2, and BigInt for the raw type-1 operation Web Crypto
 * lacks (rsa-raw.ts): keys are imported extractable and exported once as JWK for their numbers.
 */
export const webRsa: RsaBackend = {
  importPublicKey: importWebPublic,
  importPrivateKey: importWebPrivate,
  // async throughout: a key from another backend rejects rather than throwing synchronously.
  async verifySha512(key, data, signature) {
    const k = key as WebRsaPublicKey;
    if (signature.length !== k.raw.k) return false;
    return crypto.subtle.verify(RSA_SHA512, k.key, signature as BufferSource, data as BufferSource).catch(() => false);
  },
  async signSha512(key, data) {
    return toBytes(await crypto.subtle.sign(RSA_SHA512, (key as WebRsaPrivateKey).key, data as BufferSource));
  },
  async recoverType1(key, signature) {
    return recoverType1Raw((key as WebRsaPublicKey).raw, signature);
  },
  async signType1(key, payload) {
    return signType1Raw((key as WebRsaPrivateKey).raw, payload);
  },
};

interface WebJwsPublicKey extends JwsPublicKey {
  readonly key: CryptoKey;
  readonly params: AlgorithmIdentifier | RsaPssParams | EcdsaParams;
  readonly signatureLength: number;
}

// Web Crypto's import and verify parameters for one JWS algorithm.
function webJwsParams(alg: JwsAlgorithm): {
  importParams: PublicKeyImportParams;
  verifyParams: AlgorithmIdentifier | RsaPssParams | EcdsaParams;
} {
  const spec = JWS_ALGORITHMS[alg];
  const hash = `SHA-${spec.hash}`;
  if (spec.kty === 'RSA') {
    const name = spec.padding === 'pss' ? 'RSA-PSS' : 'RSASSA-PKCS1-v1_5';
    return { importParams: { name, hash }, verifyParams: spec.padding === 'pss' ? { name, saltLength: spec.hash / 8 } : { name } };
  }
  if (spec.kty === 'EC') return { importParams: { name: 'ECDSA', namedCurve: spec.crv! }, verifyParams: { name: 'ECDSA', hash } };
  return { importParams: { name: 'Ed25519' }, verifyParams: { name: 'Ed25519' } };
}
type PublicKeyImportParams = RsaHashedImportParams | EcKeyImportParams | Algorithm;

async function importWebJws(input: PublicKeyInput, alg: JwsAlgorithm, minRsaBits: number): Promise<JwsPublicKey> {
  if (!Object.hasOwn(JWS_ALGORITHMS, alg)) throw new TypeError('not a JWS algorithm');
  const spec = JWS_ALGORITHMS[alg];
  const { importParams, verifyParams } = webJwsParams(alg);
  let key: CryptoKey;
  try {
    key =
      input.format === 'jwk'
        ? await crypto.subtle.importKey('jwk', { ...publicJwkMembers(input.jwk), ext: true }, importParams, false, ['verify'])
        : await crypto.subtle.importKey('spki', publicKeySpki(input), importParams, false, ['verify']);
  } catch (e) {
    // Web Crypto refuses a key of another type for these parameters (an EC key for RSASSA-PKCS1-v1_5).
    throw e instanceof TypeError && e.message.startsWith('not a public key')
      ? e
      : new TypeError(`not a key for ${alg}: ${input.format} did not import`);
  }
  let signatureLength = spec.signatureLength ?? 0;
  if (spec.kty === 'RSA') {
    const bits = (key.algorithm as RsaHashedKeyAlgorithm).modulusLength;
    if (!(bits >= minRsaBits)) throw new TypeError(`not a key for ${alg}: RSA keys must have at least ${minRsaBits} bits`);
    signatureLength = Math.ceil(bits / 8);
  }
  return { __jwsPublicKey: true, alg, key, params: verifyParams, signatureLength } as WebJwsPublicKey;
}

/** Web Crypto's JWS verification: RSASSA-PKCS1-v1_5, RSA-PSS, ECDSA (already raw r||s, as JOSE writes it) and Ed25519. */
export const webJws: JwsBackend = {
  importPublicKey: importWebJws,
  async verify(key, data, signature) {
    const k = key as WebJwsPublicKey;
    if (signature.length !== k.signatureLength) return false;
    return crypto.subtle.verify(k.params, k.key, signature as BufferSource, data as BufferSource).catch(() => false);
  },
};

/** Web Crypto (`crypto.subtle`): Workers, browsers, Deno, and Node as a fallback. */
export const webCrypto: CryptoBackend = {
  name: 'webcrypto',
  rsa: webRsa,
  jws: webJws,
  // Each method is one crypto.subtle call and one continuation, not a chain of async functions.
  sha256(data) {
    return crypto.subtle.digest('SHA-256', asBytes(data) as BufferSource).then(toBytes);
  },
  sha256Hex(data) {
    return crypto.subtle.digest('SHA-256', asBytes(data) as BufferSource).then(bufferHex);
  },
  sha512Hex(data) {
    return crypto.subtle.digest('SHA-512', asBytes(data) as BufferSource).then(bufferHex);
  },
  async importHmacKey(secret) {
    const key = await crypto.subtle.importKey('raw', asBytes(secret) as BufferSource, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    return { __hmacKey: true, key } as WebHmacKey;
  },
  hmacSha256(key, data) {
    return crypto.subtle.sign('HMAC', (key as WebHmacKey).key, asBytes(data) as BufferSource).then(toBytes);
  },
  hmacSha256Hex(key, data) {
    return crypto.subtle.sign('HMAC', (key as WebHmacKey).key, asBytes(data) as BufferSource).then(bufferHex);
  },
};

/** The backend `#crypto` resolves to outside Node (workerd, browsers): Web Crypto, the only one there. */
export const defaultCrypto = webCrypto;
