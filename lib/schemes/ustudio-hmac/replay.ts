// The freshness extension's replay cache: which signatures were already accepted within the window.
import { DEFAULT_REPLAY_CACHE_SIZE } from './constants.ts';

/**
 * Where a verifier remembers the signatures it accepted, so that the same signed request is accepted
 * once per freshness window. The built-in one ({@link createMemoryReplayCache}) lives in one isolate or
 * process; a platform store (a Durable Object, a database with a unique key) can be plugged in by
 * implementing this.
 */
export interface ReplayCache {
  /**
   * Remembers `id` until `expiresAtMs` and answers whether it was new: `false` when it was already
   * remembered and not yet expired (a replay). It must be atomic for one id (two calls racing with the
   * same id: one true at most). A rejection is answered `ERR_KEYSTORE_UNAVAILABLE` (fail closed).
   */
  firstSeen(id: string, expiresAtMs: number, nowMs: number): boolean | Promise<boolean>;
}

/**
 * A bounded in-memory {@link ReplayCache}: at most `maxEntries` signatures (default 10,000), each kept
 * until its request would be refused as expired anyway. It guarantees one acceptance per signature per
 * window within this cache only, that is per isolate (Workers) or per container (Lambda): other
 * instances have caches of their own. When full of unexpired entries it forgets the oldest first, so
 * under a flood of more than `maxEntries` valid requests per window an old signature can be accepted
 * again. Size it above the requests one instance accepts in a window.
 *
 * @throws TypeError when `maxEntries` is not a positive integer.
 * @example
 * const verifier = createUStudioVerifier({ keys, freshness: { replayCache: createMemoryReplayCache({ maxEntries: 50_000 }) } });
 */
export function createMemoryReplayCache(options: { readonly maxEntries?: number } = {}): ReplayCache & { readonly size: number } {
  const max = options.maxEntries ?? DEFAULT_REPLAY_CACHE_SIZE;
  if (!Number.isInteger(max) || max < 1) throw new TypeError('maxEntries must be a positive integer');
  // Insertion order is nearly expiry order (every expiry is its timestamp plus one window), so expired
  // entries are found at the front.
  const seen = new Map<string, number>();
  return {
    get size() {
      return seen.size;
    },
    firstSeen(id, expiresAtMs, nowMs) {
      const known = seen.get(id);
      if (known !== undefined && known > nowMs) return false;
      if (known !== undefined) seen.delete(id);
      for (const [k, exp] of seen) {
        if (exp > nowMs) break;
        seen.delete(k);
      }
      while (seen.size >= max) seen.delete(seen.keys().next().value!);
      seen.set(id, expiresAtMs);
      return true;
    },
  };
}
