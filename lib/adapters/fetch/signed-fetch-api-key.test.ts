// The signing fetch with an API-key signer, over real HTTP on loopback: the server reads the request off
// the wire and verifies it with the API-key verifier (GET and POST with a body; a header already set by
// the caller is replaced, not repeated); a wrong key fails there; the signer made through the registry's
// descriptor from a configuration's key id and the key itself works the same. A redirect is never
// followed: the key would go to wherever it points (fetch drops only Authorization across origins).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedRequest } from '../../core/request.ts';
import { splitUrl } from '../../core/request.ts';
import type { AuthResult } from '../../core/result.ts';
import { createMemoryKeyStore } from '../../keys/memory.ts';
import { apiKeyScheme, createApiKeySigner, createApiKeyVerifier } from '../../schemes/api-key/index.ts';
import { API_KEY, hashOf, KEY_ID, UNKNOWN_KEY } from '../../../test/fixtures/api-key-app.ts';
import { createSignedFetch } from './index.ts';

const verifier = createApiKeyVerifier({
  keys: createMemoryKeyStore([{ id: KEY_ID, scheme: 'api-key', secrets: [hashOf(API_KEY)], principal: 'fetcher', permissions: [] }]),
});

let server: Server;
let base = '';
const seen: Array<{ request: SignedRequest; result: AuthResult; body: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { path, query } = splitUrl(req.url!);
      const headers: Array<[string, string]> = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
      const request: SignedRequest = { method: req.method!, path, query, headers, body: new Uint8Array(Buffer.concat(chunks)) };
      void verifier.verify(request).then((result) => {
        seen.push({ request, result, body: Buffer.concat(chunks).toString() });
        res.writeHead(result.ok ? 200 : result.error.status).end(result.ok ? 'ok' : result.error.code);
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});

describe('createSignedFetch with an API-key signer', () => {
  const signedFetch = createSignedFetch(createApiKeySigner({ key: API_KEY }));

  it('sends the key in X-Api-Key, once, on GET and on POST with a body', async () => {
    expect((await signedFetch(`${base}/items/1?a=b`)).status).toBe(200);
    const res = await signedFetch(`${base}/items`, {
      method: 'POST',
      body: '{"n":1}',
      headers: { 'content-type': 'application/json', 'x-api-key': 'stale' },
    });
    expect(res.status).toBe(200);
    const last = seen.at(-1)!;
    expect(last.body).toBe('{"n":1}');
    const sent = last.request.headers.filter(([n]) => n.toLowerCase() === 'x-api-key').map(([, value]) => value);
    expect(sent).toEqual([API_KEY]);
    expect(last.result).toMatchObject({ ok: true, keyId: KEY_ID, principal: { id: 'fetcher' } });
  });

  it('a wrong key is refused by the server (401)', async () => {
    const res = await createSignedFetch(createApiKeySigner({ key: UNKNOWN_KEY }))(`${base}/items/1`);
    expect(res.status).toBe(401);
    expect(await res.text()).toBe('ERR_KEY_NOT_FOUND');
  });

  it("the registry's descriptor makes the same signer from a key id and the key (with its file's newline)", async () => {
    const options = v.parse(apiKeyScheme.options, {});
    const signer = apiKeyScheme.createSigner(options, { id: KEY_ID, secret: `${API_KEY}\n` });
    expect((await createSignedFetch(signer)(`${base}/items/2`)).status).toBe(200);
    expect(() => apiKeyScheme.createSigner(options, { id: KEY_ID, secret: hashOf(API_KEY) })).toThrow(/hash a key record holds/);
    expect(() => apiKeyScheme.createSigner(options, { id: KEY_ID, secret: API_KEY }, { variant: 'v2' })).toThrow(TypeError);
  });
});

describe('createSignedFetch and redirects', () => {
  it('never follows one: the 3xx is the answer, and the other origin receives nothing', async () => {
    const received: string[] = [];
    const elsewhere = createServer((req, res) => {
      received.push(JSON.stringify(req.headers));
      res.end('ok');
    });
    await new Promise<void>((r) => elsewhere.listen(0, '127.0.0.1', r));
    const target = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/collect`;
    const redirecting = createServer((_req, res) => res.writeHead(302, { location: target }).end());
    await new Promise<void>((r) => redirecting.listen(0, '127.0.0.1', r));
    const from = `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}/items/1`;
    try {
      const signedFetch = createSignedFetch(createApiKeySigner({ key: API_KEY }));
      // fetch's default, an explicit "follow", and a Request (whose mode is "follow" unless set) alike.
      for (const res of [await signedFetch(from), await signedFetch(from, { redirect: 'follow' }), await signedFetch(new Request(from))]) {
        expect(res.status).toBe(302);
        expect(res.headers.get('location')).toBe(target);
      }
      await expect(signedFetch(from, { redirect: 'error' })).rejects.toThrow(TypeError);
      expect(received).toEqual([]);
    } finally {
      await new Promise((r) => redirecting.close(r));
      await new Promise((r) => elsewhere.close(r));
    }
  });
});
