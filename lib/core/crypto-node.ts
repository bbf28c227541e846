// The one file under lib/core allowed to use a platform module: package.json `imports`
// selects it for the "node" condition only (see DESIGN.md, crypto backend).
import type { KeyObject as NodeKeyObject } from 'node:crypto';
import type {
  Bytes,
  CryptoBackend,
  HmacKey,
  RsaBackend,
  RsaPrivateKey,
  RsaPublicKey,
  RsaPublicKeyInput,
  SyncCryptoBackend,
  SyncRsaBackend,
  JwsAlgorithm,
  JwsBackend,
  JwsPublicKey,
  PublicKeyInput,
  SyncJwsBackend,
} from './crypto.ts';
import { JWS_ALGORITHMS, publicJwkMembers, publicKeySpki } from './jws-keys.ts';
import { privatePemDer, publicJwk, publicPemDer } from './rsa-pem.ts';
import { padType1, unpadType1 } from './rsa-raw.ts';

// Through process.getBuiltinModule (Node 20.16+) rather than an ESM import: importing a builtin
// builds its module namespace from every export, and node:crypto's include lazy getters (webcrypto,
// subtle) that load Web Crypto on the spot, about 0.4 ms of every Lambda cold start.
// Digests go through the one-shot `hash` (Node 20.12+) where the runtime has it: it makes no Hash
// object, which is about half the cost of hashing a request's body or canonical form (0.2 against
// 0.55 µs for a short body). A runtime that resolves the "node" condition without it gets createHash.
const {
  createHash,
  createHmac,
  hash,
  createPrivateKey,
  createPublicKey,
  constants,
  KeyObject,
  privateEncrypt,
  publicDecrypt,
  sign,
  verify,
} = process.getBuiltinModule('node:crypto');

// The key stays raw bytes: createHmac takes them as fast as a KeyObject, and a KeyObject per
// derivation step (SigV4 derives four keys on a cache miss) would double the cost of a miss.
interface NodeHmacKey extends HmacKey {
  readonly key: Bytes | string;
}

type Digest = (algorithm: 'sha256' | 'sha512', data: Bytes | string) => Buffer;
type DigestHex = (algorithm: 'sha256' | 'sha512', data: Bytes | string) => string;
const digest: Digest = typeof hash === 'function' ? (a, d) => hash(a, d, 'buffer') : (a, d) => createHash(a).update(d).digest();
const digestHex: DigestHex = typeof hash === 'function' ? (a, d) => hash(a, d, 'hex') : (a, d) => createHash(a).update(d).digest('hex');

/** node:crypto's synchronous primitives: what the Node backend answers with, without a promise. */
export const nodeCryptoSync: SyncCryptoBackend = {
  sha256Hex: (data) => digestHex('sha256', data),
  sha512Hex: (data) => digestHex('sha512', data),
  sha512HexParts(parts) {
    const h = createHash('sha512');
    for (const part of parts) h.update(part);
    return h.digest('hex');
  },
  importHmacKey: (secret) => ({ __hmacKey: true, key: secret }) as NodeHmacKey,
  hmacSha256: (key, data) =>
    createHmac('sha256', (key as NodeHmacKey).key)
      .update(data)
      .digest(),
  hmacSha256Hex: (key, data) =>
    createHmac('sha256', (key as NodeHmacKey).key)
      .update(data)
      .digest('hex'),
  hmacSha256HexParts(key, parts) {
    const h = createHmac('sha256', (key as NodeHmacKey).key);
    for (const part of parts) h.update(part);
    return h.digest('hex');
  },
};

interface NodeRsaPublicKey extends RsaPublicKey {
  readonly key: NodeKeyObject;
  /** Modulus length in bytes. */
  readonly k: number;
}

interface NodeRsaPrivateKey extends RsaPrivateKey {
  readonly key: NodeKeyObject;
  readonly k: number;
}

export type { SyncRsaBackend };

// Only plain RSA (rsaEncryption): an RSA-PSS key (id-RSASSA-PSS) cannot sign PKCS#1 v1.5 or do the raw operation.
function rsaBits(key: NodeKeyObject): number | undefined {
  return key.asymmetricKeyType === 'rsa' ? key.asymmetricKeyDetails?.modulusLength : undefined;
}

function importNodePublic(input: RsaPublicKeyInput): NodeRsaPublicKey {
  let key: NodeKeyObject;
  try {
    key =
      input.format === 'jwk'
        ? createPublicKey({ key: { ...publicJwk(input.jwk) }, format: 'jwk' })
        : createPublicKey({ key: Buffer.from(publicPemDer(input).der), format: 'der', type: input.format });
  } catch (e) {
    // Ours already say what is wrong; OpenSSL's (DER decoding errors) do not quote the key either, but are not ours to promise.
    throw e instanceof TypeError && e.message.startsWith('not an RSA')
      ? e
      : new TypeError(`not an RSA public key: ${input.format} did not decode`);
  }
  const bits = rsaBits(key);
  if (key.type !== 'public' || bits === undefined)
    throw new TypeError(`not an RSA public key: a ${key.asymmetricKeyType ?? 'non-RSA'} key`);
  return { __rsaPublicKey: true, bits, key, k: Math.ceil(bits / 8) } as NodeRsaPublicKey;
}

function importNodePrivate(pem: string): NodeRsaPrivateKey {
  let key: NodeKeyObject;
  try {
    const { type, der } = privatePemDer(pem);
    key = createPrivateKey({ key: Buffer.from(der), format: 'der', type });
  } catch (e) {
    throw e instanceof TypeError && e.message.startsWith('not an RSA')
      ? e
      : new TypeError('not an RSA private key: the PEM did not decode');
  }
  const bits = rsaBits(key);
  if (key.type !== 'private' || bits === undefined)
    throw new TypeError(`not an RSA private key: a ${key.asymmetricKeyType ?? 'non-RSA'} key`);
  return { __rsaPrivateKey: true, bits, key, k: Math.ceil(bits / 8) } as NodeRsaPrivateKey;
}

// A key this backend imported; another backend's (a CryptoKey would even sign) is a programming error.
function own<T extends NodeRsaPublicKey | NodeRsaPrivateKey>(key: RsaPublicKey | RsaPrivateKey): T {
  if (!((key as T).key instanceof KeyObject)) throw new TypeError('not an RSA key of the node:crypto backend');
  return key as T;
}

/**
 * node:crypto's RSA without promises. The type-1 block is built and checked in code (rsa-raw.ts, the
 * same as the Web backend's) around OpenSSL's raw operation (RSA_NO_PADDING), which itself refuses a
 * signature not below the modulus; OpenSSL's own PKCS#1 type-1 check agrees (rsa.test.ts shows it).
 */
export const nodeRsaSync: SyncRsaBackend = {
  importPublicKey: importNodePublic,
  importPrivateKey: importNodePrivate,
  verifySha512(key, data, signature) {
    const k = own<NodeRsaPublicKey>(key);
    if (signature.length !== k.k) return false;
    try {
      return verify('sha512', data, k.key, signature);
    } catch {
      return false;
    }
  },
  signSha512: (key, data) => sign('sha512', data, own<NodeRsaPrivateKey>(key).key),
  recoverType1(key, signature) {
    const k = own<NodeRsaPublicKey>(key);
    if (signature.length !== k.k) return undefined;
    let block: Bytes;
    try {
      block = publicDecrypt({ key: k.key, padding: constants.RSA_NO_PADDING }, signature);
    } catch {
      return undefined; // not below the modulus
    }
    return unpadType1(block);
  },
  signType1(key, payload) {
    const k = own<NodeRsaPrivateKey>(key);
    return privateEncrypt({ key: k.key, padding: constants.RSA_NO_PADDING }, padType1(payload, k.k));
  },
};

// Each call settles at once with what the synchronous one returns or throws.
function settle<T>(f: () => T): Promise<T> {
  try {
    return Promise.resolve(f());
  } catch (e) {
    return Promise.reject(e);
  }
}

/** node:crypto's RSA behind the async {@link RsaBackend}; every promise is already settled. */
export const nodeRsa: RsaBackend = {
  importPublicKey: (input) => settle(() => nodeRsaSync.importPublicKey(input)),
  importPrivateKey: (pem) => settle(() => nodeRsaSync.importPrivateKey(pem)),
  verifySha512: (key, data, signature) => settle(() => nodeRsaSync.verifySha512(key, data, signature)),
  signSha512: (key, data) => settle(() => nodeRsaSync.signSha512(key, data)),
  recoverType1: (key, signature) => settle(() => nodeRsaSync.recoverType1(key, signature)),
  signType1: (key, payload) => settle(() => nodeRsaSync.signType1(key, payload)),
};

interface NodeJwsPublicKey extends JwsPublicKey {
  /** node:crypto's digest name, or null (Ed25519 hashes itself). */
  readonly hash: string | null;
  /** What crypto.verify takes as the key: the KeyObject with its padding or signature encoding. */
  readonly verifyKey: NodeKeyObject | { key: NodeKeyObject; padding?: number; saltLength?: number; dsaEncoding?: 'ieee-p1363' };
  readonly signatureLength: number;
}

const NODE_CURVE = { 'P-256': 'prime256v1', 'P-384': 'secp384r1' } as const;

function importNodeJws(input: PublicKeyInput, alg: JwsAlgorithm, minRsaBits: number): JwsPublicKey {
  const spec = JWS_ALGORITHMS[alg];
  if (!spec) throw new TypeError('not a JWS algorithm');
  let key: NodeKeyObject;
  try {
    key =
      input.format === 'jwk'
        ? createPublicKey({ key: publicJwkMembers(input.jwk), format: 'jwk' })
        : createPublicKey({ key: Buffer.from(publicKeySpki(input)), format: 'der', type: 'spki' });
  } catch (e) {
    throw e instanceof TypeError && e.message.startsWith('not a public key')
      ? e
      : new TypeError(`not a public key: ${input.format} did not decode`);
  }
  if (key.type !== 'public') throw new TypeError('not a public key');
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  const hash = spec.hash === 0 ? null : `sha${spec.hash}`;
  if (spec.kty === 'RSA') {
    // Only rsaEncryption keys: an id-RSASSA-PSS key carries its own parameter restrictions.
    if (type !== 'rsa') throw new TypeError(`not a key for ${alg}: a ${type ?? 'non-RSA'} key`);
    const bits = details.modulusLength ?? 0;
    if (bits < minRsaBits) throw new TypeError(`not a key for ${alg}: RSA keys must have at least ${minRsaBits} bits`);
    const verifyKey =
      spec.padding === 'pss'
        ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: spec.hash / 8 }
        : { key, padding: constants.RSA_PKCS1_PADDING };
    return { __jwsPublicKey: true, alg, hash, verifyKey, signatureLength: Math.ceil(bits / 8) } as NodeJwsPublicKey;
  }
  if (spec.kty === 'EC') {
    if (type !== 'ec' || details.namedCurve !== NODE_CURVE[spec.crv as 'P-256' | 'P-384'])
      throw new TypeError(`not a key for ${alg}: it needs an EC ${spec.crv} key`);
    return {
      __jwsPublicKey: true,
      alg,
      hash,
      verifyKey: { key, dsaEncoding: 'ieee-p1363' },
      signatureLength: spec.signatureLength,
    } as NodeJwsPublicKey;
  }
  if (type !== 'ed25519') throw new TypeError(`not a key for ${alg}: it needs an Ed25519 key`);
  return { __jwsPublicKey: true, alg, hash: null, verifyKey: key, signatureLength: spec.signatureLength } as NodeJwsPublicKey;
}

/** node:crypto's JWS verification without promises: RSA PKCS#1 v1.5 and PSS, ECDSA (IEEE P1363 r||s), Ed25519. */
export const nodeJwsSync: SyncJwsBackend = {
  importPublicKey: importNodeJws,
  verify(key, data, signature) {
    const k = key as NodeJwsPublicKey;
    if (k.verifyKey === undefined) throw new TypeError('not a JWS key of the node:crypto backend');
    if (signature.length !== k.signatureLength) return false;
    try {
      return verify(k.hash, data, k.verifyKey, signature);
    } catch {
      return false;
    }
  },
};

/** node:crypto's JWS verification behind the async {@link JwsBackend}; every promise is already settled. */
export const nodeJws: JwsBackend = {
  importPublicKey: (input, alg, minRsaBits) => settle(() => nodeJwsSync.importPublicKey(input, alg, minRsaBits)),
  verify: (key, data, signature) => settle(() => nodeJwsSync.verify(key, data, signature)),
};

/** Synchronous node:crypto wrapped in the async backend interface (Node and Lambda), its `sync` face beside it. */
export const nodeCrypto: CryptoBackend = {
  name: 'node:crypto',
  // The synchronous face with RSA too (MAuth verifies without a promise per step on Node).
  sync: { ...nodeCryptoSync, rsa: nodeRsaSync, jws: nodeJwsSync },
  rsa: nodeRsa,
  jws: nodeJws,
  sha256(data) {
    return Promise.resolve(digest('sha256', data));
  },
  sha256Hex(data) {
    return Promise.resolve(nodeCryptoSync.sha256Hex(data));
  },
  importHmacKey(secret) {
    return Promise.resolve(nodeCryptoSync.importHmacKey(secret));
  },
  hmacSha256(key, data) {
    return Promise.resolve(nodeCryptoSync.hmacSha256(key, data));
  },
  hmacSha256Hex(key, data) {
    return Promise.resolve(nodeCryptoSync.hmacSha256Hex(key, data));
  },
};

/** The backend `#crypto` resolves to under Node: node:crypto, the faster one there. */
export const defaultCrypto = nodeCrypto;
