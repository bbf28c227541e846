// JWT verification against a JWKS served on 127.0.0.1, end to end: the configuration names the
// issuer's jwksUrl, the authenticator opens the built-in JWKS store (lib/keys/jwks.ts) on the key
// cache, and the loopback server counts what reaches it. Rotation, outages, hydrate at cold start and
// a flood of unknown kids.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../lib/authenticator.ts';
import { loadConfig } from '../../lib/config/load.ts';
import { bearerRequest, keyPair, mint, type TestKeyPair } from '../fixtures/jwt-keys.ts';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.ts';

const ISS = 'https://issuer.example';
const AUD = 'orders-api';

let server: JwksServer;
let rsa: TestKeyPair;
let next: TestKeyPair;

beforeAll(async () => {
  rsa = await keyPair('RS256', 'jwks-current');
  next = await keyPair('RS256', 'jwks-next');
  server = await startJwksServer([{ ...rsa.publicJwk, kid: 'k-current', use: 'sig', alg: 'RS256' }]);
});
afterAll(() => server.close());

/** A fresh authenticator (a new isolate or container) over the loopback JWKS, with the clock given. */
function authenticator(clock: () => number = Date.now) {
  const config = loadConfig({
    schemes: { jwt: { issuers: [{ issuer: ISS, audience: AUD, algorithms: ['RS256'], jwksUrl: server.url }] } },
    routes: [{ path: '/orders/*', permissions: ['orders:read'] }, { path: '*' }],
  });
  return createAuthenticator(config, { clock });
}

const token = (pair: TestKeyPair, kid: string, extra: Record<string, unknown> = {}) => {
  const now = Math.floor(Date.now() / 1000);
  return mint(pair, { iss: ISS, aud: AUD, sub: 'user-1', scope: 'orders:read', iat: now, exp: now + 300, ...extra }, { kid });
};

describe('JWT with a remote JWKS (loopback)', () => {
  it('verifies a token by the kid the JWKS serves, hydrates at cold start, and refuses tampering', async () => {
    server.fault = { kind: 'none' };
    const before = server.hits;
    const auth = authenticator();
    await auth.hydrate();
    expect(server.hits).toBe(before + 1); // the document was loaded before the first request
    const t = await token(rsa, 'k-current');
    const ok = await auth.authenticate(bearerRequest(t));
    expect(ok).toMatchObject({ ok: true, scheme: 'jwt', keyId: 'k-current', principal: { id: 'user-1', permissions: ['orders:read'] } });
    const [h, p, sig] = t.split('.');
    const tampered = `${h}.${p}.${sig!.startsWith('A') ? 'B' : 'A'}${sig!.slice(1)}`;
    expect(await auth.authenticate(bearerRequest(tampered))).toMatchObject({ ok: false, error: { code: 'ERR_SIGNATURE_INVALID' } });
    expect(server.hits).toBe(before + 1); // verification used the cached set
  });

  it('finds a rotated-in kid by refetching once, and stops accepting a removed kid after the set is refreshed', async () => {
    server.fault = { kind: 'none' };
    server.keys = [{ ...rsa.publicJwk, kid: 'k-current', use: 'sig', alg: 'RS256' }];
    let now = Date.now();
    const auth = authenticator(() => now);
    expect(await auth.authenticate(bearerRequest(await token(rsa, 'k-current')))).toMatchObject({ ok: true });
    // The issuer starts signing with a new key and publishes it.
    server.keys = [
      { ...rsa.publicJwk, kid: 'k-current', use: 'sig', alg: 'RS256' },
      { ...next.publicJwk, kid: 'k-next', use: 'sig', alg: 'RS256' },
    ];
    const hits = server.hits;
    // Within 30 s of the last fetch an unknown kid is answered from the set held (jose's cooldown): the
    // issuer's first token with the new kid is refused until then, and makes no fetch.
    expect(await auth.authenticate(bearerRequest(await token(next, 'k-next')))).toMatchObject({
      ok: false,
      error: { code: 'ERR_KEY_NOT_FOUND' },
    });
    expect(server.hits).toBe(hits);
    now += 31_000;
    expect(await auth.authenticate(bearerRequest(await token(next, 'k-next')))).toMatchObject({ ok: true, keyId: 'k-next' });
    expect(server.hits).toBe(hits + 1);
    // The old key is withdrawn; once the cached set is past its max-age (300 s here) it no longer verifies.
    server.keys = [{ ...next.publicJwk, kid: 'k-next', use: 'sig', alg: 'RS256' }];
    now += 301_000;
    const old = await auth.authenticate(
      bearerRequest(await token(rsa, 'k-current', { iat: Math.floor(now / 1000), exp: Math.floor(now / 1000) + 60 })),
    );
    expect(old).toMatchObject({ ok: false, error: { code: 'ERR_KEY_NOT_FOUND' } });
  });

  it('a flood of tokens with random kids makes a bounded number of fetches, and none passes', async () => {
    server.fault = { kind: 'none' };
    server.keys = [{ ...rsa.publicJwk, kid: 'k-current', use: 'sig', alg: 'RS256' }];
    const auth = authenticator();
    await auth.hydrate();
    const hits = server.hits;
    const results = await Promise.all(
      Array.from({ length: 500 }, async (_, i) => auth.authenticate(bearerRequest(await token(rsa, `random-${i}-${Math.random()}`)))),
    );
    expect(results.every((r) => !r.ok)).toBe(true);
    expect(server.hits - hits).toBeLessThanOrEqual(1); // one unknown-kid refetch per cooldown (30 s)
  });

  it('an issuer whose JWKS is down is ERR_KEYSTORE_UNAVAILABLE (503), never an accept, and nothing of the URL leaks', async () => {
    server.keys = [{ ...rsa.publicJwk, kid: 'k-current', use: 'sig', alg: 'RS256' }];
    for (const fault of [
      { kind: 'status', status: 500 },
      { kind: 'body', body: '<html>' },
    ] as const) {
      server.fault = fault;
      const auth = authenticator();
      const r = await auth.authenticate(bearerRequest(await token(rsa, 'k-current')));
      expect(r).toMatchObject({ ok: false, error: { code: 'ERR_KEYSTORE_UNAVAILABLE', status: 503 } });
      expect(JSON.stringify(r)).not.toContain('query-token');
      expect(JSON.stringify(r)).not.toContain('k-current');
    }
    server.fault = { kind: 'none' };
  });
});
