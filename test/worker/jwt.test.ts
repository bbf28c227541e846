// JWT through the Worker under workerd (the Web Crypto backend): tokens of RSA, RSA-PSS, ECDSA and
// Ed25519 keys answered 200, forged or misaddressed ones 401 with a Bearer challenge, a missing
// permission 403; proxied, the origin gets the principal but no Authorization, auth-token or ?jwt=.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JwsAlgorithm } from '../../lib/core/crypto.ts';
import type { SignedRequest } from '../../lib/core/request.ts';
import { keyPair, mint, type TestKeyPair } from '../fixtures/jwt-keys.ts';
import { sendRaw, startWorker, workerUnderTest } from '../helpers/workerd.ts';

const ISS = 'https://auth.example.com';
const AUD = 'orders-api';
const ALGS: JwsAlgorithm[] = ['RS256', 'PS384', 'ES256', 'ES384', 'EdDSA'];
let pairs: TestKeyPair[];
let config: Record<string, unknown>;
const now = () => Math.floor(Date.now() / 1000);
const claims = (extra: Record<string, unknown> = {}) => ({
  iss: ISS,
  aud: AUD,
  sub: 'worker-user',
  scope: 'orders:read',
  iat: now(),
  exp: now() + 300,
  ...extra,
});

const draft = (host: string, headers: Array<[string, string]>, path = '/orders/7', query = ''): SignedRequest => ({
  method: 'GET',
  path,
  query,
  headers: [['host', host], ...headers],
});
const bearer = (t: string): Array<[string, string]> => [['Authorization', `Bearer ${t}`]];

beforeAll(async () => {
  pairs = await Promise.all(ALGS.map((a) => keyPair(a)));
  config = {
    schemes: {
      jwt: {
        issuers: [
          {
            issuer: ISS,
            audience: AUD,
            algorithms: ALGS,
            publicKeys: pairs.map((p, i) => (i === 0 ? p.spkiPem : { ...p.publicJwk, kid: `k-${p.alg}` })),
          },
        ],
        authTokenHeader: true,
        queryParameter: true,
      },
    },
    routes: [{ path: '/admin/*', permissions: ['admin'] }, { path: '/orders/*', permissions: ['orders:read'] }, { path: '*' }],
    keys: [],
  };
}, 60_000);

describe('JWT in the Worker under workerd', () => {
  // The configuration is made by the file's beforeAll (its keys are generated), so it is read when the Worker starts.
  const w = workerUnderTest(() => ({ AUTH_CONFIG: JSON.stringify(config) }));

  it('answers tokens of every key type 200, from Authorization, auth-token and ?jwt=', async () => {
    for (const p of pairs) {
      const token = await mint(p, claims(), p.alg === 'RS256' ? {} : { kid: `k-${p.alg}` });
      const res = await sendRaw(await w.mf.ready, draft(w.host, bearer(token)));
      expect(res.status, `${p.alg} ${res.body}`).toBe(200);
      expect(JSON.parse(res.body)).toMatchObject({ ok: true, principal: 'worker-user', scheme: 'jwt' });
    }
    const token = await mint(pairs[2]!, claims(), { kid: 'k-ES256' });
    expect((await sendRaw(await w.mf.ready, draft(w.host, [['auth-token', token]]))).status).toBe(200);
    expect((await sendRaw(await w.mf.ready, draft(w.host, [], '/orders/7', `jwt=${token}`))).status).toBe(200);
  });

  it('answers forged, expired, misaddressed and alg-confused tokens 401 with a Bearer challenge and no token in the body', async () => {
    const good = await mint(pairs[0]!, claims());
    const forged = good.slice(0, -4) + (good.endsWith('AAAA') ? 'BBBA' : 'AAAA');
    const tokens = [
      forged,
      await mint(pairs[0]!, claims({ exp: now() - 120 })),
      await mint(pairs[0]!, claims({ aud: 'billing' })),
      await mint(pairs[2]!, claims(), { kid: 'k-EdDSA' }), // an ES256 token naming the Ed25519 key
      'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
    ];
    for (const t of tokens) {
      const res = await sendRaw(await w.mf.ready, draft(w.host, bearer(t)));
      expect(res.status, res.body).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.body).not.toContain(t.split('.')[2] || 'never-empty');
      expect(res.body).not.toContain('k-EdDSA');
    }
    const missing = await sendRaw(await w.mf.ready, draft(w.host, []));
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toContain('Bearer');
    const both = await sendRaw(await w.mf.ready, draft(w.host, [...bearer(good), ['auth-token', good]]));
    expect(both.status).toBe(400);
  });

  it('answers an authentic token meant for another audience 403 (ERR_AUDIENCE_MISMATCH), a forged one 401', async () => {
    const misaddressed = await mint(pairs[0]!, claims({ aud: 'billing' }));
    const res = await sendRaw(await w.mf.ready, draft(w.host, bearer(misaddressed)));
    expect(res.status).toBe(403);
    expect(res.body).toContain('ERR_AUDIENCE_MISMATCH');
    expect(res.body).not.toContain(misaddressed.split('.')[2]!);
    const forged = misaddressed.slice(0, -4) + (misaddressed.endsWith('AAAA') ? 'BBBA' : 'AAAA');
    expect((await sendRaw(await w.mf.ready, draft(w.host, bearer(forged)))).status).toBe(401);
  });

  it('answers a token without the route permission 403', async () => {
    const res = await sendRaw(await w.mf.ready, draft(w.host, bearer(await mint(pairs[0]!, claims())), '/admin/users'));
    expect(res.status).toBe(403);
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

    it('proxies with the principal, never the token (Authorization, auth-token or ?jwt=)', async () => {
      const token = await mint(pairs[4]!, claims(), { kid: 'k-EdDSA' });
      const ready = await proxied.ready;
      for (const [headers, query] of [
        [bearer(token), 'a=1'],
        [[['auth-token', token]] as Array<[string, string]>, 'a=1'],
        [[] as Array<[string, string]>, `a=1&jwt=${token}`],
      ] as const) {
        const res = await sendRaw(ready, draft(ready.host, [...headers], '/orders/7', query));
        expect(res.status).toBe(201);
        const last = seen.at(-1)!;
        expect(last.url).toBe('/orders/7?a=1');
        expect(last.headers['x-auth-principal']).toBe('worker-user');
        expect(last.headers['x-auth-scheme']).toBe('jwt');
        expect(last.headers['authorization']).toBeUndefined();
        expect(last.headers['auth-token']).toBeUndefined();
        expect(JSON.stringify(last)).not.toContain(token.split('.')[2]!);
        expect(JSON.stringify(last)).not.toContain('k-EdDSA');
      }
    });

    it('proxies a principal a header cannot carry as it is (a sub in another script, a CR/LF) percent-encoded, never a 500', async () => {
      const ready = await proxied.ready;
      for (const [sub, sent] of [
        ['李雷', '%E6%9D%8E%E9%9B%B7'],
        ['a\r\nx-admin: 1', 'a%0D%0Ax-admin%3A%201'],
      ] as const) {
        const token = await mint(pairs[4]!, { ...claims(), sub }, { kid: 'k-EdDSA' });
        const res = await sendRaw(ready, draft(ready.host, bearer(token), '/orders/7', 'a=1'));
        expect(res.status, res.body).toBe(201);
        const last = seen.at(-1)!;
        expect(last.headers['x-auth-principal']).toBe(sent);
        expect(last.headers['x-auth-principal-encoding']).toBe('percent-utf8');
        expect(last.headers['x-admin']).toBeUndefined();
      }
    });
  });
});
