// One cache around any key source (Secrets Manager, Workers KV, a secret binding, a key service):
// TTL and bounded size, in-flight coalescing, negative caching with back-off, a budget for lookups
// of ids it has never seen, stale-if-error, and hydrate() at cold start. A cached record is handed
// out as the same object until it changes, so what a scheme derives from it (SigV4 signing keys,
// imported CryptoKeys, kept in WeakMap slots of the record) lives exactly as long as the record.
import { KeyStoreError, type KeyRecord, type KeyStore } from './types.ts';

/** What a source says about one id: its record, or none (an unknown id), and how long the answer may be kept. */
export interface KeyLookup {
  readonly record: KeyRecord | undefined;
  /** The source's own freshness for this answer (a `Cache-Control: max-age`); capped by the cache's TTL. */
  readonly maxAgeSeconds?: number | undefined;
}

/**
 * Where a cached store gets keys. A per-id source answers `lookup(id)` (one secret or KV value per key);
 * a complete source answers `listAll()` with every record there is (one bundle secret, a secret
 * binding), so that an id missing from it is unknown without asking again. `lookup` and `listAll`
 * reject with a {@link KeyStoreError} when the source fails; an unknown id is not a failure.
 */
export type KeySource =
  | { readonly kind: 'per-id'; lookup(id: string): Promise<KeyLookup>; listAll?(): Promise<readonly KeyRecord[]> }
  | {
      readonly kind: 'complete';
      listAll(): Promise<readonly KeyRecord[]>;
      readonly invalidIds?: () => ReadonlySet<string>;
      /**
       * The freshness of the snapshot the last `listAll` returned, in seconds (a JWKS answer's
       * `Cache-Control: max-age`); read right after it. Capped by the cache's TTL; undefined: the TTL.
       */
      readonly maxAgeSeconds?: () => number | undefined;
    };

/** Something the cache did that an operator may want in a log or a metric: a kind and counts, never a key id. */
export type KeyCacheEvent =
  | { readonly event: 'keystore.fault'; readonly fault: string }
  | { readonly event: 'keystore.stale'; readonly fault: string }
  | { readonly event: 'keystore.busy' };

/** How a cached store keeps keys: every option has a default (KEY_CACHE_DEFAULTS; docs/key-stores.md says why). */
export interface KeyCacheOptions {
  /** How long a found record is used before the source is asked again. Default 300 s. */
  readonly ttlSeconds?: number;
  /** Most records kept; the oldest goes first. Default 10,000. */
  readonly maxEntries?: number;
  /** How long an unknown id is remembered as unknown; doubled each time it is asked again and still unknown. Default 10 s. */
  readonly negativeTtlSeconds?: number;
  /** The back-off's ceiling. Default 300 s. */
  readonly maxNegativeTtlSeconds?: number;
  /** Most unknown ids remembered (apart from the records, so a flood of them evicts no real key). Default 10,000. */
  readonly maxNegativeEntries?: number;
  /** How long past its TTL a record is still used while the source fails. Default 900 s; 0 turns it off. */
  readonly staleIfErrorSeconds?: number;
  /**
   * Lookups of ids the cache knows nothing about that may reach a per-id source, per second (a token
   * bucket, `missBurst` deep). Past it such an id is answered as unknown without calling the source
   * (and without remembering it: asked again with a token, it is looked up), and `keystore.busy` is
   * emitted: a flood of random key ids costs the source at most this rate. Default 10 per second.
   */
  readonly missesPerSecond?: number;
  /** Depth of that bucket. Default 20. */
  readonly missBurst?: number;
  /**
   * Complete sources only: an id missing from a snapshot that is still fresh reloads the snapshot (a
   * key published since, as a JWKS rotation does), at most once per this many seconds since the last
   * load began, whatever the ids asked; lookups in between answer from the snapshot. A flood of random
   * ids costs the source one load per period. Default 0: never (a bundle answers unknown ids until its TTL ends).
   */
  readonly unknownIdRefreshSeconds?: number;
  /** Milliseconds since the epoch (tests pass their own). */
  readonly clock?: () => number;
  /** Told of faults, stale answers and refused lookups (for a log line or a metric). */
  readonly onEvent?: (event: KeyCacheEvent) => void;
}

/** Counts since the cache was made, for tests, benchmarks and metrics. */
export interface KeyCacheStats {
  /** Calls made to the source (`lookup` or `listAll`). */
  sourceCalls: number;
  hits: number;
  negativeHits: number;
  /** Lookups that joined a call already in flight. */
  coalesced: number;
  staleServed: number;
  /** Lookups of never-seen ids answered as unknown, without asking the source, because the miss budget was spent. */
  refusedBusy: number;
}

/** What `hydrate()` did: records loaded, ids the source does not know, lookups that failed. */
export interface HydrateReport {
  readonly loaded: number;
  readonly unknown: number;
  readonly failed: number;
}

/** A {@link KeyStore} with a cache in front of its source. */
export interface CachedKeyStore extends KeyStore {
  /**
   * Loads records before the first request: every record of a complete source (or of a per-id source
   * that can list), or the given ids. Never rejects: failures are counted, and the first request
   * tries again.
   */
  hydrate(ids?: Iterable<string>): Promise<HydrateReport>;
  /** Forgets one id, or everything. */
  invalidate(id?: string): void;
  readonly stats: Readonly<KeyCacheStats>;
}

/** The defaults, and why (see docs/key-stores.md). */
export const KEY_CACHE_DEFAULTS = {
  ttlSeconds: 300,
  maxEntries: 10_000,
  negativeTtlSeconds: 10,
  maxNegativeTtlSeconds: 300,
  maxNegativeEntries: 10_000,
  staleIfErrorSeconds: 900,
  missesPerSecond: 10,
  missBurst: 20,
} as const;

interface Entry {
  record: KeyRecord;
  /** Fresh until (ms). */
  expires: number;
  /** Usable while the source fails until (ms). */
  staleUntil: number;
}

interface NegativeEntry {
  expires: number;
  strikes: number;
}

function sameRecord(a: KeyRecord, b: KeyRecord): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function asStoreError(e: unknown): KeyStoreError {
  return e instanceof KeyStoreError ? e : new KeyStoreError('network', 'key source failed');
}

function positive(name: string, v: number | undefined, fallback: number, allowZero = false): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0))
    throw new TypeError(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} number`);
  return v;
}

/**
 * Puts the cache in front of a key source.
 *
 * @throws TypeError for an option out of range.
 * @example
 * const keys = createCachedKeyStore(secretsManagerSource({ client, prefix: 'edge-auth/keys/' }), { ttlSeconds: 300 });
 * await keys.hydrate(['AKID1']); // at cold start, optional
 * const auth = createAuthenticator(config, { keys });
 */
export function createCachedKeyStore(source: KeySource, options: KeyCacheOptions = {}): CachedKeyStore {
  const d = KEY_CACHE_DEFAULTS;
  const ttl = positive('ttlSeconds', options.ttlSeconds, d.ttlSeconds) * 1000;
  const maxEntries = Math.floor(positive('maxEntries', options.maxEntries, d.maxEntries));
  const negTtl = positive('negativeTtlSeconds', options.negativeTtlSeconds, d.negativeTtlSeconds, true) * 1000;
  const maxNegTtl = Math.max(
    negTtl,
    positive('maxNegativeTtlSeconds', options.maxNegativeTtlSeconds, d.maxNegativeTtlSeconds, true) * 1000,
  );
  const maxNegEntries = Math.floor(positive('maxNegativeEntries', options.maxNegativeEntries, d.maxNegativeEntries, true));
  const grace = positive('staleIfErrorSeconds', options.staleIfErrorSeconds, d.staleIfErrorSeconds, true) * 1000;
  const rate = positive('missesPerSecond', options.missesPerSecond, d.missesPerSecond) / 1000;
  const burst = positive('missBurst', options.missBurst, d.missBurst);
  const unknownRefresh = positive('unknownIdRefreshSeconds', options.unknownIdRefreshSeconds, 0, true) * 1000;
  const clock = options.clock ?? Date.now;
  const emit = options.onEvent ?? (() => undefined);

  const entries = new Map<string, Entry>();
  const negatives = new Map<string, NegativeEntry>();
  const inFlight = new Map<string, Promise<KeyRecord | undefined>>();
  const stats: KeyCacheStats = { sourceCalls: 0, hits: 0, negativeHits: 0, coalesced: 0, staleServed: 0, refusedBusy: 0 };
  let tokens = burst;
  let tokensAt = clock();

  // Complete sources: one snapshot of every record.
  let snapshot: { byId: Map<string, Entry>; invalid: ReadonlySet<string>; expires: number; staleUntil: number } | undefined;
  let snapshotFlight: Promise<void> | undefined;
  /** When the last snapshot load began (ms): the unknown-id refresh's cooldown runs from it. */
  let snapshotLoadedAt = -Infinity;

  function store(record: KeyRecord, now: number, maxAgeSeconds?: number): KeyRecord {
    const keep =
      maxAgeSeconds !== undefined && Number.isFinite(maxAgeSeconds) && maxAgeSeconds >= 0 ? Math.min(ttl, maxAgeSeconds * 1000) : ttl;
    const old = entries.get(record.id);
    // The same record keeps its object, and with it every key derived from it.
    const kept = old && sameRecord(old.record, record) ? old.record : record;
    entries.delete(record.id);
    while (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
    entries.set(record.id, { record: kept, expires: now + keep, staleUntil: now + keep + grace });
    negatives.delete(record.id);
    return kept;
  }

  function remember(id: string, now: number, strikes: number): void {
    if (maxNegEntries === 0 || negTtl === 0) return;
    negatives.delete(id);
    while (negatives.size >= maxNegEntries) negatives.delete(negatives.keys().next().value!);
    negatives.set(id, { expires: now + Math.min(maxNegTtl, negTtl * 2 ** Math.min(strikes, 30)), strikes });
  }

  function takeToken(now: number): boolean {
    tokens = Math.min(burst, tokens + (now - tokensAt) * rate);
    tokensAt = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  }

  async function fetchOne(id: string, stale: Entry | undefined, strikes: number): Promise<KeyRecord | undefined> {
    stats.sourceCalls++;
    const src = source as Extract<KeySource, { kind: 'per-id' }>;
    try {
      const found = await src.lookup(id);
      const now = clock();
      if (found.record === undefined || found.record.id !== id) {
        entries.delete(id);
        remember(id, now, strikes);
        return undefined;
      }
      return store(found.record, now, found.maxAgeSeconds);
    } catch (e) {
      const err = asStoreError(e);
      if (stale && clock() < stale.staleUntil) {
        stats.staleServed++;
        emit({ event: 'keystore.stale', fault: err.fault });
        return stale.record;
      }
      emit({ event: 'keystore.fault', fault: err.fault });
      throw err;
    }
  }

  function getPerId(id: string): Promise<KeyRecord | undefined> {
    const now = clock();
    const entry = entries.get(id);
    if (entry && now < entry.expires) {
      stats.hits++;
      return Promise.resolve(entry.record);
    }
    const neg = entry ? undefined : negatives.get(id);
    if (neg && now < neg.expires) {
      stats.negativeHits++;
      return Promise.resolve(undefined);
    }
    const flying = inFlight.get(id);
    if (flying) {
      stats.coalesced++;
      return flying;
    }
    // Refreshing a record we hold is not a miss. Asking about an id we hold no record for spends a
    // token, also when it was unknown before and that answer has expired (else cycling through
    // remembered ids would ask the source past the budget). Without a token, such an id is still
    // unknown; so is an id never asked about, though not remembered as such (asked again with a token,
    // it is looked up). Not a store fault: a flood of made-up ids is input, which must not turn into a
    // 5xx, nor tell an id the cache holds (a bad signature, 401) from one it does not (503).
    if (!entry && !takeToken(now)) {
      if (neg) {
        stats.negativeHits++;
        return Promise.resolve(undefined);
      }
      stats.refusedBusy++;
      emit({ event: 'keystore.busy' });
      return Promise.resolve(undefined);
    }
    const p = fetchOne(id, entry, neg ? neg.strikes + 1 : 0).finally(() => inFlight.delete(id));
    inFlight.set(id, p);
    return p;
  }

  async function refreshSnapshot(): Promise<void> {
    const src = source as Extract<KeySource, { kind: 'complete' }>;
    stats.sourceCalls++;
    const records = await src.listAll();
    const now = clock();
    const age = src.maxAgeSeconds?.();
    const keep = age !== undefined && Number.isFinite(age) && age >= 0 ? Math.min(ttl, age * 1000) : ttl;
    const byId = new Map<string, Entry>();
    for (const r of records) {
      const old = snapshot?.byId.get(r.id);
      byId.set(r.id, { record: old && sameRecord(old.record, r) ? old.record : r, expires: now + keep, staleUntil: now + keep + grace });
    }
    snapshot = { byId, invalid: src.invalidIds?.() ?? new Set(), expires: now + keep, staleUntil: now + keep + grace };
  }

  function loadSnapshot(): Promise<void> {
    if (!snapshotFlight) {
      snapshotLoadedAt = clock();
      snapshotFlight = refreshSnapshot().finally(() => (snapshotFlight = undefined));
    } else stats.coalesced++;
    return snapshotFlight;
  }

  /** An id missing from a fresh snapshot: one reload per cooldown (joined while in flight), else the snapshot's answer. */
  async function refreshForUnknown(id: string, now: number): Promise<KeyRecord | undefined> {
    if (!snapshotFlight && now < snapshotLoadedAt + unknownRefresh) {
      stats.negativeHits++;
      return undefined;
    }
    try {
      await loadSnapshot();
    } catch (e) {
      // The snapshot still stands for the ids it holds; this id may be a key published since, which
      // only the source can tell: a store fault (503, try again), as jose and aws-jwt-verify answer.
      const err = asStoreError(e);
      emit({ event: 'keystore.fault', fault: err.fault });
      throw err;
    }
    return answerFromSnapshot(id);
  }

  function answerFromSnapshot(id: string): KeyRecord | undefined {
    if (snapshot!.invalid.has(id)) {
      emit({ event: 'keystore.fault', fault: 'invalid-record' });
      throw new KeyStoreError('invalid-record', 'the key record is invalid');
    }
    return snapshot!.byId.get(id)?.record;
  }

  async function getComplete(id: string): Promise<KeyRecord | undefined> {
    const now = clock();
    if (snapshot && now < snapshot.expires) {
      const found = answerFromSnapshot(id);
      if (found !== undefined || unknownRefresh === 0) {
        stats.hits++;
        return found;
      }
      return refreshForUnknown(id, now);
    }
    try {
      await loadSnapshot();
    } catch (e) {
      const err = asStoreError(e);
      if (snapshot && clock() < snapshot.staleUntil) {
        stats.staleServed++;
        emit({ event: 'keystore.stale', fault: err.fault });
        return answerFromSnapshot(id);
      }
      emit({ event: 'keystore.fault', fault: err.fault });
      throw err;
    }
    return answerFromSnapshot(id);
  }

  return {
    stats,
    get(id: string) {
      if (typeof id !== 'string') return Promise.resolve(undefined);
      return source.kind === 'complete' ? getComplete(id) : getPerId(id);
    },
    // What get() would answer from a fresh cache entry (counted as get counts it); undefined whenever
    // get() would ask the source, wait for a lookup in flight, serve stale, or answer a store fault.
    peek(id: string) {
      if (typeof id !== 'string') return null;
      const now = clock();
      if (source.kind === 'complete') {
        if (!snapshot || now >= snapshot.expires || snapshot.invalid.has(id)) return undefined;
        const found = snapshot.byId.get(id)?.record;
        // An id the snapshot lacks may be one published since, which get() reloads for (once per
        // cooldown): left to get() then, so that the two never answer differently.
        if (found === undefined && unknownRefresh > 0) return undefined;
        stats.hits++;
        return found ?? null;
      }
      const entry = entries.get(id);
      if (entry && now < entry.expires) {
        stats.hits++;
        return entry.record;
      }
      const neg = entry ? undefined : negatives.get(id);
      if (neg && now < neg.expires) {
        stats.negativeHits++;
        return null;
      }
      return undefined;
    },
    invalidate(id?: string) {
      if (id === undefined) {
        entries.clear();
        negatives.clear();
        snapshot = undefined;
      } else {
        entries.delete(id);
        negatives.delete(id);
      }
    },
    async hydrate(ids?: Iterable<string>): Promise<HydrateReport> {
      if (source.kind === 'complete') {
        try {
          await loadSnapshot();
          return { loaded: snapshot!.byId.size, unknown: 0, failed: 0 };
        } catch {
          return { loaded: 0, unknown: 0, failed: 1 };
        }
      }
      if (ids === undefined) {
        if (!source.listAll) return { loaded: 0, unknown: 0, failed: 0 };
        try {
          stats.sourceCalls++;
          const all = await source.listAll();
          const now = clock();
          for (const r of all) store(r, now);
          return { loaded: all.length, unknown: 0, failed: 0 };
        } catch {
          return { loaded: 0, unknown: 0, failed: 1 };
        }
      }
      let loaded = 0;
      let unknown = 0;
      let failed = 0;
      await Promise.all(
        [...new Set(ids)].map(async (id) => {
          try {
            const p = inFlight.get(id) ?? fetchOne(id, entries.get(id), 0).finally(() => inFlight.delete(id));
            inFlight.set(id, p);
            if ((await p) === undefined) unknown++;
            else loaded++;
          } catch {
            failed++;
          }
        }),
      );
      return { loaded, unknown, failed };
    },
  };
}

/** A plain store as a per-id source (records are kept as the store returns them). */
export function keySourceFrom(store: KeyStore): KeySource {
  return { kind: 'per-id', lookup: async (id) => ({ record: await store.get(id) }) };
}
