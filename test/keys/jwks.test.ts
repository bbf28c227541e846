// The remote JWKS key store (lib/keys/jwks.ts) against a JWKS endpoint on 127.0.0.1 that counts its
// requests: RSA, EC and OKP keys as served, max age, the unknown-kid cooldown, coalescing, rotation,
// outages, stale-if-error, and the shared document cache. Time is a fake clock; the network is real.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { KeyCacheEvent } from '../../lib/keys/cache.ts';
import { JWKS_DEFAULTS, openJwksStore, type JwksStoreOptions } from '../../lib/keys/jwks.ts';
import { KeyStoreError, type SharedDocumentCache } from '../../lib/keys/types.ts';
import { JWKS_URL_TOKEN, newPrivateJwk, newPublicJwk, startJwksServer, type JwksServer } from '../helpers/jwks-server.ts';
import { freePort } from '../helpers/net.ts';

const rsa = newPublicJwk('RSA', 'rsa-1');
const ec = newPublicJwk('EC', 'ec-1');
const okp = newPublicJwk('OKP', 'okp-1');
const fresh = newPublicJwk('EC', 'ec-new');

let server: JwksServer;
beforeAll(async () => {
  server = await startJwksServer([rsa, ec, okp]);
});
afterAll(() => server.close());
afterEach(() => {
  server.keys = [rsa, ec, okp];
  server.cacheControl = 'public, max-age=300';
  server.fault = { kind: 'none' };
  server.hits = 0;
});

function fakeClock(start = 1_760_000_000_000) {
  const c = { now: start, fn: () => c.now, advance: (s: number) => (c.now += s * 1000) };
  return c;
}

/** A store on the test server with a fake clock; events and errors are collected to check for leaks. */
function open(over: Partial<JwksStoreOptions> = {}) {
  const clock = fakeClock();
  const events: KeyCacheEvent[] = [];
  const store = openJwksStore({ url: server.url, clock: clock.fn, onEvent: (e) => events.push(e), ...over });
  return { store, clock, events };
}

/** Nothing from the URL's query, the document or a kid in a text that reaches errors or logs. */
function expectNothingLeaked(text: string): void {
  for (const s of [JWKS_URL_TOKEN, 'jwks.json', rsa.n!, ec.x!, 'rsa-1', 'ec-1', 'okp-1', 'ghost']) expect(text).not.toContain(s);
}

async function faultOf(p: Promise<unknown>): Promise<KeyStoreError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(KeyStoreError);
  const err = e as KeyStoreError;
  expect(err.code).toBe('ERR_KEYSTORE_UNAVAILABLE');
  expectNothingLeaked(`${err.message} ${String(err)} ${JSON.stringify(err)}`);
  return err;
}

describe('openJwksStore: keys as served', () => {
  it.each([
    ['RSA', rsa, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }],
    ['EC', ec, { name: 'ECDSA', namedCurve: 'P-256' }],
    ['OKP', okp, { name: 'Ed25519' }],
  ] as const)('resolves the %s key as a jwt record holding the JWK as served (importable by Web Crypto)', async (_kind, jwk, algorithm) => {
    const { store } = open();
    const record = await store.get(jwk.kid);
    expect(record).toEqual({
      id: jwk.kid,
      scheme: 'jwt',
      secrets: [],
      publicKeys: [{ format: 'jwk', jwk }],
      principal: '',
      permissions: [],
    });
    const material = record!.publicKeys![0]!;
    if (material.format !== 'jwk') throw new Error('not a JWK');
    const key = await crypto.subtle.importKey('jwk', material.jwk as JsonWebKey, algorithm, false, ['verify']);
    expect(key.type).toBe('public');
    expect(server.hits).toBe(1);
  });

  it('answers an unknown kid with undefined, and a kid that cannot be one without a fetch', async () => {
    const { store } = open();
    expect(await store.get('ghost')).toBeUndefined();
    expect(server.hits).toBe(1);
    const cold = open().store;
    expect(await cold.get('x'.repeat(257))).toBeUndefined();
    expect(await cold.get('')).toBeUndefined();
    expect(server.hits).toBe(1);
  });

  it('holds several keys published under one kid as several public keys, in document order', async () => {
    const other = { ...newPublicJwk('RSA', 'rsa-1') };
    server.keys = [rsa, other];
    const record = await open().store.get('rsa-1');
    expect(record?.publicKeys?.map((k) => (k.format === 'jwk' ? k.jwk.n : undefined))).toEqual([rsa.n, other.n]);
  });
});

describe('openJwksStore: max age', () => {
  it.each([
    ['public, max-age=120', 120],
    [undefined, JWKS_DEFAULTS.defaultMaxAgeSeconds],
    ['max-age=5', JWKS_DEFAULTS.minMaxAgeSeconds],
    ['no-store', JWKS_DEFAULTS.minMaxAgeSeconds],
    ['no-cache, max-age=900', JWKS_DEFAULTS.minMaxAgeSeconds],
    ['public, max-age=31536000, immutable', JWKS_DEFAULTS.maxMaxAgeSeconds],
  ])('Cache-Control %j keeps the document %i s', async (cacheControl, seconds) => {
    server.cacheControl = cacheControl;
    const { store, clock } = open();
    await store.get('rsa-1');
    clock.advance(seconds - 1);
    await store.get('rsa-1');
    expect(server.hits).toBe(1);
    clock.advance(2);
    await store.get('rsa-1');
    expect(server.hits).toBe(2);
  });
});

describe('openJwksStore: unknown kids, coalescing, rotation', () => {
  it('a flood of 1,000 random kids over 100 s makes one fetch per cooldown at most (counted at the server)', async () => {
    const { store, clock } = open();
    await store.hydrate();
    for (let i = 0; i < 1000; i++) {
      expect(await store.get(`ghost-${crypto.randomUUID()}`)).toBeUndefined();
      clock.advance(0.1);
    }
    const refetches = server.hits - 1;
    expect(refetches).toBeLessThanOrEqual(Math.ceil(100 / JWKS_DEFAULTS.unknownKidCooldownSeconds));
    expect(refetches).toBeGreaterThanOrEqual(Math.floor(100 / JWKS_DEFAULTS.unknownKidCooldownSeconds) - 1);
  });

  it('1,000 concurrent random kids on a loaded store make at most one fetch', async () => {
    const { store, clock } = open();
    await store.hydrate();
    clock.advance(JWKS_DEFAULTS.unknownKidCooldownSeconds + 1);
    const answers = await Promise.all(Array.from({ length: 1000 }, () => store.get(`ghost-${crypto.randomUUID()}`)));
    expect(answers.every((a) => a === undefined)).toBe(true);
    expect(server.hits).toBe(2);
  });

  it('100 concurrent lookups on a cold store make one fetch', async () => {
    const { store } = open();
    const records = await Promise.all(Array.from({ length: 100 }, (_, i) => store.get(['rsa-1', 'ec-1', 'okp-1', 'ghost'][i % 4]!)));
    expect(server.hits).toBe(1);
    expect(records.filter((r) => r !== undefined).length).toBe(75);
    expect(store.documentStats.fetches).toBe(1);
  });

  it('rotation: a kid added is found by the unknown-kid refetch; a kid removed stops at the next refresh', async () => {
    const { store, clock } = open();
    expect(await store.get('rsa-1')).toBeDefined();
    server.keys = [ec, okp, fresh];
    clock.advance(JWKS_DEFAULTS.unknownKidCooldownSeconds + 1);
    // The new kid triggers the refetch; the document fetched no longer has rsa-1.
    expect((await store.get('ec-new'))?.publicKeys).toEqual([{ format: 'jwk', jwk: fresh }]);
    expect(server.hits).toBe(2);
    expect(await store.get('rsa-1')).toBeUndefined();
  });

  it('a kid removed while no unknown kid is asked stops verifying once the max age ends', async () => {
    const { store, clock } = open();
    expect(await store.get('rsa-1')).toBeDefined();
    server.keys = [ec, okp];
    clock.advance(299);
    expect(await store.get('rsa-1')).toBeDefined();
    clock.advance(2);
    expect(await store.get('rsa-1')).toBeUndefined();
    expect(server.hits).toBe(2);
  });
});

describe('openJwksStore: outages are store faults, never a key', () => {
  const bigKeys = () => Array.from({ length: 3 }, () => rsa);
  it.each([
    ['500', 'server-error', { kind: 'status', status: 500 }],
    ['503', 'server-error', { kind: 'status', status: 503 }],
    ['429', 'throttled', { kind: 'status', status: 429 }],
    ['403', 'access-denied', { kind: 'status', status: 403 }],
    ['404', 'misconfigured', { kind: 'status', status: 404 }],
    ['malformed JSON', 'malformed-response', { kind: 'body', body: '{"keys": [' }],
    ['an empty body', 'malformed-response', { kind: 'body', body: '' }],
    ['JSON that is not a JWKS', 'malformed-response', { kind: 'body', body: '{"keys": {"rsa-1": 1}}' }],
    ['an array', 'malformed-response', { kind: 'body', body: '[]' }],
    ['a prototype key', 'malformed-response', { kind: 'body', body: '{"keys": [], "__proto__": {"x": 1}}' }],
    ['a JWKS with a private key', 'malformed-response', { kind: 'body', body: JSON.stringify({ keys: [rsa, newPrivateJwk('ec-1')] }) }],
    [
      'a JWKS with a symmetric key',
      'malformed-response',
      { kind: 'body', body: JSON.stringify({ keys: [rsa, { kty: 'oct', kid: 'ec-1', k: 'c2VjcmV0LXNlY3JldA' }] }) },
    ],
    [
      'a JWKS with kty oct and no k',
      'malformed-response',
      { kind: 'body', body: JSON.stringify({ keys: [rsa, { kty: 'oct', kid: 'h1' }] }) },
    ],
    ['oversized, with Content-Length', 'malformed-response', { kind: 'oversized', bytes: 70_000, declareLength: true }],
    ['oversized, streamed', 'malformed-response', { kind: 'oversized', bytes: 70_000, declareLength: false }],
  ] as const)('%s: a %s fault', async (_name, expected, fault) => {
    server.keys = bigKeys();
    server.fault = fault;
    const { store, events } = open();
    expect((await faultOf(store.get('rsa-1'))).fault).toBe(expected);
    expect(events).toEqual([{ event: 'keystore.fault', fault: expected }]);
    expectNothingLeaked(JSON.stringify(events));
  });

  it('a redirect is not followed', async () => {
    server.fault = { kind: 'redirect', location: `${server.base}/jwks.json?redirected=${JWKS_URL_TOKEN}` };
    const { store } = open();
    expect((await faultOf(store.get('rsa-1'))).fault).toBe('malformed-response');
    expect(server.hits).toBe(1);
  });

  it('a slow endpoint is a timeout after timeoutMs', async () => {
    server.fault = { kind: 'hang' };
    const { store } = open({ timeoutMs: 200 });
    const started = Date.now();
    expect((await faultOf(store.get('rsa-1'))).fault).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('connection refused is a network fault', async () => {
    const port = await freePort();
    const store = openJwksStore({ url: `http://127.0.0.1:${port}/jwks.json?token=${JWKS_URL_TOKEN}` });
    expect((await faultOf(store.get('rsa-1'))).fault).toBe('network');
  });

  it('after a failure, no fetch for failureBackoffSeconds: lookups fail fast', async () => {
    server.fault = { kind: 'status', status: 500 };
    const { store, clock } = open();
    await faultOf(store.get('rsa-1'));
    await faultOf(store.get('ec-1'));
    expect(server.hits).toBe(1);
    clock.advance(JWKS_DEFAULTS.failureBackoffSeconds + 1);
    server.fault = { kind: 'none' };
    expect(await store.get('rsa-1')).toBeDefined();
    expect(server.hits).toBe(2);
  });

  it('stale-if-error: the last good document is used inside the grace, and refused past it', async () => {
    const { store, clock, events } = open({ staleIfErrorSeconds: 900 });
    const before = await store.get('rsa-1');
    server.fault = { kind: 'status', status: 502 };
    clock.advance(301);
    expect(await store.get('rsa-1')).toBe(before);
    expect(await store.get('ghost')).toBeUndefined();
    clock.advance(897);
    expect(await store.get('rsa-1')).toBe(before);
    expect(store.stats.staleServed).toBeGreaterThanOrEqual(3);
    clock.advance(3);
    expect((await faultOf(store.get('rsa-1'))).fault).toBe('server-error');
    expect(events.some((e) => e.event === 'keystore.stale')).toBe(true);
    expectNothingLeaked(JSON.stringify(events));
  });

  it('an unknown kid whose refetch fails is a store fault; known kids still verify', async () => {
    const { store, clock } = open();
    await store.get('rsa-1');
    server.fault = { kind: 'status', status: 500 };
    clock.advance(JWKS_DEFAULTS.unknownKidCooldownSeconds + 1);
    expect((await faultOf(store.get('ghost'))).fault).toBe('server-error');
    expect(await store.get('rsa-1')).toBeDefined();
  });

  it('hydrate() loads the document, and never rejects when the endpoint is down', async () => {
    const up = open().store;
    expect(await up.hydrate()).toEqual({ loaded: 3, unknown: 0, failed: 0 });
    await up.get('rsa-1');
    expect(server.hits).toBe(1);
    server.fault = { kind: 'status', status: 500 };
    expect(await open().store.hydrate()).toEqual({ loaded: 0, unknown: 0, failed: 1 });
  });

  it('hydrate() again while the document is fresh fetches nothing', async () => {
    const { store, clock } = open();
    await store.hydrate();
    clock.advance(100);
    expect(await store.hydrate()).toEqual({ loaded: 3, unknown: 0, failed: 0 });
    expect(server.hits).toBe(1);
    clock.advance(201);
    expect(await store.hydrate()).toEqual({ loaded: 3, unknown: 0, failed: 0 });
    expect(server.hits).toBe(2);
  });
});

/** A shared cache in memory, with KV's TTL floor and a failure switch, keeping what was put. */
function memoryShared(clock: () => number) {
  const entries = new Map<string, { value: string; until: number; ttl: number }>();
  const state = { fail: false, gets: 0, puts: 0 };
  const shared: SharedDocumentCache = {
    async get(key) {
      state.gets++;
      if (state.fail) throw new Error('down');
      const e = entries.get(key);
      return e && clock() < e.until ? e.value : undefined;
    },
    async put(key, value, ttl) {
      state.puts++;
      if (state.fail) throw new Error('down');
      entries.set(key, { value, ttl, until: clock() + ttl * 1000 });
    },
  };
  return { shared, entries, state };
}

describe('openJwksStore with a shared document cache', () => {
  it('a second store reads the document from the shared cache with zero fetches', async () => {
    const clock = fakeClock();
    const { shared, entries } = memoryShared(clock.fn);
    const first = openJwksStore({ url: server.url, clock: clock.fn, shared });
    expect(await first.hydrate()).toEqual({ loaded: 3, unknown: 0, failed: 0 });
    expect(server.hits).toBe(1);
    expect(first.documentStats.sharedWrites).toBe(1);
    const [key, entry] = [...entries][0]!;
    expect(key).toMatch(/^jwks\/[0-9a-f]{64}$/);
    expect(entry.ttl).toBe(300);
    expectNothingLeaked(key);

    clock.advance(100);
    const second = openJwksStore({ url: server.url, clock: clock.fn, shared });
    expect(await second.get('ec-1')).toEqual(await first.get('ec-1'));
    expect(server.hits).toBe(1);
    expect(second.documentStats).toEqual({ fetches: 0, sharedHits: 1, sharedWrites: 0 });
    // The shared copy is fresh only for what is left of its max age: 200 s here.
    clock.advance(199);
    await second.get('ec-1');
    expect(server.hits).toBe(1);
    clock.advance(2);
    await second.get('ec-1');
    expect(server.hits).toBe(2);
  });

  it("writes the document for its max age, never less than KV's 60 s", async () => {
    server.cacheControl = 'max-age=10';
    const clock = fakeClock();
    const { shared, entries } = memoryShared(clock.fn);
    await openJwksStore({ url: server.url, clock: clock.fn, shared, minMaxAgeSeconds: 5 }).hydrate();
    expect([...entries.values()][0]!.ttl).toBe(60);
    // KV keeps it 60 s, but it was fresh for 10: a store reading it at 30 s fetches.
    clock.advance(30);
    const late = openJwksStore({ url: server.url, clock: clock.fn, shared, minMaxAgeSeconds: 5 });
    await late.get('rsa-1');
    expect(late.documentStats.fetches).toBe(1);
  });

  it.each([
    ['a private member', (doc: string) => doc.replace('"kty":"EC"', '"d":"AAAA","kty":"EC"')],
    ['a symmetric key', (doc: string) => doc.replace('{"keys":[', '{"keys":[{"kty":"oct","kid":"h","k":"c2VjcmV0"},')],
    ['text that is not JSON', (doc: string) => doc.slice(0, -3)],
    ['a header that is not ours', (doc: string) => 'v0' + doc],
  ])('a shared copy with %s is checked like a fetched one: a miss, fetched and replaced', async (_name, tamper) => {
    const clock = fakeClock();
    const { shared, entries } = memoryShared(clock.fn);
    await openJwksStore({ url: server.url, clock: clock.fn, shared }).hydrate();
    const [key, entry] = [...entries][0]!;
    entries.set(key, { ...entry, value: tamper(entry.value) });
    const second = openJwksStore({ url: server.url, clock: clock.fn, shared });
    expect(await second.get('ec-1')).toBeDefined();
    expect(second.documentStats).toEqual({ fetches: 1, sharedHits: 0, sharedWrites: 1 });
    expect(entries.get(key)!.value).toBe(entry.value);
  });

  it('a failing shared cache is a miss, never a fault', async () => {
    const clock = fakeClock();
    const { shared, state } = memoryShared(clock.fn);
    state.fail = true;
    const store = openJwksStore({ url: server.url, clock: clock.fn, shared });
    expect(await store.get('rsa-1')).toBeDefined();
    expect(store.documentStats).toEqual({ fetches: 1, sharedHits: 0, sharedWrites: 0 });
  });

  it('a refetch for an unknown kid goes to the network, not the shared copy', async () => {
    const clock = fakeClock();
    const { shared, state } = memoryShared(clock.fn);
    const store = openJwksStore({ url: server.url, clock: clock.fn, shared });
    await store.hydrate();
    const gets = state.gets;
    server.keys = [rsa, ec, okp, fresh];
    clock.advance(JWKS_DEFAULTS.unknownKidCooldownSeconds + 1);
    expect(await store.get('ec-new')).toBeDefined();
    expect(state.gets).toBe(gets);
    expect(server.hits).toBe(2);
    // And the rotated document replaces the shared copy, for the next isolate.
    const next = openJwksStore({ url: server.url, clock: clock.fn, shared });
    expect(await next.get('ec-new')).toBeDefined();
    expect(server.hits).toBe(2);
  });
});

describe('openJwksStore: options', () => {
  it.each([
    'http://issuer.example/jwks.json',
    'ftp://127.0.0.1/jwks.json',
    `https://user:pw@issuer.example/jwks.json?token=${JWKS_URL_TOKEN}`,
    `https://issuer.example/jwks.json?token=${JWKS_URL_TOKEN}#frag`,
    'not a url',
    'http://127.0.0.1.evil.example/jwks.json',
  ])('refuses the URL %j without quoting it', (url) => {
    let message = '';
    try {
      openJwksStore({ url });
    } catch (e) {
      expect(e).toBeInstanceOf(TypeError);
      message = (e as Error).message;
    }
    expect(message).toContain('https');
    expect(message).not.toContain(JWKS_URL_TOKEN);
    expect(message).not.toContain('example');
  });

  it.each(['https://issuer.example/.well-known/jwks.json', 'http://127.0.0.1:8080/jwks', 'http://localhost/jwks', 'http://[::1]:9/jwks'])(
    'accepts %j',
    (url) => {
      expect(() => openJwksStore({ url })).not.toThrow();
    },
  );

  it.each([
    { timeoutMs: 0 },
    { maxBytes: -1 },
    { unknownKidCooldownSeconds: 0 },
    { minMaxAgeSeconds: 100, maxMaxAgeSeconds: 50 },
    { defaultMaxAgeSeconds: 10 },
    { staleIfErrorSeconds: 1.5 },
  ])('refuses %j', (over) => {
    expect(() => openJwksStore({ url: 'https://issuer.example/jwks', ...over })).toThrow(TypeError);
  });
});
