import type { CryptoBackend, HmacKey } from '../../core/crypto.ts';
import { ALGORITHM_INFO, type SigV4Algorithm } from './constants.ts';

interface Entry {
  readonly algorithm: SigV4Algorithm;
  readonly secret: string;
  readonly date: string;
  key: HmacKey | Promise<HmacKey>;
}

/**
 * Derived keys kept per owner: for each secret and algorithm, the two most recent dates (a client
 * near midnight UTC may still sign with yesterday's). More entries than that for one owner means
 * older dates, which no request inside the clock skew can use.
 */
const ENTRIES_PER_SECRET = 4;

/** What derived keys are kept with: a key record, or a signer's own credentials. */
export interface KeyOwner {
  readonly secrets: readonly string[];
}

/**
 * Derives `HMAC(HMAC(HMAC(HMAC(PREFIX + secret, date), region), service), terminator)` for one pinned
 * region and service, and keeps each derived key in a slot of its owner: the key record it was derived
 * for (or the signer). The slots live exactly as long as their owners (a WeakMap), so the cache holds as
 * many keys as the key store holds records, is never cleared as a whole, and has no size at which a
 * rotation through many keys starts to miss. A store that hands out a new record object for the same
 * key on every lookup gets no benefit: each verification derives the key again (four HMACs).
 */
export class SigningKeyCache {
  readonly #crypto: CryptoBackend;
  readonly #region: string;
  readonly #service: string;
  readonly #slots = new WeakMap<KeyOwner, Entry[]>();

  constructor(crypto: CryptoBackend, region: string, service: string) {
    this.#crypto = crypto;
    this.#region = region;
    this.#service = service;
  }

  /**
   * The signing key of `secret` for `date`, kept with `owner`. Synchronous when the backend has a `sync`
   * face (the Node backend), a promise otherwise (concurrent misses share one derivation).
   */
  get(owner: KeyOwner, algorithm: SigV4Algorithm, secret: string, date: string): HmacKey | Promise<HmacKey> {
    let slot = this.#slots.get(owner);
    if (slot) {
      for (const e of slot) if (e.date === date && e.secret === secret && e.algorithm === algorithm) return e.key;
    } else {
      slot = [];
      this.#slots.set(owner, slot);
    }
    const key = this.#derive(algorithm, secret, date);
    const entry: Entry = { algorithm, secret, date, key };
    // The oldest entry goes first: entries are appended as dates come, so it is the oldest date.
    if (slot.length >= ENTRIES_PER_SECRET * Math.max(1, owner.secrets.length)) slot.shift();
    slot.push(entry);
    if (key instanceof Promise) {
      key.then(
        // Once derived, the key is handed out as it is: no await for a cached key.
        (derived) => (entry.key = derived),
        // A failed derivation must not poison the slot.
        () => {
          const i = slot.indexOf(entry);
          if (i !== -1) slot.splice(i, 1);
        },
      );
    }
    return key;
  }

  #derive(algorithm: SigV4Algorithm, secret: string, date: string): HmacKey | Promise<HmacKey> {
    const info = ALGORITHM_INFO[algorithm];
    const sync = this.#crypto.sync;
    if (sync) {
      // Intermediate keys stay raw bytes: one import per step would cost as much as the HMACs.
      let k = sync.hmacSha256(sync.importHmacKey(info.keyPrefix + secret), date);
      for (const part of [this.#region, this.#service, info.terminator]) k = sync.hmacSha256(sync.importHmacKey(k), part);
      return sync.importHmacKey(k);
    }
    return this.#deriveAsync(info.keyPrefix + secret, date, info.terminator);
  }

  async #deriveAsync(first: string, date: string, terminator: string): Promise<HmacKey> {
    const c = this.#crypto;
    let k = await c.hmacSha256(await c.importHmacKey(first), date);
    for (const part of [this.#region, this.#service, terminator]) k = await c.hmacSha256(await c.importHmacKey(k), part);
    return c.importHmacKey(k);
  }
}
