// The scheme as a configuration turns it on: keys[] records by kid for an issuer with keyStore: true,
// and a jwksUrl opened through the built-in JWKS store.
import { describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../authenticator.ts';
import { loadConfig } from '../../config/load.ts';
import { keyPair, mint } from '../../../test/fixtures/jwt-keys.ts';

const ISS = 'https://auth.example';
const now = () => Math.floor(Date.now() / 1000);

describe('the jwt scheme in a configuration', () => {
  it('an issuer with keyStore: true finds keys[] records by kid; the record names no principal of the token', async () => {
    const ec = await keyPair('ES256');
    const auth = createAuthenticator(
      loadConfig({
        schemes: { jwt: { issuers: [{ issuer: ISS, audience: null, algorithms: ['ES256'], keyStore: true }] } },
        routes: [{ path: '*' }],
        keys: [
          { id: 'ec-2026', scheme: 'jwt', publicKey: { ...ec.publicJwk, kid: 'ec-2026' }, principal: 'the-record', permissions: ['x'] },
        ],
      }),
    );
    const token = await mint(ec, { iss: ISS, sub: 'token-user', exp: now() + 60 }, { kid: 'ec-2026' });
    const r = await auth.authenticate({ method: 'GET', path: '/', query: '', headers: [['Authorization', `Bearer ${token}`]] });
    expect(r).toMatchObject({ ok: true, scheme: 'jwt', keyId: 'ec-2026', principal: { id: 'token-user', permissions: [] } });
    const other = await mint(ec, { iss: ISS, sub: 'token-user', exp: now() + 60 }, { kid: 'ec-2027' });
    const missing = await auth.authenticate({ method: 'GET', path: '/', query: '', headers: [['Authorization', `Bearer ${other}`]] });
    expect(missing).toMatchObject({ ok: false, error: { code: 'ERR_KEY_NOT_FOUND' } });
  });

  it('an issuer with a jwksUrl reads the built-in JWKS store: end to end in test/keys/jwt-jwks.test.ts', () => {
    const config = loadConfig({
      schemes: { jwt: { issuers: [{ issuer: ISS, audience: 'a', algorithms: ['RS256'], jwksUrl: 'https://auth.example/jwks.json' }] } },
      routes: [{ path: '*' }],
    });
    expect(() => createAuthenticator(config)).not.toThrow();
  });
});
