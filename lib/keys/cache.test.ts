import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCachedKeyStore, KEY_CACHE_DEFAULTS, type KeyCacheEvent, type KeySource } from './cache.ts';
import { KeyStoreError, type KeyRecord } from './types.ts';

const record = (id: string, secret = `secret-of-${id}-000`): KeyRecord => ({ id, secrets: [secret], principal: id, permissions: [] });

/** A per-id source over a mutable map, counting calls; `fail` makes it reject with a store fault. */
function perIdSource(initial: KeyRecord[] = []) {
  const records = new Map(initial.map((r) => [r.id, r]));
  const state = { calls: 0, fail: undefined as KeyStoreError | undefined, delayMs: 0, maxAge: undefined as number | undefined };
  const source: KeySource = {
    kind: 'per-id',
    async lookup(id) {
      state.calls++;
      if (state.delayMs) await new Promise((r) => setTimeout(r, state.delayMs));
      if (state.fail) throw state.fail;
      // A fresh object per call, as a store that parses JSON gives.
      const r = records.get(id);
      return { record: r ? { ...r } : undefined, maxAgeSeconds: state.maxAge };
    },
  };
  return { source, records, state };
}

function clock(start = 1_700_000_000_000) {
  const c = { now: start, fn: () => c.now, advance: (s: number) => (c.now += s * 1000) };
  return c;
}

describe('createCachedKeyStore (per-id source)', () => {
  it('caches a record for its TTL and hands out the same object', async () => {
    const { source, state } = perIdSource([record('a')]);
    const c = clock();
    const keys = createCachedKeyStore(source, { clock: c.fn, ttlSeconds: 60 });
    const first = await keys.get('a');
    expect(await keys.get('a')).toBe(first);
    c.advance(59);
    expect(await keys.get('a')).toBe(first);
    expect(state.calls).toBe(1);
    c.advance(2);
    // Refetched, unchanged: still the same object, so derived keys (WeakMap slots) survive.
    expect(await keys.get('a')).toBe(first);
    expect(state.calls).toBe(2);
  });

  it('hands out a new object when the record changed (rotation)', async () => {
    const { source, records } = perIdSource([record('a', 'old-secret-0000')]);
    const c = clock();
    const keys = createCachedKeyStore(source, { clock: c.fn, ttlSeconds: 10 });
    const before = await keys.get('a');
    records.set('a', { ...record('a'), secrets: ['new-secret-0000', 'old-secret-0000'] });
    c.advance(11);
    const after = await keys.get('a');
    expect(after).not.toBe(before);
    expect(after?.secrets).toEqual(['new-secret-0000', 'old-secret-0000']);
  });

  it('honours a shorter max-age from the source, never a longer one', async () => {
    const { source, state } = perIdSource([record('a')]);
    const c = clock();
    state.maxAge = 5;
    const keys = createCachedKeyStore(source, { clock: c.fn, ttlSeconds: 60 });
    await keys.get('a');
    c.advance(6);
    await keys.get('a');
    expect(state.calls).toBe(2);
    state.maxAge = 10_000;
    c.advance(61);
    await keys.get('a');
    c.advance(61);
    await keys.get('a');
    expect(state.calls).toBe(4);
  });

  it('coalesces 100 concurrent lookups of one id into one source call', async () => {
    const { source, state } = perIdSource([record('a')]);
    state.delayMs = 20;
    const keys = createCachedKeyStore(source);
    const got = await Promise.all(Array.from({ length: 100 }, () => keys.get('a')));
    expect(state.calls).toBe(1);
    expect(new Set(got).size).toBe(1);
    expect(keys.stats.coalesced).toBe(99);
  });

  it('remembers an unknown id, with back-off when it is asked again', async () => {
    const { source, state } = perIdSource();
    const c = clock();
    const keys = createCachedKeyStore(source, { clock: c.fn, negativeTtlSeconds: 10, maxNegativeTtlSeconds: 40 });
    expect(await keys.get('ghost')).toBeUndefined();
    expect(await keys.get('ghost')).toBeUndefined();
    expect(state.calls).toBe(1);
    // 10 s, then 20 s, then 40 s, then the ceiling (40 s).
    for (const [wait, calls] of [
      [11, 2],
      [19, 2],
      [2, 3],
      [39, 3],
      [2, 4],
      [41, 5],
    ] as const) {
      c.advance(wait);
      await keys.get('ghost');
      expect(state.calls).toBe(calls);
    }
  });

  it('a flood of random unknown ids costs the source at most the miss budget', async () => {
    const { source, state } = perIdSource([record('real')]);
    const c = clock();
    const keys = createCachedKeyStore(source, { clock: c.fn });
    await keys.get('real');
    // 10,000 distinct random ids over 10 s of (fake) time: every one unknown, never a store fault.
    for (let i = 0; i < 10_000; i++) {
      if (i % 1000 === 0) c.advance(1);
      expect(await keys.get(`AKID${i}-${Math.random()}`)).toBeUndefined();
    }
    const budget = KEY_CACHE_DEFAULTS.missBurst + 10 * KEY_CACHE_DEFAULTS.missesPerSecond + 1;
    expect(state.calls - 1).toBeLessThanOrEqual(budget);
    expect(keys.stats.refusedBusy).toBe(10_000 - (state.calls - 1));
    // The real key is still served from the cache during the flood.
    expect(await keys.get('real')).toBeDefined();
    expect(state.calls - 1).toBeLessThanOrEqual(budget);
  });

  it('an id answered unknown past the budget is not remembered: asked again with a token, it is looked up (a real key new to the cache)', async () => {
    const { source, state } = perIdSource([record('late')]);
    const c = clock();
    const keys = createCachedKeyStore(source, { clock: c.fn, missBurst: 1, missesPerSecond: 1 });
    expect(await keys.get('random')).toBeUndefined();
    expect(await keys.get('late')).toBeUndefined(); // the bucket is empty: no call
    expect(state.calls).toBe(1);
    c.advance(1);
    expect(await keys.get('late')).toMatchObject({ id: 'late' });
    expect(state.calls).toBe(2);
  });

  it('unknown ids asked again once their negative answer expired spend the miss budget too (no cycling past it)', async () => {
    // The attacker's pattern from review: 10 new ids a second until 10,000 are remembered, every
    // request in between re-asking an id already known to be unknown; an hour of 200 requests a second.
    const { source, state } = perIdSource([record('real')]);
    const c = clock();
    const keys = createCachedKeyStore(source, { clock: c.fn });
    await keys.get('real');
    const ids: string[] = [];
    const seconds = 3600;
    for (let tick = 0; tick < seconds * 200; tick++) {
      c.now += 5;
      const id = ids.length < 10_000 && tick % 20 === 0 ? `AKID${ids.push(`AKID${ids.length}`) - 1}` : ids[tick % ids.length]!;
      await keys.get(id).catch(() => undefined);
    }
    const budget = KEY_CACHE_DEFAULTS.missBurst + seconds * KEY_CACHE_DEFAULTS.missesPerSecond;
    expect(state.calls - 1).toBeLessThanOrEqual(budget);
    // With the bucket empty, a new id is unknown without a call (not remembered); a remembered unknown one is still unknown.
    for (let i = 0; i < 100; i++) await keys.get(`fresh${i}`).catch(() => undefined);
    const calls = state.calls;
    const refused = keys.stats.refusedBusy;
    await expect(keys.get('fresh-one-more')).resolves.toBeUndefined();
    expect([state.calls, keys.stats.refusedBusy]).toEqual([calls, refused + 1]);
    c.advance(3600);
    for (let i = 0; i < 100; i++) await keys.get(`fresh2-${i}`).catch(() => undefined);
    await expect(keys.get(ids[0]!)).resolves.toBeUndefined();
    expect(await keys.get('real')).toBeDefined();
  });

  it('serves a stale record while the source fails, inside the grace period only', async () => {
    const { source, state } = perIdSource([record('a')]);
    const c = clock();
    const events: KeyCacheEvent[] = [];
    const keys = createCachedKeyStore(source, { clock: c.fn, ttlSeconds: 60, staleIfErrorSeconds: 120, onEvent: (e) => events.push(e) });
    const first = await keys.get('a');
    state.fail = new KeyStoreError('throttled', 'throttled');
    c.advance(61);
    expect(await keys.get('a')).toBe(first);
    c.advance(118);
    expect(await keys.get('a')).toBe(first);
    c.advance(2);
    await expect(keys.get('a')).rejects.toMatchObject({ code: 'ERR_KEYSTORE_UNAVAILABLE', fault: 'throttled' });
    expect(keys.stats.staleServed).toBe(2);
    expect(events).toContainEqual({ event: 'keystore.stale', fault: 'throttled' });
    expect(events).toContainEqual({ event: 'keystore.fault', fault: 'throttled' });
    // A key deleted at the source is gone at once, stale or not.
    state.fail = undefined;
    expect(await keys.get('a')).toBeDefined();
  });

  it('a record deleted at the source stops verifying at the next refresh (no stale serving for "unknown")', async () => {
    const { source, records } = perIdSource([record('a')]);
    const c = clock();
    const keys = createCachedKeyStore(source, { clock: c.fn, ttlSeconds: 60 });
    await keys.get('a');
    records.delete('a');
    c.advance(61);
    expect(await keys.get('a')).toBeUndefined();
  });

  it('turns anything a source throws into a store fault', async () => {
    const source: KeySource = { kind: 'per-id', lookup: () => Promise.reject(new Error(`leaky message secret-of-a`)) };
    const keys = createCachedKeyStore(source);
    const err = await keys.get('a').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeyStoreError);
    expect(String((err as Error).message)).not.toContain('secret');
  });

  it('refuses a record whose id is not the one asked for', async () => {
    const source: KeySource = { kind: 'per-id', lookup: async () => ({ record: record('other') }) };
    expect(await createCachedKeyStore(source).get('a')).toBeUndefined();
  });

  it('keeps at most maxEntries records, and unknown ids apart from them', async () => {
    const ids = Array.from({ length: 10 }, (_, i) => `k${i}`);
    const { source, state } = perIdSource(ids.map((id) => record(id)));
    const keys = createCachedKeyStore(source, { maxEntries: 5, maxNegativeEntries: 3, missBurst: 1000 });
    for (const id of ids) await keys.get(id);
    expect(state.calls).toBe(10);
    for (const id of ids.slice(5)) await keys.get(id);
    expect(state.calls).toBe(10);
    await keys.get('k0');
    expect(state.calls).toBe(11);
    // A flood of unknown ids evicts no record.
    for (let i = 0; i < 50; i++) await keys.get(`ghost${i}`);
    const before = state.calls;
    for (const id of ['k0', ...ids.slice(6)]) await keys.get(id);
    expect(state.calls).toBe(before);
  });

  it('hydrate() loads the given ids without spending the miss budget, and never rejects', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => `k${i}`);
    const { source, state } = perIdSource(ids.map((id) => record(id)));
    const keys = createCachedKeyStore(source, { missBurst: 1, missesPerSecond: 0.01 });
    expect(await keys.hydrate([...ids, 'ghost'])).toEqual({ loaded: 50, unknown: 1, failed: 0 });
    for (const id of ids) await keys.get(id);
    expect(state.calls).toBe(51);
    state.fail = new KeyStoreError('network', 'down');
    keys.invalidate();
    expect(await keys.hydrate(['k1'])).toEqual({ loaded: 0, unknown: 0, failed: 1 });
  });

  it('refuses options out of range', () => {
    const { source } = perIdSource();
    for (const bad of [{ ttlSeconds: 0 }, { ttlSeconds: -1 }, { maxEntries: Number.NaN }, { missesPerSecond: 0 }])
      expect(() => createCachedKeyStore(source, bad)).toThrow(TypeError);
  });

  it('answers every id consistently with the source (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 8 }), { maxLength: 20 }),
        fc.array(fc.string({ maxLength: 8 }), { maxLength: 40 }),
        async (known, asked) => {
          const { source } = perIdSource(known.map((id) => record(id)));
          const keys = createCachedKeyStore(source, { missBurst: 1000 });
          for (const id of [...asked, ...known]) expect((await keys.get(id))?.id).toBe(known.includes(id) ? id : undefined);
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('createCachedKeyStore: peek', () => {
  it('per-id: answers from fresh entries only (the record, null for a remembered unknown id), never asking the source', async () => {
    const { source, state } = perIdSource([record('a')]);
    const c = clock();
    const keys = createCachedKeyStore(source, { clock: c.fn, ttlSeconds: 60, negativeTtlSeconds: 10 });
    expect(keys.peek!('a')).toBeUndefined();
    expect(keys.peek!('ghost')).toBeUndefined();
    expect(state.calls).toBe(0);
    const a = await keys.get('a');
    await keys.get('ghost');
    expect(keys.peek!('a')).toBe(a);
    expect(keys.peek!('ghost')).toBeNull();
    expect(keys.stats).toMatchObject({ hits: 1, negativeHits: 1 });
    c.advance(61);
    // Expired: get() must refresh (or serve stale): peek cannot tell.
    expect(keys.peek!('a')).toBeUndefined();
    expect(keys.peek!('ghost')).toBeUndefined();
    expect(state.calls).toBe(2);
  });

  it('complete: answers from a fresh snapshot, but leaves an invalid record and a stale snapshot to get()', async () => {
    const c = clock();
    const source: KeySource = { kind: 'complete', listAll: async () => [record('a')], invalidIds: () => new Set(['bad']) };
    const keys = createCachedKeyStore(source, { clock: c.fn, ttlSeconds: 60 });
    expect(keys.peek!('a')).toBeUndefined();
    await keys.hydrate();
    expect(keys.peek!('a')).toMatchObject({ id: 'a' });
    expect(keys.peek!('ghost')).toBeNull();
    expect(keys.peek!('bad')).toBeUndefined();
    await expect(keys.get('bad')).rejects.toMatchObject({ fault: 'invalid-record' });
    c.advance(61);
    expect(keys.peek!('a')).toBeUndefined();
  });

  it('complete with unknownIdRefreshSeconds: an id the snapshot lacks is left to get(), which may reload for it', async () => {
    const c = clock();
    let records = [record('a')];
    const source: KeySource = { kind: 'complete', listAll: async () => records };
    const keys = createCachedKeyStore(source, { clock: c.fn, ttlSeconds: 600, unknownIdRefreshSeconds: 30 });
    await keys.hydrate();
    expect(keys.peek!('a')).toMatchObject({ id: 'a' });
    records = [record('a'), record('new')];
    c.advance(31);
    // peek cannot tell (a key published since); get() reloads once per cooldown and finds it.
    expect(keys.peek!('new')).toBeUndefined();
    expect(await keys.get('new')).toMatchObject({ id: 'new' });
  });
});

describe('createCachedKeyStore (complete source)', () => {
  function completeSource(records: KeyRecord[], invalid: string[] = []) {
    const state = {
      calls: 0,
      fail: undefined as KeyStoreError | undefined,
      records,
      maxAge: undefined as number | undefined,
      delayMs: 0,
    };
    const source: KeySource = {
      kind: 'complete',
      async listAll() {
        state.calls++;
        if (state.delayMs) await new Promise((r) => setTimeout(r, state.delayMs));
        if (state.fail) throw state.fail;
        return state.records.map((r) => ({ ...r }));
      },
      invalidIds: () => new Set(invalid),
      maxAgeSeconds: () => state.maxAge,
    };
    return { source, state };
  }

  it('answers unknown ids from the snapshot without asking the source', async () => {
    const { source, state } = completeSource([record('a')]);
    const keys = createCachedKeyStore(source);
    for (let i = 0; i < 1000; i++) expect(await keys.get(`ghost${i}`)).toBeUndefined();
    expect(await keys.get('a')).toBeDefined();
    expect(state.calls).toBe(1);
  });

  it('answers an invalid record with a store fault, and the others as usual', async () => {
    const { source } = completeSource([record('a')], ['bad']);
    const events: KeyCacheEvent[] = [];
    const keys = createCachedKeyStore(source, { onEvent: (e) => events.push(e) });
    await expect(keys.get('bad')).rejects.toMatchObject({ fault: 'invalid-record' });
    expect(events).toEqual([{ event: 'keystore.fault', fault: 'invalid-record' }]);
    expect(await keys.get('a')).toBeDefined();
  });

  it('refreshes after the TTL keeping unchanged objects, and serves stale inside the grace period', async () => {
    const { source, state } = completeSource([record('a'), record('b')]);
    const c = clock();
    const keys = createCachedKeyStore(source, { clock: c.fn, ttlSeconds: 10, staleIfErrorSeconds: 20 });
    expect(await keys.hydrate()).toEqual({ loaded: 2, unknown: 0, failed: 0 });
    const a = await keys.get('a');
    state.records = [record('a'), record('b', 'rotated-secret-00')];
    c.advance(11);
    expect(await keys.get('a')).toBe(a);
    expect((await keys.get('b'))?.secrets).toEqual(['rotated-secret-00']);
    state.fail = new KeyStoreError('server-error', 'down');
    c.advance(11);
    expect(await keys.get('a')).toBe(a);
    c.advance(20);
    await expect(keys.get('a')).rejects.toMatchObject({ fault: 'server-error' });
  });

  it("keeps a snapshot for the source's max-age when shorter than the TTL, never longer", async () => {
    const { source, state } = completeSource([record('a')]);
    const c = clock();
    const keys = createCachedKeyStore(source, { clock: c.fn, ttlSeconds: 100 });
    state.maxAge = 10;
    await keys.get('a');
    c.advance(9);
    await keys.get('a');
    expect(state.calls).toBe(1);
    c.advance(2);
    await keys.get('a');
    expect(state.calls).toBe(2);
    state.maxAge = 1_000;
    c.advance(11);
    await keys.get('a');
    expect(state.calls).toBe(3);
    c.advance(99);
    await keys.get('a');
    expect(state.calls).toBe(3);
    c.advance(2);
    await keys.get('a');
    expect(state.calls).toBe(4);
  });

  it('without unknownIdRefreshSeconds, never reloads a fresh snapshot for an unknown id', async () => {
    const { source, state } = completeSource([record('a')]);
    const c = clock();
    const keys = createCachedKeyStore(source, { clock: c.fn, ttlSeconds: 600 });
    await keys.get('a');
    state.records = [record('a'), record('new')];
    c.advance(500);
    expect(await keys.get('new')).toBeUndefined();
    expect(state.calls).toBe(1);
  });

  it('reloads a fresh snapshot for an unknown id at most once per unknownIdRefreshSeconds', async () => {
    const { source, state } = completeSource([record('a')]);
    const c = clock();
    const keys = createCachedKeyStore(source, { clock: c.fn, ttlSeconds: 600, unknownIdRefreshSeconds: 30 });
    await keys.get('a');
    // Published after the first load, asked inside the cooldown: the snapshot answers.
    state.records = [record('a'), record('new')];
    c.advance(10);
    expect(await keys.get('new')).toBeUndefined();
    expect(state.calls).toBe(1);
    c.advance(21);
    expect(await keys.get('new')).toBeDefined();
    expect(state.calls).toBe(2);
    // A flood of random ids over 300 s: one load per 30 s at most.
    for (let i = 0; i < 1000; i++) {
      expect(await keys.get(`ghost-${i}`)).toBeUndefined();
      c.advance(0.3);
    }
    expect(state.calls - 2).toBeLessThanOrEqual(Math.ceil(300 / 30));
    expect(state.calls - 2).toBeGreaterThanOrEqual(Math.floor(300 / 30) - 1);
  });

  it('concurrent unknown ids share one reload, and a failed reload is a store fault for them only', async () => {
    const { source, state } = completeSource([record('a')]);
    const c = clock();
    const events: KeyCacheEvent[] = [];
    const keys = createCachedKeyStore(source, { clock: c.fn, unknownIdRefreshSeconds: 5, onEvent: (e) => events.push(e) });
    await keys.get('a');
    c.advance(6);
    state.delayMs = 5;
    state.records = [record('a'), record('k1')];
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => keys.get(i % 2 ? 'k1' : `ghost-${i}`)));
    expect(state.calls).toBe(2);
    expect(answers.filter((r) => r !== undefined).length).toBe(50);
    expect(keys.stats.coalesced).toBe(99);
    c.advance(6);
    state.fail = new KeyStoreError('timeout', 'slow');
    await expect(keys.get('ghost-x')).rejects.toMatchObject({ fault: 'timeout' });
    expect(events).toEqual([{ event: 'keystore.fault', fault: 'timeout' }]);
    // The snapshot still holds: known ids verify, other unknown ids wait out the cooldown.
    expect(await keys.get('k1')).toBeDefined();
    expect(await keys.get('ghost-y')).toBeUndefined();
    expect(state.calls).toBe(3);
  });

  it('refuses a negative unknownIdRefreshSeconds', () => {
    expect(() => createCachedKeyStore(completeSource([]).source, { unknownIdRefreshSeconds: -1 })).toThrow(TypeError);
  });
});

describe('the miss budget, seen from a verifier', () => {
  it('a flood of made-up API keys is answered 401, never 503, and tells no cached id from an unknown one', async () => {
    const { createAuthenticator } = await import('../authenticator.ts');
    const { loadConfig } = await import('../config/load.ts');
    const { apiKeySecretHash, generateApiKey } = await import('./api-key-format.ts');
    const legit = generateApiKey();
    const rec = { id: legit.id, scheme: 'api-key', secrets: [await apiKeySecretHash(legit.key)], principal: 'svc', permissions: [] };
    let calls = 0;
    const keys = createCachedKeyStore({
      kind: 'per-id',
      lookup: async (id) => (calls++, { record: id === rec.id ? rec : undefined }),
    });
    const auth = createAuthenticator(loadConfig({ schemes: { 'api-key': {} } }), { keys });
    const req = (key: string) => ({ method: 'GET', path: '/x', query: '', headers: [['X-Api-Key', key]] as Array<[string, string]> });
    expect(await auth.authenticate(req(legit.key))).toMatchObject({ ok: true }); // the owner's key: now cached
    const flood = await Promise.all(Array.from({ length: 40 }, () => auth.authenticate(req(generateApiKey().key))));
    expect(new Set(flood.map((r) => !r.ok && r.error.status))).toEqual(new Set([401]));
    expect(calls).toBeLessThanOrEqual(1 + KEY_CACHE_DEFAULTS.missBurst);
    // The bucket is empty: a wrong secret for the cached id and an unknown id get the same public answer.
    const known = await auth.authenticate(req(generateApiKey({ id: legit.id }).key));
    const unknown = await auth.authenticate(req(generateApiKey().key));
    const shown = (r: typeof known) => (r.ok ? 'ok' : { status: r.error.status, message: r.error.message });
    expect(shown(known)).toEqual(shown(unknown));
    expect(shown(known)).toMatchObject({ status: 401 });
    // The owner's key still works from the cache.
    expect(await auth.authenticate(req(legit.key))).toMatchObject({ ok: true });
  });
});
