// The MAuth-compatible LambdaAuthenticator configured only by the original's variables, with MAUTH_URL
// naming a key service (the stand-in on 127.0.0.1, which checks our own requests' signatures): local
// mode fetches the caller's public key, remote mode posts the ticket; both without any opener passed.
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MAuthLambdaAuthenticator } from '../../lib/adapters/aws-lambda/index.ts';
import { createMAuthSigner, MAUTH_MESSAGES } from '../../lib/schemes/mauth/index.ts';
import { startMAuthService, type MAuthService } from '../helpers/mauth-service.ts';

const OUR_UUID = '0c0ffee0-1111-4222-8333-444455556666';
const CALLER_UUID = '0ca11e40-aaaa-4bbb-8ccc-dddddddddddd';
const pair = () => {
  const p = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey: p.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string,
    publicKey: p.publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
};
const ours = pair();
const caller = pair();
let svc: MAuthService;

beforeAll(async () => {
  svc = await startMAuthService({ appUuid: OUR_UUID, publicKeyPem: ours.publicKey });
  svc.addApp(CALLER_UUID, caller.publicKey);
});
afterAll(() => svc.close());
afterEach(() => MAuthLambdaAuthenticator.configure());

const URL = 'https://api.example.com/items?b=2&a=1';
async function headers(body: string) {
  const s = await createMAuthSigner({ appUuid: CALLER_UUID, privateKey: caller.privateKey, versions: ['v2'] }).sign({
    method: 'POST',
    path: '/items',
    query: 'b=2&a=1',
    headers: [['host', 'api.example.com']],
    body: new TextEncoder().encode(body),
  });
  return Object.fromEntries(s.headers);
}

describe.each(['local', 'remote'])('MAUTH_MODE=%s', (mode) => {
  it('authenticates a caller the key service knows, refuses a tampered body, and answers 500 when the service fails', async () => {
    MAuthLambdaAuthenticator.configure({
      env: { APP_UUID: OUR_UUID, PRIVATE_KEY: ours.privateKey, MAUTH_URL: svc.url, MAUTH_MODE: mode, MAUTH_SIGN_VERSIONS: 'v2' },
    });
    const before = svc.calls.length;
    const h = await headers('{"n":1}');
    expect(await new MAuthLambdaAuthenticator('POST', URL, h, '{"n":1}').isAuthentic()).toEqual([true, 200, '']);
    expect(svc.calls.length).toBeGreaterThan(before);
    const [ok, status] = await new MAuthLambdaAuthenticator('POST', URL, h, '{"n":2}').isAuthentic();
    expect([ok, status]).toEqual([false, 401]);
    svc.fault = { kind: 'status', status: 500 };
    try {
      const fresh = await headers('{"n":3}');
      // Local mode holds the caller's key in its cache; a new authenticator has none.
      MAuthLambdaAuthenticator.configure({
        env: { APP_UUID: OUR_UUID, PRIVATE_KEY: ours.privateKey, MAUTH_URL: svc.url, MAUTH_MODE: mode, MAUTH_SIGN_VERSIONS: 'v2' },
      });
      const [ok3, status3, message] = await new MAuthLambdaAuthenticator('POST', URL, fresh, '{"n":3}').isAuthentic();
      expect([ok3, status3]).toEqual([false, 500]);
      expect(message).not.toContain(CALLER_UUID);
      expect(message).not.toBe(MAUTH_MESSAGES.signature);
    } finally {
      svc.fault = { kind: 'none' };
    }
  }, 30_000);
});

describe('a configuration document naming the key service in keyStores[]', () => {
  it('opens it as a Lambda does, with no opener passed: our private key read from `env`, the caller authenticated', async () => {
    const document = {
      schemes: { mauth: { signVersions: ['v2'] } },
      routes: [{ path: '*' }],
      keyStores: [{ type: 'mauth-key-service', schemes: ['mauth'], url: svc.url, appUuid: OUR_UUID, privateKey: { env: 'OUR_KEY' } }],
    };
    MAuthLambdaAuthenticator.configure({ document, env: { OUR_KEY: ours.privateKey } });
    const before = svc.calls.length;
    const h = await headers('{"n":4}');
    expect(await new MAuthLambdaAuthenticator('POST', URL, h, '{"n":4}').isAuthentic()).toEqual([true, 200, '']);
    expect(svc.calls.length).toBeGreaterThan(before);
    // Without our private key the service cannot be asked: 500, never an accept.
    MAuthLambdaAuthenticator.configure({ document, env: {} });
    const [ok, status] = await new MAuthLambdaAuthenticator('POST', URL, await headers('{"n":5}'), '{"n":5}').isAuthentic();
    expect([ok, status]).toEqual([false, 500]);
  }, 30_000);
});
