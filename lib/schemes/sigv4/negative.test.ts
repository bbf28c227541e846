import aws4 from 'aws4';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CryptoBackend } from '../../core/crypto.ts';
import { nodeCrypto } from '../../core/crypto-node.ts';
import { webCrypto } from '../../core/crypto-web.ts';
import type { SignedRequest } from '../../core/request.ts';
import { createMemoryKeyStore } from '../../keys/memory.ts';
import {
  amz,
  at,
  base,
  DCI_SECRET,
  flipLastHex,
  getHeader,
  KEYS,
  NOW,
  presigned,
  rows,
  SECRET,
  signed,
  signedWithHash,
  signer,
  verifier,
  withAuth,
} from '../../../test/fixtures/sigv4-negative.ts';
import { calendarInstant } from '../../../test/helpers/calendar.ts';
import { createSigV4Signer } from './signer.ts';
import { createSigV4Verifier } from './verifier.ts';
import { countedCrypto } from '../../../test/helpers/counted-crypto.ts';

// The table itself (one change per row, the exact code) lives in test/fixtures/sigv4-negative.ts, so
// the secrecy test can run the same rows through every adapter.

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
    const request = await make();
    const result = await verifier(options).verify(request);
    // The memory store answers at once (peek: Node's path without a promise step); a store with only
    // get() takes the other path, and must answer alike.
    const memory = createMemoryKeyStore(KEYS);
    expect(await verifier({ ...options, keys: { get: (id) => memory.get(id) } }).verify(request)).toEqual(result);
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
          const { exists, instant } = calendarInstant(y, mo, d, h, mi, s);
          const stamp = `${y}${p2(mo)}${p2(d)}T${p2(h)}${p2(mi)}${p2(s)}Z`;
          // The clock reads the instant Date would roll the fields to, so only the calendar check can refuse it.
          const result = await verifier({ clock: () => instant }).verify(signWithAws4(stamp));
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

describe('SigV4 refuses hashes and signatures that only look like hex', () => {
  // Header values above U+00FF cannot cross a fetch Request, so this row is the verifier's alone (an
  // API Gateway event's header values are any text). U+0130 has the low seven bits of "0".
  it('refuses a declared x-amz-content-sha256 with a non-ASCII look-alike of a digit, body or none', async () => {
    const lookAlike = '\u0130' + 'a'.repeat(63);
    const s = await signer().sign({ ...base, headers: [...base.headers, ['x-amz-content-sha256', lookAlike]] });
    for (const request of [s, { ...s, body: undefined }]) {
      expect(await verifier().verify(request)).toMatchObject({ ok: false, error: { code: 'ERR_AUTH_UNSUPPORTED' } });
    }
  });
});

describe('SigV4 does the same crypto for a key that may not sign as for a wrong signature', () => {
  type Signing = Partial<Parameters<typeof signer>[0]>;
  const refused: Array<[string, Signing]> = [
    ['an unknown key id', { keyId: 'AKIDNOBODY', secret: 'no-such-secret' }],
    ['a disabled key', { keyId: 'AKIDOFF' }],
    ['a key not valid yet', { keyId: 'AKIDLATER' }],
    ['an expired key', { keyId: 'AKIDGONE' }],
    ['a key of another scheme', { keyId: 'AKIDMQTT' }],
  ];
  const backends: Array<[string, CryptoBackend]> = [
    ['node:crypto', nodeCrypto],
    ['Web Crypto', webCrypto],
  ];
  const bodies: Array<[string, Signing]> = [
    ['the body hashed', {}],
    ['x-amz-content-sha256 declared', { signContentSha256: true }],
  ];

  it.each(backends.flatMap(([b, c]) => bodies.flatMap(([w, body]) => refused.map(([r, key]) => [r, w, b, c, body, key] as const))))(
    '%s, %s (%s)',
    async (_r, _w, _b, backend, body, key) => {
      const { crypto, calls } = countedCrypto(backend);
      const v = verifier({ crypto });
      // Each is verified once first: the signing key derived then (for the decoy too) is cached after.
      const callsFor = async (req: SignedRequest, code: string) => {
        expect(await v.verify(req)).toMatchObject({ ok: false, error: { code } });
        calls.clear();
        expect(await v.verify(req)).toMatchObject({ ok: false, error: { code } });
        return new Map(calls);
      };
      const bad = withAuth(await signer(body).sign(base), flipLastHex);
      const badCalls = await callsFor(bad, 'ERR_SIGNATURE_INVALID');
      const refusedCalls = await callsFor(await signer({ ...body, ...key }).sign(base), 'ERR_KEY_NOT_FOUND');
      expect(badCalls.size).toBeGreaterThan(0);
      expect(refusedCalls).toEqual(badCalls);
    },
  );
});
