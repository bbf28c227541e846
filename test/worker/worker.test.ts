import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedRequest } from '../../lib/core/request.ts';
import { createSigV4Signer } from '../../lib/schemes/sigv4/index.ts';
import { bundleWorker, sendRaw, startWorker, type RawResponse } from '../helpers/workerd.ts';

const config = {
  schemes: { sigv4: { region: 'us-east-1', service: 'execute-api', algorithms: ['AWS4-HMAC-SHA256', 'DCI2-HMAC-SHA256'] } },
  routes: [{ path: '/health', methods: ['GET'], public: true }, { path: '/admin/*', permissions: ['admin'] }, { path: '*' }],
  limits: { maxBodyBytes: 1024 },
  keys: [
    { id: 'AKIDWORKER', secret: 'worker-secret-0001', principal: 'alice', permissions: ['items:read'] },
    { id: 'remoteci/abc', secret: 'worker-secret-0002', principal: 'ci', permissions: [] },
    { id: 'AKIDSESSION', secret: 'worker-secret-0003', principal: 'temp', permissions: [], sessionToken: 'worker-session-token-0001' },
  ],
};

// A key with a session token: its token must never reach the origin.
const temp = createSigV4Signer({
  keyId: 'AKIDSESSION',
  secret: 'worker-secret-0003',
  sessionToken: 'worker-session-token-0001',
  region: 'us-east-1',
  service: 'execute-api',
});
const signer = createSigV4Signer({ keyId: 'AKIDWORKER', secret: 'worker-secret-0001', region: 'us-east-1', service: 'execute-api' });
const stranger = createSigV4Signer({ keyId: 'AKIDUNKNOWN', secret: 'worker-secret-0001', region: 'us-east-1', service: 'execute-api' });
const dci = createSigV4Signer({
  keyId: 'remoteci/abc',
  secret: 'worker-secret-0002',
  region: 'us-east-1',
  service: 'execute-api',
  algorithm: 'DCI2-HMAC-SHA256',
});

// Signed for the host the client really connects to; set once workerd is listening.
let HOST = '';

function draft(method: string, pathAndQuery: string, body = '', headers: Array<[string, string]> = []): SignedRequest {
  const q = pathAndQuery.indexOf('?');
  return {
    method,
    path: q === -1 ? pathAndQuery : pathAndQuery.slice(0, q),
    query: q === -1 ? '' : pathAndQuery.slice(q + 1),
    headers: [['host', HOST], ...headers],
    body: new TextEncoder().encode(body),
  };
}

async function send(mf: Miniflare, req: SignedRequest): Promise<RawResponse & { json(): unknown; text(): string }> {
  const res = await sendRaw(await mf.ready, req);
  return { ...res, json: () => JSON.parse(res.body), text: () => res.body };
}

describe('the Worker under workerd', () => {
  let mf: Miniflare;
  let script: string;
  beforeAll(async () => {
    script = await bundleWorker('functions/worker.ts');
    mf = await startWorker(script, { AUTH_CONFIG: JSON.stringify(config) });
    HOST = (await mf.ready).host;
  });
  afterAll(async () => {
    await mf?.dispose();
  });

  it('answers a signed GET with the principal', async () => {
    const res = await send(mf, await signer.sign(draft('GET', '/items/42?limit=10&sort=asc')));
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ ok: true, principal: 'alice', scheme: 'sigv4', method: 'GET', path: '/items/42' });
  });

  it('verifies a signed POST body, with and without x-amz-content-sha256', async () => {
    const res = await send(mf, await signer.sign(draft('POST', '/items', '{"name":"widget"}', [['content-type', 'application/json']])));
    expect(res.status).toBe(200);
    const withHash = createSigV4Signer({
      keyId: 'AKIDWORKER',
      secret: 'worker-secret-0001',
      region: 'us-east-1',
      service: 'execute-api',
      signContentSha256: true,
    });
    const res2 = await send(mf, await withHash.sign(draft('PUT', '/items/1', 'x'.repeat(500))));
    expect(res2.status).toBe(200);
  });

  it('accepts DCI2 and presigned URLs', async () => {
    expect((await send(mf, await dci.sign(draft('GET', '/api/v1/jobs')))).status).toBe(200);
    expect((await send(mf, await signer.presign(draft('GET', '/download/file.txt?x=1'), { expiresIn: 60 }))).status).toBe(200);
  });

  it('answers an unsigned request 401 with WWW-Authenticate and a JSON body', async () => {
    const res = await send(mf, draft('GET', '/items'));
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain('AWS4-HMAC-SHA256');
    expect(res.json()).toMatchObject({ error: 'ERR_AUTH_MISSING', status: 401 });
  });

  it('answers a malformed Authorization header 400', async () => {
    const res = await send(mf, draft('GET', '/items', '', [['authorization', 'AWS4-HMAC-SHA256 Credential=broken']]));
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ error: 'ERR_AUTH_MALFORMED' });
  });

  it.each([
    ['path', (r: SignedRequest) => ({ ...r, path: '/items/43' })],
    ['query', (r: SignedRequest) => ({ ...r, query: 'limit=11&sort=asc' })],
    ['body', (r: SignedRequest) => ({ ...r, body: new TextEncoder().encode('{"name":"gadget"}') })],
    ['method', (r: SignedRequest) => ({ ...r, method: 'PUT' })],
  ])('answers a request with a tampered %s 401', async (_what, tamper) => {
    const signed = await signer.sign(draft('POST', '/items/42?limit=10&sort=asc', '{"name":"widget"}'));
    const res = await send(mf, tamper(signed));
    expect(res.status).toBe(401);
    expect(res.json()).toMatchObject({ error: 'ERR_SIGNATURE_INVALID' });
  });

  it('answers an unknown key exactly like a bad signature', async () => {
    const unknown = await send(mf, await stranger.sign(draft('GET', '/items')));
    const signed = await signer.sign(draft('GET', '/items'));
    const bad = await send(mf, { ...signed, path: '/other' });
    expect(unknown.status).toBe(401);
    const a = unknown.text();
    expect(a).toBe(bad.text());
    expect(a).not.toContain('AKIDUNKNOWN');
  });

  it('answers a body over the limit 413', async () => {
    const res = await send(mf, await signer.sign(draft('POST', '/items', 'x'.repeat(2048))));
    expect(res.status).toBe(413);
    expect(res.json()).toMatchObject({ error: 'ERR_BODY_TOO_LARGE' });
  });

  it('answers an authenticated principal without the route permission 403', async () => {
    const res = await send(mf, await signer.sign(draft('GET', '/admin/users')));
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toBeUndefined();
    expect(res.json()).toMatchObject({ error: 'ERR_FORBIDDEN', status: 403 });
  });

  it('lets a public route through without credentials', async () => {
    const res = await send(mf, draft('GET', '/health'));
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ ok: true, principal: null });
  });

  it('answers 500 without details when the configuration is invalid', async () => {
    const broken = await startWorker(script, { AUTH_CONFIG: JSON.stringify({ schemes: { sigv4: { region: 'us east' } } }) });
    try {
      const res = await send(broken, draft('GET', '/items'));
      expect(res.status).toBe(500);
      const text = res.text();
      expect(text).toContain('ERR_INTERNAL');
      expect(text).not.toContain('region');
    } finally {
      await broken.dispose();
    }
  });

  describe('with ORIGIN_URL', () => {
    let origin: Server;
    let proxied: Miniflare;
    const seen: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }> = [];
    beforeAll(async () => {
      origin = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() });
          res.writeHead(201, { 'content-type': 'text/plain' }).end('from origin');
        });
      });
      await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
      const { port } = origin.address() as AddressInfo;
      proxied = await startWorker(script, { AUTH_CONFIG: JSON.stringify(config), ORIGIN_URL: `http://127.0.0.1:${port}` });
    });

    // The proxied worker listens on its own port, so sign for that host.
    const sendProxied = async (r: SignedRequest) => {
      const host = (await proxied.ready).host;
      return send(proxied, { ...r, headers: r.headers.map(([n, v]) => (n === 'host' ? [n, host] : [n, v])) });
    };
    afterAll(async () => {
      await proxied?.dispose();
      await new Promise((r) => origin?.close(r));
    });

    it('proxies a verified request with its body and the principal, without Authorization', async () => {
      const host = (await proxied.ready).host;
      const req = draft('POST', '/items/7?x=1&y=%20z', '{"a":1}', [['content-type', 'application/json']]);
      const res = await send(proxied, await signer.sign({ ...req, headers: [['host', host], ...req.headers.slice(1)] }));
      expect(res.status).toBe(201);
      expect(res.text()).toBe('from origin');
      const last = seen.at(-1)!;
      expect(last).toMatchObject({ method: 'POST', url: '/items/7?x=1&y=%20z', body: '{"a":1}' });
      expect(last.headers['x-auth-principal']).toBe('alice');
      expect(last.headers['authorization']).toBeUndefined();
    });

    it('strips every credential the scheme consumed, from the headers and from a presigned query, before it proxies', async () => {
      const host = (await proxied.ready).host;
      const headerSigned = await temp.sign({ ...draft('GET', '/items/8?keep=1'), headers: [['host', host]] });
      expect((await send(proxied, headerSigned)).status).toBe(201);
      const viaHeader = seen.at(-1)!;
      expect(viaHeader.url).toBe('/items/8?keep=1');
      expect(viaHeader.headers['authorization']).toBeUndefined();
      expect(viaHeader.headers['x-amz-security-token']).toBeUndefined();
      expect(JSON.stringify(viaHeader)).not.toContain('worker-session-token-0001');

      const presigned = await temp.presign({ ...draft('GET', '/items/9?keep=2&z=%2B'), headers: [['host', host]] }, { expiresIn: 300 });
      expect(presigned.query).toContain('X-Amz-Signature=');
      expect((await send(proxied, presigned)).status).toBe(201);
      const viaQuery = seen.at(-1)!;
      expect(viaQuery.url).toBe('/items/9?keep=2&z=%2B');
      const signature = /X-Amz-Signature=([0-9a-f]+)/.exec(presigned.query)![1]!;
      expect(JSON.stringify(viaQuery)).not.toMatch(new RegExp(`worker-session-token-0001|AKIDSESSION|${signature}|X-Amz-`, 'i'));
    });

    it('strips the credentials of a signed request on a public route too, but keeps an Authorization header of another scheme', async () => {
      const host = (await proxied.ready).host;
      expect((await send(proxied, await temp.sign({ ...draft('GET', '/health'), headers: [['host', host]] }))).status).toBe(201);
      expect(JSON.stringify(seen.at(-1))).not.toMatch(/worker-session-token-0001|AKIDSESSION|Signature=/);
      const presigned = await temp.presign({ ...draft('GET', '/health?keep=1'), headers: [['host', host]] }, { expiresIn: 300 });
      expect((await send(proxied, presigned)).status).toBe(201);
      expect(seen.at(-1)!.url).toBe('/health?keep=1');
      // A request with only a session token header (no signature) on a public route: the token still stays here.
      await send(proxied, {
        ...draft('GET', '/health'),
        headers: [
          ['host', host],
          ['X-Amz-Security-Token', 'worker-session-token-0001'],
        ],
      });
      expect(JSON.stringify(seen.at(-1))).not.toContain('worker-session-token-0001');
      await send(proxied, {
        ...draft('GET', '/health'),
        headers: [
          ['host', host],
          ['Authorization', 'Bearer origin-own-token'],
        ],
      });
      expect(seen.at(-1)!.headers['authorization']).toBe('Bearer origin-own-token');
    });

    it('does not forward x_auth_principal, which CGI-style origins read as x-auth-principal', async () => {
      const host = (await proxied.ready).host;
      await send(proxied, {
        ...draft('GET', '/health'),
        headers: [
          ['host', host],
          ['x_auth_principal', 'root'],
          ['x_amz_security_token', 'worker-session-token-0001'],
        ],
      });
      expect(seen.at(-1)!.headers['x_auth_principal']).toBeUndefined();
      expect(seen.at(-1)!.headers['x-auth-principal']).toBeUndefined();
      expect(JSON.stringify(seen.at(-1))).not.toContain('worker-session-token-0001');
    });

    it('does not forward a client-supplied x-auth-principal', async () => {
      const host = (await proxied.ready).host;
      const res = await send(
        proxied,
        await signer.sign({
          ...draft('GET', '/items/10', '', [['x-auth-principal', 'root']]),
          headers: [
            ['host', host],
            ['x-auth-principal', 'root'],
          ],
        }),
      );
      expect(res.status).toBe(201);
      expect(seen.at(-1)!.headers['x-auth-principal']).toBe('alice');
    });

    it('does not reach the origin for a rejected request', async () => {
      const before = seen.length;
      expect((await sendProxied(draft('GET', '/items'))).status).toBe(401);
      expect(seen.length).toBe(before);
    });
  });
});
