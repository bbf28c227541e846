// The MAuth-compatible LambdaAuthenticator: the original's outcomes (200 "", 401 with its messages, 500
// when the key store cannot answer or nothing is configured), its environment, a configuration
// document winning over it, getAppUuid(), and no key id or key in any message.
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.ts';
import { createMemoryKeyStore } from '../../keys/memory.ts';
import { KeyStoreError } from '../../keys/types.ts';
import { createMAuthSigner, MAUTH_MESSAGES } from '../../schemes/mauth/index.ts';
import { API_KEY, apiKeyRecords } from '../../../test/fixtures/api-key-app.ts';
import { APP_UUID, mauthConfig, mauthKey, PRIVATE_KEY, PUBLIC_KEY } from '../../../test/fixtures/mauth-app.ts';
import { LambdaAuthenticator as Ported } from './mauth.ts';
import { LambdaAuthenticator, MAuthLambdaAuthenticator, mauthConfigFromEnv } from './index.ts';

const record = {
  id: APP_UUID,
  scheme: 'mauth',
  secrets: [],
  publicKeys: [{ format: 'spki' as const, pem: PUBLIC_KEY }],
  principal: 'app',
  permissions: [],
};
const v2 = createMAuthSigner({ appUuid: APP_UUID, privateKey: PRIVATE_KEY, versions: ['v2'] });
const v1 = createMAuthSigner({ appUuid: APP_UUID, privateKey: PRIVATE_KEY, versions: ['v1'] });
const URL = 'https://api.example.com/prod/items?b=2&a=1';

async function signed(signer = v2, body = '{"n":1}') {
  const s = await signer.sign({
    method: 'POST',
    path: '/prod/items',
    query: 'b=2&a=1',
    headers: [['host', 'api.example.com']],
    body: new TextEncoder().encode(body),
  });
  return Object.fromEntries(s.headers);
}

afterEach(() => MAuthLambdaAuthenticator.configure());

describe('MAuthLambdaAuthenticator', () => {
  it('is the class edge-authorizer/aws-lambda/mauth exports as LambdaAuthenticator; the scheme-neutral one stays', () => {
    expect(Ported).toBe(MAuthLambdaAuthenticator);
    expect(LambdaAuthenticator).not.toBe(MAuthLambdaAuthenticator);
    expect(typeof LambdaAuthenticator.configure).toBe('function');
  });

  it('answers [true, 200, ""] for a signed request with its body, and names the app uuid', async () => {
    MAuthLambdaAuthenticator.configure({ document: mauthConfig() });
    const a = new MAuthLambdaAuthenticator('POST', URL, await signed(), '{"n":1}');
    expect(await a.isAuthentic()).toEqual([true, 200, '']);
    expect(a.getAppUuid()).toBe(APP_UUID);
    expect(await a.getPrincipal()).toEqual({ id: 'mauth-app', permissions: [] });
  });

  it('answers 401 with the original’s messages', async () => {
    MAuthLambdaAuthenticator.configure({ document: mauthConfig() });
    const h = await signed();
    const tampered = new MAuthLambdaAuthenticator('POST', URL, h, '{"n":2}');
    expect(await tampered.isAuthentic()).toEqual([false, 401, MAUTH_MESSAGES.signature]);
    expect(tampered.getAppUuid()).toBe(APP_UUID);
    const none = new MAuthLambdaAuthenticator('GET', URL, {}, null);
    expect(await none.isAuthentic()).toEqual([false, 401, MAUTH_MESSAGES.missing]);
    expect(none.getAppUuid()).toBeUndefined();
    const badToken = new MAuthLambdaAuthenticator('GET', URL, { 'mcc-authentication': 'MWSV3 x:y;', 'mcc-time': '1' }, null);
    expect(await badToken.isAuthentic()).toEqual([false, 401, 'Token verification failed. Expected MWSV2.']);
  });

  it('v2-only (V2_ONLY_AUTHENTICATE or the document) refuses v1 with the original’s message', async () => {
    MAuthLambdaAuthenticator.configure({ env: { V2_ONLY_AUTHENTICATE: 'TRUE' }, keys: createMemoryKeyStore([record]) });
    expect(await new MAuthLambdaAuthenticator('POST', URL, await signed(v1), '{"n":1}').isAuthentic()).toEqual([
      false,
      401,
      MAUTH_MESSAGES.v2Required,
    ]);
    expect(await new MAuthLambdaAuthenticator('GET', URL, {}).isAuthentic()).toEqual([false, 401, MAUTH_MESSAGES.missingV2Only]);
    MAuthLambdaAuthenticator.configure({ env: {}, keys: createMemoryKeyStore([record]) });
    expect(await new MAuthLambdaAuthenticator('POST', URL, await signed(v1), '{"n":1}').isAuthentic()).toEqual([true, 200, '']);
  });

  it('answers 500 when the key store cannot answer (never an accept)', async () => {
    const down = { get: () => Promise.reject(new KeyStoreError('timeout', 'down')) };
    MAuthLambdaAuthenticator.configure({
      env: { MAUTH_URL: 'https://mauth.example.com', APP_UUID: 'me', PRIVATE_KEY: 'k' },
      openKeyStore: () => down as never,
    });
    expect(await new MAuthLambdaAuthenticator('POST', URL, await signed(), '{"n":1}').isAuthentic()).toEqual([
      false,
      500,
      MAUTH_MESSAGES.unavailable,
    ]);
  });

  it('answers 500 naming the variable (never a value) when nothing usable is configured', async () => {
    for (const [env, named] of [
      [{}, 'MAUTH_URL is not set'],
      [{ MAUTH_URL: 'https://mauth.example.com' }, 'APP_UUID is required'],
      [{ MAUTH_URL: 'https://mauth.example.com', APP_UUID: 'a' }, 'PRIVATE_KEY is required'],
      [{ MAUTH_URL: 'https://mauth.example.com', APP_UUID: 'a', PRIVATE_KEY: 'k' }, 'keyStores[0].appUuid: must be an app uuid'],
      [{ MAUTH_MODE: 'hunter2-secret' }, 'MAUTH_MODE must be'],
      [{ MAUTH_SIGN_VERSIONS: 'hunter2-secret' }, 'MAUTH_SIGN_VERSIONS must be'],
      [{ MAUTH_URL: 'hunter2-secret', APP_UUID: 'a', PRIVATE_KEY: 'k' }, 'MAUTH_URL must be'],
      // Plain http to another host: whoever is on the path would choose the public keys.
      [{ MAUTH_URL: 'http://hunter2.example.com', APP_UUID: 'a', PRIVATE_KEY: 'k' }, 'MAUTH_URL must be https'],
    ] as const) {
      MAuthLambdaAuthenticator.configure({ env });
      const [ok, status, message] = await new MAuthLambdaAuthenticator('GET', URL, await signed()).isAuthentic();
      expect([ok, status]).toEqual([false, 500]);
      expect(message).toContain(named);
      expect(message).not.toContain('hunter2');
      expect(message).not.toContain(APP_UUID);
    }
  });

  it('a configuration document wins whole over the environment', async () => {
    // The environment says v2 only and names a key service; the document says neither.
    MAuthLambdaAuthenticator.configure({
      config: loadConfig(mauthConfig()),
      env: { V2_ONLY_AUTHENTICATE: 'true', MAUTH_URL: 'https://mauth.example.com' },
    });
    expect(await new MAuthLambdaAuthenticator('POST', URL, await signed(v1), '{"n":1}').isAuthentic()).toEqual([true, 200, '']);
    // A document without schemes.mauth is a configuration problem.
    MAuthLambdaAuthenticator.configure({ document: { schemes: { sigv4: { region: 'us-east-1', service: 'x' } } } });
    expect((await new MAuthLambdaAuthenticator('GET', URL, {}).isAuthentic()).slice(0, 2)).toEqual([false, 500]);
  });

  it('honours the document’s routes: a permission the app lacks is 403', async () => {
    MAuthLambdaAuthenticator.configure({ document: mauthConfig({ routes: [{ path: '/items', permissions: ['admin'] }] }) });
    const [ok, status] = await new MAuthLambdaAuthenticator('POST', URL, await signed(), '{"n":1}').isAuthentic();
    expect([ok, status]).toEqual([false, 403]);
  });

  it('getAppUuid() names the app whose signature was verified: v1’s after a failed v2 fell back to it', async () => {
    // App B's header is no signature by B; with the unsafe fallback on, A's v1 signature is what passes.
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const B = '22222222-2222-4222-8222-222222222222';
    MAuthLambdaAuthenticator.configure({
      document: mauthConfig({
        schemes: { mauth: { unsafeV1Fallback: true } },
        keys: [
          mauthKey(),
          { id: B, scheme: 'mauth', publicKey: other.publicKey.export({ type: 'spki', format: 'pem' }), principal: 'b', permissions: [] },
        ],
      }),
    });
    const headers = {
      ...(await signed(v1)),
      'mcc-authentication': `MWSV2 ${B}:${'A'.repeat(344)};`,
      'mcc-time': String(Math.floor(Date.now() / 1000)),
    };
    const a = new MAuthLambdaAuthenticator('POST', URL, headers, '{"n":1}');
    expect(a.getAppUuid()).toBe(B); // before the check: what the header names, as the original
    expect(await a.isAuthentic()).toEqual([true, 200, '']);
    expect(a.getAppUuid()).toBe(APP_UUID);
    expect(await a.getPrincipal()).toEqual({ id: 'mauth-app', permissions: [] });
  });

  it('answers no to a request another scheme of the document accepts (the original knows only MAuth)', async () => {
    MAuthLambdaAuthenticator.configure({
      document: { schemes: { mauth: {}, 'api-key': {} }, keys: [mauthKey(), ...apiKeyRecords()] },
    });
    const a = new MAuthLambdaAuthenticator('GET', URL, { 'x-api-key': API_KEY }, null);
    expect(await a.isAuthentic()).toEqual([false, 401, MAUTH_MESSAGES.missing]);
    expect(a.getAppUuid()).toBeUndefined();
    expect(await a.getPrincipal()).toBeUndefined();
    // The same document still accepts MAuth.
    expect(await new MAuthLambdaAuthenticator('POST', URL, await signed(), '{"n":1}').isAuthentic()).toEqual([true, 200, '']);
  });
});

describe('mauthConfigFromEnv', () => {
  it('reads the original’s variables with its defaults (local mode, v1 signing, v2-only off)', () => {
    expect(mauthConfigFromEnv({})).toEqual({
      document: { schemes: { mauth: { v2Only: false, signVersions: ['v1'] } }, routes: [{ path: '*' }], keys: [] },
      keyService: undefined,
    });
    const { document, keyService } = mauthConfigFromEnv({
      MAUTH_URL: 'https://mauth.example.com/',
      APP_UUID: 'svc',
      PRIVATE_KEY: '-----BEGIN RSA PRIVATE KEY-----',
      MAUTH_MODE: 'REMOTE',
      V2_ONLY_AUTHENTICATE: 'true',
      MAUTH_SIGN_VERSIONS: 'v2, v1',
    });
    expect(document['schemes']).toEqual({ mauth: { v2Only: true, signVersions: ['v1,v2'] } });
    expect(keyService).toEqual({
      type: 'mauth-key-service',
      schemes: ['mauth'],
      url: 'https://mauth.example.com',
      mode: 'remote',
      appUuid: 'svc',
      privateKey: { env: 'PRIVATE_KEY' },
    });
    expect(JSON.stringify({ document, keyService })).not.toContain('BEGIN');
    // The document it makes is one loadConfig accepts.
    expect(() => loadConfig(document)).not.toThrow();
  });

  it('takes a URL whose scheme is in capitals, as the configuration does, and http to a loopback host', () => {
    const env = { APP_UUID: 'svc', PRIVATE_KEY: 'k' };
    expect(mauthConfigFromEnv({ ...env, MAUTH_URL: 'HTTPS://mauth.example.com' }).keyService?.url).toBe('HTTPS://mauth.example.com');
    expect(mauthConfigFromEnv({ ...env, MAUTH_URL: 'http://127.0.0.1:7000' }).keyService?.url).toBe('http://127.0.0.1:7000');
    expect(() => mauthConfigFromEnv({ ...env, MAUTH_URL: 'HTTP://mauth.example.com' })).toThrow(/MAUTH_URL must be https/);
  });
});
