import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { webCrypto } from '../../core/crypto-web.ts';
import { loadMAuthVectors, mauthSigningConfig } from '../../../test/conformance/mauth-vectors.ts';
import { nodeCryptoSync } from '../../core/crypto-node.ts';
import {
  encodeQueryV2,
  normalizePathV2,
  normalizePathV2Full,
  quoteV2,
  stringToSignV1,
  stringToSignV1Parts,
  unquotePlus,
} from './canonical.ts';
import { decodeSignature, stringsToSign } from './verifier.ts';

const vectors = loadMAuthVectors();
const { appUuid, time } = mauthSigningConfig();
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('the protocol suite: strings to sign', () => {
  it('has the 24 cases (5 MWS, 19 MWSV2)', () => {
    expect(vectors.filter((v) => v.version === 1)).toHaveLength(5);
    expect(vectors.filter((v) => v.version === 2)).toHaveLength(19);
  });

  it.each(vectors.filter((v) => v.sts).map((v) => [`${v.version === 1 ? 'MWS' : 'MWSV2'} ${v.name}`, v] as const))('%s', async (_, v) => {
    const req = { method: v.method, path: v.path, query: v.query, headers: [], body: v.body };
    const { primary } = await stringsToSign(webCrypto, req, { version: v.version, appUuid, signature: '', time: String(time) });
    expect(Buffer.from(primary).toString('base64')).toBe(Buffer.from(v.sts!).toString('base64'));
  });
});

describe('v2 path normalisation (Python posixpath.normpath, then slashes, then escapes)', () => {
  it.each([
    ['/', '/'],
    ['//example//', '/example/'],
    ['/example1/example2/../..', '/'],
    ['/./example/', '/example/'],
    ['/%cf%80', '/%CF%80'],
    ['/%cF', '/%cF'], // only all-lower-case escapes are upper-cased, as the original does
    ['/a/b/..', '/a/'],
    ['/a/b/.', '/a/b/'],
    ['/..', '/'],
    ['/../a', '/a'],
    ['///a', '/a'],
    ['/a//b///c', '/a/b/c'],
    ['', ''],
  ])('%s -> %s', (input, expected) => {
    expect(normalizePathV2(input)).toBe(expected);
    expect(normalizePathV2Full(input)).toBe(expected);
  });

  it('the shortcut for paths already normal gives what the full normalisation gives (property)', () => {
    const path = fc.string({ unit: fc.constantFrom('a', 'B', '/', '.', '..', '%cf', '%CF', '%', '~', 'é') });
    fc.assert(
      fc.property(path, (p) => {
        expect(normalizePathV2(p)).toBe(normalizePathV2Full(p));
        expect(normalizePathV2('/' + p)).toBe(normalizePathV2Full('/' + p));
      }),
    );
  });
});

describe('signature base64', () => {
  const decodeWithAtob = (t: string) => {
    try {
      return Uint8Array.from(atob(t), (c) => c.charCodeAt(0));
    } catch {
      return undefined;
    }
  };

  it('accepts and decodes exactly what atob does, over the characters the header may carry (property)', () => {
    const text = fc.string({ unit: fc.constantFrom('A', 'Q', 'g', 'z', '0', '9', '+', '/', '=', '-', '_', 'é') });
    fc.assert(
      fc.property(text, (t) => {
        expect(decodeSignature(t)).toEqual(decodeWithAtob(t));
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (b) => {
        const t = Buffer.from(b).toString('base64');
        expect(decodeSignature(t)).toEqual(new Uint8Array(b));
        expect(decodeSignature(t.replace(/=+$/, ''))).toEqual(new Uint8Array(b));
      }),
    );
  });
});

describe('v2 query encoding', () => {
  it.each([
    ['', ''],
    ['k=a b&k=a+b&k=a%20b', 'k=a%20b&k=a%20b&k=a%20b'],
    ['key=a&key=', 'key=&key=a'],
    ['b&a', 'a=&b='],
    ['a=1=2', 'a=1%3D2'],
    ['p=/x/y', 'p=/x/y'],
    ['k=%7E', 'k=~'],
    ['k=%zz', 'k=%25zz'],
    ['k=%ff', 'k=%EF%BF%BD'], // invalid UTF-8 decodes to U+FFFD, as Python's "replace"
    ['%F0%9F%98%80=1&%EF%BF%BF=2', '%EF%BF%BF=2&%F0%9F%98%80=1'], // code-point order, not UTF-16
  ])('%s -> %s', (input, expected) => expect(encodeQueryV2(input)).toBe(expected));

  it('encodes "/" for the Ruby form', () => expect(encodeQueryV2('p=/x', 'encoded')).toBe('p=%2Fx'));

  it('decoding then encoding is stable (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(unquotePlus(quoteV2(s))).toBe((s as string & { toWellFormed(): string }).toWellFormed());
      }),
    );
  });

  it('the Ruby form is the Python form with every "/" encoded, which the verifier relies on (property)', () => {
    const part = fc.string({ unit: fc.constantFrom('a', '/', '%2F', '%2f', '+', '=', '&', ' ', '~', 'é', '%') });
    fc.assert(
      fc.property(part, (q) => {
        expect(encodeQueryV2(q, 'encoded')).toBe(encodeQueryV2(q, 'literal').replaceAll('/', '%2F'));
      }),
    );
  });

  it('never throws and always gives an encoded query (property)', () => {
    fc.assert(
      fc.property(fc.string(), (q) => {
        expect(encodeQueryV2(q)).toMatch(/^[A-Za-z0-9_.~%=&/-]*$/);
      }),
    );
  });
});

it('the verify-only case carries a raw UTF-8 query, encoded as the signed form', () => {
  const v = vectors.find((x) => x.name === 'authentication-only-after-decoding')!;
  expect(v.sts).toBeUndefined();
  expect(encodeQueryV2(v.query)).toBe('%E1%88%B4=bar');
  expect(text(new TextEncoder().encode(v.query))).toBe('ሴ=bar');
});

describe('v1 string to sign hashed from its parts (the Node path, no body copy)', () => {
  it('hashes to the same digest as the whole string, for any verb, path, body, uuid and time', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.string({ unit: 'grapheme' }),
        fc.uint8Array({ maxLength: 300 }),
        fc.string({ unit: 'grapheme' }),
        fc.string(),
        (verb, path, body, uuid, t) => {
          const whole = nodeCryptoSync.sha512Hex!(stringToSignV1(verb, path, body, uuid, t));
          expect(nodeCryptoSync.sha512HexParts!(stringToSignV1Parts(verb, path, body, uuid, t))).toBe(whole);
        },
      ),
    );
  });
});
