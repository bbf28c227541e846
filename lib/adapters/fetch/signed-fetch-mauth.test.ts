// The signing fetch with a MAuth signer, over real HTTP on loopback: the server reads the request off the
// wire and verifies it with the MAuth verifier (v1, v2 and both; bodies, tricky paths and queries); a
// tampered request fails there; the signer made through the registry's descriptor works the same.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedRequest } from '../../core/request.ts';
import { splitUrl } from '../../core/request.ts';
import type { AuthResult } from '../../core/result.ts';
import { createMemoryKeyStore } from '../../keys/memory.ts';
import { createMAuthSigner, createMAuthVerifier, mauthScheme } from '../../schemes/mauth/index.ts';
import { APP_UUID, PRIVATE_KEY, PUBLIC_KEY } from '../../../test/fixtures/mauth-app.ts';
import { createSignedFetch, mauthSigner } from './index.ts';

const verifier = createMAuthVerifier({
  keys: createMemoryKeyStore([
    {
      id: APP_UUID,
      scheme: 'mauth',
      secrets: [],
      publicKeys: [{ format: 'spki', pem: PUBLIC_KEY }],
      principal: 'fetcher',
      permissions: [],
    },
  ]),
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
        res.writeHead(result.ok ? 200 : result.error.status).end(result.ok ? 'ok' : result.error.code);
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

describe('createSignedFetch with a MAuth signer', () => {
  it.each([['v1'], ['v2'], ['v1,v2']] as const)('signs %s requests the server verifies, bodies and queries included', async (versions) => {
    tamper = undefined;
    const fetch = createSignedFetch(mauthSigner(APP_UUID, PRIVATE_KEY, versions));
    for (const [path, init] of [
      ['/items?b=2&a=1&c=%2F&d=a+b', { method: 'GET' }],
      ['/items/%7Euser/./x/../y', { method: 'POST', body: '{"name":"widget"}', headers: { 'content-type': 'application/json' } }],
      ['/upload', { method: 'PUT', body: new Uint8Array([0, 1, 2, 255]) }],
      ['/empty', { method: 'DELETE' }],
    ] as const) {
      const res = await fetch(base + path, init as RequestInit);
      expect(await res.text(), `${versions} ${path}`).toBe('ok');
    }
    const names = seen.at(-1)!.request.headers.map(([n]) => n.toLowerCase());
    expect(names.includes('mcc-authentication')).toBe(versions !== 'v1');
    expect(names.includes('x-mws-authentication')).toBe(versions !== 'v2');
  });

  it('a request changed on the way fails verification', async () => {
    const fetch = createSignedFetch(createMAuthSigner({ appUuid: APP_UUID, privateKey: PRIVATE_KEY }));
    tamper = (r) => ({ ...r, body: new TextEncoder().encode('{"name":"gadget"}') });
    const res = await fetch(`${base}/items`, { method: 'POST', body: '{"name":"widget"}' });
    expect(res.status).toBe(401);
    expect(await res.text()).toBe('ERR_SIGNATURE_INVALID');
    tamper = undefined;
  });

  it('works with the signer the registry’s descriptor makes (what the CLI uses)', async () => {
    const options = v.parse(mauthScheme.options, { signVersions: ['v2', 'v1,v2'] });
    const signer = mauthScheme.createSigner(options, { id: APP_UUID, secret: PRIVATE_KEY }, { variant: 'v1,v2' });
    const res = await createSignedFetch(signer)(`${base}/items?x=1`, { method: 'PATCH', body: 'patch' });
    expect(await res.text()).toBe('ok');
  });
});
