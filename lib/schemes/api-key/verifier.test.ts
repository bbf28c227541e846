import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeCrypto } from '../../core/crypto-node.ts';
import { webCrypto } from '../../core/crypto-web.ts';
import type { CryptoBackend } from '../../core/crypto.ts';
import type { SignedRequest } from '../../core/request.ts';
import { API_KEY_MAX_LENGTH, apiKeyChecksum, apiKeySecretHash, generateApiKey, parseApiKey } from '../../keys/api-key-format.ts';
import { createMemoryKeyStore } from '../../keys/memory.ts';
import { parseKeyRecord } from '../../keys/record.ts';
import { KeyStoreError, type KeyRecord, type KeyStore } from '../../keys/types.ts';
import { createCachedKeyStore, type KeySource } from '../../keys/cache.ts';
import { createApiKeySigner } from './signer.ts';
import { createApiKeyVerifier } from './verifier.ts';
import { apiKeyFailureBody } from './failure.ts';
import { API_KEY_MESSAGES } from './constants.ts';
import {
  API_KEY,
  apiKeyRecords,
  DISABLED_KEY,
  EXPIRED_KEY,
  FUTURE_KEY,
  hashOf,
  KEY_ID,
  NEXT_API_KEY,
  PRINCIPAL,
  UNKNOWN_KEY,
} from '../../../test/fixtures/api-key-app.ts';

const backends: Array<[string, CryptoBackend]> = [
  ['node:crypto', nodeCrypto],
  ['Web Crypto', webCrypto],
];

const records = (): KeyRecord[] =>
  apiKeyRecords().map((r) => {
    const parsed = parseKeyRecord(r);
    if (!parsed.ok) throw new Error('fixture record invalid');
    return parsed.record;
  });

/** A store that counts its lookups; with `peek`, it also answers (and counts) synchronous lookups. */
function countingStore(
  inner: KeyStore & { peek(id: string): KeyRecord | null } = createMemoryKeyStore(records()),
  withPeek = false,
): KeyStore & { lookups: number } {
  const store: KeyStore & { lookups: number } = {
    lookups: 0,
    get(id: string) {
      store.lookups++;
      return inner.get(id);
    },
  };
  if (withPeek)
    store.peek = (id: string) => {
      store.lookups++;
      return inner.peek(id);
    };
  return store;
}

const request = (headers: Array<[string, string]> = [], query = ''): SignedRequest => ({
  method: 'GET',
  path: '/items/1',
  query,
  headers: [['Host', 'api.example.com'], ...headers],
});
const withKey = (key: string, name = 'X-Api-Key') => request([[name, key]]);

/** The key with one character at `i` replaced by another of its class (a typo). */
function typo(key: string, i: number): string {
  const c = key[i]!;
  const other = /[0-9]/.test(c) ? (c === '0' ? '1' : '0') : /[a-z]/.test(c) ? (c === 'a' ? 'b' : 'a') : c === 'A' ? 'B' : 'A';
  return key.slice(0, i) + other + key.slice(i + 1);
}

describe.each(backends)('the API-key verifier (%s)', (_name, crypto) => {
  it.each([false, true])(
    'round trip (a store that can peek: %s): the signer puts the key on a request; the verifier accepts it as its record',
    async (withPeek) => {
      const store = countingStore(undefined, withPeek);
      const verifier = createApiKeyVerifier({ keys: store, crypto });
      const signed = await createApiKeySigner({ key: API_KEY }).sign(request());
      expect(signed.headers.at(-1)).toEqual(['X-Api-Key', API_KEY]);
      const result = await verifier.verify(signed);
      expect(result).toEqual({
        ok: true,
        scheme: 'api-key',
        keyId: KEY_ID,
        principal: { id: PRINCIPAL, permissions: ['items:read', 'items:write'] },
        usageIdentifierKey: API_KEY,
      });
      expect(store.lookups).toBe(1);
      expect(verifier.cacheableAcrossRoutes).toBe(true);
      expect(verifier.credentials).toEqual({ headers: ['x-api-key'], query: [] });
    },
  );

  it('rotation: both hashes of a record verify, each its own key', async () => {
    const verifier = createApiKeyVerifier({ keys: createMemoryKeyStore(records()), crypto });
    for (const key of [API_KEY, NEXT_API_KEY]) expect(await verifier.verify(withKey(key))).toMatchObject({ ok: true, keyId: KEY_ID });
    // Another key of the same id, in neither hash, does not.
    const stranger = generateApiKey({ id: KEY_ID }).key;
    expect(await verifier.verify(withKey(stranger))).toMatchObject({ ok: false, error: { code: 'ERR_SIGNATURE_INVALID' } });
  });

  it('behind the key cache: the first request looks the id up, the next ones find it with peek (no promise step of their own on Node)', async () => {
    const source: KeySource = { kind: 'per-id', lookup: async (id) => ({ record: records().find((r) => r.id === id) }) };
    const cached = createCachedKeyStore(source);
    const calls = { get: 0, peek: 0 };
    const keys: KeyStore = {
      get: (id) => (calls.get++, cached.get(id)),
      peek: (id) => (calls.peek++, cached.peek!(id)),
    };
    const verifier = createApiKeyVerifier({ keys, crypto });
    for (let i = 0; i < 3; i++) expect(await verifier.verify(withKey(API_KEY))).toMatchObject({ ok: true, keyId: KEY_ID });
    expect(await verifier.verify(withKey(UNKNOWN_KEY))).toMatchObject({ ok: false, error: { code: 'ERR_KEY_NOT_FOUND' } });
    expect(await verifier.verify(withKey(UNKNOWN_KEY))).toMatchObject({ ok: false, error: { code: 'ERR_KEY_NOT_FOUND' } });
    // Web Crypto hashes asynchronously, so it never peeks; node:crypto peeks first every time.
    if (crypto.sync) expect(calls).toEqual({ get: 2, peek: 5 });
    else expect(calls).toEqual({ get: 5, peek: 0 });
  });

  it('usageIdentifierKey: false keeps the key out of the result', async () => {
    const verifier = createApiKeyVerifier({ keys: createMemoryKeyStore(records()), crypto, usageIdentifierKey: false });
    const result = await verifier.verify(withKey(API_KEY));
    expect(result).toMatchObject({ ok: true, keyId: KEY_ID });
    expect(result).not.toHaveProperty('usageIdentifierKey');
  });

  it('reads a configured header name, case-insensitively, and no other', async () => {
    const verifier = createApiKeyVerifier({ keys: createMemoryKeyStore(records()), crypto, header: 'X-Service-Key' });
    for (const name of ['X-Service-Key', 'x-service-key', 'X-SERVICE-KEY'])
      expect(await verifier.verify(withKey(API_KEY, name))).toMatchObject({ ok: true });
    expect(await verifier.verify(withKey(API_KEY))).toMatchObject({ ok: false, error: { code: 'ERR_AUTH_MISSING' } });
    expect(verifier.credentials).toEqual({ headers: ['x-service-key'], query: [] });
    expect(verifier.claims(withKey(API_KEY, 'x-service-KEY'))).toBe(true);
    expect(verifier.claims(withKey(API_KEY))).toBe(false);
  });

  const oversized = API_KEY + 'a'.repeat(API_KEY_MAX_LENGTH);
  // The checksum's first digit replaced by another (chosen from the digit it replaces, so it always changes).
  const checksumBad = API_KEY.slice(0, -8) + (API_KEY.at(-8) === '0' ? '1' : '0') + API_KEY.slice(-7);
  // [label, headers, query, expected code (undefined: accepted), expected lookups]
  const table: Array<[string, Array<[string, string]>, string, string | undefined, number]> = [
    ['missing header', [], '', 'ERR_AUTH_MISSING', 0],
    ['empty header', [['X-Api-Key', '']], '', 'ERR_AUTH_MISSING', 0],
    ['blank header (spaces and a tab)', [['X-Api-Key', ' \t ']], '', 'ERR_AUTH_MISSING', 0],
    ['wrong header name (X-Api-Token)', [['X-Api-Token', API_KEY]], '', 'ERR_AUTH_MISSING', 0],
    ['wrong header name (Authorization: Bearer)', [['Authorization', `Bearer ${API_KEY}`]], '', 'ERR_AUTH_MISSING', 0],
    [
      'duplicate header (same key twice)',
      [
        ['X-Api-Key', API_KEY],
        ['x-api-key', API_KEY],
      ],
      '',
      'ERR_AUTH_MALFORMED',
      0,
    ],
    [
      'duplicate header (a good and a bad key)',
      [
        ['X-Api-Key', 'nope'],
        ['X-API-KEY', API_KEY],
      ],
      '',
      'ERR_AUTH_MALFORMED',
      0,
    ],
    ['duplicate headers joined by the platform with ", "', [['X-Api-Key', `${API_KEY}, ${API_KEY}`]], '', 'ERR_AUTH_MALFORMED', 0],
    ['a comma after the key', [['X-Api-Key', `${API_KEY},`]], '', 'ERR_AUTH_MALFORMED', 0],
    ['bad checksum', [['X-Api-Key', checksumBad]], '', 'ERR_SIGNATURE_INVALID', 0],
    ['a typo in the secret', [['X-Api-Key', typo(API_KEY, 20)]], '', 'ERR_SIGNATURE_INVALID', 0],
    ['a typo in the id', [['X-Api-Key', typo(API_KEY, 4)]], '', 'ERR_SIGNATURE_INVALID', 0],
    ['truncated', [['X-Api-Key', API_KEY.slice(0, -1)]], '', 'ERR_SIGNATURE_INVALID', 0],
    ['not a key at all', [['X-Api-Key', 'letmein']], '', 'ERR_SIGNATURE_INVALID', 0],
    ["the record's hash presented as the key", [['X-Api-Key', hashOf(API_KEY)]], '', 'ERR_SIGNATURE_INVALID', 0],
    ['valid checksum, unknown id', [['X-Api-Key', UNKNOWN_KEY]], '', 'ERR_KEY_NOT_FOUND', 1],
    ['right id, wrong secret (valid checksum)', [['X-Api-Key', generateApiKey({ id: KEY_ID }).key]], '', 'ERR_SIGNATURE_INVALID', 1],
    ['disabled key', [['X-Api-Key', DISABLED_KEY]], '', 'ERR_KEY_NOT_FOUND', 1],
    ['expired key', [['X-Api-Key', EXPIRED_KEY]], '', 'ERR_KEY_NOT_FOUND', 1],
    ['not yet valid key', [['X-Api-Key', FUTURE_KEY]], '', 'ERR_KEY_NOT_FOUND', 1],
    ['oversized header', [['X-Api-Key', oversized]], '', 'ERR_AUTH_MALFORMED', 0],
    ['spaces and tabs around the key (optional whitespace, trimmed)', [['X-Api-Key', ` \t${API_KEY}\t `]], '', undefined, 1],
    ['a newline after the key', [['X-Api-Key', `${API_KEY}\n`]], '', 'ERR_SIGNATURE_INVALID', 0],
    ['a no-break space before the key', [['X-Api-Key', `\u00a0${API_KEY}`]], '', 'ERR_SIGNATURE_INVALID', 0],
    ['a space inside the key', [['X-Api-Key', API_KEY.replace('_', ' _')]], '', 'ERR_SIGNATURE_INVALID', 0],
    ['header name lower-case', [['x-api-key', API_KEY]], '', undefined, 1],
    ['header name upper-case', [['X-API-KEY', API_KEY]], '', undefined, 1],
    ['header name mixed case', [['x-Api-kEY', API_KEY]], '', undefined, 1],
    ['key upper-cased', [['X-Api-Key', API_KEY.toUpperCase()]], '', 'ERR_SIGNATURE_INVALID', 0],
    ['key lower-cased', [['X-Api-Key', API_KEY.toLowerCase()]], '', 'ERR_SIGNATURE_INVALID', 0],
    ['key in the query string only (ignored)', [], `api_key=${API_KEY}&X-Api-Key=${API_KEY}`, 'ERR_AUTH_MISSING', 0],
    ['key in the header and a wrong one in the query (the query is ignored)', [['X-Api-Key', API_KEY]], 'api_key=nope', undefined, 1],
  ];

  it.each(table.flatMap(([label, ...rest]) => [[`${label} (get)`, ...rest, false] as const, [`${label} (peek)`, ...rest, true] as const]))(
    '%s',
    async (_label, headers, query, code, lookups, withPeek) => {
      const store = countingStore(undefined, withPeek);
      const verifier = createApiKeyVerifier({ keys: store, crypto });
      const result = await verifier.verify(request(headers, query));
      if (code === undefined) expect(result).toMatchObject({ ok: true, keyId: KEY_ID });
      else {
        expect(result).toMatchObject({ ok: false, error: { code } });
        const text = JSON.stringify(result);
        for (const [, v] of headers) if (v.trim().length > 8) expect(text).not.toContain(v.trim());
        expect(text).not.toContain(KEY_ID);
      }
      expect(store.lookups).toBe(lookups);
    },
  );

  it('answers an unknown id, a wrong secret and a bad checksum alike to the client: 401, one message', async () => {
    const verifier = createApiKeyVerifier({ keys: createMemoryKeyStore(records()), crypto });
    const bodies = [];
    for (const key of [UNKNOWN_KEY, generateApiKey({ id: KEY_ID }).key, checksumBad, 'random-string', DISABLED_KEY, EXPIRED_KEY]) {
      const r = await verifier.verify(withKey(key));
      if (r.ok) throw new Error('accepted');
      expect(r.error.status).toBe(401);
      expect(r.error.message).toBe(API_KEY_MESSAGES.invalid);
      // What the client sees is the public form: an unknown key id is a bad key.
      const publicError = r.error.code === 'ERR_KEY_NOT_FOUND' ? { ...r.error, code: 'ERR_SIGNATURE_INVALID' as const } : r.error;
      bodies.push(JSON.stringify(apiKeyFailureBody(publicError)));
    }
    expect(new Set(bodies)).toEqual(new Set([JSON.stringify({ error: 'Not Authorized', message: API_KEY_MESSAGES.invalid, status: 401 })]));
  });

  it('reads the clock only for a record with a validity window, and fails closed when it gives no time', async () => {
    let reads = 0;
    const broken = () => {
      reads++;
      return Number.NaN;
    };
    const verifier = createApiKeyVerifier({ keys: createMemoryKeyStore(records()), crypto, clock: broken });
    expect(await verifier.verify(withKey(API_KEY))).toMatchObject({ ok: true });
    expect(reads).toBe(0);
    for (const key of [EXPIRED_KEY, FUTURE_KEY])
      expect(await verifier.verify(withKey(key))).toMatchObject({ ok: false, error: { code: 'ERR_REQUEST_EXPIRED', status: 401 } });
    expect(reads).toBe(2);
  });

  it('fails closed with no key configured: every key is 401', async () => {
    const verifier = createApiKeyVerifier({ keys: createMemoryKeyStore([]), crypto });
    for (const key of [API_KEY, NEXT_API_KEY, UNKNOWN_KEY])
      expect(await verifier.verify(withKey(key))).toMatchObject({ ok: false, error: { status: 401 } });
  });

  it('refuses a record that holds a key in clear (not sha256:<hex>), naming the field and never the value', async () => {
    const { key, id } = generateApiKey({ id: 'cleartext1' });
    const clear: KeyRecord = { id, scheme: 'api-key', secrets: [await apiKeySecretHash(key), key], principal: 'p', permissions: [] };
    const verifier = createApiKeyVerifier({ keys: createMemoryKeyStore([clear]), crypto });
    // Even the key whose hash is there: the record is not one an api-key verifier may trust.
    const result = await verifier.verify(withKey(key));
    expect(result).toMatchObject({ ok: false, error: { code: 'ERR_KEYSTORE_UNAVAILABLE', status: 503 } });
    if (result.ok) return;
    expect(result.error.message).toContain('secrets[1]');
    expect(result.error.message).not.toContain(key);
    expect(JSON.stringify(apiKeyFailureBody(result.error))).not.toContain('secrets[1]');
    // A hash of another form (upper-case hex) is refused too.
    const upper: KeyRecord = { ...clear, secrets: [(await apiKeySecretHash(key)).toUpperCase().replace('SHA256', 'sha256')] };
    expect(await createApiKeyVerifier({ keys: createMemoryKeyStore([upper]), crypto }).verify(withKey(key))).toMatchObject({
      ok: false,
      error: { code: 'ERR_KEYSTORE_UNAVAILABLE' },
    });
  });

  it('a record of another scheme under the id is unknown (401), not a broken store: ids cannot be probed and no one can cause a 5xx', async () => {
    const { key, id } = generateApiKey({ id: 'sharedid01' });
    for (const scheme of ['ustudio-hmac', 'sigv4']) {
      const other: KeyRecord = { id, scheme, secrets: ['a-shared-secret-1'], principal: 'p', permissions: [] };
      const result = await createApiKeyVerifier({ keys: createMemoryKeyStore([other]), crypto }).verify(withKey(key));
      expect(result).toMatchObject({ ok: false, error: { code: 'ERR_KEY_NOT_FOUND', status: 401 } });
    }
  });

  it('answers a store that fails ERR_KEYSTORE_UNAVAILABLE (503), never an accept', async () => {
    const down: KeyStore = { get: () => Promise.reject(new KeyStoreError('timeout', 'down')) };
    const throwing: KeyStore = {
      get: () => {
        throw new Error('sync');
      },
    };
    // A store that breaks its contract (answers without a promise) cannot make verify throw.
    const bare = { get: () => undefined } as unknown as KeyStore;
    expect(await createApiKeyVerifier({ keys: bare, crypto }).verify(withKey(API_KEY))).toMatchObject({
      ok: false,
      error: { code: 'ERR_KEY_NOT_FOUND' },
    });
    for (const keys of [down, throwing])
      expect(await createApiKeyVerifier({ keys, crypto }).verify(withKey(API_KEY))).toMatchObject({
        ok: false,
        error: { code: 'ERR_KEYSTORE_UNAVAILABLE', status: 503 },
      });
  });

  it('property: random strings in the header never pass and never reach the store', async () => {
    const store = countingStore(undefined, true);
    const verifier = createApiKeyVerifier({ keys: store, crypto });
    const keyLike = fc
      .tuple(fc.stringMatching(/^[a-z0-9]{8,40}$/), fc.stringMatching(/^[A-Za-z0-9]{43}$/), fc.stringMatching(/^[0-9a-f]{8}$/))
      .map(([id, secret, sum]) => `ea_${id}_${secret}_${sum}`);
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 120 }), keyLike), async (value) => {
        // A string that happens to carry a right checksum is a key shape (one in 2^32): leave it out.
        fc.pre(!parseApiKey(value.replace(/^[ \t]+|[ \t]+$/g, '')).ok);
        const r = await verifier.verify(withKey(value));
        expect(r.ok).toBe(false);
      }),
      { numRuns: 1000 },
    );
    expect(store.lookups).toBe(0);
  });

  it('property: one character changed anywhere in a good key never passes and never reaches the store', async () => {
    const store = countingStore();
    const verifier = createApiKeyVerifier({ keys: store, crypto });
    await fc.assert(
      fc.asyncProperty(fc.nat(API_KEY.length - 1), fc.integer({ min: 0x21, max: 0x7e }), async (i, code) => {
        const c = String.fromCharCode(code);
        fc.pre(c !== API_KEY[i]);
        const r = await verifier.verify(withKey(API_KEY.slice(0, i) + c + API_KEY.slice(i + 1)));
        expect(r.ok).toBe(false);
      }),
      { numRuns: 500 },
    );
    expect(store.lookups).toBe(0);
  });
});

describe('the API-key signer', () => {
  it('replaces an earlier copy of its header, in any case, and uses a configured name', async () => {
    const signer = createApiKeySigner({ key: API_KEY, header: 'X-Service-Key' });
    const signed = await signer.sign(
      request([
        ['x-service-key', 'old'],
        ['X-Other', '1'],
      ]),
    );
    expect(signed.headers).toEqual([
      ['Host', 'api.example.com'],
      ['X-Other', '1'],
      ['X-Service-Key', API_KEY],
    ]);
  });

  it('refuses what is not a key (a hash, a typo, another id), never quoting it', () => {
    const hash = hashOf(API_KEY);
    for (const [options, message] of [
      [{ key: hash }, /hash a key record holds/],
      [{ key: typo(API_KEY, 20) }, /not an API key/],
      [{ key: '' }, /not an API key/],
      [{ key: API_KEY, keyId: 'someoneelse' }, /does not carry the key id/],
      [{ key: API_KEY, header: 'Authorization' }, /reserved/],
      [{ key: API_KEY, header: 'X Api Key' }, /header name/],
    ] as const) {
      let error: unknown;
      try {
        createApiKeySigner(options);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain(API_KEY);
      expect((error as Error).message).not.toContain(hash);
    }
  });

  it('a key whose checksum was recomputed for a changed secret is a valid key, and still refused by the verifier (wrong hash)', async () => {
    const body = API_KEY.slice(0, -9);
    const changed = body.slice(0, -1) + (body.endsWith('A') ? 'B' : 'A');
    const forged = `${changed}_${apiKeyChecksum(changed)}`;
    const store = countingStore();
    expect(await createApiKeyVerifier({ keys: store }).verify(await createApiKeySigner({ key: forged }).sign(request()))).toMatchObject({
      ok: false,
      error: { code: 'ERR_SIGNATURE_INVALID' },
    });
    expect(store.lookups).toBe(1);
  });
});

describe('createApiKeyVerifier options', () => {
  it('refuses a header name that is not a token or is reserved', () => {
    const keys = createMemoryKeyStore([]);
    for (const header of ['', 'X Api Key', 'Authorization', 'host', 'X-Amz-Security-Token', 'MCC-Authentication', 'a'.repeat(65)])
      expect(() => createApiKeyVerifier({ keys, header })).toThrow(TypeError);
    expect(() => createApiKeyVerifier({ keys: undefined as never })).toThrow(TypeError);
  });
});
