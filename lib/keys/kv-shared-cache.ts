// A Workers KV namespace as the SharedDocumentCache of fetched documents (a JWT issuer's JWKS): what
// one isolate fetched, the next one reads instead of fetching. KV is typed here by the two methods
// used, so lib/keys needs no Cloudflare types and tests pass a plain object.
import type { SharedDocumentCache } from './types.ts';

/** The part of a Workers KV namespace binding the shared cache uses. */
export interface KvDocumentNamespaceLike {
  get(key: string, options: { type: 'text'; cacheTtl?: number }): Promise<string | null>;
  put(key: string, value: string, options: { expirationTtl: number }): Promise<unknown>;
}

/** Where {@link kvSharedCache} keeps documents. */
export interface KvSharedCacheOptions {
  /** Put before every key (default `edge-auth/documents/`). */
  readonly prefix?: string;
  /** KV's own edge cache for each read, in seconds (KV's minimum, 60, is the default). */
  readonly cacheTtlSeconds?: number;
}

/** KV keeps nothing for less than this (`expirationTtl`), and reads with no shorter `cacheTtl`. */
export const KV_MIN_TTL_SECONDS = 60;
/** KV refuses keys longer than this (in UTF-8 bytes). */
const KV_KEY_MAX_BYTES = 512;

const encoder = new TextEncoder();

function isNamespace(v: unknown): v is KvDocumentNamespaceLike {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as { get?: unknown }).get === 'function' &&
    typeof (v as { put?: unknown }).put === 'function'
  );
}

/**
 * A {@link SharedDocumentCache} over a Workers KV namespace: `put` writes the value under prefix + key
 * with `expirationTtl` the given TTL (raised to KV's minimum of 60 s), `get` reads it with KV's
 * `cacheTtl`. Both reject (a plain `Error` naming no key or value) when the binding is not a KV
 * namespace, the key is too long for KV, or KV fails; callers treat that as a miss. Values are public
 * documents: whoever may write the namespace may change what is read back, so bind one only the
 * Worker writes.
 *
 * @throws TypeError at creation for a prefix that is not a string or a `cacheTtlSeconds` below 60.
 * @example
 * const sharedCache = kvSharedCache(() => env.AUTH_SHARED_CACHE);
 * const auth = createAuthenticator(config, { sharedCache });
 */
export function kvSharedCache(
  namespace: KvDocumentNamespaceLike | (() => unknown),
  options: KvSharedCacheOptions = {},
): SharedDocumentCache {
  const prefix = options.prefix ?? 'edge-auth/documents/';
  if (typeof prefix !== 'string') throw new TypeError('prefix must be a string');
  const cacheTtl = options.cacheTtlSeconds ?? KV_MIN_TTL_SECONDS;
  if (!Number.isInteger(cacheTtl) || cacheTtl < KV_MIN_TTL_SECONDS)
    throw new TypeError(`cacheTtlSeconds must be a whole number of at least ${KV_MIN_TTL_SECONDS}`);

  function kv(): KvDocumentNamespaceLike {
    const ns: unknown = typeof namespace === 'function' ? namespace() : namespace;
    if (!isNamespace(ns)) throw new Error('the shared cache binding is not a KV namespace');
    return ns;
  }

  function kvKey(key: string): string {
    const full = prefix + key;
    if (full === '' || full === '.' || full === '..' || encoder.encode(full).length > KV_KEY_MAX_BYTES)
      throw new Error('the shared cache key is not a KV key');
    return full;
  }

  return {
    async get(key) {
      const ns = kv();
      const full = kvKey(key);
      let value: unknown;
      try {
        value = await ns.get(full, { type: 'text', cacheTtl });
      } catch {
        // KV's own text may quote the key.
        throw new Error('Workers KV read failed');
      }
      return typeof value === 'string' ? value : undefined;
    },
    async put(key, value, ttlSeconds) {
      const ttl = Number.isFinite(ttlSeconds) ? Math.max(KV_MIN_TTL_SECONDS, Math.ceil(ttlSeconds)) : KV_MIN_TTL_SECONDS;
      const ns = kv();
      const full = kvKey(key);
      try {
        await ns.put(full, value, { expirationTtl: ttl });
      } catch {
        throw new Error('Workers KV write failed');
      }
    },
  };
}
