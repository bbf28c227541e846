import type { Bytes, CryptoBackend, HmacKey } from './crypto.ts';
import { toHex } from './encoding.ts';

const encoder = new TextEncoder();
const asBytes = (d: Bytes | string): Bytes => (typeof d === 'string' ? encoder.encode(d) : d);
const toBytes = (b: ArrayBuffer): Bytes => new Uint8Array(b);
const bufferHex = (b: ArrayBuffer): string => toHex(new Uint8Array(b));

interface WebHmacKey extends HmacKey {
  readonly key: CryptoKey;
}

/** Web Crypto (`crypto.subtle`): Workers, browsers, Deno, and Node as a fallback. */
export const webCrypto: CryptoBackend = {
  name: 'webcrypto',
  // Each method is one crypto.subtle call and one continuation, not a chain of async functions.
  sha256(data) {
    return crypto.subtle.digest('SHA-256', asBytes(data) as BufferSource).then(toBytes);
  },
  sha256Hex(data) {
    return crypto.subtle.digest('SHA-256', asBytes(data) as BufferSource).then(bufferHex);
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
