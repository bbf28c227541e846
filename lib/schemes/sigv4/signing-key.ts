import type { CryptoBackend, HmacKey } from '../../core/crypto.ts';
import { ALGORITHM_INFO, type SigV4Algorithm } from './constants.ts';

/**
 * Derives `HMAC(HMAC(HMAC(HMAC(PREFIX + secret, date), region), service), terminator)` and caches
 * it per (algorithm, secret, date, region, service): one day's key serves every request that day.
 */
export class SigningKeyCache {
  readonly #crypto: CryptoBackend;
  readonly #max: number;
  readonly #cache = new Map<string, Promise<HmacKey>>();

  constructor(crypto: CryptoBackend, max = 1024) {
    this.#crypto = crypto;
    this.#max = max;
  }

  get(algorithm: SigV4Algorithm, secret: string, date: string, region: string, service: string): Promise<HmacKey> {
    const id = algorithm + '\n' + date + '\n' + region + '\n' + service + '\n' + secret;
    let key = this.#cache.get(id);
    if (!key) {
      if (this.#cache.size >= this.#max) this.#cache.clear();
      key = this.#derive(algorithm, secret, date, region, service);
      this.#cache.set(id, key);
      // A failed derivation must not poison the cache.
      key.catch(() => this.#cache.delete(id));
    }
    return key;
  }

  async #derive(algorithm: SigV4Algorithm, secret: string, date: string, region: string, service: string): Promise<HmacKey> {
    const c = this.#crypto;
    const info = ALGORITHM_INFO[algorithm];
    let k = await c.hmacSha256(await c.importHmacKey(info.keyPrefix + secret), date);
    k = await c.hmacSha256(await c.importHmacKey(k), region);
    k = await c.hmacSha256(await c.importHmacKey(k), service);
    k = await c.hmacSha256(await c.importHmacKey(k), info.terminator);
    return c.importHmacKey(k);
  }
}
