// withSchemes: the plain functions bound to a registry of the named schemes only. What a bundle holds
// is proved from the tarball (test/package/consumer.test.ts); here, that it validates and
// authenticates exactly as loadConfig and createAuthenticator do with that registry.
import { describe, expect, it } from 'vitest';
import { createAuthenticator } from './authenticator.ts';
import { ConfigError } from './config/records.ts';
import { loadConfig } from './config/load.ts';
import type { SignedRequest } from './core/request.ts';
import { createSchemeRegistry } from './schemes/registry.ts';
import { createSigV4Signer } from './schemes/sigv4/signer.ts';
import { sigv4Scheme } from './schemes/sigv4/scheme.ts';
import { ustudioScheme } from './schemes/ustudio-hmac/scheme.ts';
import { toyScheme } from '../test/fixtures/toy-scheme.ts';
import { withSchemes } from './with-schemes.ts';

const NOW = Date.UTC(2026, 11, 4, 12, 0, 0);
const doc = {
  schemes: { sigv4: { region: 'us-east-1', service: 'execute-api' } },
  routes: [{ path: '/health', methods: ['GET'], public: true }, { path: '/admin/*', permissions: ['admin'] }, { path: '*' }],
  keys: [{ id: 'AKIDWITH', secret: 'with-schemes-secret-1', principal: 'alice', permissions: ['items:read'] }],
};
const signer = createSigV4Signer({
  keyId: 'AKIDWITH',
  secret: 'with-schemes-secret-1',
  region: 'us-east-1',
  service: 'execute-api',
  clock: () => NOW,
});
const draft = (path: string): SignedRequest => ({
  method: 'GET',
  path,
  query: '',
  headers: [['host', 'api.example.com']],
  body: new Uint8Array(),
});

describe('withSchemes', () => {
  it('answers every request as createAuthenticator with the same registry does', async () => {
    const set = withSchemes(sigv4Scheme);
    expect(set.registry.ids).toEqual(['sigv4']);
    const ours = set.createAuthenticator(set.loadConfig(JSON.stringify(doc)), { clock: () => NOW });
    const registry = createSchemeRegistry([sigv4Scheme]);
    const plain = createAuthenticator(loadConfig(doc, registry), { registry, clock: () => NOW });
    const signed = await signer.sign(draft('/items'));
    const requests: SignedRequest[] = [
      signed,
      await signer.sign(draft('/admin/users')),
      { ...signed, path: '/other' },
      draft('/health'),
      draft('/items'),
      {
        ...draft('/items'),
        headers: [
          ['host', 'api.example.com'],
          ['authorization', 'Bearer abc'],
        ],
      },
    ];
    const answers = await Promise.all(requests.map(async (r) => [await ours.authenticate(r), await plain.authenticate(r)]));
    for (const [a, b] of answers) expect(a).toEqual(b);
    expect(answers.map(([a]) => (a!.ok ? 'ok' : a!.error.code))).toEqual([
      'ok',
      'ok',
      'ERR_SIGNATURE_INVALID',
      'ERR_AUTH_MISSING',
      'ERR_AUTH_MISSING',
      'ERR_AUTH_UNSUPPORTED',
    ]);
    for (const path of ['/health', '/admin/users', '/items', '/ADMIN/%2e%2e/admin/x'])
      expect(ours.decide('GET', path)).toEqual(plain.decide('GET', path));
    expect(ours.decide('GET', '/admin/users')).toMatchObject({ public: false, permissions: ['admin'] });
    expect(ours.challenges).toEqual(plain.challenges);
  });

  it('refuses a document naming a scheme it was not given, by field', () => {
    const set = withSchemes(sigv4Scheme);
    const withUStudio = { ...doc, schemes: { ...doc.schemes, 'ustudio-hmac': {} } };
    expect(() => set.loadConfig(withUStudio)).toThrow(ConfigError);
    expect(() => withSchemes(sigv4Scheme, ustudioScheme).loadConfig(withUStudio)).toThrow(/keys\[0\]\.scheme: required/);
    try {
      set.loadConfig(withUStudio);
    } catch (e) {
      expect((e as ConfigError).issues.join('\n')).toMatch(/^schemes\.ustudio-hmac: /m);
    }
  });

  it('takes custom schemes too, and refuses two of one id', () => {
    const set = withSchemes(sigv4Scheme, toyScheme);
    expect(set.registry.ids).toEqual(['sigv4', 'toy']);
    expect(set.loadConfig({ ...doc, schemes: { ...doc.schemes, toy: { realm: 'toys' } }, keys: [] }).schemes).toHaveProperty('toy');
    expect(() => withSchemes(sigv4Scheme, sigv4Scheme)).toThrow(/registered twice/);
  });
});
