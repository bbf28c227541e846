// The built Worker under workerd (Miniflare, 127.0.0.1) with a mauth-key-service store: the Worker's
// own fetch, AbortController and Web Crypto signing (v1 through the BigInt fallback) reach the stand-in
// service, which verifies every request the Worker sends with our verifier.
import { generateKeyPairSync } from 'node:crypto';
import type { Miniflare } from 'miniflare';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SignedRequest } from '../../lib/core/request.ts';
import { createMAuthSigner } from '../../lib/schemes/mauth/signer.ts';
import { startMAuthService, type MAuthService } from '../helpers/mauth-service.ts';
import { bundleWorker, sendRaw, startWorker } from '../helpers/workerd.ts';

const keyPair = () =>
  generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
const OUR_UUID = 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f';
const A_UUID = 'd4c3b2a1-0f9e-4d8c-8b7a-6f5e4d3c2b1a';
const ours = keyPair();
const appA = keyPair();

let svc: MAuthService;
let script: string;
const workers: Miniflare[] = [];

beforeAll(async () => {
  svc = await startMAuthService({ appUuid: OUR_UUID, publicKeyPem: ours.publicKey });
  svc.addApp(A_UUID, appA.publicKey);
  script = await bundleWorker('functions/worker.ts');
}, 60_000);
afterAll(async () => {
  for (const mf of workers) await mf.dispose();
  await svc?.close();
});
afterEach(() => {
  expect(svc.calls.filter((c) => !c.signatureOk)).toEqual([]);
  svc.calls.length = 0;
  svc.fault = { kind: 'none' };
});

async function worker(mode: 'local' | 'remote', signVersions: string): Promise<Miniflare> {
  const config = {
    schemes: { mauth: {} },
    keyStores: [
      {
        type: 'mauth-key-service',
        schemes: ['mauth'],
        url: svc.url,
        mode,
        appUuid: OUR_UUID,
        privateKey: { binding: 'MAUTH_PRIVATE_KEY' },
        signVersions,
        maxAttempts: 2,
      },
    ],
  };
  const mf = await startWorker(script, { AUTH_CONFIG: JSON.stringify(config), MAUTH_PRIVATE_KEY: ours.privateKey });
  workers.push(mf);
  return mf;
}

async function call(mf: Miniflare, tamper = false) {
  const base = await mf.ready;
  const req: SignedRequest = {
    method: 'POST',
    path: '/orders',
    query: 'x=1',
    headers: [['host', base.host]],
    body: new TextEncoder().encode('{"n":1}'),
  };
  const signed = await createMAuthSigner({ appUuid: A_UUID, privateKey: appA.privateKey }).sign(req);
  return sendRaw(base, tamper ? { ...signed, query: 'x=2' } : signed);
}

describe('the Worker under workerd with a MAuth key service', () => {
  it.each([
    ['local', 'v2'],
    ['local', 'v1,v2'],
    ['remote', 'v2'],
    ['remote', 'v1'],
  ] as const)('%s mode, our requests signed %s: app A is 200, a tampered request 401', async (mode, versions) => {
    const mf = await worker(mode, versions);
    const ok = await call(mf);
    expect(ok.status, ok.body).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ principal: A_UUID, permissions: [] });
    expect((await call(mf, true)).status).toBe(401);
    expect(svc.calls.length).toBe(mode === 'local' ? 1 : 2);
    expect(svc.calls.every((c) => c.signedWith.join(',') === versions)).toBe(true);
  });

  it('a failing service is 503 after the retries, never an accept', async () => {
    const mf = await worker('local', 'v2');
    svc.fault = { kind: 'status', status: 500 };
    const res = await call(mf);
    expect(res.status).toBe(503);
    expect(res.body).not.toContain(A_UUID);
    expect(svc.tokenCalls()).toBe(2);
  });
});
