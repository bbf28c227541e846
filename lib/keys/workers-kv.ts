// Key records in a Workers KV namespace, one JSON value per key under prefix + id. KV is typed here by
// the one method we call, so lib/keys needs no Cloudflare types and tests pass a plain object.
import type { KeyLookup, KeySource } from './cache.ts';
import { parseKeyRecordJson } from './record.ts';
import { KeyStoreError, type KeyStoreFault } from './types.ts';

/** The part of a Workers KV namespace binding this source uses. */
export interface KvNamespaceLike {
  get(key: string, options: { type: 'text'; cacheTtl?: number }): Promise<string | null>;
}

/** Where {@link workersKvSource} reads: the namespace, the key prefix, KV's cacheTtl and the schemes a record may name. */
export interface WorkersKvSourceOptions {
  /**
   * The namespace, or how to find it when a lookup needs it (a Worker reads its `env` binding per
   * request; the store outlives the request). Anything without a `get` method is a `misconfigured` fault.
   */
  readonly namespace: KvNamespaceLike | (() => unknown);
  /** Put before every id to make its KV key (default `""`). */
  readonly prefix?: string;
  /** KV's own edge cache for each read, in seconds (KV's minimum is 60; default 60). */
  readonly cacheTtlSeconds?: number;
  /** The scheme ids a record may name (a record naming another is an invalid record); default any. */
  readonly schemes?: readonly string[];
}

/** KV refuses keys longer than this (in UTF-8 bytes), and the keys "." and "..". */
const KV_KEY_MAX_BYTES = 512;
/** What `parseKeyRecord` accepts as an id: an id outside it cannot have a record, so KV is not asked. */
const RECORD_ID_RE = /^[^\s,]{1,256}$/;

const encoder = new TextEncoder();

function isNamespace(v: unknown): v is KvNamespaceLike {
  return typeof v === 'object' && v !== null && typeof (v as { get?: unknown }).get === 'function';
}

/**
 * KV's errors are plain `Error`s whose text may quote the key (and so the key id); only the kind of
 * failure is kept. KV answers 429 when a key is read or written too often.
 */
function faultOf(e: unknown): KeyStoreFault {
  const text = e instanceof Error ? e.message : '';
  if (/\b429\b|too many requests|rate limit/i.test(text)) return 'throttled';
  if (/\b5\d\d\b/.test(text)) return 'server-error';
  return 'network';
}

/**
 * A per-id key source over a Workers KV namespace: the record of `id` is the JSON value under
 * `prefix + id`, read with KV's `cacheTtl`. Wrap it in `createCachedKeyStore`.
 *
 * An absent value is an unknown id. A value that is not a record (not JSON, a bad field, an `id` that
 * is not the one asked for) rejects with a `KeyStoreError` (`invalid-record`): no guess may verify. A
 * failing KV read rejects with `throttled`, `server-error` or `network`; a binding that is not a KV
 * namespace with `misconfigured`. Errors name the fault only, never the id, the key or KV's message.
 *
 * @throws TypeError at creation for a `cacheTtlSeconds` below 60 or a prefix that is not a string.
 * @example
 * const keys = createCachedKeyStore(workersKvSource({ namespace: () => env.AUTH_KEYS, prefix: 'keys/' }), { ttlSeconds: 60 });
 */
export function workersKvSource(options: WorkersKvSourceOptions): KeySource {
  const prefix = options.prefix ?? '';
  if (typeof prefix !== 'string') throw new TypeError('prefix must be a string');
  const cacheTtl = options.cacheTtlSeconds ?? 60;
  if (!Number.isInteger(cacheTtl) || cacheTtl < 60) throw new TypeError('cacheTtlSeconds must be a whole number of at least 60');
  const { namespace, schemes } = options;
  const parseOptions = schemes ? { schemes } : {};

  function kv(): KvNamespaceLike {
    const ns: unknown = typeof namespace === 'function' ? namespace() : namespace;
    if (!isNamespace(ns)) throw new KeyStoreError('misconfigured', 'the KV namespace binding is missing');
    return ns;
  }

  return {
    kind: 'per-id',
    async lookup(id: string): Promise<KeyLookup> {
      const key = prefix + id;
      if (!RECORD_ID_RE.test(id) || key === '.' || key === '..' || encoder.encode(key).length > KV_KEY_MAX_BYTES)
        return { record: undefined };
      const ns = kv();
      let text: unknown;
      try {
        text = await ns.get(key, { type: 'text', cacheTtl });
      } catch (e) {
        throw new KeyStoreError(faultOf(e), 'Workers KV read failed');
      }
      if (text === null || text === undefined) return { record: undefined };
      if (typeof text !== 'string') throw new KeyStoreError('malformed-response', 'Workers KV answered something other than text');
      const parsed = parseKeyRecordJson(text, parseOptions);
      if (!parsed.ok || parsed.record.id !== id) throw new KeyStoreError('invalid-record', 'the key record is invalid');
      return { record: parsed.record };
    },
  };
}
