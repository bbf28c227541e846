// authenticateAny: a REST event's request checked under each path its client may have signed.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../authenticator.ts';
import { loadConfig } from '../../config/index.ts';
import type { SignedRequest } from '../../core/request.ts';
import type { KeyRecord } from '../../keys/types.ts';
import { createMAuthSigner } from '../../schemes/mauth/signer.ts';
import { createUStudioSigner } from '../../schemes/ustudio-hmac/signer.ts';
import { restSignedPaths } from './events.ts';
import { authenticateAny, MAX_REMOTE_PATHS } from './signed-paths.ts';

const NOW = Date.UTC(2026, 11, 5, 12);
const APP = '5ff4257e-9c16-11e0-b048-0026bbfffe5e';
const SECRET = 'signed-paths-test-secret-0123456789';

// A REST event for a path with characters clients escape differently: nine readings (the path API Gateway saw,
// the stage-prefixed and the bare resource path, each in three spellings).
const event = { httpMethod: 'POST', path: "/a b!(')*", requestContext: { path: "/base/a b!(')*", stage: 'prod' } };
const paths = restSignedPaths(event);
const draft = (path: string): SignedRequest => ({
  method: 'POST',
  path,
  query: '',
  headers: [['host', 'h']],
  body: new TextEncoder().encode('{}'),
});

/** A store that counts lookups, holding one uStudio record. */
function countingStore() {
  const record: KeyRecord = { id: 'known', scheme: 'ustudio-hmac', secrets: [SECRET], principal: 'svc', permissions: [] };
  const store = { lookups: 0, get: async (id: string) => (store.lookups++, id === 'known' ? record : undefined) };
  return store;
}

describe('authenticateAny', () => {
  it('the event has the readings these tests need', () => {
    expect(paths.length).toBe(9);
    expect(paths[0]).toBe('/base/a%20b%21%28%27%29%2A');
  });

  it('accepts a signature over any reading, and stops at the first that verifies', async () => {
    const keys = countingStore();
    const auth = createAuthenticator(loadConfig({ schemes: { 'ustudio-hmac': {} } }), { keys, clock: () => NOW });
    for (const [i, path] of paths.entries()) {
      keys.lookups = 0;
      const signed = await createUStudioSigner({ keyId: 'known', secret: SECRET, clock: () => NOW }).sign(draft(path));
      expect(await authenticateAny(auth, { ...signed, path: paths[0]! }, paths), path).toMatchObject({ ok: true });
      expect(keys.lookups, path).toBe(i + 1);
    }
  });

  it('an unknown key is tried with every reading, as a wrong signature is: the number of tries does not tell them apart', async () => {
    const keys = countingStore();
    const auth = createAuthenticator(loadConfig({ schemes: { 'ustudio-hmac': {} } }), { keys, clock: () => NOW });
    const wrong = await createUStudioSigner({ keyId: 'known', secret: 'another-secret-0123456789-abcdef', clock: () => NOW }).sign(
      draft(paths[0]!),
    );
    const unknown = await createUStudioSigner({ keyId: 'unknown', secret: SECRET, clock: () => NOW }).sign(draft(paths[0]!));
    expect(await authenticateAny(auth, wrong, paths)).toMatchObject({ ok: false, error: { code: 'ERR_SIGNATURE_INVALID' } });
    expect(keys.lookups).toBe(paths.length);
    keys.lookups = 0;
    expect(await authenticateAny(auth, unknown, paths)).toMatchObject({ ok: false, error: { code: 'ERR_KEY_NOT_FOUND' } });
    expect(keys.lookups).toBe(paths.length);
  });

  it('any other answer stands: a malformed request is not tried again', async () => {
    const keys = countingStore();
    const auth = createAuthenticator(loadConfig({ schemes: { 'ustudio-hmac': {} } }), { keys, clock: () => NOW });
    const signed = await createUStudioSigner({ keyId: 'known', secret: SECRET, clock: () => NOW }).sign(draft(paths[0]!));
    const result = await authenticateAny(auth, { ...signed, body: undefined }, paths);
    expect(result).toMatchObject({ ok: false, error: { code: 'ERR_PAYLOAD_HASH_REQUIRED' } });
  });

  it(`a scheme that asks a remote service per check is tried with the ${MAX_REMOTE_PATHS} likeliest readings only`, async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const signer = createMAuthSigner({
      appUuid: APP,
      privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      versions: ['v2'],
      clock: () => NOW,
    });
    const asked: string[] = [];
    let answer = false;
    const remote = {
      get: async () => undefined,
      checkAuthenticationTicket: async (t: { request_url: string }) => (asked.push(t.request_url), answer),
    };
    const auth = createAuthenticator(loadConfig({ schemes: { mauth: {} } }), { keys: remote, clock: () => NOW });
    const forged = await signer.sign(draft(paths[0]!));
    expect(await authenticateAny(auth, forged, paths)).toMatchObject({ ok: false, error: { code: 'ERR_SIGNATURE_INVALID' } });
    expect(asked).toEqual(paths.slice(0, MAX_REMOTE_PATHS));
    // An authentic request on the likeliest reading is one ticket.
    asked.length = 0;
    answer = true;
    expect(await authenticateAny(auth, forged, paths)).toMatchObject({ ok: true, principal: { id: APP } });
    expect(asked).toEqual([paths[0]]);
  });
});
