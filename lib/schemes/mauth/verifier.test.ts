import { constants, createHash, generateKeyPairSync, privateEncrypt } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeCrypto } from '../../core/crypto-node.ts';
import { webCrypto } from '../../core/crypto-web.ts';
import type { CryptoBackend } from '../../core/crypto.ts';
import type { SignedRequest } from '../../core/request.ts';
import { createMemoryKeyStore } from '../../keys/memory.ts';
import type { KeyRecord } from '../../keys/types.ts';
import { loadMAuthVectors, mauthSigningConfig } from '../../../test/conformance/mauth-vectors.ts';
import { createMAuthResponseSigner, createMAuthResponseVerifier } from './response.ts';
import { createMAuthSigner } from './signer.ts';
import { createMAuthVerifier, decoyFor, MAUTH_MESSAGES } from './verifier.ts';
import { countedCrypto } from '../../../test/helpers/counted-crypto.ts';

const suite = mauthSigningConfig();
const vectors = loadMAuthVectors();
const SUITE_TIME_MS = suite.time * 1000;
const backends: Array<[string, CryptoBackend]> = [
  ['node:crypto', nodeCrypto],
  ['Web Crypto', webCrypto],
];

const suiteKeys = createMemoryKeyStore([
  {
    id: suite.appUuid,
    scheme: 'mauth',
    secrets: [],
    publicKeys: [{ format: 'spki', pem: suite.publicKey.trim() }],
    principal: 'suite-app',
    permissions: ['x'],
  } as KeyRecord,
]);

function requestOf(v: (typeof vectors)[number], headers: Array<[string, string]>): SignedRequest {
  return { method: v.method, path: v.path, query: v.query, headers, body: v.body };
}

describe.each(backends)('the protocol suite (%s)', (_name, crypto) => {
  const verifier = createMAuthVerifier({ keys: suiteKeys, clock: () => SUITE_TIME_MS, crypto });
  const signer = (versions: Array<'v1' | 'v2'>) =>
    createMAuthSigner({ appUuid: suite.appUuid, privateKey: suite.privateKey, versions, clock: () => SUITE_TIME_MS, crypto });

  it.each(vectors.map((v) => [`${v.version === 1 ? 'MWS' : 'MWSV2'} ${v.name}`, v] as const))(
    '%s verifies with its headers',
    async (_, v) => {
      const headers = Object.entries(v.authz).map(([n, val]): [string, string] => [n, String(val)]);
      const result = await verifier.verify(requestOf(v, headers));
      expect(result).toMatchObject({ ok: true, scheme: 'mauth', keyId: suite.appUuid, principal: { id: 'suite-app' } });
    },
  );

  it.each(vectors.filter((v) => v.sig).map((v) => [`${v.version === 1 ? 'MWS' : 'MWSV2'} ${v.name}`, v] as const))(
    '%s: our signer produces the suite signature and headers',
    async (_, v) => {
      const signed = await signer([v.version === 1 ? 'v1' : 'v2']).sign(requestOf(v, []));
      const expected = Object.entries(v.authz).map(([n, val]) => [n, String(val)]);
      expect(signed.headers).toEqual(expected);
      expect(String(v.authz[v.version === 1 ? 'X-MWS-Authentication' : 'MCC-Authentication'])).toContain(v.sig!);
    },
  );
});

describe.each([2048, 4096])('round trips, %i-bit keys', (bits) => {
  const pair = generateKeyPairSync('rsa', { modulusLength: bits });
  const privateKeys = {
    pkcs1: pair.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string,
    pkcs8: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  };
  const record: KeyRecord = {
    id: 'app-1',
    scheme: 'mauth',
    secrets: [],
    publicKeys: [{ format: 'pkcs1', pem: (pair.publicKey.export({ type: 'pkcs1', format: 'pem' }) as string).trim() }],
    principal: 'app',
    permissions: [],
  };
  const NOW = Date.UTC(2026, 11, 3, 12);
  const req: SignedRequest = {
    method: 'POST',
    path: '/a/./b//c',
    query: 'z=1&a=%2F&a=b',
    headers: [['content-type', 'application/json']],
    body: new TextEncoder().encode('{"x":1}'),
  };

  it.each(
    backends.flatMap(([signName, signCrypto]) =>
      backends.flatMap(([verifyName, verifyCrypto]) =>
        (['pkcs1', 'pkcs8'] as const).flatMap((form) =>
          (['v1', 'v2', 'v1,v2'] as const).map(
            (versions) =>
              [`${versions} ${form}, signed by ${signName}, verified by ${verifyName}`, signCrypto, verifyCrypto, form, versions] as const,
          ),
        ),
      ),
    ),
  )('%s', async (_, signCrypto, verifyCrypto, form, versions) => {
    const signer = createMAuthSigner({
      appUuid: 'app-1',
      privateKey: privateKeys[form],
      versions: versions.split(',') as Array<'v1' | 'v2'>,
      clock: () => NOW,
      crypto: signCrypto,
    });
    const verifier = createMAuthVerifier({ keys: createMemoryKeyStore([record]), clock: () => NOW, crypto: verifyCrypto });
    expect(await verifier.verify(await signer.sign(req))).toMatchObject({ ok: true, keyId: 'app-1' });
  });
});

describe('negative table', () => {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKey = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const publicKey = (pair.publicKey.export({ type: 'spki', format: 'pem' }) as string).trim();
  const NOW = Date.UTC(2026, 11, 3, 12);
  const record: KeyRecord = {
    id: 'app-1',
    scheme: 'mauth',
    secrets: [],
    publicKeys: [{ format: 'spki', pem: publicKey }],
    principal: 'app',
    permissions: [],
  };
  const other: KeyRecord = { ...record, id: 'app-2', principal: 'other' };
  const keys = createMemoryKeyStore([record, other]);
  const verifier = (opts: { v2Only?: boolean; unsafeV1Fallback?: boolean } = {}) =>
    createMAuthVerifier({ keys, clock: () => NOW, ...opts });
  const sign = (versions: Array<'v1' | 'v2'>, at = NOW) => createMAuthSigner({ appUuid: 'app-1', privateKey, versions, clock: () => at });
  const base: SignedRequest = {
    method: 'POST',
    path: '/items/1',
    query: 'a=1&b=2',
    headers: [['host', 'h']],
    body: new TextEncoder().encode('{"n":1}'),
  };
  const set = (r: SignedRequest, name: string, value: string): SignedRequest => ({
    ...r,
    headers: r.headers.map(([n, v]): [string, string] => (n.toLowerCase() === name ? [n, value] : [n, v])),
  });
  const header = (r: SignedRequest, name: string) => r.headers.find(([n]) => n.toLowerCase() === name)![1];
  /** The header with one character of its signature changed (the tenth after the ":"). */
  const flipBase64 = (s: string) => {
    const i = s.indexOf(':') + 10;
    return s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
  };

  const cases: Array<
    [string, Array<'v1' | 'v2'>, (r: SignedRequest) => SignedRequest, string, { v2Only?: boolean; unsafeV1Fallback?: boolean }?]
  > = [
    ['v2: tampered verb', ['v2'], (r) => ({ ...r, method: 'PUT' }), 'ERR_SIGNATURE_INVALID'],
    ['v2: tampered path', ['v2'], (r) => ({ ...r, path: '/items/2' }), 'ERR_SIGNATURE_INVALID'],
    ['v2: tampered query', ['v2'], (r) => ({ ...r, query: 'a=1&b=3' }), 'ERR_SIGNATURE_INVALID'],
    ['v2: an added query parameter', ['v2'], (r) => ({ ...r, query: r.query + '&admin=1' }), 'ERR_SIGNATURE_INVALID'],
    ['v2: tampered body byte', ['v2'], (r) => ({ ...r, body: new TextEncoder().encode('{"n":2}') }), 'ERR_SIGNATURE_INVALID'],
    [
      'v2: another app uuid',
      ['v2'],
      (r) => set(r, 'mcc-authentication', header(r, 'mcc-authentication').replace('app-1', 'app-2')),
      'ERR_SIGNATURE_INVALID',
    ],
    [
      'v2: unknown app uuid',
      ['v2'],
      (r) => set(r, 'mcc-authentication', header(r, 'mcc-authentication').replace('app-1', 'app-9')),
      'ERR_KEY_NOT_FOUND',
    ],
    ['v2: tampered time', ['v2'], (r) => set(r, 'mcc-time', String(Number(header(r, 'mcc-time')) + 1)), 'ERR_SIGNATURE_INVALID'],
    ['v2: stale time', ['v2'], (r) => r, 'ERR_REQUEST_EXPIRED'],
    ['v2: future time', ['v2'], (r) => r, 'ERR_REQUEST_NOT_YET_VALID'],
    ['v2: time not digits', ['v2'], (r) => set(r, 'mcc-time', '1e9'), 'ERR_REQUEST_EXPIRED'],
    ['v2: no time header', ['v2'], (r) => ({ ...r, headers: r.headers.filter(([n]) => n !== 'MCC-Time') }), 'ERR_REQUEST_EXPIRED'],
    [
      'v2: tampered signature',
      ['v2'],
      (r) => set(r, 'mcc-authentication', flipBase64(header(r, 'mcc-authentication').replace('MWSV2 app-1:', 'MWSV2 app-1:'))),
      'ERR_SIGNATURE_INVALID',
    ],
    [
      'v2: truncated signature',
      ['v2'],
      (r) => set(r, 'mcc-authentication', header(r, 'mcc-authentication').replace(/:(.{20}).*;$/, ':$1;')),
      'ERR_SIGNATURE_INVALID',
    ],
    ['v2: non-base64 signature', ['v2'], (r) => set(r, 'mcc-authentication', 'MWSV2 app-1:not*base64;'), 'ERR_AUTH_MALFORMED'],
    [
      'v2: no trailing ";"',
      ['v2'],
      (r) => set(r, 'mcc-authentication', header(r, 'mcc-authentication').slice(0, -1)),
      'ERR_AUTH_MALFORMED',
    ],
    [
      'v2: the v1 token',
      ['v2'],
      (r) => set(r, 'mcc-authentication', header(r, 'mcc-authentication').replace('MWSV2 ', 'MWS ')),
      'ERR_AUTH_MALFORMED',
    ],
    ['v2: oversized header', ['v2'], (r) => set(r, 'mcc-authentication', `MWSV2 app-1:${'A'.repeat(4096)};`), 'ERR_AUTH_MALFORMED'],
    [
      'v2: duplicated header',
      ['v2'],
      (r) => ({ ...r, headers: [...r.headers, ['MCC-Authentication', header(r, 'mcc-authentication')]] }),
      'ERR_AUTH_MALFORMED',
    ],
    ['v1: tampered verb', ['v1'], (r) => ({ ...r, method: 'PUT' }), 'ERR_SIGNATURE_INVALID'],
    ['v1: tampered path', ['v1'], (r) => ({ ...r, path: '/items/2' }), 'ERR_SIGNATURE_INVALID'],
    ['v1: tampered body byte', ['v1'], (r) => ({ ...r, body: new TextEncoder().encode('{"n":2}') }), 'ERR_SIGNATURE_INVALID'],
    [
      'v1: another app uuid',
      ['v1'],
      (r) => set(r, 'x-mws-authentication', header(r, 'x-mws-authentication').replace('app-1', 'app-2')),
      'ERR_SIGNATURE_INVALID',
    ],
    ['v1: tampered time', ['v1'], (r) => set(r, 'x-mws-time', String(Number(header(r, 'x-mws-time')) - 1)), 'ERR_SIGNATURE_INVALID'],
    [
      'v1: tampered signature',
      ['v1'],
      (r) => set(r, 'x-mws-authentication', flipBase64(header(r, 'x-mws-authentication'))),
      'ERR_SIGNATURE_INVALID',
    ],
    ['v1: in v2-only mode', ['v1'], (r) => r, 'ERR_AUTH_UNSUPPORTED', { v2Only: true }],
    ['both: a broken v2 is not rescued by v1', ['v1', 'v2'], (r) => ({ ...r, query: 'a=1&b=3' }), 'ERR_SIGNATURE_INVALID'],
    [
      'both: a forged v2 beside a good v1',
      ['v1', 'v2'],
      (r) => set(r, 'mcc-authentication', flipBase64(header(r, 'mcc-authentication'))),
      'ERR_SIGNATURE_INVALID',
    ],
  ];

  it.each(cases)('%s -> %s', async (label, versions, tamper, code, opts) => {
    const at = label.includes('stale') ? NOW - 301_000 : label.includes('future') ? NOW + 301_000 : NOW;
    const signed = await sign(versions, at).sign(base);
    // Untampered, the request verifies (at its own time, without the option under test).
    expect(await createMAuthVerifier({ keys, clock: () => at }).verify(signed)).toMatchObject({ ok: true });
    const result = await verifier(opts).verify(tamper(signed));
    expect(result).toMatchObject({ ok: false, error: { code } });
    if (!result.ok) expect(result.error.message).not.toMatch(/app-1|app-2|MII/);
  });

  it('v1 does not sign the query: with the unsafe fallback on, a tampered query passes through v1 (why it is off)', async () => {
    const signed = await sign(['v1', 'v2']).sign(base);
    const tampered = { ...signed, query: 'a=1&b=3' };
    expect(await verifier({ unsafeV1Fallback: true }).verify(tampered)).toMatchObject({ ok: true });
    expect(await verifier().verify(tampered)).toMatchObject({ ok: false, error: { code: 'ERR_SIGNATURE_INVALID' } });
  });

  it("gives the original's messages", async () => {
    expect(await verifier().verify(base)).toMatchObject({
      ok: false,
      error: { code: 'ERR_AUTH_MISSING', message: MAUTH_MESSAGES.missing },
    });
    expect(await verifier({ v2Only: true }).verify(await sign(['v1']).sign(base))).toMatchObject({
      ok: false,
      error: { message: MAUTH_MESSAGES.v2Required },
    });
  });

  it.each([
    ['block type 02', (b: Buffer) => (b[1] = 2)],
    ['a padding byte that is not FF', (b: Buffer) => (b[20] = 0xfe)],
    ['first byte not 00', (b: Buffer) => (b[0] = 1)],
    ['a separator after seven FF bytes', (b: Buffer) => b.fill(0, 9, 10)], // the payload would then start early
  ])('v1: a signature over the right digest with %s is refused (the whole type-1 block is checked)', async (_, spoil) => {
    const signed = await sign(['v1']).sign(base);
    const [, time] = signed.headers.find(([n]) => n === 'X-MWS-Time')!;
    const sts = Buffer.concat([Buffer.from(`POST\n/items/1\n`), Buffer.from(base.body!), Buffer.from(`\napp-1\n${time}`)]);
    const digest = Buffer.from(createHash('sha512').update(sts).digest('hex'));
    const block = Buffer.alloc(256, 0xff);
    block[0] = 0;
    block[1] = 1;
    block[256 - digest.length - 1] = 0;
    digest.copy(block, 256 - digest.length);
    // The right block verifies; each spoiled one does not.
    const as = (b: Buffer) => ({
      ...signed,
      headers: signed.headers.map(([n, v]): [string, string] =>
        n === 'X-MWS-Authentication'
          ? [n, `MWS app-1:${privateEncrypt({ key: pair.privateKey, padding: constants.RSA_NO_PADDING }, b).toString('base64')}`]
          : [n, v],
      ),
    });
    expect(await verifier().verify(as(block))).toMatchObject({ ok: true });
    const bad = Buffer.from(block);
    spoil(bad);
    for (const crypto of [nodeCrypto, webCrypto])
      expect(await createMAuthVerifier({ keys, clock: () => NOW, crypto }).verify(as(bad))).toMatchObject({
        ok: false,
        error: { code: 'ERR_SIGNATURE_INVALID' },
      });
  });

  it('±300 s: the edges pass', async () => {
    for (const at of [NOW - 300_000, NOW + 300_000])
      expect(await verifier().verify(await sign(['v2'], at).sign(base))).toMatchObject({ ok: true });
  });

  it('a store that fails answers ERR_KEYSTORE_UNAVAILABLE', async () => {
    const v = createMAuthVerifier({ keys: { get: () => Promise.reject(new Error('down')) }, clock: () => NOW });
    expect(await v.verify(await sign(['v2']).sign(base))).toMatchObject({ ok: false, error: { code: 'ERR_KEYSTORE_UNAVAILABLE' } });
  });

  it('a key below minKeyBits never verifies', async () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const smallRecord: KeyRecord = {
      ...record,
      publicKeys: [{ format: 'spki', pem: (small.publicKey.export({ type: 'spki', format: 'pem' }) as string).trim() }],
    };
    const signer = createMAuthSigner({
      appUuid: 'app-1',
      privateKey: small.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      clock: () => NOW,
    });
    const v = createMAuthVerifier({ keys: createMemoryKeyStore([smallRecord]), clock: () => NOW });
    expect(await v.verify(await signer.sign(base))).toMatchObject({ ok: false, error: { code: 'ERR_SIGNATURE_INVALID' } });
  });

  it('any single-byte change to a signed v2 request is refused (property)', async () => {
    const signed = await sign(['v2']).sign(base);
    const v = verifier();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('method', 'path', 'query', 'body', 'time', 'sig'),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        async (part, pos, delta) => {
          let r: SignedRequest = signed;
          const bump = (s: string) => {
            const i = pos % Math.max(1, s.length);
            return s.slice(0, i) + String.fromCharCode(((s.charCodeAt(i) || 0) + delta) % 128 || 1) + s.slice(i + 1);
          };
          if (part === 'method') r = { ...r, method: bump(r.method) };
          if (part === 'path') r = { ...r, path: '/' + bump(r.path.slice(1)) };
          if (part === 'query') r = { ...r, query: bump(r.query) };
          if (part === 'body') {
            const body = new Uint8Array(r.body!);
            body[pos % body.length] = (body[pos % body.length]! + delta) % 256;
            r = { ...r, body };
          }
          if (part === 'time') r = set(r, 'mcc-time', String(Number(header(r, 'mcc-time')) + (delta % 200) + 1));
          if (part === 'sig') r = set(r, 'mcc-authentication', flipBase64(header(r, 'mcc-authentication')));
          const result = await v.verify(r);
          // A change that normalises to the same signed string (e.g. "a=1" vs "a=%31") is the same request.
          if (result.ok) {
            const same = await v.explain!(r);
            const orig = await v.explain!(signed);
            expect(same.stringToSign).toBe(orig.stringToSign);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  const refusedApps: Array<[string, KeyRecord | undefined]> = [
    ['an app the store does not know', undefined],
    ['a disabled app', { ...record, disabled: true }],
    ['an app whose key expired', { ...record, expiresAt: NOW / 1000 - 1 }],
    ['an app of another scheme', { ...record, scheme: 'sigv4' }],
  ];
  it.each(backends.flatMap(([b, c]) => (['v1', 'v2'] as const).flatMap((v) => refusedApps.map(([r, rec]) => [r, v, b, c, rec] as const))))(
    'local mode does the same crypto for %s as for a wrong signature (%s, %s)',
    async (_r, version, _b, backend, refused) => {
      const { crypto, calls } = countedCrypto(backend);
      const callsFor = async (store: KeyRecord[], req: SignedRequest, code: string) => {
        const v = createMAuthVerifier({ keys: createMemoryKeyStore(store), clock: () => NOW, crypto });
        // Verified once first: each key (the decoy too) is imported then, and not again.
        expect(await v.verify(req)).toMatchObject({ ok: false, error: { code } });
        calls.clear();
        expect(await v.verify(req)).toMatchObject({ ok: false, error: { code } });
        return new Map(calls);
      };
      const signed = await sign([version]).sign(base);
      const name = version === 'v1' ? 'x-mws-authentication' : 'mcc-authentication';
      const bad = await callsFor([record], set(signed, name, flipBase64(header(signed, name))), 'ERR_SIGNATURE_INVALID');
      const unknown = await callsFor(refused ? [refused] : [], signed, 'ERR_KEY_NOT_FOUND');
      expect([...bad.keys()].some((k) => k.includes('rsa.'))).toBe(true);
      expect(unknown).toEqual(bad);
    },
  );

  it.each(backends.flatMap(([b, c]) => [1024, 2048, 3072, 4096, 8192].map((bits) => [bits, b, c] as const)))(
    'an unknown app costs an RSA operation with a decoy of the smallest size of at least minKeyBits %i (%s)',
    async (minKeyBits, _b, backend) => {
      const sizes: number[] = [];
      const { crypto, calls } = countedCrypto(backend);
      // The sizes of the keys the verifier imports: only the decoy's, as the store holds no app.
      const sync = crypto.sync?.rsa;
      const rsa = sync ?? crypto.rsa!;
      const importPublicKey = rsa.importPublicKey.bind(rsa);
      const recording = {
        ...crypto,
        ...(sync
          ? {
              sync: {
                ...crypto.sync!,
                rsa: { ...sync, importPublicKey: (k: never) => ((r) => (sizes.push(r.bits), r))(sync.importPublicKey(k)) },
              },
            }
          : { rsa: { ...crypto.rsa!, importPublicKey: async (k: never) => ((r) => (sizes.push(r.bits), r))(await importPublicKey(k)) } }),
      } as CryptoBackend;
      const v = createMAuthVerifier({ keys: createMemoryKeyStore([]), clock: () => NOW, crypto: recording, minKeyBits });
      expect(await v.verify(await sign(['v2']).sign(base))).toMatchObject({ ok: false, error: { code: 'ERR_KEY_NOT_FOUND' } });
      expect(sizes).toEqual([minKeyBits <= 2048 ? 2048 : minKeyBits <= 3072 ? 3072 : 4096]);
      expect([...calls.keys()].some((k) => k.includes('rsa.verifySha512'))).toBe(true);
    },
  );

  it('each decoy modulus has its size and its top 15 bits set (a signature too large for it is too large for nearly any key)', () => {
    for (const bits of [2048, 3072, 4096]) {
      const jwk = (decoyFor(bits).publicKeys![0] as unknown as { jwk: { n: string; e: string } }).jwk;
      const n = BigInt('0x' + Buffer.from(jwk.n, 'base64url').toString('hex'));
      expect(n.toString(2)).toHaveLength(bits);
      expect(n >> BigInt(bits - 15)).toBe((1n << 15n) - 1n);
      expect(n % 2n).toBe(1n);
      expect(jwk.e).toBe('AQAB');
    }
  });
});

describe('signed responses', () => {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const NOW = Date.UTC(2026, 11, 3, 12);
  const keys = createMemoryKeyStore([
    {
      id: 'svc',
      scheme: 'mauth',
      secrets: [],
      publicKeys: [{ format: 'spki', pem: (pair.publicKey.export({ type: 'spki', format: 'pem' }) as string).trim() }],
      principal: 'svc',
      permissions: [],
    },
  ]);
  it.each([['v1'], ['v2'], ['v1,v2']])('%s: a signed response verifies; a changed status or body does not', async (versions) => {
    const sign = createMAuthResponseSigner({
      appUuid: 'svc',
      privateKey: pair.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string,
      versions: versions.split(',') as Array<'v1' | 'v2'>,
      clock: () => NOW,
    });
    const verify = createMAuthResponseVerifier({ keys, clock: () => NOW });
    const signed = await sign({
      status: 200,
      headers: [['content-type', 'application/json']],
      body: new TextEncoder().encode('{"ok":true}'),
    });
    expect(await verify(signed)).toMatchObject({ ok: true, keyId: 'svc' });
    expect(await verify({ ...signed, status: 201 })).toMatchObject({ ok: false, error: { code: 'ERR_SIGNATURE_INVALID' } });
    expect(await verify({ ...signed, body: new TextEncoder().encode('{"ok":false}') })).toMatchObject({ ok: false });
  });

  it('refuses a remote-mode store at creation (the key service checks requests, never responses)', () => {
    let posted = 0;
    const remote = {
      get: () => Promise.resolve(undefined),
      checkAuthenticationTicket: () => Promise.resolve(++posted > 0),
    };
    expect(() => createMAuthResponseVerifier({ keys: remote })).toThrow(TypeError);
    expect(posted).toBe(0);
  });
});

describe('remote mode (the MAuth service judges each signature)', () => {
  const signer = createMAuthSigner({ appUuid: suite.appUuid, privateKey: suite.privateKey, versions: ['v2'], clock: () => SUITE_TIME_MS });
  const request: SignedRequest = { method: 'POST', path: '/items', query: '', headers: [], body: new TextEncoder().encode('{"a":1}') };

  function remoteVerifier(minKeyBits?: number) {
    const tickets: Array<{ client_signature: string; b64encoded_body: string }> = [];
    const verifier = createMAuthVerifier({
      keys: createMemoryKeyStore([]),
      clock: () => SUITE_TIME_MS,
      remote: async (t) => (tickets.push(t), true),
      ...(minKeyBits === undefined ? {} : { minKeyBits }),
    });
    return { verifier, tickets };
  }

  it('asks the service with the body in base64 and says it asks remotely', async () => {
    const { verifier, tickets } = remoteVerifier();
    expect(verifier.asksRemotely).toBe(true);
    expect(createMAuthVerifier({ keys: suiteKeys }).asksRemotely).toBe(false);
    expect(await verifier.verify(await signer.sign(request))).toMatchObject({ ok: true });
    expect(tickets.map((t) => t.b64encoded_body)).toEqual(['eyJhIjoxfQ==']);
  });

  it('refuses without asking a signature no key of the accepted sizes can have made', async () => {
    const { verifier, tickets } = remoteVerifier();
    const signed = await signer.sign(request);
    const [name, value] = signed.headers.find(([n]) => n === 'MCC-Authentication')!;
    const withSignature = (sig: string): SignedRequest => ({
      ...signed,
      headers: signed.headers.map(([n, v]) => (n === name ? [n, `${value.slice(0, value.indexOf(':') + 1)}${sig};`] : [n, v])),
    });
    // Not whole base64 (341 digits); base64 of 128 bytes (a 1024-bit key's length, under the default 2048 bits); of 255 bytes.
    for (const sig of ['A'.repeat(341), 'A'.repeat(171) + '=', 'A'.repeat(340)])
      expect(await verifier.verify(withSignature(sig)), sig.slice(0, 12)).toMatchObject({
        ok: false,
        error: { code: 'ERR_SIGNATURE_INVALID' },
      });
    expect(tickets).toEqual([]);
    // 256 bytes, as long as a 2048-bit key's: the service is asked.
    expect(await verifier.verify(withSignature('A'.repeat(342) + '=='))).toMatchObject({ ok: true });
    expect(tickets.length).toBe(1);
    // A lower minimum lets a 1024-bit key's length through to the service.
    const low = remoteVerifier(1024);
    expect(await low.verifier.verify(withSignature('A'.repeat(171) + '='))).toMatchObject({ ok: true });
    expect(low.tickets.length).toBe(1);
  });

  it('sends the bytes being verified now, even from a buffer the caller refilled since the last request', async () => {
    const { verifier, tickets } = remoteVerifier();
    const buffer = new TextEncoder().encode('{"a":1}');
    const first = await signer.sign({ ...request, body: buffer });
    await verifier.verify(first);
    buffer.set(new TextEncoder().encode('{"a":2}'));
    // A replay of the first signature with the refilled buffer: the ticket must carry the new bytes, so
    // that the service judges the signature against what is being verified.
    await verifier.verify({ ...first, body: buffer });
    expect(tickets.map((t) => t.b64encoded_body)).toEqual(['eyJhIjoxfQ==', 'eyJhIjoyfQ==']);
  });

  it('sends a large body in base64 with every path it is checked with', async () => {
    const { verifier, tickets } = remoteVerifier();
    const body = new Uint8Array(3 * 1024 * 1024 + 2).map((_, i) => (i * 31) & 0xff);
    const signed = await signer.sign({ ...request, body });
    for (const path of ['/items', '/prod/items']) await verifier.verify({ ...signed, path });
    expect(tickets.length).toBe(2);
    expect(tickets[0]!.b64encoded_body).toBe(Buffer.from(body).toString('base64'));
    expect(tickets[1]!.b64encoded_body).toBe(tickets[0]!.b64encoded_body);
  });
});
