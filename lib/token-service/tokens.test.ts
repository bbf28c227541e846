import { decodeProtectedHeader, importJWK, importSPKI, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import * as v from 'valibot';
import { beforeAll, describe, expect, it } from 'vitest';
import { b64url, bearerRequest, handmade, hs256WithKeyText } from '../../test/fixtures/jwt-keys.ts';
import type { AuthResult } from '../core/result.ts';
import { createJwtVerifier } from '../schemes/jwt/verifier.ts';
import { JwtIssuerSchema } from '../schemes/jwt/options.ts';
import {
  generateSigningKey,
  parseSigningKeySet,
  type ParsedSigningKeys,
  type SigningAlgorithm,
  type SigningKeyEntry,
} from './signing-keys.ts';
import {
  createTokenIssuer,
  DEFAULT_SERVICE_TOKEN_TTL_SECONDS,
  DEFAULT_USER_TOKEN_TTL_SECONDS,
  maxTokenLifetimeSeconds,
  type TokenIssuerOptions,
} from './tokens.ts';

const ISS = 'https://auth.example.org';
const T0 = 1_800_000_000; // seconds
const LIFETIME = maxTokenLifetimeSeconds();
const SERVICE = 'datapackage-upload';
const PERMS = { 'datapackage-upload': true, 'max-size': 10, 'max-private': false };

const entries: Partial<Record<SigningAlgorithm, SigningKeyEntry>> = {};
let other: SigningKeyEntry;
beforeAll(async () => {
  for (const alg of ['RS256', 'EdDSA', 'ES256'] as const) entries[alg] = await generateSigningKey(alg, `${alg}-k1`);
  other = await generateSigningKey('RS256', 'RS256-k2');
}, 60_000);

const setOf = (at: number, ...keys: SigningKeyEntry[]) => parseSigningKeySet(JSON.stringify({ keys }), new Date(at * 1000), LIFETIME);

function issuerOf(
  keys: ParsedSigningKeys | (() => Promise<ParsedSigningKeys>),
  clock: { t: number },
  more: Partial<TokenIssuerOptions> = {},
) {
  return createTokenIssuer({ keys, issuer: ISS, now: () => clock.t * 1000, ...more });
}

/** Signs with our current key but claims and header of the test's choosing (the forgeries a thief of nothing cannot make). */
function signWith(keys: ParsedSigningKeys, claims: JWTPayload, header: Record<string, unknown> = {}) {
  const k = keys.current;
  return new SignJWT(claims).setProtectedHeader({ alg: k.alg, kid: k.kid, typ: 'JWT', ...header }).sign(k.privateKey);
}

/** A compact JWS over any header, signed by our current RS256 key through Web Crypto (jose would not sign these). */
async function signRaw(keys: ParsedSigningKeys, header: unknown, payload: unknown) {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const sig = await crypto.subtle.sign({ name: 'RSASSA-PKCS1-v1_5' }, keys.current.privateKey, new TextEncoder().encode(input));
  return `${input}.${b64url(new Uint8Array(sig))}`;
}

describe.each([['RS256'], ['EdDSA'], ['ES256']] as const)('%s round trips', (alg) => {
  it('a user token verifies here and with jose against the JWKS; it carries kid, typ, iss, aud, iat, exp', async () => {
    const clock = { t: T0 };
    const keys = await setOf(T0, entries[alg]!);
    const tokens = issuerOf(keys, clock);
    const token = await tokens.issueUserToken('0123abcd');
    expect(await tokens.verifyUserToken(token)).toEqual({ userid: '0123abcd', iat: T0, exp: T0 + DEFAULT_USER_TOKEN_TTL_SECONDS });
    expect(decodeProtectedHeader(token)).toEqual({ alg, kid: `${alg}-k1`, typ: 'JWT' });
    const jwks = await tokens.jwks();
    expect(jwks.keys).toEqual([expect.objectContaining({ kid: `${alg}-k1`, alg, use: 'sig' })]);
    const { payload } = await jwtVerify(token, await importJWK(jwks.keys[0] as never, alg), {
      issuer: ISS,
      audience: ISS,
      currentDate: new Date(T0 * 1000),
    });
    expect(payload).toEqual({ userid: '0123abcd', iss: ISS, aud: ISS, iat: T0, exp: T0 + 14 * 86400 });
  });

  it('a service token carries userid, permissions, service, aud = service, and a one-hour exp', async () => {
    const clock = { t: T0 };
    const tokens = issuerOf(await setOf(T0, entries[alg]!), clock);
    const token = await tokens.issueServiceToken('0123abcd', SERVICE, PERMS);
    const { payload } = await jwtVerify(token, await importSPKI(await tokens.publicKeyPem(), alg), {
      issuer: ISS,
      audience: SERVICE,
      currentDate: new Date(T0 * 1000),
    });
    expect(payload).toEqual({ userid: '0123abcd', permissions: PERMS, service: SERVICE, iss: ISS, aud: SERVICE, iat: T0, exp: T0 + 3600 });
    expect(DEFAULT_SERVICE_TOKEN_TTL_SECONDS).toBe(3600);
  });
});

describe('verifyUserToken refuses', () => {
  let keys: ParsedSigningKeys;
  const clock = { t: T0 };
  let tokens: ReturnType<typeof createTokenIssuer>;
  const good = (extra: JWTPayload = {}) => ({ userid: 'u1', iss: ISS, aud: ISS, iat: T0, exp: T0 + 600, ...extra });
  beforeAll(async () => {
    keys = await setOf(T0, entries.RS256!);
    tokens = issuerOf(keys, clock);
  });

  it('accepts the control token made the same way', async () => {
    expect(await tokens.verifyUserToken(await signWith(keys, good()))).toEqual({ userid: 'u1', iat: T0, exp: T0 + 600 });
    const raw = await signRaw(keys, { alg: 'RS256', kid: keys.current.kid, typ: 'JWT' }, good());
    expect(await tokens.verifyUserToken(raw)).toEqual({ userid: 'u1', iat: T0, exp: T0 + 600 });
  });

  it.each<[string, () => Promise<string>]>([
    [
      'a tampered payload',
      async () => {
        const [h, , s] = (await signWith(keys, good())).split('.');
        return `${h}.${b64url(JSON.stringify(good({ userid: 'admin' })))}.${s}`;
      },
    ],
    [
      'a tampered signature',
      async () => {
        const t = await signWith(keys, good());
        return t.slice(0, -2) + (t.endsWith('AA') ? 'BB' : 'AA');
      },
    ],
    ['a wrong iss', () => signWith(keys, good({ iss: 'https://evil.example' }))],
    ['no iss', () => signWith(keys, good({ iss: undefined }))],
    ['a wrong aud', () => signWith(keys, good({ aud: 'other' }))],
    ['no aud', () => signWith(keys, good({ aud: undefined }))],
    ['no exp', () => signWith(keys, good({ exp: undefined }))],
    ['no iat', () => signWith(keys, good({ iat: undefined }))],
    ['an iat in the future', () => signWith(keys, good({ iat: T0 + 120 }))],
    ['an empty userid', () => signWith(keys, good({ userid: '' }))],
    ['a numeric userid', () => signWith(keys, good({ userid: 7 }))],
    ['no kid', () => signWith(keys, good(), { kid: undefined })],
    ['an unknown kid', () => signWith(keys, good(), { kid: 'nope' })],
    ['a typ other than JWT', () => signWith(keys, good(), { typ: 'at+jwt' })],
    ['a crit header', () => signRaw(keys, { alg: 'RS256', kid: keys.current.kid, typ: 'JWT', crit: ['x'], x: 1 }, good())],
    ['alg none', async () => handmade({ alg: 'none', kid: keys.current.kid, typ: 'JWT' }, good())],
    ['HS256 keyed by our public-key PEM', async () => hs256WithKeyText(good(), keys.current.spkiPem, { kid: keys.current.kid })],
    [
      'HS256 keyed by the PEM with its newline',
      async () => hs256WithKeyText(good(), `${keys.current.spkiPem}\n`, { kid: keys.current.kid }),
    ],
    ['a service token (aud = service)', () => tokens.issueServiceToken('u1', SERVICE, PERMS)],
    ['a token with aud = user audience but a service claim', () => signWith(keys, good({ service: SERVICE, permissions: {} }))],
    ['an aud list', () => signWith(keys, good({ aud: [ISS, SERVICE] }))],
    [
      'an oversized token',
      async () => {
        const t = await signWith(keys, good({ pad: 'x'.repeat(9000) }));
        expect(t.length).toBeGreaterThan(8192);
        return t;
      },
    ],
    ['garbage', async () => 'not.a.jwt'],
    ['an empty string', async () => ''],
  ])('%s', async (_name, make) => {
    expect(await tokens.verifyUserToken(await make())).toBeUndefined();
  });

  it('a token signed by a key not in the set, even under our kid', async () => {
    const foreign = await setOf(T0, { ...other, kid: keys.current.kid });
    expect(await tokens.verifyUserToken(await signWith(foreign, good()))).toBeUndefined();
  });

  it('expiry: valid up to the tolerance past exp, refused from there', async () => {
    const token = await tokens.issueUserToken('u1');
    const exp = T0 + DEFAULT_USER_TOKEN_TTL_SECONDS;
    const at = (t: number) => issuerOf(keys, { t }).verifyUserToken(token);
    expect(await at(exp - 1)).toBeDefined();
    expect(await at(exp + 29)).toBeDefined();
    expect(await at(exp + 30)).toBeUndefined();
    expect(await at(exp + 3600)).toBeUndefined();
  });

  it('never throws, even when the key set cannot be read', async () => {
    const broken = issuerOf(() => Promise.reject(new Error('secret store down')), clock);
    expect(await broken.verifyUserToken(await tokens.issueUserToken('u1'))).toBeUndefined();
    expect(await tokens.verifyUserToken(undefined as never)).toBeUndefined();
  });
});

describe('rotation', () => {
  it("an old key's tokens verify while it is published, not after; the JWKS follows", async () => {
    const clock = { t: T0 };
    let keys = await setOf(T0, entries.RS256!);
    const tokens = issuerOf(() => Promise.resolve(keys), clock);
    const old = await tokens.issueUserToken('u1');
    // What the old key could still sign if it leaked after retirement: a token that outlives the window.
    const longLived = await signWith(keys, { userid: 'u3', iss: ISS, aud: ISS, iat: T0, exp: T0 + 100 * 86400 });

    // Rotate at T0 + 60: the new key signs, the old one is retired but published for LIFETIME more.
    const retiredAt = T0 + 60;
    clock.t = retiredAt;
    keys = await setOf(clock.t, other, { ...entries.RS256!, retiredAt: new Date(retiredAt * 1000).toISOString() });
    const fresh = await tokens.issueUserToken('u2');
    expect(decodeProtectedHeader(fresh).kid).toBe('RS256-k2');
    expect((await tokens.jwks()).keys.map((k) => k.kid)).toEqual(['RS256-k2', 'RS256-k1']);
    expect(await tokens.verifyUserToken(old)).toMatchObject({ userid: 'u1' });
    expect(await tokens.verifyUserToken(fresh)).toMatchObject({ userid: 'u2' });
    expect(await tokens.publicKeyPem()).toBe(keys.current.spkiPem);

    // The same parsed set, later: our clock drops the old key once its window has passed.
    clock.t = retiredAt + LIFETIME - 1;
    expect((await tokens.jwks()).keys.map((k) => k.kid)).toEqual(['RS256-k2', 'RS256-k1']);
    expect(await tokens.verifyUserToken(longLived)).toMatchObject({ userid: 'u3' });
    clock.t = retiredAt + LIFETIME;
    expect((await tokens.jwks()).keys.map((k) => k.kid)).toEqual(['RS256-k2']);
    expect(await tokens.verifyUserToken(longLived)).toBeUndefined();
    expect(await tokens.verifyUserToken(old)).toBeUndefined();
    // And a set parsed then no longer holds it at all; the new key goes on.
    keys = await setOf(clock.t, other, { ...entries.RS256!, retiredAt: new Date(retiredAt * 1000).toISOString() });
    expect(keys.published.map((k) => k.kid)).toEqual(['RS256-k2']);
    expect(await tokens.verifyUserToken(await tokens.issueUserToken('u4'))).toMatchObject({ userid: 'u4' });
  });

  it('a retired key signs nothing new: a token it made after its retirement (a leaked key) is refused', async () => {
    const clock = { t: T0 + 3600 };
    const retiredAt = T0 + 600;
    const retiredSet = await setOf(T0 + 3600, other, { ...entries.RS256!, retiredAt: new Date(retiredAt * 1000).toISOString() });
    const tokens = issuerOf(() => Promise.resolve(retiredSet), clock);
    // The old key, found among the published ones, signing as if it were still current.
    const oldOnly = { ...retiredSet, current: retiredSet.published.find((k) => k.kid === 'RS256-k1')! };
    const before = await signWith(oldOnly, { userid: 'u1', iss: ISS, aud: ISS, iat: retiredAt - 10, exp: retiredAt + 86400 });
    const after = await signWith(oldOnly, { userid: 'u2', iss: ISS, aud: ISS, iat: retiredAt + 300, exp: retiredAt + 86400 });
    expect(await tokens.verifyUserToken(before)).toMatchObject({ userid: 'u1' });
    expect(await tokens.verifyUserToken(after)).toBeUndefined();
  });

  it('the longest lifetime covers both token kinds and the tolerance', () => {
    expect(LIFETIME).toBe(14 * 86400 + 30);
    expect(maxTokenLifetimeSeconds({ userTokenTtlSeconds: 60, serviceTokenTtlSeconds: 7200, clockToleranceSeconds: 0 })).toBe(7200);
  });
});

describe('service names and inputs', () => {
  it('a service may not be named like the user audience, nor outside the charset', async () => {
    const tokens = issuerOf(await setOf(T0, entries.EdDSA!), { t: T0 }, { userAudience: 'dhq-users' });
    expect(() => tokens.assertServiceName('dhq-users')).toThrow(TypeError);
    expect(() => tokens.assertServiceName('a b')).toThrow(TypeError);
    expect(() => tokens.assertServiceName('__proto__')).toThrow(TypeError);
    expect(() => tokens.assertServiceName(SERVICE)).not.toThrow();
    await expect(tokens.issueServiceToken('u1', 'dhq-users', {})).rejects.toThrow(TypeError);
    await expect(tokens.issueServiceToken('u1', SERVICE, [] as never)).rejects.toThrow(TypeError);
    await expect(tokens.issueUserToken('')).rejects.toThrow(TypeError);
    // Defaults to the issuer when no user audience is given.
    const d = issuerOf(await setOf(T0, entries.EdDSA!), { t: T0 });
    expect(() => d.assertServiceName(ISS)).toThrow(TypeError);
  });

  it('bad options are TypeErrors', async () => {
    const keys = await setOf(T0, entries.EdDSA!);
    expect(() => createTokenIssuer({ keys, issuer: '' })).toThrow(TypeError);
    expect(() => createTokenIssuer({ keys, issuer: ISS, serviceTokenTtlSeconds: 0 })).toThrow(TypeError);
    expect(() => createTokenIssuer({ keys, issuer: ISS, clockToleranceSeconds: -1 })).toThrow(TypeError);
  });
});

// ---- Compatibility with the verifiers our service tokens meet ----

const code = (r: AuthResult) => (r.ok ? 'ok' : r.error.code);

/** The edge's `schemes.jwt` issuer for dhq-auth service tokens, as docs/schemes/jwt.md documents it, validated by its schema. */
function edgeIssuer(publicKeys: unknown[], service: string, more: Record<string, unknown> = {}) {
  return v.parse(JwtIssuerSchema, {
    issuer: ISS,
    audience: service,
    algorithms: ['RS256', 'EdDSA'],
    publicKeys,
    principalClaim: 'userid',
    permissionClaims: ['permissions'],
    service,
    ...more,
  });
}

/**
 * dhq-auth's `Verifyer.extract_permissions`: `jwt.decode(token, public_key, algorithm='RS256')` under
 * PyJWT 1.x (2.x refuses the call outright: it needs `algorithms=`). `algorithm=` is an ignored keyword
 * there, so the key decides; then PyJWT validates exp/iat/nbf and, with no `audience=` given, refuses
 * any token that has an `aud` (InvalidAudienceError, `_validate_aud`).
 */
async function pyjwtVerifyer(token: string, pem: string, nowSeconds: number): Promise<Record<string, unknown> | false> {
  try {
    const { payload } = await jwtVerify(token, await importSPKI(pem, 'RS256'), { currentDate: new Date(nowSeconds * 1000) });
    if ('aud' in payload) return false;
    return payload as Record<string, unknown>;
  } catch {
    return false;
  }
}

describe('our service tokens at the edge (lib/schemes/jwt) and at a dhq-auth Verifyer', () => {
  it.each([['RS256'], ['EdDSA']] as const)('%s: accepted by the edge with the JWKS and with the PEM; permissions mapped', async (alg) => {
    const clock = { t: T0 };
    const tokens = issuerOf(await setOf(T0, entries[alg]!), clock);
    const token = await tokens.issueServiceToken('0123abcd', SERVICE, PERMS);
    const jwks = await tokens.jwks();
    for (const keys of [[...jwks.keys], [await tokens.publicKeyPem()]]) {
      const edge = createJwtVerifier({ issuers: [edgeIssuer(keys, SERVICE)], clock: () => clock.t * 1000 });
      const r = await edge.verify(bearerRequest(token));
      expect(r).toEqual({
        ok: true,
        scheme: 'jwt',
        keyId: `${alg}-k1`,
        principal: { id: '0123abcd', permissions: ['datapackage-upload'] },
      });
      // Another service's edge refuses it, by aud and by the service claim.
      const wrong = createJwtVerifier({ issuers: [edgeIssuer(keys, 'source-upload')], clock: () => clock.t * 1000 });
      expect(code(await wrong.verify(bearerRequest(token)))).toBe('ERR_AUDIENCE_MISMATCH');
      const serviceOnly = createJwtVerifier({
        issuers: [edgeIssuer(keys, 'source-upload', { audience: null })],
        clock: () => clock.t * 1000,
      });
      expect(code(await serviceOnly.verify(bearerRequest(token)))).toBe('ERR_AUDIENCE_MISMATCH');
      // A user token is no service token at the edge.
      expect(code(await edge.verify(bearerRequest(await tokens.issueUserToken('0123abcd'))))).toBe('ERR_AUDIENCE_MISMATCH');
    }
    // Expired an hour later (plus the edge's 30 s tolerance).
    const edge = createJwtVerifier({ issuers: [edgeIssuer([...jwks.keys], SERVICE)], clock: () => (T0 + 3630) * 1000 });
    expect(code(await edge.verify(bearerRequest(token)))).toBe('ERR_REQUEST_EXPIRED');
  });

  it('dhq-auth Verifyer (PyJWT, RS256 with the PEM): refuses tokens with aud, accepts them with serviceTokenAudience: false', async () => {
    const clock = { t: T0 };
    const keys = await setOf(T0, entries.RS256!);
    const pem = await issuerOf(keys, clock).publicKeyPem();
    // The signature itself checks out for a PyJWT-style RS256 verification with the PEM...
    const withAud = await issuerOf(keys, clock).issueServiceToken('0123abcd', SERVICE, PERMS);
    await expect(jwtVerify(withAud, await importSPKI(pem, 'RS256'))).resolves.toBeTruthy();
    // ...but PyJWT refuses a token with aud when the caller names no audience, as the Verifyer does.
    expect(await pyjwtVerifyer(withAud, pem, T0)).toBe(false);

    const legacy = issuerOf(keys, clock, { serviceTokenAudience: false });
    const token = await legacy.issueServiceToken('0123abcd', SERVICE, PERMS);
    expect(await pyjwtVerifyer(token, pem, T0)).toEqual({
      userid: '0123abcd',
      permissions: PERMS,
      service: SERVICE,
      iss: ISS,
      iat: T0,
      exp: T0 + 3600,
    });
    expect(await pyjwtVerifyer(token, pem, T0 + 3601)).toBe(false);
    // The edge takes it with audience: null and the service claim checked; another service's edge does not.
    const edge = createJwtVerifier({ issuers: [edgeIssuer([pem], SERVICE, { audience: null })], clock: () => T0 * 1000 });
    expect(await edge.verify(bearerRequest(token))).toMatchObject({
      ok: true,
      principal: { id: '0123abcd', permissions: ['datapackage-upload'] },
    });
    const other = createJwtVerifier({ issuers: [edgeIssuer([pem], 'source-upload', { audience: null })], clock: () => T0 * 1000 });
    expect(code(await other.verify(bearerRequest(token)))).toBe('ERR_AUDIENCE_MISMATCH');
    // Still never a user token.
    expect(await legacy.verifyUserToken(token)).toBeUndefined();
  });
});
