// MAuth through the Worker under workerd (Web Crypto backend: v2 by RSASSA-PKCS1-v1_5, v1 by the BigInt
// type-1 operation): a signed request with a body is answered 200, a tampered one 401 in the original's
// body shape; proxied, the origin gets the body and the principal but no MAuth header, app uuid or signature.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedRequest } from '../../lib/core/request.ts';
import { createMAuthSigner, MAUTH_MESSAGES } from '../../lib/schemes/mauth/index.ts';
import { APP_UUID, mauthConfig, PRIVATE_KEY } from '../fixtures/mauth-app.ts';
import { sendRaw, startWorker, workerUnderTest } from '../helpers/workerd.ts';

const config = mauthConfig({ keys: [{ ...(mauthConfig().keys as Array<Record<string, unknown>>)[0], permissions: ['items:write'] }] });
const v2 = createMAuthSigner({ appUuid: APP_UUID, privateKey: PRIVATE_KEY, versions: ['v2'] });
const both = createMAuthSigner({ appUuid: APP_UUID, privateKey: PRIVATE_KEY, versions: ['v1', 'v2'] });
const v1 = createMAuthSigner({ appUuid: APP_UUID, privateKey: PRIVATE_KEY, versions: ['v1'] });

const draft = (host: string, body = '{"name":"widget"}'): SignedRequest => ({
  method: 'POST',
  path: '/items/7',
  query: 'b=2&a=1',
  headers: [
    ['host', host],
    ['content-type', 'application/json'],
  ],
  body: new TextEncoder().encode(body),
});

describe('MAuth in the Worker under workerd', () => {
  const w = workerUnderTest({ AUTH_CONFIG: JSON.stringify(config) });

  it('answers MAuth-signed requests with a body 200 (v2, v1, both)', async () => {
    for (const signer of [v2, v1, both]) {
      const res = await sendRaw(await w.mf.ready, await signer.sign(draft(w.host)));
      expect(res.status, res.body).toBe(200);
      expect(JSON.parse(res.body)).toMatchObject({ ok: true, principal: 'mauth-app', scheme: 'mauth' });
    }
  });

  it('answers a tampered body, query or time 401 with {"errors":{"mauth":[...]}}', async () => {
    const signed = await v2.sign(draft(w.host));
    const tampered: SignedRequest[] = [
      { ...signed, body: new TextEncoder().encode('{"name":"gadget"}') },
      { ...signed, query: 'b=2&a=2' },
      { ...signed, headers: signed.headers.map(([n, v]) => [n, n === 'MCC-Time' ? String(Number(v) + 1) : v] as [string, string]) },
    ];
    for (const t of tampered) {
      const res = await sendRaw(await w.mf.ready, t);
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body)).toEqual({ errors: { mauth: [MAUTH_MESSAGES.signature] } });
      expect(res.body).not.toContain(APP_UUID);
    }
    const unsigned = await sendRaw(await w.mf.ready, draft(w.host));
    expect(unsigned.status).toBe(401);
    expect(JSON.parse(unsigned.body)).toEqual({ errors: { mauth: [MAUTH_MESSAGES.missing] } });
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

    it('proxies the verified body and principal, never a MAuth header, the app uuid or a signature', async () => {
      const signed = await both.sign(draft((await proxied.ready).host));
      const res = await sendRaw(await proxied.ready, signed);
      expect(res.status).toBe(201);
      const last = seen.at(-1)!;
      expect(last).toMatchObject({ url: '/items/7?b=2&a=1', body: '{"name":"widget"}' });
      expect(last.headers['x-auth-principal']).toBe('mauth-app');
      for (const h of ['mcc-authentication', 'mcc-time', 'x-mws-authentication', 'x-mws-time']) expect(last.headers[h]).toBeUndefined();
      const signatures = signed.headers.filter(([n]) => /authentication$/i.test(n)).map(([, v]) => v.split(':')[1]!.replace(/;$/, ''));
      expect(signatures).toHaveLength(2);
      for (const secret of [APP_UUID, ...signatures]) expect(JSON.stringify(last)).not.toContain(secret);
    });
  });
});
