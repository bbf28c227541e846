// The Worker's shared document cache, in Node (the workerd side is test/worker/jwks-shared-cache.test.ts):
// a KV namespace bound as AUTH_SHARED_CACHE is handed to verifiers that fetch documents themselves (the
// toy JWKS scheme here), so a second Worker instance reads the JWKS from it instead of fetching; a
// binding that is not a KV namespace is a miss, never an outage.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import type { KvDocumentNamespaceLike } from '../lib/keys/kv-shared-cache.ts';
import { builtInSchemes } from '../lib/schemes/registry.ts';
import { toyJwksScheme } from '../test/fixtures/toy-jwks-scheme.ts';
import { newPublicJwk, startJwksServer, type JwksServer } from '../test/helpers/jwks-server.ts';
import { createWorker, type Env } from './worker.ts';

const registry = builtInSchemes.with(toyJwksScheme);
let server: JwksServer;
let out: MockInstance<typeof console.log>;

beforeAll(async () => {
  server = await startJwksServer([newPublicJwk('EC', 'ec-1')]);
});
afterAll(() => server.close());
beforeEach(() => {
  out = vi.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterEach(() => {
  out.mockRestore();
  server.hits = 0;
});

function fakeKv() {
  const values = new Map<string, string>();
  const puts: Array<{ key: string; ttl: number }> = [];
  const kv: KvDocumentNamespaceLike = {
    get: async (key) => values.get(key) ?? null,
    put: async (key, value, { expirationTtl }) => {
      puts.push({ key, ttl: expirationTtl });
      values.set(key, value);
    },
  };
  return { kv, values, puts };
}

async function send(env: Env, kid: string) {
  const app = createWorker({ registry });
  return app.request('https://api.example.com/items', { headers: { 'x-toy-kid': kid } }, env);
}

describe('the Worker with AUTH_SHARED_CACHE', () => {
  const config = () => JSON.stringify({ schemes: { 'toy-jwks': { jwksUrl: server.url } } });

  it('a second Worker instance reads the JWKS the first wrote to KV, with no fetch', async () => {
    const { kv, puts } = fakeKv();
    const env: Env = { AUTH_CONFIG: config(), AUTH_SHARED_CACHE: kv };
    expect((await send(env, 'ec-1')).status).toBe(200);
    expect(puts).toEqual([{ key: expect.stringMatching(/^edge-auth\/documents\/jwks\/[0-9a-f]{64}$/), ttl: 300 }]);
    expect((await send(env, 'ec-1')).status).toBe(200);
    expect((await send(env, 'ghost')).status).toBe(401);
    expect(server.hits).toBe(1);
  });

  it('without the binding, each instance fetches', async () => {
    const env: Env = { AUTH_CONFIG: config() };
    expect((await send(env, 'ec-1')).status).toBe(200);
    expect((await send(env, 'ec-1')).status).toBe(200);
    expect(server.hits).toBe(2);
  });

  it('a binding that is not a KV namespace is a miss, never an outage', async () => {
    const env: Env = { AUTH_CONFIG: config(), AUTH_SHARED_CACHE: 'not a namespace' };
    expect((await send(env, 'ec-1')).status).toBe(200);
    expect((await send(env, 'ec-1')).status).toBe(200);
    expect(server.hits).toBe(2);
  });
});
