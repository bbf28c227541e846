// The built Worker under workerd (Miniflare, 127.0.0.1) with its keys in a Workers KV namespace and in
// a secret binding: signed requests verify against records the test puts while the Worker runs, a key
// rotated in KV is followed once the cache TTL (1 s here) has passed, and a bad record in a bundle
// leaves the other keys usable.
import type { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedRequest } from '../../lib/core/request.ts';
import { createSigV4Signer } from '../../lib/schemes/sigv4/signer.ts';
import { bundleWorker, sendRaw, startWorker } from '../helpers/workerd.ts';

const sigv4 = { region: 'us-east-1', service: 'execute-api' };
const OLD = 'kv-rotation-secret-old-0001';
const NEW = 'kv-rotation-secret-new-0002';
const TTL_SECONDS = 1;

const kvConfig = {
  schemes: { sigv4 },
  routes: [{ path: '/health', public: true }, { path: '*' }],
  keyStores: [{ type: 'workers-kv', schemes: ['sigv4'], binding: 'AUTH_KEYS', prefix: 'edge-auth/', cache: { ttlSeconds: TTL_SECONDS } }],
};
const bindingConfig = {
  schemes: { sigv4 },
  keyStores: [{ type: 'secret-binding', schemes: ['sigv4'], binding: 'AUTH_KEY_BUNDLE' }],
};
const bundle = {
  keys: [
    { id: 'AKIDBUNDLEGOOD01', secret: 'bundle-secret-good-0001', principal: 'bundled-one' },
    { id: 'AKIDBUNDLEBAD001', secret: 'short', principal: 'broken' },
    { id: 'AKIDBUNDLEGOOD02', secrets: ['bundle-secret-good-0002'], principal: 'bundled-two', permissions: ['items:read'] },
  ],
};

const signer = (keyId: string, secret: string) => createSigV4Signer({ keyId, secret, ...sigv4 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function call(mf: Miniflare, keyId: string, secret: string, path = '/items'): Promise<{ status: number; body: string }> {
  const base = await mf.ready;
  const req: SignedRequest = { method: 'GET', path, query: '', headers: [['host', base.host]] };
  const res = await sendRaw(base, await signer(keyId, secret).sign(req));
  return { status: res.status, body: res.body };
}

describe('the Worker under workerd with a Workers KV key store', () => {
  let script: string;
  let mf: Miniflare;
  let put: (id: string, record: unknown) => Promise<void>;
  beforeAll(async () => {
    script = await bundleWorker('functions/worker.ts');
    mf = await startWorker(script, { AUTH_CONFIG: JSON.stringify(kvConfig) }, { kvNamespaces: ['AUTH_KEYS'] });
    // Typed by hand: the repository carries no Cloudflare types (lib/keys types KV structurally too).
    const kv = (await mf.getKVNamespace('AUTH_KEYS')) as unknown as { put(key: string, value: string): Promise<void> };
    put = (id, record) => kv.put(`edge-auth/${id}`, typeof record === 'string' ? record : JSON.stringify(record));
    await put('AKIDKVFOUND00001', {
      id: 'AKIDKVFOUND00001',
      secret: 'kv-found-secret-0001',
      principal: 'kv-found',
      permissions: ['items:read'],
    });
  });
  afterAll(async () => {
    await mf?.dispose();
  });

  it('answers a request signed with a key in KV 200, with its principal', async () => {
    const res = await call(mf, 'AKIDKVFOUND00001', 'kv-found-secret-0001');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ ok: true, principal: 'kv-found', permissions: ['items:read'], scheme: 'sigv4' });
  });

  it('answers a key that is not in KV 401, exactly like a bad signature', async () => {
    const unknown = await call(mf, 'AKIDKVNOBODY0001', 'kv-found-secret-0001');
    const wrong = await call(mf, 'AKIDKVFOUND00001', 'kv-not-the-secret-01');
    expect(unknown.status).toBe(401);
    expect(unknown.body).toBe(wrong.body);
    expect(unknown.body).not.toContain('AKIDKVNOBODY0001');
  });

  it('answers a key whose KV record is not a record 503, naming nothing', async () => {
    await put('AKIDKVBROKEN0001', `{"id":"AKIDKVBROKEN0001","secret":"kv-broken-secret-01"`);
    const res = await call(mf, 'AKIDKVBROKEN0001', 'kv-broken-secret-01');
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'ERR_KEYSTORE_UNAVAILABLE', status: 503 });
    expect(res.body).not.toMatch(/AKIDKVBROKEN0001|kv-broken-secret-01/);
  });

  it(`follows a key rotated in KV while the Worker runs, within the cache TTL (${TTL_SECONDS} s)`, async () => {
    const id = 'AKIDKVROTATED001';
    await put(id, { id, secret: OLD, principal: 'rotating' });
    expect((await call(mf, id, OLD)).status).toBe(200);
    expect((await call(mf, id, NEW)).status).toBe(401);

    // Both secrets live: the new one is deployed to clients while the old one still verifies.
    await put(id, { id, secrets: [NEW, OLD], principal: 'rotating' });
    await sleep(TTL_SECONDS * 1000 + 100);
    expect((await call(mf, id, NEW)).status).toBe(200);
    expect((await call(mf, id, OLD)).status).toBe(200);

    // The old one retired: refused once the cached record has expired.
    await put(id, { id, secret: NEW, principal: 'rotating' });
    await sleep(TTL_SECONDS * 1000 + 100);
    expect((await call(mf, id, OLD)).status).toBe(401);
    expect((await call(mf, id, NEW)).status).toBe(200);
  });

  it('lets a public route through without reading KV, and answers 503 when the KV binding is missing', async () => {
    const unbound = await startWorker(script, { AUTH_CONFIG: JSON.stringify(kvConfig) });
    try {
      const base = await unbound.ready;
      expect((await sendRaw(base, { method: 'GET', path: '/health', query: '', headers: [['host', base.host]] })).status).toBe(200);
      const res = await call(unbound, 'AKIDKVFOUND00001', 'kv-found-secret-0001');
      expect(res.status).toBe(503);
      expect(JSON.parse(res.body)).toMatchObject({ error: 'ERR_KEYSTORE_UNAVAILABLE' });
    } finally {
      await unbound.dispose();
    }
  });
});

describe('the Worker under workerd with a secret-binding key store', () => {
  let mf: Miniflare;
  beforeAll(async () => {
    const script = await bundleWorker('functions/worker.ts');
    mf = await startWorker(script, { AUTH_CONFIG: JSON.stringify(bindingConfig), AUTH_KEY_BUNDLE: JSON.stringify(bundle) });
  });
  afterAll(async () => {
    await mf?.dispose();
  });

  it.each([
    ['a good key', 200, 'AKIDBUNDLEGOOD01', 'bundle-secret-good-0001'],
    ['the good key after the bad record', 200, 'AKIDBUNDLEGOOD02', 'bundle-secret-good-0002'],
    ['the bad record (a store fault, never a guess)', 503, 'AKIDBUNDLEBAD001', 'short-but-long-enough'],
    ['a key not in the bundle', 401, 'AKIDBUNDLENOBODY', 'bundle-secret-good-0001'],
    ['a good key with a wrong secret', 401, 'AKIDBUNDLEGOOD01', 'bundle-secret-good-0002'],
  ])('answers %s %i', async (_what, status, keyId, secret) => {
    const res = await call(mf, keyId, secret);
    expect(res.status).toBe(status);
    expect(res.body).not.toMatch(/AKIDBUNDLE|bundle-secret/);
  });
});
