import { describe, expect, it } from 'vitest';
import { kvSharedCache, type KvDocumentNamespaceLike } from './kv-shared-cache.ts';

/** A KV namespace in memory that records its calls and can be told to fail. */
function fakeKv() {
  const values = new Map<string, string>();
  const calls: Array<{ op: string; key: string; options: unknown }> = [];
  const state = { fail: undefined as Error | undefined };
  const kv: KvDocumentNamespaceLike = {
    async get(key, options) {
      calls.push({ op: 'get', key, options });
      if (state.fail) throw state.fail;
      return values.get(key) ?? null;
    },
    async put(key, value, options) {
      calls.push({ op: 'put', key, options });
      if (state.fail) throw state.fail;
      values.set(key, value);
    },
  };
  return { kv, values, calls, state };
}

describe('kvSharedCache', () => {
  it('puts under the prefix with the TTL, raised to KV minimum of 60 s, and reads with cacheTtl', async () => {
    const { kv, values, calls } = fakeKv();
    const cache = kvSharedCache(kv, { prefix: 'docs/' });
    await cache.put('jwks/abc', 'doc-1', 300);
    await cache.put('jwks/short', 'doc-2', 10);
    await cache.put('jwks/frac', 'doc-3', 90.2);
    expect([...values.keys()]).toEqual(['docs/jwks/abc', 'docs/jwks/short', 'docs/jwks/frac']);
    expect(calls.map((c) => c.options)).toEqual([{ expirationTtl: 300 }, { expirationTtl: 60 }, { expirationTtl: 91 }]);
    expect(await cache.get('jwks/abc')).toBe('doc-1');
    expect(await cache.get('jwks/none')).toBeUndefined();
    expect(calls.at(-1)).toEqual({ op: 'get', key: 'docs/jwks/none', options: { type: 'text', cacheTtl: 60 } });
  });

  it('uses edge-auth/documents/ as the default prefix, and reads the binding when asked', async () => {
    const { kv, values } = fakeKv();
    let env: Record<string, unknown> = {};
    const cache = kvSharedCache(() => env.AUTH_SHARED_CACHE);
    await expect(cache.get('k')).rejects.toThrow('not a KV namespace');
    env = { AUTH_SHARED_CACHE: kv };
    await cache.put('k', 'v', 60);
    expect([...values.keys()]).toEqual(['edge-auth/documents/k']);
  });

  it("rejects with its own words when KV fails, never KV's text (which may quote the key)", async () => {
    const { kv, state } = fakeKv();
    state.fail = new Error('KV GET failed: 429 Too Many Requests for key edge-auth/documents/secret-key');
    const cache = kvSharedCache(kv);
    await expect(cache.get('secret-key')).rejects.toThrow(/^Workers KV read failed$/);
    await expect(cache.put('secret-key', 'v', 60)).rejects.toThrow(/^Workers KV write failed$/);
  });

  it('refuses a key KV cannot hold without asking KV', async () => {
    const { kv, calls } = fakeKv();
    await expect(kvSharedCache(kv, { prefix: '' }).get('k'.repeat(513))).rejects.toThrow('not a KV key');
    await expect(kvSharedCache(kv, { prefix: '' }).get('..')).rejects.toThrow('not a KV key');
    expect(calls).toEqual([]);
  });

  it('refuses options out of range', () => {
    const { kv } = fakeKv();
    expect(() => kvSharedCache(kv, { cacheTtlSeconds: 30 })).toThrow(TypeError);
    expect(() => kvSharedCache(kv, { prefix: 5 as unknown as string })).toThrow(TypeError);
  });
});
