/**
 * API-key checks as plain async cases, with no test-runner or platform import, so the same cases run
 * on Node and inside workerd (workerd.test.ts posts the data into a worker). The data (keys made by
 * the library's generator, their hashes by node:crypto) is made on Node and posted as JSON, so the
 * Web Crypto side proves it hashes, parses and compares exactly as Node does.
 */
import type { CryptoBackend } from '../../lib/core/crypto.ts';
import type { SignedRequest } from '../../lib/core/request.ts';
import { apiKeySecretHash, parseApiKey } from '../../lib/keys/api-key-format.ts';
import { createMemoryKeyStore } from '../../lib/keys/memory.ts';
import type { KeyStore } from '../../lib/keys/types.ts';
import { createApiKeySigner, createApiKeyVerifier } from '../../lib/schemes/api-key/index.ts';
import type { SuiteCase } from './sigv4-suite.ts';

/** Keys and the hashes node:crypto gave them; `rotated` shares `key`'s id. */
export interface ApiKeySuiteData {
  readonly id: string;
  readonly key: string;
  readonly rotated: string;
  readonly hash: string;
  readonly rotatedHash: string;
  /** A key of the same id whose hash no record holds. */
  readonly stranger: string;
  /** A key whose id no record has. */
  readonly unknown: string;
}

const request = (headers: Array<[string, string]>): SignedRequest => ({
  method: 'GET',
  path: '/items/1',
  query: 'api_key=ignored',
  headers: [['host', 'api.example.com'], ...headers],
});

/** The checks, named `api-key: ...`. */
export function apiKeyCases(data: ApiKeySuiteData, crypto?: CryptoBackend): SuiteCase[] {
  let lookups = 0;
  const memory = createMemoryKeyStore([
    { id: data.id, scheme: 'api-key', secrets: [data.rotatedHash, data.hash], principal: 'suite', permissions: ['p'] },
  ]);
  const keys: KeyStore = {
    get: (id) => {
      lookups++;
      return memory.get(id);
    },
  };
  const verifier = createApiKeyVerifier({ keys, ...(crypto ? { crypto } : {}) });
  const expectCode = async (headers: Array<[string, string]>, code: string, lookupsExpected?: number) => {
    const before = lookups;
    const r = await verifier.verify(request(headers));
    if (r.ok || r.error.code !== code) throw new Error(`expected ${code}, got ${r.ok ? 'an accept' : r.error.code}`);
    if (lookupsExpected !== undefined && lookups - before !== lookupsExpected)
      throw new Error(`expected ${lookupsExpected} lookups, got ${lookups - before}`);
  };
  const typo = (key: string, i: number) => key.slice(0, i) + (key[i] === 'a' ? 'b' : 'a') + key.slice(i + 1);
  return [
    {
      name: 'api-key: the hash is the one computed on Node',
      async run() {
        if ((await apiKeySecretHash(data.key)) !== data.hash) throw new Error('sha256 differs');
        const parsed = parseApiKey(data.key);
        if (!parsed.ok || parsed.id !== data.id) throw new Error('the key does not parse to its id');
      },
    },
    {
      name: 'api-key: the signed request verifies, with either key of a rotation',
      async run() {
        for (const key of [data.key, data.rotated]) {
          const r = await verifier.verify(await createApiKeySigner({ key }).sign(request([])));
          if (!r.ok || r.keyId !== data.id || r.principal.id !== 'suite' || r.usageIdentifierKey !== key)
            throw new Error(`refused: ${r.ok ? 'wrong answer' : r.error.code}`);
        }
      },
    },
    {
      name: 'api-key: typos and made-up keys are refused before any lookup',
      async run() {
        for (let i = 0; i < data.key.length; i += 7) await expectCode([['X-Api-Key', typo(data.key, i)]], 'ERR_SIGNATURE_INVALID', 0);
        await expectCode([['X-Api-Key', 'letmein']], 'ERR_SIGNATURE_INVALID', 0);
      },
    },
    {
      name: 'api-key: an unknown id, a stranger key, two headers, no header',
      async run() {
        await expectCode([['X-Api-Key', data.unknown]], 'ERR_KEY_NOT_FOUND', 1);
        await expectCode([['X-Api-Key', data.stranger]], 'ERR_SIGNATURE_INVALID', 1);
        await expectCode(
          [
            ['X-Api-Key', data.key],
            ['x-api-key', data.key],
          ],
          'ERR_AUTH_MALFORMED',
          0,
        );
        await expectCode([], 'ERR_AUTH_MISSING', 0);
      },
    },
  ];
}
