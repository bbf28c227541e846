// The Worker under workerd (Miniflare, 127.0.0.1) with a verifier that reads a remote JWKS (the toy
// JWKS scheme, as the JWT scheme will): with the AUTH_SHARED_CACHE KV binding, the first isolate
// writes the document to KV and a restarted Worker reads it there instead of fetching it again
// (counted at the loopback JWKS server); without the binding every new instance fetches.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Miniflare } from 'miniflare';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JWKS_URL_TOKEN, newPublicJwk, startJwksServer, type JwksServer } from '../helpers/jwks-server.ts';
import { bundleWorker, sendRaw, startWorker } from '../helpers/workerd.ts';

const rsa = newPublicJwk('RSA', 'rsa-1');
const ec = newPublicJwk('EC', 'ec-1');
const okp = newPublicJwk('OKP', 'okp-1');

let server: JwksServer;
let script: string;
let persist: string;
const running = new Set<Miniflare>();

beforeAll(async () => {
  server = await startJwksServer([rsa, ec, okp]);
  script = await bundleWorker('test/fixtures/toy-jwks-worker.ts');
  persist = mkdtempSync(join(tmpdir(), 'edge-auth-jwks-kv-'));
}, 60_000);
afterEach(async () => {
  for (const mf of running) await mf.dispose();
  running.clear();
  server.hits = 0;
});
afterAll(async () => {
  await server?.close();
  if (persist) rmSync(persist, { recursive: true, force: true });
});

async function start(sharedCache: boolean): Promise<Miniflare> {
  const config = { schemes: { 'toy-jwks': { jwksUrl: server.url } } };
  const mf = await startWorker(
    script,
    { AUTH_CONFIG: JSON.stringify(config) },
    sharedCache ? { kvNamespaces: ['AUTH_SHARED_CACHE'], kvPersist: persist } : {},
  );
  running.add(mf);
  return mf;
}

async function stop(mf: Miniflare): Promise<void> {
  running.delete(mf);
  await mf.dispose();
}

async function call(mf: Miniflare, kid: string) {
  const base = await mf.ready;
  return sendRaw(base, {
    method: 'GET',
    path: '/items',
    query: '',
    headers: [
      ['host', base.host],
      ['x-toy-kid', kid],
    ],
  });
}

describe('the Worker under workerd with a shared document cache (Workers KV)', () => {
  it('writes the JWKS to AUTH_SHARED_CACHE on first use; a restarted Worker reads it there without a fetch', async () => {
    const first = await start(true);
    const ok = await call(first, 'rsa-1');
    expect(ok.status, ok.body).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ principal: 'kid:rsa-1', scheme: 'toy-jwks' });
    // The isolate's first request and its hydrate() share one fetch; an unknown kid inside the cooldown costs none.
    expect((await call(first, 'ghost')).status).toBe(401);
    expect(server.hits).toBe(1);

    // Typed by the two calls made (Miniflare's own types are not in this project's type check).
    const kv = (await first.getKVNamespace('AUTH_SHARED_CACHE')) as unknown as {
      list(): Promise<{ keys: Array<{ name: string; expiration?: number }> }>;
      get(key: string, type: 'text'): Promise<string | null>;
    };
    const { keys } = await kv.list();
    expect(keys.map((k) => k.name)).toEqual([expect.stringMatching(/^edge-auth\/documents\/jwks\/[0-9a-f]{64}$/)]);
    expect(keys[0]!.name).not.toContain(JWKS_URL_TOKEN);
    const nowSeconds = Date.now() / 1000;
    expect(keys[0]!.expiration).toBeGreaterThan(nowSeconds + 240);
    expect(keys[0]!.expiration).toBeLessThanOrEqual(nowSeconds + 301);
    const stored = await kv.get(keys[0]!.name, 'text');
    expect(stored).toMatch(/^jwks1 \d+ 300\n\{"keys":\[/);
    expect(stored).toContain('"kid":"okp-1"');

    await stop(first);
    const restarted = await start(true);
    for (const kid of ['ec-1', 'okp-1', 'rsa-1']) expect((await call(restarted, kid)).status).toBe(200);
    expect((await call(restarted, 'ghost')).status).toBe(401);
    expect(server.hits).toBe(1);
  });

  it('without the binding, every new Worker fetches the JWKS itself', async () => {
    for (let n = 1; n <= 2; n++) {
      const mf = await start(false);
      expect((await call(mf, 'ec-1')).status).toBe(200);
      expect(server.hits).toBe(n);
      await stop(mf);
    }
  });

  it('30 concurrent requests on a cold Worker share one fetch, each in its own request context', async () => {
    server.fault = { kind: 'slow', ms: 300 };
    try {
      const mf = await start(false);
      const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => call(mf, ['rsa-1', 'ec-1', 'okp-1'][i % 3]!)));
      expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 30 }, () => 200));
      expect(server.hits).toBe(1);
    } finally {
      server.fault = { kind: 'none' };
    }
  });

  it('a JWKS endpoint that fails is 503 with nothing of the URL or the document in the answer', async () => {
    server.fault = { kind: 'status', status: 500 };
    try {
      const mf = await start(false);
      const res = await call(mf, 'rsa-1');
      expect(res.status).toBe(503);
      expect(res.body).not.toContain(JWKS_URL_TOKEN);
      expect(res.body).not.toContain('rsa-1');
    } finally {
      server.fault = { kind: 'none' };
    }
  });
});
