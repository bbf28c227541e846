// A key store that serves several schemes must say whose each record is: a record without `scheme`
// would otherwise be usable by every scheme the store serves (an API key's stored hash as a uStudio
// secret, a MAuth app's public key verifying JWTs the app signs for any subject).
import { describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../lib/authenticator.ts';
import { loadConfig } from '../../lib/config/load.ts';
import type { SignedRequest } from '../../lib/core/request.ts';
import { apiKeySecretHash, generateApiKey } from '../../lib/keys/api-key-format.ts';
import { createMemoryKeyStore } from '../../lib/keys/memory.ts';
import type { KeyRecord } from '../../lib/keys/types.ts';
import { createApiKeySigner } from '../../lib/schemes/api-key/signer.ts';
import { createUStudioSigner } from '../../lib/schemes/ustudio-hmac/signer.ts';
import { bearerRequest, keyPair, mint } from '../fixtures/jwt-keys.ts';

const draft = (): SignedRequest => ({
  method: 'GET',
  path: '/items',
  query: '',
  headers: [['Host', 'api.example.com']],
  body: new Uint8Array(),
});

function authWith(records: KeyRecord[], schemes: Record<string, unknown>, served: string[]) {
  const config = loadConfig({
    schemes,
    routes: [{ path: '*' }],
    keyStores: [{ type: 'secret-binding', schemes: served, binding: 'KEYS' }],
  });
  return createAuthenticator(config, { openKeyStore: () => createMemoryKeyStore(records) });
}

describe('a key store serving several schemes', () => {
  it('refuses a record without a scheme (503), so an API key hash is no uStudio secret; a scheme-bound record serves its scheme only', async () => {
    const { id, key } = generateApiKey({ id: 'billing01' });
    const hash = await apiKeySecretHash(key);
    const schemes = { 'api-key': {}, 'ustudio-hmac': {} };
    const forged = await createUStudioSigner({ keyId: id, secret: hash }).sign(draft());

    const unbound = authWith([{ id, secrets: [hash], principal: 'billing', permissions: [] }], schemes, ['api-key', 'ustudio-hmac']);
    expect(await unbound.authenticate(forged)).toMatchObject({ ok: false, error: { code: 'ERR_KEYSTORE_UNAVAILABLE' } });
    expect(await unbound.authenticate(await createApiKeySigner({ key }).sign(draft()))).toMatchObject({
      ok: false,
      error: { code: 'ERR_KEYSTORE_UNAVAILABLE' },
    });

    const bound = authWith([{ id, scheme: 'api-key', secrets: [hash], principal: 'billing', permissions: [] }], schemes, [
      'api-key',
      'ustudio-hmac',
    ]);
    expect(await bound.authenticate(forged)).toMatchObject({ ok: false, error: { code: 'ERR_KEY_NOT_FOUND' } });
    expect(await bound.authenticate(await createApiKeySigner({ key }).sign(draft()))).toMatchObject({
      ok: true,
      principal: { id: 'billing' },
    });
  });

  it("refuses a MAuth app's record without a scheme to a JWT issuer that reads the key store", async () => {
    const app = await keyPair('RS256', 'mauth-app');
    const now = Math.floor(Date.now() / 1000);
    const token = await mint(
      app,
      { iss: 'https://issuer.example', sub: 'admin', scope: 'admin:all', exp: now + 60 },
      { kid: 'app-uuid-1' },
    );
    const schemes = {
      mauth: {},
      jwt: { issuers: [{ issuer: 'https://issuer.example', audience: null, algorithms: ['RS256'], keyStore: true }] },
    };
    const record: KeyRecord = {
      id: 'app-uuid-1',
      secrets: [],
      publicKeys: [{ format: 'jwk', jwk: app.publicJwk }],
      principal: 'app',
      permissions: [],
    };
    const auth = authWith([record], schemes, ['mauth', 'jwt']);
    expect(await auth.authenticate(bearerRequest(token))).toMatchObject({ ok: false, error: { code: 'ERR_KEYSTORE_UNAVAILABLE' } });
    const asMAuth = authWith([{ ...record, scheme: 'mauth' }], schemes, ['mauth', 'jwt']);
    expect(await asMAuth.authenticate(bearerRequest(token))).toMatchObject({ ok: false });
  });

  it('a store serving one scheme keeps records without a scheme usable, as before', async () => {
    const { id, key } = generateApiKey({ id: 'billing02' });
    const auth = authWith([{ id, secrets: [await apiKeySecretHash(key)], principal: 'billing', permissions: [] }], { 'api-key': {} }, [
      'api-key',
    ]);
    expect(await auth.authenticate(await createApiKeySigner({ key }).sign(draft()))).toMatchObject({ ok: true });
  });
});
