import { describe, expect, it } from 'vitest';
import { createCachedKeyStore, type KeyCacheEvent } from './cache.ts';
import { KeyStoreError } from './types.ts';
import { workersKvSource, type KvNamespaceLike } from './workers-kv.ts';

const SECRET = 'kv-unit-secret-value-0001';
const ID = 'AKIDKVUNIT0001';
const record = (over: Record<string, unknown> = {}) =>
  JSON.stringify({ id: ID, scheme: 'sigv4', secret: SECRET, principal: 'kv-user', ...over });

/** A KV namespace in memory that counts its reads and can be told to fail or to wait. */
function fakeKv(values: Record<string, string> = {}) {
  const calls: Array<{ key: string; options: unknown }> = [];
  let failure: unknown;
  let gate: Promise<void> | undefined;
  const kv: KvNamespaceLike & { calls: typeof calls; values: Record<string, string>; fail(e: unknown): void; hold(): () => void } = {
    calls,
    values,
    fail(e) {
      failure = e;
    },
    hold() {
      let open!: () => void;
      gate = new Promise((r) => (open = r));
      return () => {
        gate = undefined;
        open();
      };
    },
    async get(key, options) {
      calls.push({ key, options });
      if (gate) await gate;
      if (failure !== undefined) throw failure;
      return Object.hasOwn(values, key) ? values[key]! : null;
    },
  };
  return kv;
}

function store(kv: KvNamespaceLike | (() => unknown), opts: { prefix?: string; now?: () => number; events?: KeyCacheEvent[] } = {}) {
  const events = opts.events ?? [];
  return createCachedKeyStore(workersKvSource({ namespace: kv, prefix: opts.prefix ?? 'keys/', schemes: ['sigv4'] }), {
    ttlSeconds: 60,
    negativeTtlSeconds: 10,
    clock: opts.now ?? (() => 1_000_000),
    onEvent: (e) => events.push(e),
  });
}

async function storeError(p: Promise<unknown>): Promise<KeyStoreError> {
  const e: unknown = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(KeyStoreError);
  return e as KeyStoreError;
}

describe('workersKvSource', () => {
  it('reads the record under prefix + id as text with KV cacheTtl, and keeps it for the cache TTL', async () => {
    const kv = fakeKv({ [`keys/${ID}`]: record({ permissions: ['items:read'] }) });
    const keys = store(kv);
    const first = await keys.get(ID);
    expect(first).toMatchObject({ id: ID, secrets: [SECRET], principal: 'kv-user', permissions: ['items:read'] });
    expect(await keys.get(ID)).toBe(first);
    expect(kv.calls).toEqual([{ key: `keys/${ID}`, options: { type: 'text', cacheTtl: 60 } }]);
    expect(keys.stats).toMatchObject({ sourceCalls: 1, hits: 1 });
  });

  it('passes the configured cacheTtlSeconds, and refuses one below KV minimum of 60', async () => {
    const kv = fakeKv({ [ID]: record() });
    const src = workersKvSource({ namespace: kv, cacheTtlSeconds: 300 });
    if (src.kind !== 'per-id') throw new Error('expected a per-id source');
    expect((await src.lookup(ID)).record?.id).toBe(ID);
    expect(kv.calls[0]!.options).toEqual({ type: 'text', cacheTtl: 300 });
    for (const bad of [0, 59, 60.5, Number.NaN]) expect(() => workersKvSource({ namespace: kv, cacheTtlSeconds: bad })).toThrow(TypeError);
  });

  it('answers an unknown id undefined, remembers it for the negative TTL (one KV read), then asks again', async () => {
    const kv = fakeKv();
    let now = 1_000_000;
    const keys = store(kv, { now: () => now });
    for (let i = 0; i < 5; i++) expect(await keys.get('AKIDNOBODY')).toBeUndefined();
    expect(kv.calls).toHaveLength(1);
    expect(keys.stats.negativeHits).toBe(4);
    now += 10_001;
    kv.values['keys/AKIDNOBODY'] = record({ id: 'AKIDNOBODY' });
    expect((await keys.get('AKIDNOBODY'))?.id).toBe('AKIDNOBODY');
    expect(kv.calls).toHaveLength(2);
  });

  it.each([
    ['not JSON', `{"id":"${ID}","secret":"${SECRET}"`],
    ['JSON that is not an object', JSON.stringify([ID, SECRET])],
    ['an id that is not the one asked for', record({ id: 'AKIDSOMEONEELSE' })],
    ['a secret that is too short', record({ secret: 'short' })],
    ['an unknown field', record({ password: SECRET })],
    ['a scheme that is not configured', record({ scheme: 'sigv9' })],
    ['no principal', JSON.stringify({ id: ID, secret: SECRET })],
    ['secret and secrets both', record({ secrets: [SECRET] })],
    ['a __proto__ key', `{"id":"${ID}","secret":"${SECRET}","principal":"p","__proto__":{"x":1}}`],
  ])('refuses %s as an invalid record (a store fault, never a key), naming neither id nor secret', async (_what, text) => {
    const kv = fakeKv({ [`keys/${ID}`]: text });
    const events: KeyCacheEvent[] = [];
    const keys = store(kv, { events });
    const e = await storeError(keys.get(ID));
    expect(e.fault).toBe('invalid-record');
    expect(e.code).toBe('ERR_KEYSTORE_UNAVAILABLE');
    expect(events).toEqual([{ event: 'keystore.fault', fault: 'invalid-record' }]);
    const said = `${e.message} ${e.stack ?? ''} ${JSON.stringify(events)}`;
    expect(said).not.toContain(ID);
    expect(said).not.toContain(SECRET);
    // A fault is not remembered as unknown: the next lookup asks KV again.
    await storeError(keys.get(ID));
    expect(kv.calls).toHaveLength(2);
  });

  it.each([
    ['a 429', new Error(`KV GET failed: 429 Too Many Requests (keys/${ID})`), 'throttled'],
    ['a 500', new Error(`KV GET failed: 500 Internal Server Error keys/${ID}`), 'server-error'],
    ['a network error', new TypeError(`fetch failed for keys/${ID} ${SECRET}`), 'network'],
    ['a thrown string', `keys/${ID} ${SECRET}`, 'network'],
    ['a thrown null', null, 'network'],
  ])('turns KV throwing (%s) into a store fault without its message', async (_what, thrown, fault) => {
    const kv = fakeKv({ [`keys/${ID}`]: record() });
    kv.fail(thrown);
    const events: KeyCacheEvent[] = [];
    const e = await storeError(store(kv, { events }).get(ID));
    expect(e.fault).toBe(fault);
    expect(events).toEqual([{ event: 'keystore.fault', fault }]);
    const said = `${e.message} ${JSON.stringify(events)}`;
    expect(said).not.toContain(ID);
    expect(said).not.toContain(SECRET);
    expect(said).not.toContain('KV GET failed');
  });

  it('serves a record it holds while KV fails (stale-if-error), then fails once the grace has passed', async () => {
    const kv = fakeKv({ [`keys/${ID}`]: record() });
    let now = 1_000_000;
    const events: KeyCacheEvent[] = [];
    const keys = createCachedKeyStore(workersKvSource({ namespace: kv }), {
      ttlSeconds: 1,
      staleIfErrorSeconds: 5,
      clock: () => now,
      onEvent: (e) => events.push(e),
    });
    kv.values[ID] = record();
    const held = await keys.get(ID);
    kv.fail(new Error('KV GET failed: 503'));
    now += 2_000;
    expect(await keys.get(ID)).toBe(held);
    now += 5_000;
    expect((await storeError(keys.get(ID))).fault).toBe('server-error');
    expect(events).toEqual([
      { event: 'keystore.stale', fault: 'server-error' },
      { event: 'keystore.fault', fault: 'server-error' },
    ]);
  });

  it.each([
    ['undefined', () => undefined],
    ['a string', () => 'AUTH_KEYS'],
    ['an object without get', () => ({ put: () => undefined })],
  ])('answers a binding that is %s with a misconfigured fault', async (_what, binding) => {
    expect((await storeError(store(binding).get(ID))).fault).toBe('misconfigured');
  });

  it.each([
    ['empty', '', 'keys/'],
    ['with a space', 'AKID ONE', 'keys/'],
    ['with a comma', 'AKID,ONE', 'keys/'],
    ['longer than a record id may be', 'A'.repeat(257), 'keys/'],
    ['past KV key length', 'é'.repeat(250), 'p'.repeat(20)],
    ['"." as the whole key', '.', ''],
    ['".." as the whole key', '..', ''],
  ])('answers an id %s unknown without asking KV', async (_what, id, prefix) => {
    const kv = fakeKv();
    const src = workersKvSource({ namespace: kv, prefix });
    if (src.kind !== 'per-id') throw new Error('expected a per-id source');
    expect(await src.lookup(id)).toEqual({ record: undefined });
    expect(kv.calls).toEqual([]);
  });

  it('coalesces concurrent lookups of one id into one KV read', async () => {
    const kv = fakeKv({ [`keys/${ID}`]: record() });
    const keys = store(kv);
    const release = kv.hold();
    const pending = Array.from({ length: 10 }, () => keys.get(ID));
    await Promise.resolve();
    release();
    const got = await Promise.all(pending);
    expect(new Set(got).size).toBe(1);
    expect(got[0]?.id).toBe(ID);
    expect(kv.calls).toHaveLength(1);
    expect(keys.stats.coalesced).toBe(9);
  });

  it('coalesces concurrent lookups that fail too, and every caller gets the fault', async () => {
    const kv = fakeKv();
    kv.fail(new Error('KV GET failed: 500'));
    const keys = store(kv);
    const release = kv.hold();
    const pending = Array.from({ length: 5 }, () => storeError(keys.get(ID)));
    release();
    expect((await Promise.all(pending)).map((e) => e.fault)).toEqual(Array(5).fill('server-error'));
    expect(kv.calls).toHaveLength(1);
  });

  it('answers never-seen ids past the miss budget as unknown without reading KV (keystore.busy)', async () => {
    const kv = fakeKv();
    const events: KeyCacheEvent[] = [];
    const keys = createCachedKeyStore(workersKvSource({ namespace: kv }), {
      missBurst: 3,
      missesPerSecond: 0.01,
      clock: () => 5_000,
      onEvent: (e) => events.push(e),
    });
    for (let i = 0; i < 3; i++) expect(await keys.get(`AKIDRANDOM${i}`)).toBeUndefined();
    expect(await keys.get('AKIDRANDOM9')).toBeUndefined();
    expect(kv.calls).toHaveLength(3);
    expect(events).toEqual([{ event: 'keystore.busy' }]);
    expect(JSON.stringify(events)).not.toContain('AKIDRANDOM');
  });

  it('picks up a rotated record once the cache TTL has passed, keeping the same object while it is unchanged', async () => {
    const kv = fakeKv({ [`keys/${ID}`]: record() });
    let now = 1_000_000;
    const keys = store(kv, { now: () => now });
    const before = await keys.get(ID);
    now += 60_001;
    expect(await keys.get(ID)).toBe(before);
    kv.values[`keys/${ID}`] = record({ secret: undefined, secrets: ['kv-unit-secret-value-0002', SECRET] });
    expect((await keys.get(ID))?.secrets).toEqual([SECRET]);
    now += 60_001;
    expect((await keys.get(ID))?.secrets).toEqual(['kv-unit-secret-value-0002', SECRET]);
  });
});
