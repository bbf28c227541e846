import { createSign, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAuthenticator, publicError } from './authenticator.ts';
import { authError } from './core/errors.ts';
import type { SignedRequest } from './core/request.ts';
import { loadConfig } from './config/load.ts';
import { createSigV4Signer } from './schemes/sigv4/signer.ts';
import { createUStudioSigner } from './schemes/ustudio-hmac/signer.ts';
import { createMAuthSigner } from './schemes/mauth/signer.ts';
import { createMemoryKeyStore } from './keys/memory.ts';

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const config = loadConfig({
  schemes: { sigv4: { region: 'us-east-1', service: 'execute-api' } },
  routes: [
    { path: '/health', methods: ['GET'], public: true },
    { path: '/public/*', public: true },
    { path: '/admin/*', permissions: ['admin'] },
    { path: '*' },
  ],
  limits: { maxBodyBytes: 16, maxHeaderBytes: 512, maxHeaderCount: 6, maxUrlBytes: 64 },
  keys: [{ id: 'AKIDA', secret: 'authenticator-1', principal: 'alice', permissions: ['x'] }],
});
const auth = createAuthenticator(config, { clock: () => NOW });
const signer = createSigV4Signer({
  keyId: 'AKIDA',
  secret: 'authenticator-1',
  region: 'us-east-1',
  service: 'execute-api',
  clock: () => NOW,
});
const req = (over: Partial<SignedRequest> = {}): SignedRequest => ({
  method: 'GET',
  path: '/x',
  query: '',
  headers: [['host', 'h']],
  body: new Uint8Array(),
  ...over,
});

describe('routing', () => {
  it.each([
    ['GET', '/health', true],
    ['POST', '/health', false],
    ['GET', '/public/a/b', true],
    ['GET', '/public/secret', true],
    ['GET', '/private', false],
  ])('%s %s public: %s', (method, path, isPublic) => {
    expect(auth.decide(method, path)).toMatchObject({ ok: true, public: isPublic });
  });
  it('guards a path no rule matches', () => {
    const bare = createAuthenticator(loadConfig({ ...config, routes: [{ path: '/open', public: true }] }));
    expect(bare.decide('GET', '/elsewhere')).toEqual({
      ok: true,
      public: false,
      permissions: [],
      verifyInFunction: false,
      path: '/elsewhere',
    });
  });
  it('refuses a path longer than the URL limit before reading it', () => {
    expect(auth.decide('GET', '/' + 'a'.repeat(64))).toMatchObject({ ok: false, error: { code: 'ERR_AUTH_MALFORMED' } });
  });
});

describe('authenticate', () => {
  it('accepts a signed request and names the principal', async () => {
    expect(await auth.authenticate(await signer.sign(req()))).toMatchObject({
      ok: true,
      scheme: 'sigv4',
      keyId: 'AKIDA',
      principal: { id: 'alice', permissions: ['x'] },
    });
  });
  it.each([
    ['no credentials', req(), 'ERR_AUTH_MISSING', 401],
    [
      'another scheme',
      req({
        headers: [
          ['host', 'h'],
          ['authorization', 'Bearer abc'],
        ],
      }),
      'ERR_AUTH_UNSUPPORTED',
      401,
    ],
    [
      'too many headers',
      req({ headers: Array.from({ length: 7 }, (_, i) => [`x-${i}`, 'v'] as [string, string]) }),
      'ERR_AUTH_MALFORMED',
      400,
    ],
    ['oversized headers', req({ headers: [['x-big', 'v'.repeat(600)]] }), 'ERR_AUTH_MALFORMED', 400],
    ['a long URL', req({ query: 'q=' + 'a'.repeat(80) }), 'ERR_AUTH_MALFORMED', 400],
    ['a big body', req({ method: 'POST', body: new Uint8Array(17) }), 'ERR_BODY_TOO_LARGE', 413],
  ])('%s -> %s', async (_label, r, code, status) => {
    expect(await auth.authenticate(r)).toMatchObject({ ok: false, error: { code, status } });
  });
  it('turns a failing key store into ERR_KEYSTORE_UNAVAILABLE', async () => {
    const down = createAuthenticator(config, { clock: () => NOW, keys: { get: () => Promise.reject(new Error('timeout')) } });
    expect(await down.authenticate(await signer.sign(req()))).toMatchObject({
      ok: false,
      error: { code: 'ERR_KEYSTORE_UNAVAILABLE', status: 503 },
    });
  });
});

describe('authorize', () => {
  it('answers ERR_FORBIDDEN (403) when the principal lacks a permission the route requires', () => {
    expect(auth.authorize({ id: 'alice', permissions: ['x'] }, auth.decide('GET', '/admin/users'))).toMatchObject({
      code: 'ERR_FORBIDDEN',
      status: 403,
    });
    expect(auth.authorize({ id: 'root', permissions: ['x', 'admin'] }, auth.decide('GET', '/admin/users'))).toBeUndefined();
    expect(auth.authorize({ id: 'alice', permissions: [] }, auth.decide('GET', '/private'))).toBeUndefined();
  });
  it('answers a refused path with its own error, whoever asks', () => {
    expect(auth.authorize({ id: 'root', permissions: ['x', 'admin'] }, auth.decide('GET', '/a%00b'))).toMatchObject({
      code: 'ERR_PATH_REJECTED',
      status: 400,
    });
  });
  it('is told which schemes may have answers cached across routes', () => {
    expect(auth.cacheableAcrossRoutes('sigv4')).toBe(false);
    expect(auth.cacheableAcrossRoutes('nope')).toBe(false);
  });
});

describe('publicError', () => {
  it('shows an unknown key exactly as a bad signature', () => {
    expect(publicError(authError('ERR_KEY_NOT_FOUND', 'signature does not match'))).toEqual(
      authError('ERR_SIGNATURE_INVALID', 'signature does not match'),
    );
    expect(publicError(authError('ERR_REQUEST_EXPIRED', 'old'))).toEqual(authError('ERR_REQUEST_EXPIRED', 'old'));
  });
});

describe('credentialsIn (what to strip on a public route)', () => {
  it('strips Authorization when a configured scheme speaks it, in any comma-joined part', () => {
    const sigv4 =
      'AWS4-HMAC-SHA256 Credential=AKIDA/20261124/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=' + '0'.repeat(64);
    expect(auth.credentialsIn(req({ headers: [['authorization', sigv4]] })).headers).toContain('authorization');
    expect(auth.credentialsIn(req({ headers: [['authorization', `Bearer abc, ${sigv4}`]] })).headers).toContain('authorization');
    expect(auth.credentialsIn(req({ headers: [['authorization', 'Bearer abc']] })).headers).not.toContain('authorization');
    expect(auth.credentialsIn(req({ headers: [['authorization', 'Bearer abc']] })).headers).toContain('x-amz-security-token');
  });
});

describe('credentials of two schemes, one of them a SigV4 presigned URL', () => {
  const two = loadConfig({
    schemes: { sigv4: { region: 'us-east-1', service: 'execute-api' }, 'ustudio-hmac': {} },
    keys: [
      { id: 'AKIDA', scheme: 'sigv4', secret: 'authenticator-1', principal: 'victim', permissions: ['admin'] },
      { id: 'mallory', scheme: 'ustudio-hmac', secret: 'ustudio-secret-two-schemes-0001', principal: 'mallory', permissions: [] },
    ],
  });
  const a = createAuthenticator(two, { clock: () => NOW });
  const mallory = createUStudioSigner({ keyId: 'mallory', secret: 'ustudio-secret-two-schemes-0001', clock: () => NOW });

  it("refuses another scheme's Authorization header beside a presigned URL, rather than judge the header alone", async () => {
    const presigned = await signer.presign({ method: 'GET', path: '/x', query: '', headers: [['host', 'h']], body: new Uint8Array() });
    const both = await mallory.sign(presigned);
    expect(a.select(both)).toMatchObject({ ok: false, error: { code: 'ERR_AUTH_MALFORMED' } });
    expect(await a.authenticate(both)).toMatchObject({ ok: false, error: { code: 'ERR_AUTH_MALFORMED' } });
    // Each alone is judged as before.
    expect(await a.authenticate(presigned)).toMatchObject({ ok: true, scheme: 'sigv4' });
    expect(await a.authenticate(await mallory.sign(req({ headers: [['host', 'h']] })))).toMatchObject({ ok: true, scheme: 'ustudio-hmac' });
  });

  it('counts presigned-URL parameters in any spelling an origin decodes (escaped names, any case)', async () => {
    const presigned = await signer.presign({ method: 'GET', path: '/x', query: '', headers: [['host', 'h']], body: new Uint8Array() });
    for (const spell of [
      (q: string) => q.replace('X-Amz-Algorithm', 'X-Amz-%41lgorithm').replace('X-Amz-Signature', 'X-Amz-Signatur%65'),
      (q: string) => q.toLowerCase(),
    ]) {
      const both = await mallory.sign({ ...presigned, query: spell(presigned.query) });
      expect(a.select(both), both.query.slice(0, 40)).toMatchObject({ ok: false, error: { code: 'ERR_AUTH_MALFORMED' } });
      expect(await a.authenticate(both)).toMatchObject({ ok: false, error: { code: 'ERR_AUTH_MALFORMED' } });
    }
    // A query that only mentions them in a value is no claim.
    const plain = await mallory.sign(req({ query: 'next=X-Amz-Signature%3Dabc', headers: [['host', 'h']] }));
    expect(await a.authenticate(plain)).toMatchObject({ ok: true, scheme: 'ustudio-hmac' });
  });

  it('with SigV4 alone configured, another Authorization header beside a presigned URL is malformed too', async () => {
    const presigned = await signer.presign({ method: 'GET', path: '/x', query: '', headers: [['host', 'h']], body: new Uint8Array() });
    const bearer = { ...presigned, headers: [...presigned.headers, ['authorization', 'Bearer abc'] as const] };
    const alone = createAuthenticator(loadConfig({ schemes: { sigv4: two.schemes.sigv4 }, keys: [{ ...two.keys[0]! }] }), {
      clock: () => NOW,
    });
    expect(await alone.authenticate(presigned)).toMatchObject({ ok: true, scheme: 'sigv4' });
    expect(await alone.authenticate(bearer)).toMatchObject({
      ok: false,
      error: { code: 'ERR_AUTH_MALFORMED', message: 'request carries another Authorization header beside a presigned URL' },
    });
  });
});

describe('key stores per scheme', () => {
  const withStore = loadConfig({
    schemes: { sigv4: { region: 'us-east-1', service: 'execute-api' } },
    keyStores: [{ type: 'workers-kv', schemes: ['sigv4'], binding: 'KEYS' }],
  });

  it('looks keys up in the store the configuration names for the scheme', async () => {
    const opened: unknown[] = [];
    const store = {
      get: async (id: string) =>
        id === 'AKIDA' ? { id, secrets: ['authenticator-1'], principal: 'from-store', permissions: [] } : undefined,
    };
    const a = createAuthenticator(withStore, { clock: () => NOW, openKeyStore: (spec, i) => (opened.push([spec.type, i]), store) });
    expect(opened).toEqual([['workers-kv', 0]]);
    expect(a.keyStores).toEqual([store]);
    const signed = await signer.sign({ method: 'GET', path: '/x', query: '', headers: [['host', 'h']], body: new Uint8Array() });
    const r = await a.authenticate(signed);
    expect(r.ok && r.principal.id).toBe('from-store');
  });

  it('refuses a configuration with keyStores when the platform opens none', () => {
    expect(() => createAuthenticator(withStore)).toThrow('keyStores[0]: a "workers-kv" key store cannot be opened here');
  });

  it("deps.keys serving several schemes: a record that names no scheme is the store's fault, never a key of another scheme", async () => {
    // A MAuth app's record (public key, no scheme) must not verify a JWT the app signs with its MAuth key for any subject.
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const app = '5ff4257e-9c16-11e0-b048-0026bbfffe5e';
    const record = {
      id: app,
      secrets: [],
      publicKeys: [{ format: 'spki' as const, pem: publicKey.export({ type: 'spki', format: 'pem' }) as string }],
      principal: 'app-low',
      permissions: ['reports:read'],
    };
    const both = loadConfig({
      schemes: { mauth: {}, jwt: { issuers: [{ issuer: 'https://idp.example', audience: 'api', algorithms: ['RS256'], keyStore: true }] } },
    });
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const exp = Math.floor(NOW / 1000) + 300;
    const input = `${b64({ alg: 'RS256', kid: app })}.${b64({ iss: 'https://idp.example', aud: 'api', sub: 'admin', scope: 'admin', exp })}`;
    const token = `${input}.${createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url')}`;
    const bearer = req({ headers: [['authorization', `Bearer ${token}`]] });
    const a = createAuthenticator(both, { clock: () => NOW, keys: createMemoryKeyStore([record]) });
    expect(await a.authenticate(bearer)).toMatchObject({ ok: false, error: { code: 'ERR_KEYSTORE_UNAVAILABLE' } });
    // Named for its scheme, the record is MAuth's only: the JWT finds no key.
    const named = createAuthenticator(both, { clock: () => NOW, keys: createMemoryKeyStore([{ ...record, scheme: 'mauth' }]) });
    expect(await named.authenticate(bearer)).toMatchObject({ ok: false });
    // With one scheme configured, a record needs no scheme (it can only be that scheme's).
    const one = loadConfig({ schemes: { jwt: both.schemes.jwt } });
    const single = createAuthenticator(one, { clock: () => NOW, keys: createMemoryKeyStore([{ ...record, principal: 'issuer-key' }]) });
    expect(await single.authenticate(bearer)).toMatchObject({ ok: true, scheme: 'jwt', principal: { id: 'admin' } });
  });

  it('deps.keys serving several schemes keeps what else the store offers: a MAuth remote store still checks tickets', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const app = '5ff4257e-9c16-11e0-b048-0026bbfffe5e';
    const mauth = createMAuthSigner({
      appUuid: app,
      privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      versions: ['v2'],
    });
    let tickets = 0;
    // Remote mode: no records; the key service checks each request's ticket.
    const remote = { get: async () => undefined, checkAuthenticationTicket: async () => (tickets++, true) };
    const signed = await mauth.sign({ method: 'GET', path: '/items', query: '', headers: [['host', 'h']], body: new Uint8Array() });
    for (const schemes of [{ mauth: {} }, { mauth: {}, 'ustudio-hmac': {} }]) {
      const a = createAuthenticator(loadConfig({ schemes }), { keys: remote });
      expect(await a.authenticate(signed), Object.keys(schemes).join('+')).toMatchObject({ ok: true, principal: { id: app } });
    }
    expect(tickets).toBe(2);
    // A frozen store too.
    const frozen = createAuthenticator(loadConfig({ schemes: { mauth: {}, 'ustudio-hmac': {} } }), { keys: Object.freeze({ ...remote }) });
    expect(await frozen.authenticate(signed)).toMatchObject({ ok: true });
  });

  it('a store that fails answers ERR_KEYSTORE_UNAVAILABLE, never an accept', async () => {
    const a = createAuthenticator(withStore, { clock: () => NOW, openKeyStore: () => ({ get: () => Promise.reject(new Error('down')) }) });
    const signed = await signer.sign({ method: 'GET', path: '/x', query: '', headers: [['host', 'h']], body: new Uint8Array() });
    expect(await a.authenticate(signed)).toMatchObject({ ok: false, error: { code: 'ERR_KEYSTORE_UNAVAILABLE', status: 503 } });
  });
});

describe('hydrate()', () => {
  const configWith = (hydrate: unknown) =>
    loadConfig({
      schemes: { sigv4: { region: 'us-east-1', service: 'execute-api' } },
      keyStores: [{ type: 'workers-kv', schemes: ['sigv4'], binding: 'KEYS', ...(hydrate === undefined ? {} : { hydrate }) }],
    });

  it.each([
    [undefined, []],
    [false, []],
    [true, [undefined]],
    [['AKIDA', 'AKIDB'], [['AKIDA', 'AKIDB']]],
  ])('hydrate %j loads %j', async (hydrate, expected) => {
    const asked: unknown[] = [];
    const store = {
      get: async () => undefined,
      hydrate: async (ids?: Iterable<string>) => void asked.push(ids === undefined ? undefined : [...ids]),
    };
    await createAuthenticator(configWith(hydrate), { openKeyStore: () => store }).hydrate();
    expect(asked).toEqual(expected);
  });

  it('never rejects, even when a store does', async () => {
    const store = { get: async () => undefined, hydrate: () => Promise.reject(new Error('down')) };
    await expect(createAuthenticator(configWith(true), { openKeyStore: () => store }).hydrate()).resolves.toBeUndefined();
  });
});
