import aws4 from 'aws4';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../core/errors.ts';
import type { HeaderList, SignedRequest } from '../../core/request.ts';
import { createMemoryKeyStore } from '../../keys/memory.ts';
import type { KeyRecord } from '../../keys/types.ts';
import { createSigV4Signer, type SigV4SignerOptions } from './signer.ts';
import { createSigV4Verifier, type SigV4VerifierOptions } from './verifier.ts';

// Each row changes ONE thing of a validly signed request and names the code it must be rejected with.
const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const SECRET = 'negative-secret-0001';
const DCI_SECRET = 'negative-secret-0002';
const KEYS: KeyRecord[] = [
  { id: 'AKIDNEG', secrets: [SECRET], principal: 'neg', permissions: [] },
  { id: 'AKIDTOKEN', secrets: [SECRET], principal: 'tok', permissions: [], sessionToken: 'session-token-1' },
  { id: 'AKIDOFF', secrets: [SECRET], principal: 'off', permissions: [], disabled: true },
  { id: 'AKIDLATER', secrets: [SECRET], principal: 'later', permissions: [], notBefore: NOW / 1000 + 3600 },
  { id: 'AKIDGONE', secrets: [SECRET], principal: 'gone', permissions: [], expiresAt: NOW / 1000 - 1 },
  { id: 'AKIDMQTT', scheme: 'mauth', secrets: [SECRET], principal: 'other-scheme', permissions: [] },
  { id: 'remoteci/abc', secrets: [DCI_SECRET], principal: 'dci', permissions: [] },
];

function verifier(over: Partial<SigV4VerifierOptions> = {}) {
  return createSigV4Verifier({
    keys: createMemoryKeyStore(KEYS),
    region: 'us-east-1',
    service: 'execute-api',
    algorithms: ['AWS4-HMAC-SHA256', 'DCI2-HMAC-SHA256'],
    clock: () => NOW,
    ...over,
  });
}

function signer(over: Partial<SigV4SignerOptions> = {}) {
  return createSigV4Signer({ keyId: 'AKIDNEG', secret: SECRET, region: 'us-east-1', service: 'execute-api', clock: () => NOW, ...over });
}

const base: SignedRequest = {
  method: 'POST',
  path: '/items/42',
  query: 'limit=10&sort=asc',
  headers: [
    ['Host', 'api.example.com'],
    ['Content-Type', 'application/json'],
    ['X-Custom', 'one'],
  ],
  body: new TextEncoder().encode('{"name":"widget"}'),
};

const setHeader = (h: HeaderList, name: string, value: string | undefined): HeaderList => {
  const out = h.filter(([n]) => n.toLowerCase() !== name.toLowerCase());
  return value === undefined ? out : [...out, [name, value]];
};
const getHeader = (r: SignedRequest, name: string) => r.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1] ?? '';
const withAuth = (r: SignedRequest, f: (auth: string) => string): SignedRequest => ({
  ...r,
  headers: setHeader(r.headers, 'Authorization', f(getHeader(r, 'authorization'))),
});
const flipLastHex = (s: string) => s.replace(/([0-9a-f])(?=[^0-9a-f]*$)/, (c) => (c === '0' ? '1' : '0'));
const at = (offsetSeconds: number) => () => NOW + offsetSeconds * 1000;
const amz = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

type Row = [label: string, code: ErrorCode, make: () => Promise<SignedRequest>, verifierOptions?: Partial<SigV4VerifierOptions>];

const signed = () => signer().sign(base);
const signedWithHash = () => signer({ signContentSha256: true }).sign(base);
const presigned = (expiresIn = 300) => signer().presign({ ...base, method: 'GET', body: new Uint8Array() }, { expiresIn });

const rows: Row[] = [
  // tampering
  ['tampered method', 'ERR_SIGNATURE_INVALID', async () => ({ ...(await signed()), method: 'PUT' })],
  ['tampered path', 'ERR_SIGNATURE_INVALID', async () => ({ ...(await signed()), path: '/items/43' })],
  ['path with an extra encoded slash', 'ERR_SIGNATURE_INVALID', async () => ({ ...(await signed()), path: '/items%2F42' })],
  ['query parameter changed', 'ERR_SIGNATURE_INVALID', async () => ({ ...(await signed()), query: 'limit=11&sort=asc' })],
  ['query parameter added', 'ERR_SIGNATURE_INVALID', async () => ({ ...(await signed()), query: 'limit=10&sort=asc&admin=1' })],
  ['query parameter removed', 'ERR_SIGNATURE_INVALID', async () => ({ ...(await signed()), query: 'limit=10' })],
  ['query parameter duplicated', 'ERR_SIGNATURE_INVALID', async () => ({ ...(await signed()), query: 'limit=10&limit=10&sort=asc' })],
  [
    'query value re-encoded as + instead of %20',
    'ERR_SIGNATURE_INVALID',
    async () => {
      const s = await signer().sign({ ...base, query: 'q=a%20b' });
      return { ...s, query: 'q=a+b' };
    },
  ],
  [
    'signed header value changed',
    'ERR_SIGNATURE_INVALID',
    async () => {
      const s = await signed();
      return { ...s, headers: setHeader(s.headers, 'X-Custom', 'two') };
    },
  ],
  [
    'signed header duplicated',
    'ERR_SIGNATURE_INVALID',
    async () => {
      const s = await signed();
      return { ...s, headers: [...s.headers, ['X-Custom', 'one']] };
    },
  ],
  [
    'signed header removed',
    'ERR_SIGNATURE_INVALID',
    async () => {
      const s = await signed();
      return { ...s, headers: setHeader(s.headers, 'X-Custom', undefined) };
    },
  ],
  [
    'host changed',
    'ERR_SIGNATURE_INVALID',
    async () => {
      const s = await signed();
      return { ...s, headers: setHeader(s.headers, 'Host', 'evil.example.com') };
    },
  ],
  [
    'body changed (body hash signed)',
    'ERR_SIGNATURE_INVALID',
    async () => ({ ...(await signed()), body: new TextEncoder().encode('{"name":"gadget"}') }),
  ],
  [
    'body changed (x-amz-content-sha256 signed)',
    'ERR_PAYLOAD_HASH_MISMATCH',
    async () => ({ ...(await signedWithHash()), body: new TextEncoder().encode('{"name":"gadget"}') }),
  ],
  [
    'x-amz-content-sha256 swapped for UNSIGNED-PAYLOAD',
    'ERR_SIGNATURE_INVALID',
    async () => {
      const s = await signedWithHash();
      return { ...s, headers: setHeader(s.headers, 'x-amz-content-sha256', 'UNSIGNED-PAYLOAD') };
    },
  ],
  ['signature: one hex digit changed', 'ERR_SIGNATURE_INVALID', async () => withAuth(await signed(), flipLastHex)],
  ['key id changed to an unknown one', 'ERR_KEY_NOT_FOUND', async () => withAuth(await signed(), (a) => a.replace('AKIDNEG/', 'AKIDNEX/'))],
  [
    'key id changed to another known key',
    'ERR_SIGNATURE_INVALID',
    async () => withAuth(await signed(), (a) => a.replace('AKIDNEG/', 'remoteci/abc/')),
  ],
  ['signed with another secret', 'ERR_SIGNATURE_INVALID', () => signer({ secret: 'not-the-right-secret' }).sign(base)],
  // scope and algorithm pinning
  ['wrong region', 'ERR_SCOPE_MISMATCH', () => signer({ region: 'eu-west-1' }).sign(base)],
  ['wrong service', 'ERR_SCOPE_MISMATCH', () => signer({ service: 's3' }).sign(base)],
  [
    'terminator of the other algorithm',
    'ERR_SCOPE_MISMATCH',
    async () => withAuth(await signed(), (a) => a.replace('aws4_request', 'dci2_request')),
  ],
  [
    'algorithm not accepted here',
    'ERR_AUTH_UNSUPPORTED',
    () => signer({ algorithm: 'DCI2-HMAC-SHA256' }).sign(base),
    { algorithms: ['AWS4-HMAC-SHA256'] },
  ],
  [
    'unknown algorithm of the family',
    'ERR_AUTH_UNSUPPORTED',
    async () => withAuth(await signed(), (a) => a.replace('AWS4-HMAC-SHA256', 'AWS4-ECDSA-P256-SHA256')),
  ],
  [
    'legacy DCI v1 algorithm',
    'ERR_AUTH_UNSUPPORTED',
    async () => withAuth(await signed(), (a) => a.replace('AWS4-HMAC-SHA256', 'DCI-HMAC-SHA256')),
  ],
  [
    'credential date is not the timestamp date',
    'ERR_SCOPE_MISMATCH',
    async () => withAuth(await signed(), (a) => a.replace('/20261124/', '/20261123/')),
  ],
  // required signed headers
  ['host not signed', 'ERR_AUTH_MALFORMED', async () => withAuth(await signed(), (a) => a.replace('host;', ''))],
  ['date header not signed', 'ERR_AUTH_MALFORMED', async () => withAuth(await signed(), (a) => a.replace(';x-amz-date', ''))],
  [
    'no date header',
    'ERR_AUTH_MALFORMED',
    async () => {
      const s = await signed();
      return { ...s, headers: setHeader(s.headers, 'X-Amz-Date', undefined) };
    },
  ],
  [
    'duplicate X-Amz-Date',
    'ERR_AUTH_MALFORMED',
    async () => {
      const s = await signed();
      return { ...s, headers: [...s.headers, ['x-amz-date', getHeader(s, 'x-amz-date')]] };
    },
  ],
  // time
  ['16 minutes in the past', 'ERR_REQUEST_EXPIRED', () => signer({ clock: at(-16 * 60) }).sign(base)],
  ['16 minutes in the future', 'ERR_REQUEST_NOT_YET_VALID', () => signer({ clock: at(16 * 60) }).sign(base)],
  ['1 second past a 60 s skew window', 'ERR_REQUEST_EXPIRED', () => signer({ clock: at(-61) }).sign(base), { clockSkewSeconds: 60 }],
  [
    '1 second ahead of a 60 s skew window',
    'ERR_REQUEST_NOT_YET_VALID',
    () => signer({ clock: at(61) }).sign(base),
    { clockSkewSeconds: 60 },
  ],
  [
    'impossible timestamp (Feb 31)',
    'ERR_AUTH_MALFORMED',
    async () => {
      const s = await signed();
      return withAuth({ ...s, headers: setHeader(s.headers, 'X-Amz-Date', '20260231T120000Z') }, (a) =>
        a.replace('/20261124/', '/20260231/'),
      );
    },
  ],
  // impossible dates: each row changes only the one timestamp (or credential date) of a valid request
  ...(
    [
      ['month 13', '20261324T120000Z'],
      ['month 00', '20260024T120000Z'],
      ['day 00', '20261100T120000Z'],
      ['day 32', '20261132T120000Z'],
      ['31 November', '20261131T120000Z'],
      ['29 February of a common year', '20260229T120000Z'],
      ['hour 24', '20261124T240000Z'],
      ['minute 60', '20261124T126000Z'],
      ['second 60', '20261124T120060Z'],
    ] as const
  ).flatMap(([label, ts]): Row[] => [
    [
      `X-Amz-Date with ${label}`,
      'ERR_AUTH_MALFORMED',
      async () => {
        const s = await signed();
        return { ...s, headers: setHeader(s.headers, 'X-Amz-Date', ts) };
      },
    ],
    [
      `presigned X-Amz-Date with ${label}`,
      'ERR_AUTH_MALFORMED',
      async () => {
        const p = await presigned();
        return { ...p, query: p.query.replace(`X-Amz-Date=${amz(NOW)}`, `X-Amz-Date=${ts}`) };
      },
    ],
  ]),
  [
    'X-DCI-Date with month 13',
    'ERR_AUTH_MALFORMED',
    async () => {
      const s = await signer({ keyId: 'remoteci/abc', secret: DCI_SECRET, algorithm: 'DCI2-HMAC-SHA256' }).sign(base);
      return { ...s, headers: setHeader(s.headers, 'X-DCI-Date', '20261324T120000Z') };
    },
  ],
  ...(
    [
      ['month 13', '20261324'],
      ['month 00', '20260024'],
      ['day 00', '20261100'],
      ['30 February', '20260230'],
      ['29 February of a century common year', '21000229'],
    ] as const
  ).flatMap(([label, date]): Row[] => [
    [
      `credential date with ${label}`,
      'ERR_AUTH_MALFORMED',
      async () => withAuth(await signed(), (a) => a.replace('/20261124/', `/${date}/`)),
    ],
    [
      `presigned credential date with ${label}`,
      'ERR_AUTH_MALFORMED',
      async () => {
        const p = await presigned();
        return { ...p, query: p.query.replace('%2F20261124%2F', `%2F${date}%2F`) };
      },
    ],
  ]),
  [
    'timestamp not in basic ISO 8601',
    'ERR_AUTH_MALFORMED',
    async () => {
      const s = await signed();
      return { ...s, headers: setHeader(s.headers, 'X-Amz-Date', '2026-11-24T12:00:00Z') };
    },
  ],
  // presigned URLs
  [
    'presigned URL expired',
    'ERR_REQUEST_EXPIRED',
    () => signer({ clock: at(-301) }).presign({ ...base, method: 'GET', body: new Uint8Array() }, { expiresIn: 300 }),
  ],
  [
    'presigned URL from the future',
    'ERR_REQUEST_NOT_YET_VALID',
    () => signer({ clock: at(16 * 60) }).presign({ ...base, method: 'GET', body: new Uint8Array() }),
  ],
  [
    'presigned X-Amz-Expires over 7 days',
    'ERR_AUTH_MALFORMED',
    async () => {
      const p = await presigned();
      return { ...p, query: p.query.replace('X-Amz-Expires=300', 'X-Amz-Expires=604801') };
    },
  ],
  [
    'presigned X-Amz-Expires of 0',
    'ERR_AUTH_MALFORMED',
    async () => {
      const p = await presigned();
      return { ...p, query: p.query.replace('X-Amz-Expires=300', 'X-Amz-Expires=0') };
    },
  ],
  [
    'presigned X-Amz-Expires extended',
    'ERR_SIGNATURE_INVALID',
    async () => {
      const p = await presigned();
      return { ...p, query: p.query.replace('X-Amz-Expires=300', 'X-Amz-Expires=3000') };
    },
  ],
  [
    'presigned X-Amz-SignedHeaders longer than the request could carry',
    'ERR_AUTH_MALFORMED',
    async () => {
      const p = await presigned();
      return { ...p, query: p.query.replace('host%3Bx-custom', 'host%3Bx-custom%3Bzz') };
    },
  ],
  [
    'presigned X-Amz-Signature repeated',
    'ERR_AUTH_MALFORMED',
    async () => {
      const p = await presigned();
      return { ...p, query: p.query + '&X-Amz-Signature=' + '0'.repeat(64) };
    },
  ],
  [
    'presigned query tampered',
    'ERR_SIGNATURE_INVALID',
    async () => {
      const p = await presigned();
      return { ...p, query: p.query.replace('limit=10', 'limit=99') };
    },
  ],
  ['presigned URLs turned off', 'ERR_AUTH_UNSUPPORTED', () => presigned(), { allowPresigned: false }],
  [
    'header and query signature both present',
    'ERR_AUTH_MALFORMED',
    async () => {
      const p = await presigned();
      const s = await signed();
      return { ...p, headers: [...p.headers, ['Authorization', getHeader(s, 'authorization')]] };
    },
  ],
  // malformed Authorization headers
  ...(
    [
      ['missing Credential', (a: string) => a.replace(/Credential=[^,]*, /, '')],
      ['missing SignedHeaders', (a: string) => a.replace(/SignedHeaders=[^,]*, /, '')],
      ['missing Signature', (a: string) => a.replace(/, Signature=.*/, '')],
      ['repeated component', (a: string) => a + ', Signature=' + '0'.repeat(64)],
      ['unknown component', (a: string) => a + ', Extra=1'],
      ['component without =', (a: string) => a + ', junk'],
      ['upper-case signature', (a: string) => a.replace(/Signature=([0-9a-f]+)/, (_m, s: string) => 'Signature=' + s.toUpperCase())],
      ['non-hex signature', (a: string) => a.replace(/Signature=[0-9a-f]{4}/, 'Signature=zzzz')],
      ['short signature', (a: string) => a.replace(/Signature=([0-9a-f]{60})[0-9a-f]{4}/, 'Signature=$1')],
      ['credential with too few parts', (a: string) => a.replace('/us-east-1/execute-api/aws4_request', '/us-east-1/aws4_request')],
      ['credential date not YYYYMMDD', (a: string) => a.replace('/20261124/', '/2026-11-24/')],
      ['credential with an empty key id', (a: string) => a.replace('Credential=AKIDNEG/', 'Credential=/')],
      ['SignedHeaders unsorted', (a: string) => a.replace('content-type;host', 'host;content-type')],
      ['SignedHeaders duplicated', (a: string) => a.replace('host;', 'host;host;')],
      // The request carries 5 header names (authorization included); a list of 6 cannot all be present.
      ['SignedHeaders longer than the request could carry', (a: string) => a.replace('x-custom', 'x-custom;zy;zz')],
      ['SignedHeaders empty', (a: string) => a.replace(/SignedHeaders=[^,]*/, 'SignedHeaders=')],
      ['SignedHeaders upper-case', (a: string) => a.replace('host', 'Host')],
      ['overlong header', (a: string) => a + ' '.repeat(5000)],
    ] as const
  ).map(([label, f]): Row => [`Authorization: ${label}`, 'ERR_AUTH_MALFORMED', async () => withAuth(await signed(), f)]),
  [
    'two Authorization headers',
    'ERR_AUTH_MALFORMED',
    async () => {
      const s = await signed();
      return { ...s, headers: [...s.headers, ['authorization', getHeader(s, 'authorization')]] };
    },
  ],
  [
    'x-amz-content-sha256 neither a hash nor UNSIGNED-PAYLOAD',
    'ERR_AUTH_UNSUPPORTED',
    async () => {
      const s = await signedWithHash();
      return { ...s, headers: setHeader(s.headers, 'x-amz-content-sha256', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD') };
    },
  ],
  [
    'UNSIGNED-PAYLOAD when not allowed',
    'ERR_AUTH_UNSUPPORTED',
    () => signer().sign({ ...base, headers: [...base.headers, ['x-amz-content-sha256', 'UNSIGNED-PAYLOAD']] }),
    { allowUnsignedPayload: false },
  ],
  // session tokens and key state
  [
    'session token presented for a key that has none',
    'ERR_SIGNATURE_INVALID',
    () => signer({ sessionToken: 'session-token-1' }).sign(base),
  ],
  ['session token missing for a key that needs one', 'ERR_SIGNATURE_INVALID', () => signer({ keyId: 'AKIDTOKEN' }).sign(base)],
  ['wrong session token', 'ERR_SIGNATURE_INVALID', () => signer({ keyId: 'AKIDTOKEN', sessionToken: 'session-token-2' }).sign(base)],
  ['disabled key', 'ERR_KEY_NOT_FOUND', () => signer({ keyId: 'AKIDOFF' }).sign(base)],
  ['key not yet valid', 'ERR_KEY_NOT_FOUND', () => signer({ keyId: 'AKIDLATER' }).sign(base)],
  ['key expired', 'ERR_KEY_NOT_FOUND', () => signer({ keyId: 'AKIDGONE' }).sign(base)],
  ['key of another scheme', 'ERR_KEY_NOT_FOUND', () => signer({ keyId: 'AKIDMQTT' }).sign(base)],
  // request body unavailable (API Gateway authorizer) and nothing declared
  [
    'body unavailable and not declared',
    'ERR_PAYLOAD_HASH_REQUIRED',
    async () => {
      const s = await signed();
      return { ...s, body: undefined };
    },
  ],
  // dciauth profile
  [
    'dciauth: repeated query key',
    'ERR_AUTH_MALFORMED',
    async () => {
      const s = await signer({ keyId: 'remoteci/abc', secret: DCI_SECRET, algorithm: 'DCI2-HMAC-SHA256', profile: 'dciauth' }).sign({
        ...base,
        query: 'a=1',
      });
      return { ...s, query: 'a=1&a=2' };
    },
    { profile: 'dciauth' },
  ],
  [
    'dciauth: tampered decoded path',
    'ERR_SIGNATURE_INVALID',
    async () => {
      const s = await signer({ keyId: 'remoteci/abc', secret: DCI_SECRET, algorithm: 'DCI2-HMAC-SHA256', profile: 'dciauth' }).sign(base);
      return { ...s, path: '/items/%34%33' };
    },
    { profile: 'dciauth' },
  ],
];

describe('SigV4 rejects every single change', () => {
  it('accepts the untouched requests the rows start from', async () => {
    for (const make of [signed, signedWithHash, () => presigned()]) {
      expect(await verifier().verify(await make())).toMatchObject({ ok: true });
    }
    expect(await verifier({ clockSkewSeconds: 60 }).verify(await signer({ clock: at(-60) }).sign(base))).toMatchObject({ ok: true });
    expect(await verifier({ clockSkewSeconds: 60 }).verify(await signer({ clock: at(60) }).sign(base))).toMatchObject({ ok: true });
    expect(await verifier().verify(await signer({ keyId: 'AKIDTOKEN', sessionToken: 'session-token-1' }).sign(base))).toMatchObject({
      ok: true,
    });
    expect(
      await verifier().verify(
        await signer({ clock: at(-300) }).presign({ ...base, method: 'GET', body: new Uint8Array() }, { expiresIn: 300 }),
      ),
    ).toMatchObject({ ok: true });
    const dci = signer({ keyId: 'remoteci/abc', secret: DCI_SECRET, algorithm: 'DCI2-HMAC-SHA256', profile: 'dciauth' });
    expect(await verifier({ profile: 'dciauth' }).verify(await dci.sign(base))).toMatchObject({ ok: true, keyId: 'remoteci/abc' });
  });

  it.each(rows)('%s -> %s', async (_label, code, make, options) => {
    const result = await verifier(options).verify(await make());
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe(code);
    expect(result.error.status).toBe(code === 'ERR_AUTH_MALFORMED' ? 400 : 401);
    // Messages never carry key ids, signatures or secrets.
    expect(result.error.message).not.toMatch(/AKID|remoteci|[0-9a-f]{64}|secret-0001/);
  });

  it('without the body, accepts a signed x-amz-content-sha256 only as pending on the body', async () => {
    const s = await signedWithHash();
    const result = await verifier().verify({ ...s, body: undefined });
    const declared = getHeader(s, 'x-amz-content-sha256');
    expect(result).toMatchObject({ ok: true, pendingBodySha256: declared });
    expect(await verifier().verify(s)).not.toHaveProperty('pendingBodySha256');
  });

  it('tells a client whose body cannot be seen (API Gateway authorizer) what to do', async () => {
    const post = await signed(); // a plain SigV4 POST: no x-amz-content-sha256, the body hash is in the canonical request
    expect(post.headers.some(([n]) => n.toLowerCase() === 'x-amz-content-sha256')).toBe(false);
    for (const req of [
      { ...post, body: undefined },
      { ...(await signer().presign(base, { unsignedPayload: false })), body: undefined },
    ]) {
      const result = await verifier().verify(req);
      expect(result).toMatchObject({ ok: false, error: { code: 'ERR_PAYLOAD_HASH_REQUIRED', status: 401 } });
      if (result.ok) return;
      expect(result.error.message).toMatch(/x-amz-content-sha256/);
      expect(result.error.message).toMatch(/verifyInFunction/);
    }
    // With the body, or with the payload hash signed, the same client is verified.
    expect(await verifier().verify(post)).toMatchObject({ ok: true });
    expect(await verifier().verify({ ...(await signedWithHash()), body: undefined })).toMatchObject({ ok: true });
  });

  it('says the same thing for an unknown key and a bad signature', async () => {
    const unknown = await verifier().verify(withAuth(await signed(), (a) => a.replace('AKIDNEG/', 'AKIDNEX/')));
    const bad = await verifier().verify(withAuth(await signed(), flipLastHex));
    expect(!unknown.ok && !bad.ok && unknown.error.message === bad.error.message).toBe(true);
  });

  it('reports a failing key store as ERR_KEYSTORE_UNAVAILABLE (503), never an accept', async () => {
    const v = createSigV4Verifier({
      keys: { get: () => Promise.reject(new Error('down')) },
      region: 'us-east-1',
      service: 'execute-api',
      clock: () => NOW,
    });
    expect(await v.verify(await signed())).toMatchObject({ ok: false, error: { code: 'ERR_KEYSTORE_UNAVAILABLE', status: 503 } });
  });

  it('refuses bad options eagerly with TypeError', () => {
    const keys = createMemoryKeyStore(KEYS);
    expect(() => createSigV4Verifier({ keys, region: '', service: 'x' })).toThrow(TypeError);
    expect(() => createSigV4Verifier({ keys, region: 'us-east-1', service: 'a b' })).toThrow(TypeError);
    expect(() => createSigV4Verifier({ keys, region: 'us-east-1', service: 'x', algorithms: [] })).toThrow(TypeError);
    expect(() => createSigV4Verifier({ keys, region: 'us-east-1', service: 'x', maxPresignExpiresSeconds: 604801 })).toThrow(TypeError);
    expect(() => createSigV4Verifier({ keys, region: 'us-east-1', service: 'x', clockSkewSeconds: -1 })).toThrow(TypeError);
    expect(() => createSigV4Signer({ keyId: '', secret: 's', region: 'r', service: 's' })).toThrow(TypeError);
  });

  it('uses the X-Amz-Date the request carries, not the verifier clock', async () => {
    const s = await signed();
    expect(getHeader(s, 'x-amz-date')).toBe(amz(NOW));
  });
});

describe('SigV4 dates exist on the calendar', () => {
  // aws4 (the standalone signer) signs whatever X-Amz-Date it is given, so it can produce a request
  // genuinely signed for an impossible instant, credential date included.
  const signWithAws4 = (amzDate: string): SignedRequest => {
    const opts = aws4.sign(
      {
        host: 'api.example.com',
        method: 'GET',
        path: '/items?limit=10',
        service: 'execute-api',
        region: 'us-east-1',
        headers: { 'X-Amz-Date': amzDate },
      },
      { accessKeyId: 'AKIDNEG', secretAccessKey: SECRET },
    );
    const headers = Object.entries(opts.headers as Record<string, string>).map(([n, v]) => [n, String(v)] as [string, string]);
    return { method: 'GET', path: '/items', query: 'limit=10', headers, body: new Uint8Array() }; // aws4 adds Host itself
  };

  it('refuses a request validly signed for month 13, even when the clock reads the instant Date.UTC rolls it to', async () => {
    const rolledOver = Date.UTC(2026, 12, 24, 12, 0, 0); // "2026-13-24" as Date.UTC reads it: 2027-01-24
    const result = await verifier({ clock: () => rolledOver }).verify(signWithAws4('20261324T120000Z'));
    expect(result).toMatchObject({ ok: false, error: { code: 'ERR_AUTH_MALFORMED', status: 400 } });
    // The same signer and verifier agree on a real date.
    expect(await verifier({ clock: () => Date.UTC(2027, 0, 24, 12, 0, 0) }).verify(signWithAws4('20270124T120000Z'))).toMatchObject({
      ok: true,
    });
  });

  it('accepts a signed timestamp exactly when an independent calendar check says it exists (fast-check)', async () => {
    const p2 = (n: number) => String(n).padStart(2, '0');
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1970, max: 2200 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 24 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 60 }),
        async (y, mo, d, h, mi, s) => {
          const date = new Date(0);
          date.setUTCFullYear(y, mo - 1, d);
          date.setUTCHours(h, mi, s, 0);
          const exists =
            date.getUTCFullYear() === y &&
            date.getUTCMonth() === mo - 1 &&
            date.getUTCDate() === d &&
            date.getUTCHours() === h &&
            date.getUTCMinutes() === mi &&
            date.getUTCSeconds() === s;
          const stamp = `${y}${p2(mo)}${p2(d)}T${p2(h)}${p2(mi)}${p2(s)}Z`;
          // The clock reads the instant Date would roll the fields to, so only the calendar check can refuse it.
          const result = await verifier({ clock: () => date.getTime() }).verify(signWithAws4(stamp));
          if (exists) expect(result).toMatchObject({ ok: true });
          else expect(result).toMatchObject({ ok: false, error: { code: 'ERR_AUTH_MALFORMED' } });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('accepts 29 February of a leap year', async () => {
    const leap = Date.UTC(2024, 1, 29, 23, 59, 59);
    expect(await verifier({ clock: () => leap }).verify(await signer({ clock: () => leap }).sign(base))).toMatchObject({ ok: true });
    expect(await verifier({ clock: () => leap }).verify(signWithAws4('20240229T235959Z'))).toMatchObject({ ok: true });
  });

  it.each([
    ['NaN', NaN],
    ['year 10000', Date.UTC(10000, 0, 1)],
    ['year -1', Date.UTC(-1, 0, 1)],
  ])('the signer refuses a clock reading of %s instead of writing an impossible timestamp', async (_label, ms) => {
    await expect(signer({ clock: () => ms }).sign(base)).rejects.toThrow(TypeError);
    await expect(signer({ clock: () => ms }).presign({ ...base, method: 'GET' })).rejects.toThrow(TypeError);
  });

  it('never accepts when its own clock gives no time (NaN compares false both ways)', async () => {
    const result = await verifier({ clock: () => NaN }).verify(await signed());
    expect(result.ok).toBe(false);
  });
});
