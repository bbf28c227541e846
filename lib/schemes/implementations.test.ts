import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assembleAuthenticator } from '../authenticator-core.ts';
import { createAuthenticator } from '../authenticator.ts';
import { loadConfig } from '../config/load.ts';
import type { SchemeImplementation } from './descriptor.ts';
import { builtInImplementations } from './implementations.ts';
import { builtInSchemes } from './registry.ts';
import { createSigV4Signer } from './sigv4/signer.ts';

// Everything a descriptor has besides its options schema.
const MEMBERS: ReadonlyArray<keyof SchemeImplementation> = [
  'id',
  'claims',
  'createVerifier',
  'createSigner',
  'signerVariants',
  'challenges',
  'failureBody',
  'recordIssues',
  'body',
  'credentials',
  'cacheableAcrossRoutes',
];

describe('builtInImplementations', () => {
  it('holds the schemes of builtInSchemes, in the same order', () => {
    expect(builtInImplementations.map((i) => i.id)).toEqual(builtInSchemes.ids);
  });

  it('is each built-in descriptor without its options schema: the very same functions and values', () => {
    builtInSchemes.schemes.forEach((descriptor, i) => {
      const implementation = builtInImplementations[i]!;
      for (const m of MEMBERS) expect(implementation[m], `${descriptor.id}.${m}`).toBe(descriptor[m]);
      expect('options' in implementation).toBe(false);
    });
  });
});

describe('assembleAuthenticator on a configuration loadConfig output', () => {
  const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
  const text = readFileSync(new URL('../../infra/lambda-demo-config.json', import.meta.url), 'utf8');
  const config = loadConfig(text);
  const validated = createAuthenticator(config, { clock: () => NOW });
  const assembled = assembleAuthenticator(config, builtInImplementations, { clock: () => NOW }, (_scheme, options) => options);

  it('answers as createAuthenticator does: same schemes, options, challenges and credentials', () => {
    expect(assembled.schemes.map((s) => [s.descriptor.id, s.options])).toEqual(validated.schemes.map((s) => [s.descriptor.id, s.options]));
    expect(assembled.challenges).toEqual(validated.challenges);
    expect(assembled.credentials).toEqual(validated.credentials);
    expect(assembled.registry).toBeUndefined();
    expect(validated.registry).toBe(builtInSchemes);
  });

  it('verifies a signed request and refuses a tampered one, as createAuthenticator does', async () => {
    const signer = createSigV4Signer({
      keyId: 'AKIDEMO00000000000001',
      secret: 'demo-only-secret-do-not-use-in-production-1',
      region: 'us-east-1',
      service: 'execute-api',
      clock: () => NOW,
    });
    const signed = await signer.sign({
      method: 'GET',
      path: '/dev/rest/items',
      query: 'a=1',
      headers: [['Host', 'api.test']],
      body: new Uint8Array(),
    });
    for (const auth of [assembled, validated]) {
      expect(await auth.authenticate(signed)).toMatchObject({ ok: true, principal: { id: 'demo-user' } });
      expect(await auth.authenticate({ ...signed, query: 'a=2' })).toMatchObject({ ok: false, error: { code: 'ERR_SIGNATURE_INVALID' } });
    }
  });

  it('refuses a configured scheme it has no implementation for', () => {
    expect(() => assembleAuthenticator(config, [], {}, (_scheme, options) => options)).toThrow(/schemes\.sigv4: no such scheme/);
  });
});
