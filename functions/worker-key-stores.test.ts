// The Worker's keyStores[]: Workers KV and secret-binding stores opened from env, cached per isolate
// (per app here), answering 503 when a store fails, and logging store events without ids or values.
// Runs the Hono app in Node with a fake KV namespace (test/worker/key-stores.test.ts runs workerd).
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import type { SignedRequest } from '../lib/core/request.ts';
import type { KvNamespaceLike } from '../lib/keys/workers-kv.ts';
import { createSigV4Signer } from '../lib/schemes/sigv4/signer.ts';
import { createWorker, type Env } from './worker.ts';

const KV_SECRET = 'worker-kv-secret-0001';
const BOUND_SECRET = 'worker-bound-secret-0001';
const KV_ID = 'AKIDWORKERKV0001';
const BOUND_ID = 'AKIDWORKERBOUND1';
const BAD_ID = 'AKIDWORKERBAD001';

const sigv4 = { region: 'us-east-1', service: 'execute-api' };
const kvConfig = (cache: Record<string, unknown> = {}) =>
  JSON.stringify({
    schemes: { sigv4 },
    routes: [{ path: '/health', public: true }, { path: '*' }],
    keyStores: [{ type: 'workers-kv', schemes: ['sigv4'], binding: 'AUTH_KEYS', prefix: 'keys/', cache }],
  });
const bindingConfig = JSON.stringify({
  schemes: { sigv4 },
  keyStores: [{ type: 'secret-binding', schemes: ['sigv4'], binding: 'AUTH_KEY_BUNDLE' }],
});
const bundle = JSON.stringify({
  keys: [
    { id: BOUND_ID, secret: BOUND_SECRET, principal: 'bound' },
    { id: BAD_ID, secret: 'short', principal: 'bad' },
  ],
});

const signerFor = (keyId: string, secret: string) => createSigV4Signer({ keyId, secret, ...sigv4 });
const kvSigner = signerFor(KV_ID, KV_SECRET);

function fakeKv(values: Record<string, string>) {
  let failure: unknown;
  const kv: KvNamespaceLike & { reads: string[]; fail(e: unknown): void } = {
    reads: [],
    fail(e) {
      failure = e;
    },
    get(key) {
      kv.reads.push(key);
      if (failure !== undefined) return Promise.reject(failure);
      return Promise.resolve(Object.hasOwn(values, key) ? values[key]! : null);
    },
  };
  return kv;
}

const draft = (path: string): SignedRequest => ({ method: 'GET', path, query: '', headers: [['host', 'api.example.com']] });

async function send(app: ReturnType<typeof createWorker>, env: Env, r: SignedRequest) {
  return app.request(`https://api.example.com${r.path}`, { headers: r.headers.map(([n, v]): [string, string] => [n, v]) }, env);
}

describe('the Worker with keyStores', () => {
  let out: MockInstance<typeof console.log>;
  let err: MockInstance<typeof console.error>;
  let warn: MockInstance<typeof console.warn>;
  beforeEach(() => {
    out = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => {
    out.mockRestore();
    err.mockRestore();
    warn.mockRestore();
    vi.useRealTimers();
  });

  const lines = (spy: MockInstance<(...args: unknown[]) => void>) =>
    spy.mock.calls.map((args) => JSON.parse(String(args[0])) as Record<string, unknown>);
  /** Everything the Worker wrote to any log. */
  const allLogs = () => JSON.stringify([out.mock.calls, err.mock.calls, warn.mock.calls]);

  it('verifies a key from KV, answers an unknown one 401, and reads KV once per id for every request of the isolate', async () => {
    const kv = fakeKv({ [`keys/${KV_ID}`]: JSON.stringify({ id: KV_ID, secret: KV_SECRET, principal: 'kv-user' }) });
    const app = createWorker();
    const env: Env = { AUTH_CONFIG: kvConfig(), AUTH_KEYS: kv };
    for (let i = 0; i < 3; i++) {
      const res = await send(app, env, await kvSigner.sign(draft(`/items/${i}`)));
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ principal: 'kv-user', scheme: 'sigv4' });
    }
    const stranger = signerFor('AKIDWORKERNOBODY', KV_SECRET);
    for (let i = 0; i < 3; i++) {
      const res = await send(app, env, await stranger.sign(draft('/items')));
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: 'ERR_SIGNATURE_INVALID' });
    }
    expect(kv.reads).toEqual([`keys/${KV_ID}`, 'keys/AKIDWORKERNOBODY']);
    expect(err).not.toHaveBeenCalled();
  });

  const goodRecord = JSON.stringify({ id: KV_ID, secret: KV_SECRET, principal: 'kv-user' });
  it.each([
    ['KV throws', goodRecord, new Error(`KV GET failed: 500 keys/${KV_ID}`), 'server-error'],
    ['KV is throttled', goodRecord, new Error('KV GET failed: 429 Too Many Requests'), 'throttled'],
    ['the record is not JSON', `{"id":"${KV_ID}","secret":"${KV_SECRET}"`, undefined, 'invalid-record'],
    [
      'the record is of another id',
      JSON.stringify({ id: 'AKIDWORKERKV0002', secret: KV_SECRET, principal: 'kv-user' }),
      undefined,
      'invalid-record',
    ],
    [
      'the record names a scheme the store does not serve',
      JSON.stringify({ id: KV_ID, scheme: 'ustudio', secret: KV_SECRET, principal: 'kv-user' }),
      undefined,
      'invalid-record',
    ],
  ])('answers 503 when %s, logs the fault by code, and never an id or a secret', async (_what, value, failure, fault) => {
    const kv = fakeKv({ [`keys/${KV_ID}`]: value });
    if (failure) kv.fail(failure);
    const app = createWorker();
    const res = await send(app, { AUTH_CONFIG: kvConfig(), AUTH_KEYS: kv }, await kvSigner.sign(draft('/items')));
    expect(res.status).toBe(503);
    expect(res.headers.get('www-authenticate')).toBeNull();
    const body = await res.text();
    expect(JSON.parse(body)).toMatchObject({ error: 'ERR_KEYSTORE_UNAVAILABLE', status: 503 });
    expect(lines(err)).toEqual([{ event: 'keystore.fault', fault, store: 0 }]);
    expect(lines(out)).toEqual([expect.objectContaining({ event: 'auth.rejected', code: 'ERR_KEYSTORE_UNAVAILABLE', status: 503 })]);
    expect(body + allLogs()).not.toMatch(new RegExp(`${KV_ID}|${KV_SECRET}|KV GET failed`));
  });

  it('answers 503 (misconfigured) when the KV binding is missing, while public routes still answer', async () => {
    const app = createWorker();
    const env: Env = { AUTH_CONFIG: kvConfig() };
    expect((await send(app, env, draft('/health'))).status).toBe(200);
    expect((await send(app, env, await kvSigner.sign(draft('/items')))).status).toBe(503);
    expect(lines(err)).toEqual([{ event: 'keystore.fault', fault: 'misconfigured', store: 0 }]);
  });

  it('serves a cached key while KV fails after the TTL (logged as stale), then fails closed after the grace', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-03T12:00:00Z'));
    const kv = fakeKv({ [`keys/${KV_ID}`]: JSON.stringify({ id: KV_ID, secret: KV_SECRET, principal: 'kv-user' }) });
    const app = createWorker();
    const env: Env = { AUTH_CONFIG: kvConfig({ ttlSeconds: 1, staleIfErrorSeconds: 5 }), AUTH_KEYS: kv };
    expect((await send(app, env, await kvSigner.sign(draft('/items')))).status).toBe(200);
    kv.fail(new Error('KV GET failed: 503'));
    vi.setSystemTime(new Date('2026-12-03T12:00:02Z'));
    expect((await send(app, env, await kvSigner.sign(draft('/items')))).status).toBe(200);
    expect(lines(warn)).toEqual([{ event: 'keystore.stale', fault: 'server-error', store: 0 }]);
    vi.setSystemTime(new Date('2026-12-03T12:00:08Z'));
    expect((await send(app, env, await kvSigner.sign(draft('/items')))).status).toBe(503);
    expect(lines(err)).toEqual([{ event: 'keystore.fault', fault: 'server-error', store: 0 }]);
  });

  it('answers 401 past the miss budget for never-seen key ids, as for any unknown key, without reading KV, and logs keystore.busy without the ids', async () => {
    const kv = fakeKv({});
    const app = createWorker();
    const env: Env = { AUTH_CONFIG: kvConfig({ missBurst: 2, missesPerSecond: 0.01 }), AUTH_KEYS: kv };
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await send(app, env, await signerFor(`AKIDFLOOD${i}`, KV_SECRET).sign(draft('/items')))).status);
    expect(statuses).toEqual([401, 401, 401, 401]);
    expect(kv.reads).toHaveLength(2);
    expect(lines(warn)).toEqual(Array(2).fill({ event: 'keystore.busy', store: 0 }));
    expect(allLogs()).not.toContain('AKIDFLOOD');
  });

  it('verifies keys of a secret binding; a bad record there answers 503 for its id only, logged once by field', async () => {
    const app = createWorker();
    const env: Env = { AUTH_CONFIG: bindingConfig, AUTH_KEY_BUNDLE: bundle };
    for (let i = 0; i < 2; i++)
      expect((await send(app, env, await signerFor(BOUND_ID, BOUND_SECRET).sign(draft('/items')))).status).toBe(200);
    expect((await send(app, env, await signerFor(BAD_ID, 'short-but-signed').sign(draft('/items')))).status).toBe(503);
    expect((await send(app, env, await signerFor('AKIDWORKERNOBODY', BOUND_SECRET).sign(draft('/items')))).status).toBe(401);
    expect(lines(err)).toEqual([
      { event: 'keystore.invalid-records', store: 0, issues: ['keys[1].secret: must be at least 8 characters'] },
      // Asking for the bad record's id is a store fault like any other (no id in the line).
      { event: 'keystore.fault', fault: 'invalid-record', store: 0 },
    ]);
    expect(lines(out).filter((l) => l.code === 'ERR_KEYSTORE_UNAVAILABLE')).toHaveLength(1);
    expect(allLogs()).not.toMatch(new RegExp(`${BOUND_ID}|${BAD_ID}|${BOUND_SECRET}|short`));
  });

  it.each([
    ['missing', undefined],
    ['not text', { get: () => null }],
  ])('answers 503 (misconfigured) when the secret binding is %s', async (_what, value) => {
    const res = await send(
      createWorker(),
      { AUTH_CONFIG: bindingConfig, AUTH_KEY_BUNDLE: value },
      await signerFor(BOUND_ID, BOUND_SECRET).sign(draft('/items')),
    );
    expect(res.status).toBe(503);
    expect(lines(err)).toEqual([{ event: 'keystore.fault', fault: 'misconfigured', store: 0 }]);
  });

  it('answers 500 for a secrets-manager store (a Worker cannot open one), logged as config.invalid by field only', async () => {
    const prefix = 'edge-auth/keys/very-secret-name/';
    const AUTH_CONFIG = JSON.stringify({ schemes: { sigv4 }, keyStores: [{ type: 'secrets-manager', schemes: ['sigv4'], prefix }] });
    const res = await send(createWorker(), { AUTH_CONFIG }, await kvSigner.sign(draft('/items')));
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ error: 'ERR_INTERNAL' });
    expect(lines(err)).toEqual([{ event: 'config.invalid', issues: [expect.stringMatching(/^keyStores\[0\]\.type: /)] }]);
    expect(allLogs()).not.toContain(prefix);
  });

  it('keeps one set of stores per configuration: a changed AUTH_CONFIG opens new ones, the same one reuses its cache', async () => {
    const kv = fakeKv({ [`keys/${KV_ID}`]: JSON.stringify({ id: KV_ID, secret: KV_SECRET, principal: 'kv-user' }) });
    const app = createWorker();
    const signed = await kvSigner.sign(draft('/items'));
    expect((await send(app, { AUTH_CONFIG: kvConfig(), AUTH_KEYS: kv }, signed)).status).toBe(200);
    expect((await send(app, { AUTH_CONFIG: kvConfig(), AUTH_KEYS: kv }, signed)).status).toBe(200);
    expect(kv.reads).toHaveLength(1);
    expect((await send(app, { AUTH_CONFIG: kvConfig({ ttlSeconds: 30 }), AUTH_KEYS: kv }, signed)).status).toBe(200);
    expect(kv.reads).toHaveLength(2);
  });

  it('hydrate: the first request of an isolate also loads the listed keys (through waitUntil), so later requests find them cached', async () => {
    const OTHER_ID = 'AKIDWORKERKV0002';
    const kv = fakeKv({
      [`keys/${KV_ID}`]: JSON.stringify({ id: KV_ID, secret: KV_SECRET, principal: 'kv' }),
      [`keys/${OTHER_ID}`]: JSON.stringify({ id: OTHER_ID, secret: 'worker-kv-secret-0002', principal: 'kv2' }),
    });
    const config = JSON.parse(kvConfig()) as { keyStores: Array<Record<string, unknown>> };
    config.keyStores[0]!.hydrate = [KV_ID, OTHER_ID];
    const env = { AUTH_CONFIG: JSON.stringify(config), AUTH_KEYS: kv } as unknown as Env;
    const app = createWorker();
    const pending: Promise<unknown>[] = [];
    const ctx = { waitUntil: (p: Promise<unknown>) => void pending.push(p), passThroughOnException: () => undefined, props: {} };
    const r = await kvSigner.sign(draft('/items'));
    const first = await app.request(
      'https://api.example.com/items',
      { headers: r.headers.map(([n, v]): [string, string] => [n, v]) },
      env,
      ctx,
    );
    expect(first.status).toBe(200);
    expect(pending).toHaveLength(1);
    await Promise.all(pending);
    expect([...kv.reads].sort()).toEqual([`keys/${KV_ID}`, `keys/${OTHER_ID}`]);
    const second = await signerFor(OTHER_ID, 'worker-kv-secret-0002').sign(draft('/items'));
    expect((await send(app, env, second)).status).toBe(200);
    expect(kv.reads).toHaveLength(2);
  });
});
