// The one file under lib/core allowed to use a platform module: package.json `imports`
// selects it for the "node" condition only (see DESIGN.md, crypto backend).
import type { KeyObject } from 'node:crypto';

// Through process.getBuiltinModule (Node 20.16+) rather than an ESM import: importing a builtin
// builds its module namespace from every export, and node:crypto's include lazy getters (webcrypto,
// subtle) that load Web Crypto on the spot, about 0.4 ms of every Lambda cold start.
const { createHash, createHmac, createSecretKey } = process.getBuiltinModule('node:crypto');
import type { CryptoBackend, HmacKey } from './crypto.ts';

interface NodeHmacKey extends HmacKey {
  readonly key: KeyObject;
}

/** Synchronous node:crypto wrapped in the async backend interface (Node and Lambda). */
export const nodeCrypto: CryptoBackend = {
  name: 'node:crypto',
  sha256(data) {
    return Promise.resolve(createHash('sha256').update(data).digest());
  },
  sha256Hex(data) {
    return Promise.resolve(createHash('sha256').update(data).digest('hex'));
  },
  importHmacKey(secret) {
    const key = createSecretKey(typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret);
    return Promise.resolve({ __hmacKey: true, key } as NodeHmacKey);
  },
  hmacSha256(key, data) {
    return Promise.resolve(
      createHmac('sha256', (key as NodeHmacKey).key)
        .update(data)
        .digest(),
    );
  },
  hmacSha256Hex(key, data) {
    return Promise.resolve(
      createHmac('sha256', (key as NodeHmacKey).key)
        .update(data)
        .digest('hex'),
    );
  },
};

/** The backend `#crypto` resolves to under Node: node:crypto, the faster one there. */
export const defaultCrypto = nodeCrypto;
