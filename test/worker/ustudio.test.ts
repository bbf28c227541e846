// USTUDIO-HMAC-V2 through the Worker under workerd (Web Crypto backend): a signed request with a body is
// answered 200, a tampered one 401 (the adapters' shape: the original answers a bare 401), a key store
// that is down 503; with the freshness extension on, a replay is 401; proxied, the origin gets the body
// and the principal but no Authorization header, key id or digest.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedRequest } from '../../lib/core/request.ts';
import { createUStudioSigner } from '../../lib/schemes/ustudio-hmac/index.ts';
import { USTUDIO_KEY_ID, USTUDIO_SECRET, ustudioConfig, ustudioKey } from '../fixtures/ustudio-app.ts';
import { sendRaw, startWorker, workerUnderTest } from '../helpers/workerd.ts';

const config = ustudioConfig({ keys: [ustudioKey(['items:write'])] });
const signer = createUStudioSigner({ keyId: USTUDIO_KEY_ID, secret: USTUDIO_SECRET });
const freshSigner = createUStudioSigner({ keyId: USTUDIO_KEY_ID, secret: USTUDIO_SECRET, freshness: true });

const draft = (host: string, body = '{"name":"widget"}'): SignedRequest => ({
  method: 'POST',
  path: '/items/7',
  query: 'b=2&a=1&a=%2F',
  headers: [
    ['host', host],
    ['content-type', 'application/json'],
  ],
  body: new TextEncoder().encode(body),
});
const digestOf = (r: SignedRequest) => r.headers.find(([n]) => n === 'Authorization')![1].split(' ')[2]!;

describe('USTUDIO-HMAC-V2 in the Worker under workerd', () => {
  const w = workerUnderTest({ AUTH_CONFIG: JSON.stringify(config) });

  it('answers a signed request with a body 200, with its principal', async () => {
    const res = await sendRaw(await w.mf.ready, await signer.sign(draft(w.host)));
    expect(res.status, res.body).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ ok: true, principal: 'ustudio-app', scheme: 'ustudio-hmac' });
  });

  it('answers a tampered body, query, path, digest or key 401, alike, naming nothing', async () => {
    const signed = await signer.sign(draft(w.host));
    const digest = digestOf(signed);
    const withAuth = (value: string): SignedRequest => ({
      ...signed,
      headers: signed.headers.map(([n, v]) => [n, n === 'Authorization' ? value : v] as [string, string]),
    });
    const tampered: SignedRequest[] = [
      { ...signed, body: new TextEncoder().encode('{"name":"gadget"}') },
      { ...signed, query: 'b=2&a=1&a=%2G' },
      { ...signed, path: '/items/8' },
      withAuth(`USTUDIO-HMAC-V2 ${USTUDIO_KEY_ID} ${digest.replace(/^./, (c) => (c === '0' ? '1' : '0'))}`),
      withAuth(`USTUDIO-HMAC-V2 nobody-key ${digest}`),
    ];
    const bodies = new Set<string>();
    for (const t of tampered) {
      const res = await sendRaw(await w.mf.ready, t);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toContain('USTUDIO-HMAC-V2');
      for (const secret of [USTUDIO_KEY_ID, USTUDIO_SECRET, digest, 'nobody-key']) expect(res.body).not.toContain(secret);
      bodies.add(res.body);
    }
    // An unknown key looks exactly like a bad signature.
    expect(bodies.size).toBe(1);
    expect((await sendRaw(await w.mf.ready, draft(w.host))).status).toBe(401);
  });

  it('answers 503 when its key store (a Workers KV namespace that is not bound) cannot answer', async () => {
    const kvConfig = ustudioConfig({
      keys: [],
      keyStores: [{ type: 'workers-kv', schemes: ['ustudio-hmac'], binding: 'AUTH_KEYS', prefix: 'edge-auth/' }],
    });
    const unbound = await startWorker(w.script, { AUTH_CONFIG: JSON.stringify(kvConfig) });
    try {
      const base = await unbound.ready;
      const res = await sendRaw(base, await signer.sign(draft(base.host)));
      expect(res.status).toBe(503);
      expect(JSON.parse(res.body)).toMatchObject({ error: 'ERR_KEYSTORE_UNAVAILABLE' });
      expect(res.body).not.toContain(USTUDIO_KEY_ID);
    } finally {
      await unbound.dispose();
    }
  });

  it('with the freshness extension on, accepts a fresh request once and refuses its replay and an unstamped one', async () => {
    const fresh = await startWorker(w.script, {
      AUTH_CONFIG: JSON.stringify(ustudioConfig({ schemes: { 'ustudio-hmac': { freshness: true } }, keys: [ustudioKey(['items:write'])] })),
    });
    try {
      const base = await fresh.ready;
      const signed = await freshSigner.sign(draft(base.host));
      expect((await sendRaw(base, signed)).status).toBe(200);
      const replay = await sendRaw(base, signed);
      expect(replay.status).toBe(401);
      expect(JSON.parse(replay.body)).toMatchObject({ error: 'ERR_REQUEST_EXPIRED' });
      expect((await sendRaw(base, await signer.sign(draft(base.host)))).status).toBe(401);
    } finally {
      await fresh.dispose();
    }
  });

  describe('with ORIGIN_URL', () => {
    let origin: Server;
    let proxied: Miniflare;
    const seen: Array<{ url: string; headers: IncomingMessage['headers']; body: string }> = [];
    beforeAll(async () => {
      origin = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          seen.push({ url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() });
          res.writeHead(201).end('from origin');
        });
      });
      await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
      const { port } = origin.address() as AddressInfo;
      proxied = await startWorker(w.script, { AUTH_CONFIG: JSON.stringify(config), ORIGIN_URL: `http://127.0.0.1:${port}` });
    });
    afterAll(async () => {
      await proxied?.dispose();
      await new Promise((r) => origin?.close(r));
    });

    it('proxies the verified body and principal, never the Authorization header, key id or digest', async () => {
      const signed = await signer.sign(draft((await proxied.ready).host));
      const res = await sendRaw(await proxied.ready, signed);
      expect(res.status).toBe(201);
      const last = seen.at(-1)!;
      expect(last).toMatchObject({ url: '/items/7?b=2&a=1&a=%2F', body: '{"name":"widget"}' });
      expect(last.headers['x-auth-principal']).toBe('ustudio-app');
      expect(last.headers.authorization).toBeUndefined();
      for (const secret of [USTUDIO_KEY_ID, digestOf(signed)]) expect(JSON.stringify(last)).not.toContain(secret);
    });
  });
});
