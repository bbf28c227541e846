import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { percentEncode } from '../../core/encoding.ts';
import type { SignedRequest } from '../../core/request.ts';
import { createMemoryKeyStore } from '../../keys/memory.ts';
import type { SigV4Algorithm, SigV4Profile } from './constants.ts';
import { createSigV4Signer } from './signer.ts';
import { createSigV4Verifier } from './verifier.ts';

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const keys = createMemoryKeyStore([
  { id: 'AKIDRT', secrets: ['round-trip-secret-new', 'round-trip-secret-old'], principal: 'rt', permissions: ['a'] },
  { id: 'remoteci/rt', secrets: ['round-trip-secret-dci'], principal: 'dci', permissions: [] },
]);

function pair(opts: {
  algorithm?: SigV4Algorithm;
  profile?: SigV4Profile;
  service?: string;
  secret?: string;
  keyId?: string;
  signContentSha256?: boolean;
}) {
  const service = opts.service ?? 'execute-api';
  const signer = createSigV4Signer({
    keyId: opts.keyId ?? 'AKIDRT',
    secret: opts.secret ?? 'round-trip-secret-new',
    region: 'eu-central-1',
    service,
    clock: () => NOW,
    ...(opts.algorithm ? { algorithm: opts.algorithm } : {}),
    ...(opts.profile ? { profile: opts.profile } : {}),
    ...(opts.signContentSha256 ? { signContentSha256: true } : {}),
  });
  const verifier = createSigV4Verifier({
    keys,
    region: 'eu-central-1',
    service,
    algorithms: ['AWS4-HMAC-SHA256', 'DCI2-HMAC-SHA256'],
    clock: () => NOW,
    ...(opts.profile ? { profile: opts.profile } : {}),
  });
  return { signer, verifier };
}

const request: SignedRequest = {
  method: 'PATCH',
  path: '/v1/things/%C3%A9t%C3%A9/x',
  query: 'b=2&a=1&a=0&empty=&flag',
  headers: [
    ['Host', 'svc.example.com'],
    ['Content-Type', 'application/json; charset=utf-8'],
    ['X-Trace', 'a'],
    ['X-Trace', 'b'],
  ],
  body: new TextEncoder().encode('{"ok":true}'),
};

describe('sign -> verify round trips', () => {
  const table: Array<[string, Parameters<typeof pair>[0]]> = [
    ['AWS4, aws profile', {}],
    ['AWS4 with x-amz-content-sha256', { signContentSha256: true }],
    ['AWS4 for s3 (single encoding, no normalisation)', { service: 's3' }],
    ['AWS4 signed with the older of two live secrets', { secret: 'round-trip-secret-old' }],
    ['DCI2, aws profile', { algorithm: 'DCI2-HMAC-SHA256', keyId: 'remoteci/rt', secret: 'round-trip-secret-dci' }],
  ];
  it.each(table)('%s: header auth', async (_l, opts) => {
    const { signer, verifier } = pair(opts);
    expect(await verifier.verify(await signer.sign(request))).toMatchObject({ ok: true, principal: { id: opts.keyId ? 'dci' : 'rt' } });
  });
  it.each(table)('%s: presigned URL', async (_l, opts) => {
    const { signer, verifier } = pair(opts);
    const get = { ...request, method: 'GET', body: new Uint8Array() };
    expect(await verifier.verify(await signer.presign(get, { expiresIn: 60 }))).toMatchObject({ ok: true });
    expect(await verifier.verify(await signer.presign(get, { expiresIn: 60, unsignedPayload: false }))).toMatchObject({ ok: true });
  });
  it('DCI2, dciauth profile (one value per query key)', async () => {
    const { signer, verifier } = pair({
      algorithm: 'DCI2-HMAC-SHA256',
      profile: 'dciauth',
      keyId: 'remoteci/rt',
      secret: 'round-trip-secret-dci',
    });
    const req = { ...request, query: 'b=2&a=1&q=x+y' };
    expect(await verifier.verify(await signer.sign(req))).toMatchObject({ ok: true, keyId: 'remoteci/rt' });
  });
});

// Arbitrary requests: what the signer signs, the verifier accepts; one changed byte anywhere signed is refused.
const segment = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }).map((s) => percentEncode(s));
const pathArb = fc.array(segment, { minLength: 0, maxLength: 4 }).map((segs) => '/' + segs.join('/'));
const queryArb = fc
  .array(fc.tuple(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }), fc.string({ unit: 'grapheme', maxLength: 6 })), {
    maxLength: 4,
  })
  .map((pairs) => pairs.map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`).join('&'));
const headerValue = fc
  .string({ unit: fc.constantFrom(...'abcXYZ019 -_.,;:/'.split('')), minLength: 1, maxLength: 12 })
  .filter((v) => v.trim() !== '');
const requestArb = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
  path: pathArb,
  query: queryArb,
  header: headerValue,
  body: fc.uint8Array({ maxLength: 64 }),
});

describe('properties (fast-check)', () => {
  const { signer, verifier } = pair({});
  const hashed = pair({ signContentSha256: true });
  const toReq = (r: { method: string; path: string; query: string; header: string; body: Uint8Array }): SignedRequest => ({
    method: r.method,
    path: r.path,
    query: r.query,
    headers: [
      ['Host', 'svc.example.com'],
      ['X-Prop', r.header],
    ],
    body: r.body,
  });

  it('sign -> verify accepts any request', async () => {
    await fc.assert(
      fc.asyncProperty(requestArb, async (r) => {
        const result = await verifier.verify(await signer.sign(toReq(r)));
        expect(result.ok).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('any one-character change to the path, query, a signed header or the body is refused', async () => {
    await fc.assert(
      fc.asyncProperty(
        requestArb,
        fc.constantFrom('path', 'query', 'header', 'body'),
        fc.nat(),
        fc.boolean(),
        async (r, where, pos, withHash) => {
          const { signer: s, verifier: v } = withHash ? hashed : { signer, verifier };
          const signed = await s.sign(toReq(r));
          let tampered: SignedRequest;
          if (where === 'body') {
            const body = signed.body!.length === 0 ? new Uint8Array(1) : new Uint8Array(signed.body!);
            body[pos % body.length] = (body[pos % body.length]! + 1) & 0xff;
            tampered = { ...signed, body };
          } else if (where === 'header') {
            const v0 = r.header;
            const i = pos % v0.length;
            const changed = v0.slice(0, i) + (v0[i] === 'a' ? 'b' : 'a') + v0.slice(i + 1);
            tampered = { ...signed, headers: signed.headers.map(([n, v]) => (n === 'X-Prop' ? [n, changed] : [n, v])) };
          } else {
            const text = where === 'path' ? signed.path : signed.query;
            const i = text.length === 0 ? 0 : pos % text.length;
            const c = text[i];
            // Replace one character with a different unreserved one (so the change is a real change after decoding).
            const changed = text.slice(0, i) + (c === 'x' ? 'y' : 'x') + text.slice(i + 1);
            tampered = where === 'path' ? { ...signed, path: changed } : { ...signed, query: changed };
          }
          const result = await v.verify(tampered);
          expect(result.ok).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });
});
