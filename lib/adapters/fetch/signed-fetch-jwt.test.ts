// The signing fetch with a JWT signer, over real HTTP on loopback: the server reads the request off the
// wire and verifies its bearer token with the JWT verifier; a minted token and a ready-made one both
// pass, a token changed on the way fails; the signer made through the registry's descriptor works too.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedRequest } from '../../core/request.ts';
import { splitUrl } from '../../core/request.ts';
import type { AuthResult } from '../../core/result.ts';
import { createJwtSigner, createJwtVerifier, jwtScheme } from '../../schemes/jwt/index.ts';
import { JWT_AUDIENCE, JWT_ISSUER, JWT_KID, JWT_PRIVATE_KEY, JWT_PUBLIC_KEY, jwtSchemeOptions } from '../../../test/fixtures/jwt-app.ts';
import { createSignedFetch } from './index.ts';

const verifier = createJwtVerifier({
  issuers: [{ issuer: JWT_ISSUER, audience: JWT_AUDIENCE, algorithms: ['RS256'], publicKeys: [JWT_PUBLIC_KEY] }],
});

let server: Server;
let base = '';
let tamper: ((r: SignedRequest) => SignedRequest) | undefined;
const seen: Array<{ request: SignedRequest; result: AuthResult }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { path, query } = splitUrl(req.url!);
      const headers: Array<[string, string]> = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
      let request: SignedRequest = { method: req.method!, path, query, headers, body: new Uint8Array(Buffer.concat(chunks)) };
      if (tamper) request = tamper(request);
      void verifier.verify(request).then((result) => {
        seen.push({ request, result });
        res.writeHead(result.ok ? 200 : result.error.status).end(result.ok ? result.principal.id : result.error.code);
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

describe('createSignedFetch with a JWT signer', () => {
  it('mints a token the server verifies, for every method and body; the caller’s Authorization is replaced', async () => {
    tamper = undefined;
    const fetch = createSignedFetch(
      createJwtSigner({ keyId: JWT_KID, secret: JWT_PRIVATE_KEY, issuer: JWT_ISSUER, audience: JWT_AUDIENCE, subject: 'fetcher' }),
    );
    for (const [path, init] of [
      ['/items?b=2&a=1', { method: 'GET', headers: { authorization: 'Basic eA==' } }],
      ['/items', { method: 'POST', body: '{"name":"widget"}', headers: { 'content-type': 'application/json' } }],
      ['/empty', { method: 'DELETE' }],
    ] as const) {
      const res = await fetch(base + path, init as RequestInit);
      expect(await res.text(), path).toBe('fetcher');
    }
    expect(seen.at(-1)!.request.headers.filter(([n]) => n.toLowerCase() === 'authorization')).toHaveLength(1);
  });

  it('attaches a ready-made token as it is', async () => {
    tamper = undefined;
    const minted = await createJwtSigner({
      keyId: JWT_KID,
      secret: JWT_PRIVATE_KEY,
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      subject: 'ready',
    }).sign({
      method: 'GET',
      path: '/',
      query: '',
      headers: [],
    });
    const token = minted.headers[0]![1].slice(7);
    const res = await createSignedFetch(createJwtSigner({ keyId: 'unused', secret: token }))(`${base}/x`);
    expect(await res.text()).toBe('ready');
    expect(seen.at(-1)!.request.headers.find(([n]) => n.toLowerCase() === 'authorization')![1]).toBe(`Bearer ${token}`);
  });

  it('a token changed on the way fails verification', async () => {
    const fetch = createSignedFetch(
      createJwtSigner({ keyId: JWT_KID, secret: JWT_PRIVATE_KEY, issuer: JWT_ISSUER, audience: JWT_AUDIENCE }),
    );
    tamper = (r) => ({
      ...r,
      headers: r.headers.map(([n, val]): [string, string] => [
        n,
        n.toLowerCase() === 'authorization' ? val.slice(0, -4) + (val.endsWith('AAAA') ? 'BBBA' : 'AAAA') : val,
      ]),
    });
    const res = await fetch(`${base}/items`);
    expect(res.status).toBeGreaterThanOrEqual(400);
    tamper = undefined;
  });

  it('works with the signer the registry’s descriptor makes (what the CLI uses), a private JWK too', async () => {
    tamper = undefined;
    const options = v.parse(jwtScheme.options, jwtSchemeOptions({ subject: 'descriptor' }));
    const pem = jwtScheme.createSigner(options, { id: JWT_KID, secret: JWT_PRIVATE_KEY });
    expect(await (await createSignedFetch(pem)(`${base}/a`)).text()).toBe('descriptor');
    const { createPrivateKey } = await import('node:crypto');
    const jwk = JSON.stringify(createPrivateKey(JWT_PRIVATE_KEY).export({ format: 'jwk' }));
    const fromJwk = jwtScheme.createSigner(options, { id: JWT_KID, secret: jwk });
    expect(await (await createSignedFetch(fromJwk)(`${base}/b`)).text()).toBe('descriptor');
    const pkcs1 = createPrivateKey(JWT_PRIVATE_KEY).export({ type: 'pkcs1', format: 'pem' }) as string;
    const fromPkcs1 = jwtScheme.createSigner(options, { id: JWT_KID, secret: pkcs1 });
    expect(await (await createSignedFetch(fromPkcs1)(`${base}/c`)).text()).toBe('descriptor');
    await expect(
      jwtScheme.createSigner(options, { id: JWT_KID, secret: 'not a key' }).sign({ method: 'GET', path: '/', query: '', headers: [] }),
    ).rejects.toThrow(/not a private key/);
  });
});
