// API keys through the Worker under workerd (Web Crypto backend): a good key is 200, every refusal 401
// in the original's body ({"error":"Not Authorized","message":...,"status":401}) that never echoes the
// key; a key store that cannot answer (or holds a key in clear) is 503 in the same shape; proxied, the
// origin gets the principal and never the key.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedRequest } from '../../lib/core/request.ts';
import { generateApiKey } from '../../lib/keys/api-key-format.ts';
import { createApiKeySigner } from '../../lib/schemes/api-key/index.ts';
import { API_KEY_MESSAGES } from '../../lib/schemes/api-key/constants.ts';
import {
  ALL_KEYS,
  API_KEY,
  apiKeyConfig,
  DISABLED_KEY,
  EXPIRED_KEY,
  hashOf,
  KEY_ID,
  NEXT_API_KEY,
  PRINCIPAL,
  UNKNOWN_KEY,
} from '../fixtures/api-key-app.ts';
import { sendRaw, startWorker, workerUnderTest } from '../helpers/workerd.ts';

const config = apiKeyConfig();
const draft = (host: string, headers: Array<[string, string]> = [], path = '/items/7', query = 'b=2'): SignedRequest => ({
  method: 'GET',
  path,
  query,
  headers: [['host', host], ...headers],
});
const notAuthorized = { error: 'Not Authorized', message: API_KEY_MESSAGES.invalid, status: 401 };

describe('API keys in the Worker under workerd', () => {
  const w = workerUnderTest({ AUTH_CONFIG: JSON.stringify(config) });

  it('answers a request with a good key 200 (both keys of a rotation, any header-name case)', async () => {
    for (const [name, key] of [
      ['X-Api-Key', API_KEY],
      ['x-api-key', NEXT_API_KEY],
      ['X-API-KEY', API_KEY],
    ] as const) {
      const res = await sendRaw(await w.mf.ready, draft(w.host, [[name, key]]));
      expect(res.status, res.body).toBe(200);
      expect(JSON.parse(res.body)).toMatchObject({ ok: true, principal: PRINCIPAL, scheme: 'api-key' });
    }
    const signed = await createApiKeySigner({ key: API_KEY }).sign(draft(w.host));
    expect((await sendRaw(await w.mf.ready, signed)).status).toBe(200);
  });

  it("answers every refused key 401 with the original's body fields, never echoing the key", async () => {
    const checksumBad = API_KEY.slice(0, -1) + (API_KEY.endsWith('0') ? '1' : '0');
    for (const key of [UNKNOWN_KEY, generateApiKey({ id: KEY_ID }).key, checksumBad, 'letmein', DISABLED_KEY, EXPIRED_KEY]) {
      const res = await sendRaw(await w.mf.ready, draft(w.host, [['X-Api-Key', key]]));
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body)).toEqual(notAuthorized);
      expect(res.headers['www-authenticate']).toBe('ApiKey header="X-Api-Key"');
      expect(res.body).not.toContain(key);
      expect(res.body).not.toContain(KEY_ID);
    }
    const missing = await sendRaw(await w.mf.ready, draft(w.host, [], '/items/7', `api_key=${API_KEY}`));
    expect(missing.status).toBe(401);
    expect(JSON.parse(missing.body)).toEqual({ error: 'Not Authorized', message: API_KEY_MESSAGES.missing('X-Api-Key'), status: 401 });
    // Two headers: refused as malformed (400), in the same shape.
    const twice = await sendRaw(
      await w.mf.ready,
      draft(w.host, [
        ['X-Api-Key', API_KEY],
        ['X-Api-Key', API_KEY],
      ]),
    );
    expect(twice.status).toBe(400);
    expect(JSON.parse(twice.body)).toEqual({ error: 'Bad Request', message: API_KEY_MESSAGES.duplicate('X-Api-Key'), status: 400 });
    expect(twice.body).not.toContain(API_KEY);
  });

  it('answers 403 for a key without the permission a route needs, and lets a public route through without a key', async () => {
    const res = await sendRaw(await w.mf.ready, draft(w.host, [['X-Api-Key', API_KEY]], '/admin/users', ''));
    expect(res.status).toBe(403);
    // A route decision after authentication: the adapters' own body.
    expect(JSON.parse(res.body)).toMatchObject({ error: 'ERR_FORBIDDEN', status: 403 });
    expect(res.body).not.toContain(API_KEY);
    expect((await sendRaw(await w.mf.ready, draft(w.host, [], '/health', ''))).status).toBe(200);
  });

  describe('with its keys in Workers KV', () => {
    const kvConfig = {
      ...config,
      keys: [],
      keyStores: [{ type: 'workers-kv', schemes: ['api-key'], binding: 'AUTH_KEYS', prefix: 'api-key/' }],
    };
    let kv: Miniflare;
    beforeAll(async () => {
      kv = await startWorker(w.script, { AUTH_CONFIG: JSON.stringify(kvConfig) }, { kvNamespaces: ['AUTH_KEYS'] });
      const ns = (await kv.getKVNamespace('AUTH_KEYS')) as unknown as { put(key: string, value: string): Promise<void> };
      await ns.put(
        `api-key/${KEY_ID}`,
        JSON.stringify({ id: KEY_ID, scheme: 'api-key', secret: hashOf(API_KEY), principal: PRINCIPAL, permissions: ['items:read'] }),
      );
      // A record that holds its key in clear: the verifier refuses it (a store fault), whatever key comes.
      const clear = generateApiKey({ id: 'cleartext1' }).key;
      await ns.put('api-key/cleartext1', JSON.stringify({ id: 'cleartext1', scheme: 'api-key', secret: clear, principal: 'p' }));
      (kv as unknown as { clearKey: string }).clearKey = clear;
    });
    afterAll(async () => {
      await kv?.dispose();
    });

    it('verifies a key whose hash is in KV, refuses one whose record holds the key in clear (503), and is 503 without the binding', async () => {
      const base = await kv.ready;
      expect((await sendRaw(base, draft(base.host, [['X-Api-Key', API_KEY]]))).status).toBe(200);
      const clear = (kv as unknown as { clearKey: string }).clearKey;
      const refused = await sendRaw(base, draft(base.host, [['X-Api-Key', clear]]));
      expect(refused.status).toBe(503);
      expect(JSON.parse(refused.body)).toEqual({ error: 'Service Unavailable', message: API_KEY_MESSAGES.unavailable, status: 503 });
      expect(refused.body).not.toContain(clear);

      const unbound = await startWorker(w.script, { AUTH_CONFIG: JSON.stringify(kvConfig) });
      try {
        const b = await unbound.ready;
        const down = await sendRaw(b, draft(b.host, [['X-Api-Key', API_KEY]]));
        expect(down.status).toBe(503);
        expect(JSON.parse(down.body)).toEqual({ error: 'Service Unavailable', message: API_KEY_MESSAGES.unavailable, status: 503 });
        // A key whose checksum is wrong never reaches the store: 401 even with the store down.
        const typo = await sendRaw(b, draft(b.host, [['X-Api-Key', API_KEY.slice(0, -1) + (API_KEY.endsWith('0') ? '1' : '0')]]));
        expect(typo.status).toBe(401);
      } finally {
        await unbound.dispose();
      }
    });
  });

  describe('with ORIGIN_URL', () => {
    let origin: Server;
    let proxied: Miniflare;
    const seen: Array<{ url: string; headers: IncomingMessage['headers'] }> = [];
    beforeAll(async () => {
      origin = createServer((req, res) => {
        seen.push({ url: req.url!, headers: req.headers });
        req.resume();
        req.on('end', () => res.writeHead(201).end('from origin'));
      });
      await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
      const { port } = origin.address() as AddressInfo;
      proxied = await startWorker(w.script, { AUTH_CONFIG: JSON.stringify(config), ORIGIN_URL: `http://127.0.0.1:${port}` });
    });
    afterAll(async () => {
      await proxied?.dispose();
      await new Promise((r) => origin?.close(r));
    });

    it('proxies with the principal, never the key', async () => {
      const res = await sendRaw(await proxied.ready, draft((await proxied.ready).host, [['X-Api-Key', API_KEY]]));
      expect(res.status).toBe(201);
      const last = seen.at(-1)!;
      expect(last.url).toBe('/items/7?b=2');
      expect(last.headers['x-auth-principal']).toBe(PRINCIPAL);
      expect(last.headers['x-auth-scheme']).toBe('api-key');
      expect(last.headers['x-api-key']).toBeUndefined();
      for (const key of ALL_KEYS) expect(JSON.stringify(last)).not.toContain(key);
    });
  });
});
