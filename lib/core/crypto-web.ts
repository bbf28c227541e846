import type { Bytes, CryptoBackend, HmacKey } from './crypto.ts';
import { toHex } from './encoding.ts';

const encoder = new TextEncoder();
const asBytes = (d: Bytes | string): Bytes => (typeof d === 'string' ? encoder.encode(d) : d);

interface WebHmacKey extends HmacKey {
  readonly key: CryptoKey;
}

/** Web Crypto (`crypto.subtle`): Workers, browsers, Deno, and Node as a fallback. */
export const webCrypto: CryptoBackend = {
  name: 'webcrypto',
  async sha256(data) {
    return new Uint8Array(await crypto.subtle.digest('SHA-256', asBytes(data) as BufferSource));
  },
  async sha256Hex(data) {
    return toHex(await this.sha256(data));
  },
  async importHmacKey(secret) {
    const key = await crypto.subtle.importKey('raw', asBytes(secret) as BufferSource, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    return { __hmacKey: true, key } as WebHmacKey;
  },
  async hmacSha256(key, data) {
    const sig = await crypto.subtle.sign('HMAC', (key as WebHmacKey).key, asBytes(data) as BufferSource);
    return new Uint8Array(sig);
  },
  async hmacSha256Hex(key, data) {
    return toHex(await this.hmacSha256(key, data));
  },
};

/** The backend `#crypto` resolves to outside Node (workerd, browsers): Web Crypto, the only one there. */
export const defaultCrypto = webCrypto;
