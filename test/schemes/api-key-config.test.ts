// The api-key scheme through the configuration and the authenticator: records holding anything but
// `sha256:<hex>` hashes are refused by loadConfig (naming the field, never the value), options are
// validated, and with no key configured every protected call is 401.
import { describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../lib/authenticator.ts';
import { ConfigError, loadConfig } from '../../lib/config/load.ts';
import type { SignedRequest } from '../../lib/core/request.ts';
import { API_KEY, apiKeyConfig, apiKeyRecords, hashOf, KEY_ID, PRINCIPAL } from '../fixtures/api-key-app.ts';

const issuesOf = (doc: unknown): string[] => {
  try {
    loadConfig(doc);
  } catch (e) {
    if (e instanceof ConfigError) return [...e.issues];
    throw e;
  }
  return [];
};
const req = (headers: Array<[string, string]> = [], path = '/items/1'): SignedRequest => ({
  method: 'GET',
  path,
  query: '',
  headers: [['Host', 'api.example.com'], ...headers],
});

describe('api-key records in the configuration', () => {
  it('accepts the fixture (hashes only) and verifies its keys', async () => {
    const auth = createAuthenticator(loadConfig(apiKeyConfig()));
    expect(await auth.authenticate(req([['X-Api-Key', API_KEY]]))).toMatchObject({ ok: true, keyId: KEY_ID, principal: { id: PRINCIPAL } });
  });

  it.each([
    ['a key in clear as "secret"', { id: 'cleartext1', scheme: 'api-key', secret: API_KEY }, ['keys[0].secret: must be "sha256:"']],
    [
      'a key in clear among hashes in "secrets"',
      { id: 'cleartext1', scheme: 'api-key', secrets: [hashOf(API_KEY), API_KEY] },
      ['keys[0].secrets[1]: must be "sha256:"'],
    ],
    ['an upper-case hex hash', { id: 'cleartext1', scheme: 'api-key', secret: hashOf(API_KEY).toUpperCase() }, ['keys[0].secret: must be']],
    [
      'a bare hex hash (no "sha256:")',
      { id: 'cleartext1', scheme: 'api-key', secret: hashOf(API_KEY).slice(7) },
      ['keys[0].secret: must be'],
    ],
    [
      'a record without a scheme when api-key is the only scheme',
      { id: 'cleartext1', secret: 'a-shared-secret-1' },
      ['keys[0].secret: must be "sha256:"'],
    ],
    [
      'an id no key can carry',
      { id: 'Billing_01', scheme: 'api-key', secret: hashOf(API_KEY) },
      ['keys[0].id: must be 8 to 40 of a-z, 0-9'],
    ],
  ])('refuses %s, naming the field and never the value', (_label, record, expected) => {
    const issues = issuesOf({ schemes: { 'api-key': {} }, keys: [{ ...record, principal: 'p' }] });
    expect(issues).toHaveLength(expected.length);
    expected.forEach((prefix, i) => expect(issues[i]).toContain(prefix));
    const text = issues.join('\n');
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain(hashOf(API_KEY).slice(7, 30));
    expect(text).not.toContain('a-shared-secret-1');
  });

  it("leaves other schemes' records alone (a SigV4 secret is a shared secret)", () => {
    const doc = {
      schemes: { sigv4: { region: 'us-east-1', service: 'execute-api' }, 'api-key': {} },
      keys: [{ id: 'AKIDEXAMPLE', scheme: 'sigv4', secret: 'a-shared-secret-1', principal: 'p' }, ...apiKeyRecords()],
    };
    expect(issuesOf(doc)).toEqual([]);
  });

  it('validates the options: a header name that is not a token or is reserved, an unknown field', () => {
    expect(issuesOf({ schemes: { 'api-key': { header: 'Authorization' } } })[0]).toMatch(/^schemes\.api-key\.header: must be/);
    expect(issuesOf({ schemes: { 'api-key': { header: 'X Api Key' } } })[0]).toMatch(/^schemes\.api-key\.header: must be/);
    expect(issuesOf({ schemes: { 'api-key': { usageIdentifierKey: 'yes' } } })[0]).toMatch(/^schemes\.api-key\.usageIdentifierKey/);
    expect(issuesOf({ schemes: { 'api-key': { query: 'api_key' } } })[0]).toMatch(/^schemes\.api-key\.query/);
  });

  it('fails closed with no key configured: every protected call is 401, public routes stay public', async () => {
    const auth = createAuthenticator(loadConfig({ ...apiKeyConfig(), keys: [] }));
    for (const headers of [[], [['X-Api-Key', API_KEY]], [['X-Api-Key', 'anything']]] as Array<Array<[string, string]>>) {
      const r = await auth.authenticate(req(headers));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.status).toBe(401);
    }
    expect(auth.decide('GET', '/health')).toMatchObject({ ok: true, public: true });
  });
});
