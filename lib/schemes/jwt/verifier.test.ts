import { createPublicKey } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { nodeCrypto } from '../../core/crypto-node.ts';
import { webCrypto } from '../../core/crypto-web.ts';
import type { CryptoBackend, JwsAlgorithm } from '../../core/crypto.ts';
import type { AuthResult } from '../../core/result.ts';
import { createMemoryKeyStore } from '../../keys/memory.ts';
import { KeyStoreError, type KeyRecord, type KeyStore } from '../../keys/types.ts';
import {
  ALL_ALGORITHMS,
  b64url,
  bearerRequest,
  handmade,
  hs256WithKeyText,
  keyPair,
  mint,
  type TestKeyPair,
} from '../../../test/fixtures/jwt-keys.ts';
import { createJwtVerifier, type JwksOpener, type JwtIssuer, type JwtVerifierOptions } from './verifier.ts';

const NOW = 1_800_000_000;
const clock = () => NOW * 1000;
const ISS = 'https://auth.example';
const AUD = 'orders-api';
const backends: Array<[string, CryptoBackend]> = [
  ['node:crypto', nodeCrypto],
  ['Web Crypto', webCrypto],
];

const claims = (extra: Record<string, unknown> = {}) => ({ iss: ISS, aud: AUD, sub: 'user-1', iat: NOW - 10, exp: NOW + 300, ...extra });
const code = (r: AuthResult) => (r.ok ? 'ok' : r.error.code);

let pairs: Record<JwsAlgorithm, TestKeyPair>;
let rsa: TestKeyPair;
let ec: TestKeyPair;
let other: TestKeyPair;
beforeAll(async () => {
  pairs = Object.fromEntries(await Promise.all(ALL_ALGORITHMS.map(async (a) => [a, await keyPair(a)]))) as Record<
    JwsAlgorithm,
    TestKeyPair
  >;
  rsa = pairs.RS256;
  ec = pairs.ES256;
  other = await keyPair('RS256', 'other');
}, 60_000);

function verifierOf(issuer: Partial<JwtIssuer>, more: Partial<JwtVerifierOptions> = {}) {
  return createJwtVerifier({
    issuers: [{ issuer: ISS, audience: AUD, algorithms: ['RS256'], publicKeys: [rsa.spkiPem], ...issuer }],
    clock,
    ...more,
  });
}

describe.each(backends)('every allowed algorithm (%s)', (_name, crypto) => {
  it.each(ALL_ALGORITHMS.map((a) => [a]))('%s: a jose-signed token verifies, by PEM and by JWK', async (alg) => {
    const pair = pairs[alg];
    for (const key of [pair.spkiPem, { ...pair.publicJwk, kid: 'k1' }]) {
      const v = createJwtVerifier({ issuers: [{ issuer: ISS, audience: AUD, algorithms: [alg], publicKeys: [key] }], clock, crypto });
      const token = await mint(pair, claims({ scope: 'orders:read orders:write' }), { kid: 'k1' });
      const r = await v.verify(bearerRequest(token));
      expect(r).toEqual({
        ok: true,
        scheme: 'jwt',
        keyId: 'k1',
        principal: { id: 'user-1', permissions: ['orders:read', 'orders:write'] },
      });
      // Any other allowed algorithm's key refuses it: the key type pins the algorithm.
      const wrong = pairs[alg === 'RS256' ? 'ES256' : 'RS256'];
      const w = createJwtVerifier({
        issuers: [{ issuer: ISS, audience: AUD, algorithms: [...ALL_ALGORITHMS], publicKeys: [wrong.spkiPem] }],
        clock,
        crypto,
      });
      expect(code(await w.verify(bearerRequest(token)))).toBe('ERR_SIGNATURE_INVALID');
    }
  });

  it('a token without kid is tried against the inline keys; PKCS#1 PEM works too', async () => {
    const pkcs1 = createPublicKey(rsa.spkiPem).export({ type: 'pkcs1', format: 'pem' }) as string;
    const v = createJwtVerifier({
      issuers: [{ issuer: ISS, audience: AUD, algorithms: ['RS256'], publicKeys: [other.spkiPem, pkcs1] }],
      clock,
      crypto,
    });
    const r = await v.verify(bearerRequest(await mint(rsa, claims())));
    expect(r).toMatchObject({ ok: true, keyId: 'issuers[0].publicKeys[1]' });
  });
});

describe('the negative table', () => {
  type Case = [name: string, make: () => Promise<string> | string, expected: string, issuer?: Partial<JwtIssuer>];
  const cases: Case[] = [
    ['expired (beyond the 30 s tolerance)', () => mint(rsa, claims({ exp: NOW - 31 })), 'ERR_REQUEST_EXPIRED'],
    ['not yet valid (nbf beyond tolerance)', () => mint(rsa, claims({ nbf: NOW + 31 })), 'ERR_REQUEST_NOT_YET_VALID'],
    ['iat in the future beyond tolerance', () => mint(rsa, claims({ iat: NOW + 31 })), 'ERR_REQUEST_NOT_YET_VALID'],
    ['too old for maxTokenAgeSeconds', () => mint(rsa, claims({ iat: NOW - 700 })), 'ERR_REQUEST_EXPIRED', { maxTokenAgeSeconds: 600 }],
    ['no iat with maxTokenAgeSeconds', () => mint(rsa, claims({ iat: undefined })), 'ERR_REQUEST_EXPIRED', { maxTokenAgeSeconds: 600 }],
    ['wrong iss (an issuer nobody configured)', () => mint(rsa, claims({ iss: 'https://evil.example' })), 'ERR_KEY_NOT_FOUND'],
    ['no iss and no null issuer', () => mint(rsa, claims({ iss: undefined })), 'ERR_KEY_NOT_FOUND'],
    ['iss not a string', () => mint(rsa, claims({ iss: 7 })), 'ERR_AUTH_MALFORMED'],
    ['wrong aud', () => mint(rsa, claims({ aud: 'billing' })), 'ERR_AUDIENCE_MISMATCH'],
    ['no aud', () => mint(rsa, claims({ aud: undefined })), 'ERR_AUDIENCE_MISMATCH'],
    ['aud list without ours', () => mint(rsa, claims({ aud: ['a', 'b'] })), 'ERR_AUDIENCE_MISMATCH'],
    ['missing exp when required', () => mint(rsa, claims({ exp: undefined })), 'ERR_REQUEST_EXPIRED'],
    ['exp not a number', () => mint(rsa, claims({ exp: String(NOW + 300) })), 'ERR_AUTH_MALFORMED'],
    ['alg none, no signature', () => handmade({ alg: 'none' }, claims()), 'ERR_AUTH_MALFORMED'],
    ['alg none, with a signature', () => handmade({ alg: 'none' }, claims(), 'AAAA'), 'ERR_AUTH_UNSUPPORTED'],
    ['alg "None"', () => handmade({ alg: 'None' }, claims(), 'AAAA'), 'ERR_AUTH_UNSUPPORTED'],
    ['HS256 with the public key PEM as HMAC secret', () => hs256WithKeyText(claims(), rsa.spkiPem), 'ERR_AUTH_UNSUPPORTED'],
    [
      'HS256 with the PEM, every algorithm allowed',
      () => hs256WithKeyText(claims(), rsa.spkiPem),
      'ERR_AUTH_UNSUPPORTED',
      { algorithms: [...ALL_ALGORITHMS] },
    ],
    ['alg/key type mismatch (ES256 token, RSA key)', () => mint(ec, claims()), 'ERR_SIGNATURE_INVALID', { algorithms: ['RS256', 'ES256'] }],
    [
      'RS256 signature relabelled PS256',
      () => relabel(mint(rsa, claims()), 'PS256'),
      'ERR_SIGNATURE_INVALID',
      { algorithms: ['RS256', 'PS256'] },
    ],
    ['alg not in the issuer list', () => mint(pairs.RS384, claims()), 'ERR_AUTH_UNSUPPORTED'],
    [
      'unknown kid (store-backed issuer)',
      () => mint(rsa, claims(), { kid: 'nope' }),
      'ERR_KEY_NOT_FOUND',
      { publicKeys: undefined, keyStore: true },
    ],
    ['kid not a string', () => mint(rsa, claims(), { kid: 5 }), 'ERR_AUTH_MALFORMED'],
    ['bad signature (one byte changed)', async () => flipSignature(await mint(rsa, claims())), 'ERR_SIGNATURE_INVALID'],
    ['signature from another key', () => mint(other, claims()), 'ERR_SIGNATURE_INVALID'],
    [
      'payload swapped under a valid signature',
      async () => swapPayload(await mint(rsa, claims()), claims({ sub: 'admin' })),
      'ERR_SIGNATURE_INVALID',
    ],
    ['crit header', () => handmade({ alg: 'RS256', crit: ['exp'], exp: 1 }, claims(), 'AAAA'), 'ERR_AUTH_UNSUPPORTED'],
    ['b64 header', () => handmade({ alg: 'RS256', b64: false }, claims(), 'AAAA'), 'ERR_AUTH_UNSUPPORTED'],
    ['two segments', () => 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0', 'ERR_AUTH_MALFORMED'],
    ['four segments', async () => (await mint(rsa, claims())) + '.AAAA', 'ERR_AUTH_MALFORMED'],
    ['bad base64url (padding)', async () => (await mint(rsa, claims())) + '==', 'ERR_AUTH_MALFORMED'],
    ['bad base64url (standard alphabet)', async () => (await mint(rsa, claims())).replace(/-|_/, '+') + 'a/', 'ERR_AUTH_MALFORMED'],
    ['non-canonical base64url header', async () => nonCanonicalHeader(await mint(rsa, claims())), 'ERR_AUTH_MALFORMED'],
    ['non-JSON header', () => `${b64url('{alg:RS256}')}.${b64url(JSON.stringify(claims()))}.AAAA`, 'ERR_AUTH_MALFORMED'],
    ['JSON array payload', () => `${b64url('{"alg":"RS256"}')}.${b64url('[1,2]')}.AAAA`, 'ERR_AUTH_MALFORMED'],
    [
      '__proto__ key in the header',
      () => `${b64url('{"alg":"RS256","__proto__":{"x":1}}')}.${b64url(JSON.stringify(claims()))}.AAAA`,
      'ERR_AUTH_MALFORMED',
    ],
    [
      'escaped __proto__ key in the payload',
      () => `${b64url('{"alg":"RS256"}')}.${b64url('{"sub":"a","\\u005f_proto__":{"admin":true}}')}.AAAA`,
      'ERR_AUTH_MALFORMED',
    ],
    [
      'nested constructor key',
      () => `${b64url('{"alg":"RS256"}')}.${b64url('{"sub":"a","x":{"constructor":{}}}')}.AAAA`,
      'ERR_AUTH_MALFORMED',
    ],
    [
      'invalid UTF-8 payload',
      () => `${b64url('{"alg":"RS256"}')}.${b64url(new Uint8Array([0x7b, 0xff, 0x7d]))}.AAAA`,
      'ERR_AUTH_MALFORMED',
    ],
    ['oversized token', async () => mint(rsa, claims({ pad: 'x'.repeat(9000) })), 'ERR_AUTH_MALFORMED'],
    ['principal claim missing', () => mint(rsa, claims({ sub: undefined })), 'ERR_AUTH_MALFORMED'],
    ['scope not a string or list', () => mint(rsa, claims({ scope: 5 })), 'ERR_AUTH_MALFORMED'],
  ];

  it.each(cases)('%s -> %s', async (_name, make, expected, issuer) => {
    const keys = createMemoryKeyStore([]);
    const v = verifierOf(issuer ?? {}, { keys });
    expect(code(await v.verify(bearerRequest(await make())))).toBe(expected);
  });

  it('the tolerance lets a token 29 s past exp and 29 s before nbf through', async () => {
    const v = verifierOf({});
    expect(code(await v.verify(bearerRequest(await mint(rsa, claims({ exp: NOW - 29 })))))).toBe('ok');
    expect(code(await v.verify(bearerRequest(await mint(rsa, claims({ nbf: NOW + 29, iat: NOW + 29 })))))).toBe('ok');
    const strict = verifierOf({ clockToleranceSeconds: 0 });
    expect(code(await strict.verify(bearerRequest(await mint(rsa, claims({ exp: NOW })))))).toBe('ERR_REQUEST_EXPIRED');
  });

  it('maxTokenBytes is configurable', async () => {
    const token = await mint(rsa, claims({ pad: 'x'.repeat(300) }));
    expect(token.length).toBeGreaterThan(512);
    expect(code(await verifierOf({}, { maxTokenBytes: 512 }).verify(bearerRequest(token)))).toBe('ERR_AUTH_MALFORMED');
    expect(code(await verifierOf({}, { maxTokenBytes: 2048 }).verify(bearerRequest(token)))).toBe('ok');
    expect(() => verifierOf({}, { maxTokenBytes: 100 })).toThrow(TypeError);
  });
});

describe('token sources', () => {
  let token: string;
  beforeAll(async () => {
    token = await mint(rsa, claims());
  });
  const withHeaders = (headers: Array<[string, string]>, query = '') => bearerRequest('', headers, query);

  it.each([
    ['Bearer', 'ok'],
    ['bearer', 'ok'],
    ['BEARER', 'ok'],
    ['bEaReR', 'ok'],
  ])('"%s <token>" -> %s', async (word, expected) => {
    expect(code(await verifierOf({}).verify(withHeaders([['authorization', `${word} ${token}`]])))).toBe(expected);
  });

  it.each([
    ['extra spaces between', (t: string) => `Bearer    ${t}`, 'ok'],
    ['surrounding spaces', (t: string) => `  Bearer ${t}  `, 'ok'],
    ['a tab between', (t: string) => `Bearer\t${t}`, 'ERR_AUTH_MISSING'],
    ['a space inside the token', (t: string) => `Bearer ${t.slice(0, 10)} ${t.slice(10)}`, 'ERR_AUTH_MALFORMED'],
    ['no token', () => 'Bearer ', 'ERR_AUTH_MALFORMED'],
    ['another scheme', () => 'Basic dXNlcjpwYXNz', 'ERR_AUTH_MISSING'],
    ['no space after Bearer', (t: string) => `Bearer${t}`, 'ERR_AUTH_MISSING'],
  ])('%s -> %s', async (_name, value, expected) => {
    expect(code(await verifierOf({}).verify(withHeaders([['Authorization', value(token)]])))).toBe(expected);
  });

  it('duplicate Authorization headers, and two sources at once, are refused', async () => {
    const v = verifierOf({}, { authTokenHeader: true, queryParameter: true });
    const auth: [string, string] = ['Authorization', `Bearer ${token}`];
    expect(code(await v.verify(withHeaders([auth, auth])))).toBe('ERR_AUTH_MALFORMED');
    expect(code(await v.verify(withHeaders([auth, ['Authorization', 'Basic eA==']])))).toBe('ERR_AUTH_MALFORMED');
    expect(code(await v.verify(withHeaders([auth, ['auth-token', token]])))).toBe('ERR_AUTH_MALFORMED');
    expect(code(await v.verify(withHeaders([auth], `jwt=${token}`)))).toBe('ERR_AUTH_MALFORMED');
    expect(
      code(
        await v.verify(
          withHeaders([
            ['auth-token', token],
            ['Auth-Token', token],
          ]),
        ),
      ),
    ).toBe('ERR_AUTH_MALFORMED');
    expect(code(await v.verify(withHeaders([], `jwt=${token}&JWT=${token}`)))).toBe('ERR_AUTH_MALFORMED');
  });

  it('auth-token and ?jwt= are read only when enabled, and claimed only then', async () => {
    const off = verifierOf({});
    const on = verifierOf({}, { authTokenHeader: true, queryParameter: true });
    const header = withHeaders([['Auth-Token', token]]);
    const query = withHeaders([], `a=1&jwt=${token}`);
    expect(code(await off.verify(header))).toBe('ERR_AUTH_MISSING');
    expect(code(await off.verify(query))).toBe('ERR_AUTH_MISSING');
    expect(off.claims(header) || off.claims(query)).toBe(false);
    expect(off.credentials).toEqual({ headers: ['authorization'], query: [] });
    expect(code(await on.verify(header))).toBe('ok');
    expect(code(await on.verify(query))).toBe('ok');
    expect(on.claims(header) && on.claims(query)).toBe(true);
    expect(on.credentials).toEqual({ headers: ['authorization', 'auth-token'], query: ['jwt'] });
  });

  it('claims a Bearer value only when it looks like a JWT (an opaque bearer key is left alone)', () => {
    const v = verifierOf({});
    expect(v.claims(withHeaders([['Authorization', `Bearer ${token}`]]))).toBe(true);
    expect(v.claims(withHeaders([['Authorization', 'Bearer opaque-api-key']]))).toBe(false);
    expect(v.claims(withHeaders([['Authorization', 'AWS4-HMAC-SHA256 Credential=a.b']]))).toBe(false);
  });
});

/** A crypto backend that counts signature verifications (node:crypto underneath). */
function counting(): { crypto: CryptoBackend; count: () => number } {
  let n = 0;
  const sync = nodeCrypto.sync!;
  const jws = sync.jws!;
  return {
    crypto: {
      ...nodeCrypto,
      sync: {
        ...sync,
        jws: {
          importPublicKey: jws.importPublicKey,
          verify: (k, d, s) => {
            n++;
            return jws.verify(k, d, s);
          },
        },
      },
    },
    count: () => n,
  };
}

describe('the verified-token cache', () => {
  it('answers a repeated token without crypto, until the token expires', async () => {
    const { crypto, count } = counting();
    let now = NOW;
    const v = verifierOf({}, { crypto, clock: () => now * 1000 });
    const token = await mint(rsa, claims({ exp: NOW + 60 }));
    const first = await v.verify(bearerRequest(token));
    expect(first.ok).toBe(true);
    expect(await v.verify(bearerRequest(token))).toEqual(first);
    expect(count()).toBe(1);
    now = NOW + 91;
    expect(code(await v.verify(bearerRequest(token)))).toBe('ERR_REQUEST_EXPIRED');
    now = NOW;
    expect(code(await v.verify(bearerRequest(token)))).toBe('ok');
    expect(count()).toBe(2); // the expired entry was dropped, so this was verified afresh
  });

  it('does not answer before nbf either (time checks apply to cached answers)', async () => {
    const { crypto } = counting();
    let now = NOW;
    const v = verifierOf({}, { crypto, clock: () => now * 1000 });
    const token = await mint(rsa, claims({ nbf: NOW - 5 }));
    expect(code(await v.verify(bearerRequest(token)))).toBe('ok');
    now = NOW - 60;
    expect(code(await v.verify(bearerRequest(token)))).toBe('ERR_REQUEST_NOT_YET_VALID');
  });

  it('is not reused once the key record changes, and refuses once the key is gone', async () => {
    const { crypto, count } = counting();
    const record = (keys: string[]): KeyRecord => ({
      id: 'k1',
      scheme: 'jwt',
      secrets: [],
      publicKeys: keys.map((pem) => ({ format: 'spki', pem })),
      principal: '',
      permissions: [],
    });
    let current: KeyRecord | undefined = record([rsa.spkiPem]);
    const keys: KeyStore = { get: async (id) => (id === 'k1' ? current : undefined) };
    const v = verifierOf({ publicKeys: undefined, keyStore: true }, { crypto, keys });
    const token = await mint(rsa, claims(), { kid: 'k1' });
    await v.verify(bearerRequest(token));
    await v.verify(bearerRequest(token));
    expect(count()).toBe(1);
    current = record([rsa.spkiPem]); // same key, new record object (a refresh)
    expect(code(await v.verify(bearerRequest(token)))).toBe('ok');
    expect(count()).toBe(2);
    current = record([other.spkiPem]); // rotated away
    expect(code(await v.verify(bearerRequest(token)))).toBe('ERR_SIGNATURE_INVALID');
    current = undefined;
    expect(code(await v.verify(bearerRequest(token)))).toBe('ERR_KEY_NOT_FOUND');
  });

  it('is bounded (least recently used goes first) and can be turned off', async () => {
    const { crypto, count } = counting();
    const v = verifierOf({}, { crypto, tokenCacheSize: 2 });
    const tokens = await Promise.all([1, 2, 3].map((i) => mint(rsa, claims({ sub: `u${i}` }))));
    for (const t of tokens) await v.verify(bearerRequest(t));
    expect(count()).toBe(3);
    await v.verify(bearerRequest(tokens[2]!));
    await v.verify(bearerRequest(tokens[1]!));
    expect(count()).toBe(3);
    await v.verify(bearerRequest(tokens[0]!)); // evicted
    expect(count()).toBe(4);
    // tokens[1] was used after tokens[2], so tokens[2] went for tokens[0] (first in would have been tokens[1]).
    await v.verify(bearerRequest(tokens[1]!));
    expect(count()).toBe(4);
    await v.verify(bearerRequest(tokens[2]!));
    expect(count()).toBe(5);
    const off = counting();
    const none = verifierOf({}, { crypto: off.crypto, tokenCacheSize: 0 });
    await none.verify(bearerRequest(tokens[0]!));
    await none.verify(bearerRequest(tokens[0]!));
    expect(off.count()).toBe(2);
  });

  it('never caches a failure', async () => {
    const { crypto, count } = counting();
    const v = verifierOf({}, { crypto });
    const bad = flipSignature(await mint(rsa, claims()));
    await v.verify(bearerRequest(bad));
    await v.verify(bearerRequest(bad));
    expect(count()).toBe(2);
  });
});

describe('dhq-auth tokens', () => {
  const dhq = {
    userid: 'a3f1c2e4b5d6a7b8c9d0e1f2a3b4c5d6',
    permissions: { 'datapackage-upload': true, 'max-size': 10, admin: false },
    service: 'rawstore',
  };
  const dhqIssuer = (extra: Partial<JwtIssuer> = {}): Partial<JwtIssuer> => ({
    issuer: null,
    audience: null,
    principalClaim: 'userid',
    permissionClaims: ['permissions'],
    service: 'rawstore',
    ...extra,
  });

  it('an RS256 {userid, permissions, service} token without exp passes only with requireExp: false', async () => {
    const token = await mint(rsa, dhq);
    expect(code(await verifierOf(dhqIssuer()).verify(bearerRequest(token)))).toBe('ERR_REQUEST_EXPIRED');
    const r = await verifierOf(dhqIssuer({ requireExp: false }), { authTokenHeader: true }).verify(
      bearerRequest('', [['auth-token', token]]),
    );
    expect(r).toMatchObject({ ok: true, principal: { id: dhq.userid, permissions: ['datapackage-upload'] } });
  });

  it('permissions as a list are taken as they are; the service must match', async () => {
    const v = verifierOf(dhqIssuer({ requireExp: false }));
    const list = await v.verify(bearerRequest(await mint(rsa, { ...dhq, permissions: ['read', 'write'] })));
    expect(list).toMatchObject({ ok: true, principal: { permissions: ['read', 'write'] } });
    expect(code(await v.verify(bearerRequest(await mint(rsa, { ...dhq, service: 'other' }))))).toBe('ERR_AUDIENCE_MISMATCH');
    expect(code(await v.verify(bearerRequest(await mint(rsa, { ...dhq, service: undefined }))))).toBe('ERR_AUDIENCE_MISMATCH');
  });

  it('the null issuer takes only tokens without iss, and its user-token HS256 form never passes', async () => {
    const v = verifierOf(dhqIssuer({ requireExp: false }));
    expect(code(await v.verify(bearerRequest(await mint(rsa, { ...dhq, iss: ISS }))))).toBe('ERR_KEY_NOT_FOUND');
    const userToken = hs256WithKeyText({ userid: dhq.userid, exp: NOW + 3600 }, rsa.pkcs8Pem);
    expect(code(await v.verify(bearerRequest(userToken)))).toBe('ERR_AUTH_UNSUPPORTED');
  });
});

describe('key stores and JWKS', () => {
  const jwksRecord = (pair: TestKeyPair, kid: string): KeyRecord => ({
    id: kid,
    scheme: 'jwt',
    secrets: [],
    publicKeys: [{ format: 'jwk', jwk: { ...pair.publicJwk, kid } }],
    principal: '',
    permissions: [],
  });

  it('an issuer with jwksUrl reads its keys from the opened store, by kid; hydrate() hydrates it', async () => {
    const opened: string[] = [];
    let hydrated = 0;
    const opener: JwksOpener = (o) => {
      opened.push(o.url);
      const store = createMemoryKeyStore([jwksRecord(ec, 'ec-1')]);
      return { get: (id) => store.get(id), hydrate: async () => void hydrated++ };
    };
    const v = createJwtVerifier({
      issuers: [{ issuer: ISS, audience: AUD, algorithms: ['ES256'], jwksUrl: 'https://auth.example/.well-known/jwks.json' }],
      clock,
      openJwks: opener,
    });
    expect(opened).toEqual(['https://auth.example/.well-known/jwks.json']);
    await v.hydrate!();
    expect(hydrated).toBe(1);
    expect(await v.verify(bearerRequest(await mint(ec, claims(), { kid: 'ec-1' })))).toMatchObject({ ok: true, keyId: 'ec-1' });
    expect(code(await v.verify(bearerRequest(await mint(ec, claims(), { kid: 'ec-2' }))))).toBe('ERR_KEY_NOT_FOUND');
    expect(code(await v.verify(bearerRequest(await mint(ec, claims()))))).toBe('ERR_KEY_NOT_FOUND');
  });

  it('a JWKS that is down answers ERR_KEYSTORE_UNAVAILABLE, and hydrate() never rejects', async () => {
    const opener: JwksOpener = () => ({
      get: () => Promise.reject(new KeyStoreError('network', 'down')),
      hydrate: () => Promise.reject(new KeyStoreError('network', 'down')),
    });
    const v = createJwtVerifier({
      issuers: [{ issuer: ISS, audience: AUD, algorithms: ['ES256'], jwksUrl: 'https://auth.example/jwks' }],
      clock,
      openJwks: opener,
    });
    await expect(v.hydrate!()).resolves.toBeUndefined();
    expect(code(await v.verify(bearerRequest(await mint(ec, claims(), { kid: 'ec-1' }))))).toBe('ERR_KEYSTORE_UNAVAILABLE');
  });

  it('a JWK whose alg or use says otherwise is not used', async () => {
    const store = createMemoryKeyStore([
      { ...jwksRecord(rsa, 'a'), publicKeys: [{ format: 'jwk', jwk: { ...rsa.publicJwk, alg: 'PS256' } }] },
      { ...jwksRecord(rsa, 'b'), publicKeys: [{ format: 'jwk', jwk: { ...rsa.publicJwk, use: 'enc' } }] },
    ]);
    const v = verifierOf({ publicKeys: undefined, keyStore: true }, { keys: store });
    expect(code(await v.verify(bearerRequest(await mint(rsa, claims(), { kid: 'a' }))))).toBe('ERR_SIGNATURE_INVALID');
    expect(code(await v.verify(bearerRequest(await mint(rsa, claims(), { kid: 'b' }))))).toBe('ERR_SIGNATURE_INVALID');
  });

  it('misconfiguration throws TypeError', () => {
    expect(() =>
      createJwtVerifier({ issuers: [{ issuer: ISS, audience: AUD, algorithms: ['RS256'], jwksUrl: 'https://x/jwks' }] }),
    ).toThrow(TypeError);
    expect(() =>
      createJwtVerifier({ issuers: [{ issuer: ISS, audience: AUD, algorithms: ['HS256' as JwsAlgorithm], publicKeys: [rsa.spkiPem] }] }),
    ).toThrow(TypeError);
    expect(() => createJwtVerifier({ issuers: [{ issuer: ISS, audience: AUD, algorithms: ['RS256'] }] })).toThrow(TypeError);
    expect(() =>
      createJwtVerifier({
        issuers: [
          { issuer: null, audience: null, algorithms: ['RS256'], publicKeys: [rsa.spkiPem] },
          { issuer: null, audience: null, algorithms: ['RS256'], publicKeys: [rsa.spkiPem] },
        ],
      }),
    ).toThrow(TypeError);
    expect(() =>
      createJwtVerifier({ issuers: [{ issuer: ISS, audience: AUD, algorithms: ['RS256'], publicKeys: [rsa.pkcs8Pem] }] }),
    ).toThrow(TypeError);
  });

  it('several issuers: each token is judged by its own issuer rules', async () => {
    const v = createJwtVerifier({
      issuers: [
        { issuer: ISS, audience: AUD, algorithms: ['RS256'], publicKeys: [rsa.spkiPem] },
        { issuer: 'https://other.example', audience: ['x', 'y'], algorithms: ['ES256'], publicKeys: [ec.spkiPem], principalClaim: 'email' },
      ],
      clock,
    });
    expect(code(await v.verify(bearerRequest(await mint(rsa, claims()))))).toBe('ok');
    const second = await mint(ec, claims({ iss: 'https://other.example', aud: 'y', email: 'a@b.c' }));
    expect(await v.verify(bearerRequest(second))).toMatchObject({ ok: true, principal: { id: 'a@b.c' } });
    // The first issuer's key never verifies a token naming the second issuer.
    expect(code(await v.verify(bearerRequest(await mint(rsa, claims({ iss: 'https://other.example', aud: 'y', email: 'a' })))))).toBe(
      'ERR_AUTH_UNSUPPORTED',
    );
  });

  it('principalPrefix keeps two issuers’ principals apart: the same sub reads as two principals', async () => {
    const v = createJwtVerifier({
      issuers: [
        { issuer: ISS, audience: AUD, algorithms: ['RS256'], publicKeys: [rsa.spkiPem] },
        { issuer: 'https://partner.example', audience: AUD, algorithms: ['ES256'], publicKeys: [ec.spkiPem], principalPrefix: 'partner:' },
      ],
      clock,
    });
    expect(await v.verify(bearerRequest(await mint(rsa, claims({ sub: 'alice' }))))).toMatchObject({
      ok: true,
      principal: { id: 'alice' },
    });
    expect(await v.verify(bearerRequest(await mint(ec, claims({ iss: 'https://partner.example', sub: 'alice' }))))).toMatchObject({
      ok: true,
      principal: { id: 'partner:alice' },
    });
  });
});

describe('properties', () => {
  it('arbitrary strings never pass', async () => {
    const v = verifierOf({ algorithms: [...ALL_ALGORITHMS] });
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300 }), async (s) => {
        const r = await v.verify(bearerRequest(s));
        expect(r.ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('any change to a valid token makes it fail', async () => {
    const v = verifierOf({}, { tokenCacheSize: 0 });
    const token = await mint(rsa, claims());
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    await fc.assert(
      fc.asyncProperty(fc.nat(token.length - 1), fc.nat(alphabet.length - 1), async (at, ch) => {
        const changed = token.slice(0, at) + alphabet[ch] + token.slice(at + 1);
        fc.pre(changed !== token);
        const r = await v.verify(bearerRequest(changed));
        // The last base64url digit of a segment may differ only in unused bits, which strict decoding refuses.
        expect(r.ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

function relabel(token: Promise<string>, alg: string): Promise<string> {
  return token.then((t) => {
    const [, payload, signature] = t.split('.');
    return `${b64url(JSON.stringify({ alg }))}.${payload}.${signature}`;
  });
}

function flipSignature(token: string): string {
  const dot = token.lastIndexOf('.');
  const sig = Buffer.from(token.slice(dot + 1), 'base64url');
  sig[10]! ^= 0x01;
  return token.slice(0, dot + 1) + sig.toString('base64url');
}

function swapPayload(token: string, payload: unknown): string {
  const [header, , signature] = token.split('.');
  return `${header}.${b64url(JSON.stringify(payload))}.${signature}`;
}

// The same header bytes spelt with non-zero unused bits in the last digit.
function nonCanonicalHeader(token: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  if (header.length % 4 === 0) return `${header}A.${payload}.${signature}`; // 4n+1: refused too
  const last = alphabet.indexOf(header[header.length - 1]!);
  return `${header.slice(0, -1)}${alphabet[last | 1]}.${payload}.${signature}`;
}
