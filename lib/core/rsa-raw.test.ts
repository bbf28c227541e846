import { constants, createPublicKey, generateKeyPairSync, privateEncrypt, publicDecrypt } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePem, pkcs8FromPkcs1, privatePemDer, publicJwk, publicPemDer, spkiFromPkcs1 } from './rsa-pem.ts';
import {
  base64UrlToBigInt,
  bigIntToBytes,
  bytesToBigInt,
  modInverse,
  modPow,
  padType1,
  rawPrivateCrt,
  rawPublic,
  unpadType1,
  type RawRsaPrivate,
} from './rsa-raw.ts';

const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = pair.privateKey.export({ format: 'jwk' });
const big = (m: string | undefined): bigint => base64UrlToBigInt(m)!;
const raw: RawRsaPrivate = {
  n: big(jwk.n),
  e: big(jwk.e),
  k: 256,
  d: big(jwk.d),
  p: big(jwk.p),
  q: big(jwk.q),
  dp: big(jwk.dp),
  dq: big(jwk.dq),
  qi: big(jwk.qi),
};

describe('bytes and BigInt', () => {
  it.each([
    [[], 0n],
    [[0], 0n],
    [[1], 1n],
    [[0, 0x01, 0x00], 256n],
    [[0xff, 0xff], 65535n],
  ])('%j is %s', (bytes, n) => {
    expect(bytesToBigInt(Uint8Array.from(bytes))).toBe(n);
  });

  it('round-trips at a fixed length and refuses what does not fit', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (bytes) => {
        expect(bigIntToBytes(bytesToBigInt(bytes), bytes.length)).toEqual(bytes);
      }),
    );
    expect(() => bigIntToBytes(256n, 1)).toThrow(RangeError);
    expect(() => bigIntToBytes(-1n, 1)).toThrow(RangeError);
  });

  it('reads base64url JWK members', () => {
    expect(base64UrlToBigInt('AQAB')).toBe(65537n);
    expect(base64UrlToBigInt('_w')).toBe(255n);
    for (const bad of ['', 'A', 'AQ+B', 'AQ==', 42, undefined]) expect(base64UrlToBigInt(bad)).toBeUndefined();
  });
});

describe('modPow and modInverse', () => {
  it('agree with the definitions on small numbers', () => {
    fc.assert(
      fc.property(fc.bigInt(0n, 10n ** 30n), fc.bigInt(0n, 500n), fc.bigInt(2n, 10n ** 20n), (b, e, m) => {
        let r = 1n;
        for (let i = 0n; i < e; i++) r = (r * b) % m;
        expect(modPow(b, e, m)).toBe(r);
      }),
      { numRuns: 50 },
    );
    // Long exponents (the windowed path) against right-to-left square-and-multiply.
    fc.assert(
      fc.property(fc.bigInt(0n, 2n ** 600n), fc.bigInt(0n, 2n ** 300n), fc.bigInt(2n, 2n ** 520n), (b, e, m) => {
        let [r, x, y] = [1n % m, b % m, e];
        for (; y > 0n; y >>= 1n, x = (x * x) % m) if (y & 1n) r = (r * x) % m;
        expect(modPow(b, e, m)).toBe(r);
      }),
      { numRuns: 50 },
    );
    expect(modPow(5n, 0n, 1n)).toBe(0n);
    expect(modInverse(3n, 7n)).toBe(5n);
    expect(modInverse(6n, 9n)).toBeUndefined();
  });

  it('matches node:crypto on the raw RSA operations (RSA_NO_PADDING)', () => {
    const m = new Uint8Array(256).fill(0x5a);
    m[0] = 0;
    const s = privateEncrypt({ key: pair.privateKey, padding: constants.RSA_NO_PADDING }, m);
    expect(Buffer.from(rawPrivateCrt(raw, bytesToBigInt(m)))).toEqual(s);
    expect(rawPublic(raw, s)).toEqual(new Uint8Array(m));
    expect(publicDecrypt({ key: pair.publicKey, padding: constants.RSA_NO_PADDING }, rawPrivateCrt(raw, 12345n))).toEqual(
      Buffer.from(bigIntToBytes(12345n, 256)),
    );
  });

  it('refuses raw inputs that are not below the modulus or not k bytes', () => {
    expect(rawPublic(raw, bigIntToBytes(raw.n, 256))).toBeUndefined();
    expect(rawPublic(raw, new Uint8Array(255))).toBeUndefined();
    expect(rawPublic(raw, new Uint8Array(257))).toBeUndefined();
    expect(() => rawPrivateCrt(raw, raw.n)).toThrow(RangeError);
  });
});

describe('type-1 blocks', () => {
  const block = (bytes: number[]): Uint8Array => Uint8Array.from(bytes);
  const ff = (n: number): number[] => Array<number>(n).fill(0xff);

  it('pads as OpenSSL does (RSA_padding_add_PKCS1_type_1)', () => {
    const payload = new TextEncoder().encode('payload');
    const viaOpenSsl = publicDecrypt(
      { key: pair.publicKey, padding: constants.RSA_NO_PADDING },
      privateEncrypt({ key: pair.privateKey, padding: constants.RSA_PKCS1_PADDING }, payload),
    );
    expect(Buffer.from(padType1(payload, 256))).toEqual(viaOpenSsl);
    expect(padType1(new Uint8Array(0), 11)).toEqual(block([0, 1, ...ff(8), 0]));
    expect(() => padType1(new Uint8Array(246), 256)).toThrow(RangeError);
    expect(padType1(new Uint8Array(245), 256)).toHaveLength(256);
  });

  it.each([
    ['00 01, 8 FF, 00, payload', [0, 1, ...ff(8), 0, 7, 8], [7, 8]],
    ['an empty payload', [0, 1, ...ff(9), 0], []],
    ['a payload starting with 00', [0, 1, ...ff(8), 0, 0, 0xff], [0, 0xff]],
  ])('unpads %s', (_name, bytes, payload) => {
    expect(unpadType1(block(bytes))).toEqual(block(payload));
  });

  it.each([
    ['first byte not 00', [1, 1, ...ff(8), 0, 7]],
    ['type 02', [0, 2, ...ff(8), 0, 7]],
    ['type 00', [0, 0, ...ff(8), 0, 7]],
    ['seven FF', [0, 1, ...ff(7), 0, 7, 7]],
    ['a non-FF padding byte', [0, 1, ...ff(4), 0xfe, ...ff(4), 0, 7]],
    ['no 00 separator', [0, 1, ...ff(12)]],
    ['too short', [0, 1, ...ff(8)]],
  ])('refuses %s', (_name, bytes) => {
    expect(unpadType1(block(bytes))).toBeUndefined();
  });
});

describe('PEM and DER', () => {
  const pem = (type: 'spki' | 'pkcs1' | 'pkcs8'): string =>
    type === 'pkcs8'
      ? (pair.privateKey.export({ type, format: 'pem' }) as string)
      : (pair.publicKey.export({ type, format: 'pem' }) as string);
  const der = (key: typeof pair.publicKey, type: 'spki' | 'pkcs1' | 'pkcs8'): Buffer =>
    key.export({ type, format: 'der' } as never) as Buffer;

  it('wraps PKCS#1 public keys into the SPKI node:crypto exports', () => {
    expect(Buffer.from(spkiFromPkcs1(der(pair.publicKey, 'pkcs1')))).toEqual(der(pair.publicKey, 'spki'));
    expect(publicPemDer({ format: 'pkcs1', pem: pem('pkcs1') })).toEqual({
      type: 'pkcs1',
      der: new Uint8Array(der(pair.publicKey, 'pkcs1')),
    });
  });

  it('wraps PKCS#1 private keys into the PKCS#8 node:crypto exports', () => {
    expect(Buffer.from(pkcs8FromPkcs1(der(pair.privateKey, 'pkcs1')))).toEqual(der(pair.privateKey, 'pkcs8'));
    expect(privatePemDer(pem('pkcs8')).type).toBe('pkcs8');
  });

  it('reads a PEM with CRLF line ends and surrounding blank space', () => {
    const text = '\n' + pem('spki').replace(/\n/g, '\r\n') + '\n\n';
    expect(parsePem(text)?.label).toBe('PUBLIC KEY');
    expect(parsePem('-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----')).toBeUndefined();
    expect(parsePem(pem('spki') + pem('spki'))).toBeUndefined();
  });

  it('refuses a PEM whose label does not match the format, without quoting it', () => {
    for (const [format, text] of [
      ['spki', pem('pkcs1')],
      ['pkcs1', pem('spki')],
      ['spki', pem('pkcs8')],
    ] as const) {
      expect(() => publicPemDer({ format, pem: text })).toThrow(TypeError);
      try {
        publicPemDer({ format, pem: text });
      } catch (e) {
        expect((e as Error).message).not.toMatch(/MII|-----/);
      }
    }
    expect(() => privatePemDer(pem('spki'))).toThrow(TypeError);
  });

  it('takes kty, n and e of a public JWK and refuses a private one', () => {
    const pub = createPublicKey(pair.privateKey).export({ format: 'jwk' });
    expect(publicJwk({ ...pub, alg: 'RS512', kid: 'x' })).toEqual({ kty: 'RSA', n: pub.n, e: pub.e });
    expect(() => publicJwk(jwk)).toThrow(/private/);
    expect(() => publicJwk({ ...pub, kty: 'EC' })).toThrow(TypeError);
    expect(() => publicJwk({ kty: 'RSA', n: 'a+b', e: 'AQAB' })).toThrow(TypeError);
  });
});
