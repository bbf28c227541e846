// The one file under lib/core allowed to use a platform module: package.json `imports`
// selects it for the "node" condition only (see DESIGN.md, crypto backend).
import type { Bytes, CryptoBackend, HmacKey, SyncCryptoBackend } from './crypto.ts';

// Through process.getBuiltinModule (Node 20.16+) rather than an ESM import: importing a builtin
// builds its module namespace from every export, and node:crypto's include lazy getters (webcrypto,
// subtle) that load Web Crypto on the spot, about 0.4 ms of every Lambda cold start.
const { createHash, createHmac } = process.getBuiltinModule('node:crypto');

// The key stays raw bytes: createHmac takes them as fast as a KeyObject, and a KeyObject per
// derivation step (SigV4 derives four keys on a cache miss) would double the cost of a miss.
interface NodeHmacKey extends HmacKey {
  readonly key: Bytes | string;
}

/** node:crypto's synchronous primitives: what the Node backend answers with, without a promise. */
export const nodeCryptoSync: SyncCryptoBackend = {
  sha256Hex: (data) => createHash('sha256').update(data).digest('hex'),
  importHmacKey: (secret) => ({ __hmacKey: true, key: secret }) as NodeHmacKey,
  hmacSha256: (key, data) =>
    createHmac('sha256', (key as NodeHmacKey).key)
      .update(data)
      .digest(),
  hmacSha256Hex: (key, data) =>
    createHmac('sha256', (key as NodeHmacKey).key)
      .update(data)
      .digest('hex'),
};

/** Synchronous node:crypto wrapped in the async backend interface (Node and Lambda), its `sync` face beside it. */
export const nodeCrypto: CryptoBackend = {
  name: 'node:crypto',
  sync: nodeCryptoSync,
  sha256(data) {
    return Promise.resolve(createHash('sha256').update(data).digest());
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
