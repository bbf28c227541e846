// The signing fetch with a USTUDIO-HMAC-V2 signer, over real HTTP on loopback: the server reads the
// request off the wire and verifies it (bodies, escaped paths, odd queries; with and without the
// freshness extension); a tampered request fails there; the signer the registry's descriptor makes
// works the same.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedRequest } from '../../core/request.ts';
import { splitUrl } from '../../core/request.ts';
import type { AuthResult } from '../../core/result.ts';
import type { Verifier } from '../../core/verifier.ts';
import { createMemoryKeyStore } from '../../keys/memory.ts';
import { createUStudioSigner, createUStudioVerifier, ustudioScheme } from '../../schemes/ustudio-hmac/index.ts';
import { USTUDIO_KEY_ID, USTUDIO_SECRET } from '../../../test/fixtures/ustudio-app.ts';
import { createSignedFetch } from './index.ts';

const keys = createMemoryKeyStore([
  { id: USTUDIO_KEY_ID, scheme: 'ustudio-hmac', secrets: [USTUDIO_SECRET], principal: 'fetcher', permissions: [] },
]);
const plain = createUStudioVerifier({ keys });
const fresh = createUStudioVerifier({ keys, freshness: {} });

let server: Server;
let base = '';
let verifier: Verifier = plain;
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

const calls = [
  ['/items?b=2&a=1&c=%2F&d=a+b&blank', { method: 'GET' }],
  ['/items/%7Euser/a%20b', { method: 'POST', body: '{"name":"widget"}', headers: { 'content-type': 'application/json' } }],
  ['/upload?k=%zz&k=%C3', { method: 'PUT', body: new Uint8Array([0, 1, 2, 255]) }],
  ['/empty', { method: 'DELETE' }],
] as const;

describe('createSignedFetch with a USTUDIO-HMAC-V2 signer', () => {
  it('signs requests the server verifies, bodies and queries included', async () => {
    tamper = undefined;
    verifier = plain;
    const fetch = createSignedFetch(createUStudioSigner({ keyId: USTUDIO_KEY_ID, secret: USTUDIO_SECRET }));
    for (const [path, init] of calls) {
      const res = await fetch(base + path, init as RequestInit);
      expect(await res.text(), path).toBe('ok');
    }
    expect(seen.at(-1)!.request.headers.some(([n, val]) => n.toLowerCase() === 'authorization' && val.startsWith('USTUDIO-HMAC-V2 '))).toBe(
      true,
    );
  });

  it('with the freshness extension: stamped requests verify once each', async () => {
    tamper = undefined;
    verifier = fresh;
    const fetch = createSignedFetch(createUStudioSigner({ keyId: USTUDIO_KEY_ID, secret: USTUDIO_SECRET, freshness: true }));
    for (const [path, init] of calls) {
      const res = await fetch(base + path, init as RequestInit);
      expect(await res.text(), path).toBe('ok');
    }
    // The same request again (same signature): a replay.
    const last = seen.at(-1)!.request;
    tamper = () => last;
    expect(await (await fetch(`${base}/empty`, { method: 'DELETE' })).text()).toBe('ERR_REQUEST_EXPIRED');
    tamper = undefined;
    verifier = plain;
  });

  it('a request changed on the way fails verification', async () => {
    const fetch = createSignedFetch(createUStudioSigner({ keyId: USTUDIO_KEY_ID, secret: USTUDIO_SECRET }));
    tamper = (r) => ({ ...r, body: new TextEncoder().encode('{"name":"gadget"}') });
    const res = await fetch(`${base}/items`, { method: 'POST', body: '{"name":"widget"}' });
    expect(res.status).toBe(401);
    expect(await res.text()).toBe('ERR_SIGNATURE_INVALID');
    tamper = undefined;
  });

  it('works with the signer the registry’s descriptor makes (what the CLI uses)', async () => {
    const options = v.parse(ustudioScheme.options, {});
    const signer = ustudioScheme.createSigner(options, { id: USTUDIO_KEY_ID, secret: USTUDIO_SECRET });
    const res = await createSignedFetch(signer)(`${base}/items?x=1`, { method: 'PATCH', body: 'patch' });
    expect(await res.text()).toBe('ok');
  });
});
