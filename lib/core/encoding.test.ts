import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { timingSafeEqualBytes, timingSafeEqualBytesText, timingSafeEqualString } from './compare.ts';
import { fromBase64, isLowerHex, percentDecode, percentEncode, toBase64, toHex } from './encoding.ts';

describe('percentEncode (RFC 3986)', () => {
  it.each([
    ['abc-._~XYZ019', '', 'abc-._~XYZ019'],
    ['a b', '', 'a%20b'],
    ['a+b', '', 'a%2Bb'],
    ['a/b', '', 'a%2Fb'],
    ['a/b', '/', 'a/b'],
    ['ሴ', '', '%E1%88%B4'],
    ["!'()*", '', '%21%27%28%29%2A'],
    ['%', '', '%25'],
  ])('%j (keep %j) -> %j', (input, keep, expected) => {
    expect(percentEncode(input, keep)).toBe(expected);
  });
});

describe('percentDecode', () => {
  it.each([
    ['a%20b', false, 'a b'],
    ['a+b', false, 'a+b'],
    ['a+b', true, 'a b'],
    ['%e1%88%b4', false, 'ሴ'],
    ['100%', false, '100%'],
    ['%zz', false, '%zz'],
    ['%4', false, '%4'],
  ])('%j (plus is space: %j) -> %j', (input, plus, expected) => {
    expect(percentDecode(input, plus)).toBe(expected);
  });
  it('throws on invalid UTF-8 rather than guessing', () => {
    expect(() => percentDecode('%C3%28')).toThrow(TypeError);
    expect(() => percentDecode('%FF')).toThrow(TypeError);
  });
  it('inverts percentEncode for any well-formed string', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => percentDecode(percentEncode(s)) === s));
  });
});

describe('hex and base64', () => {
  it('round-trips bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        expect(fromBase64(toBase64(b))).toEqual(b);
      }),
    );
    expect(toHex(new Uint8Array([0, 15, 255]))).toBe('000fff');
  });

  it('writes base64 as btoa does, padding included (property, and RFC 4648 vectors)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        expect(toBase64(b)).toBe(btoa(String.fromCharCode(...b)));
      }),
      { numRuns: 2000 },
    );
    const text = (s: string) => new TextEncoder().encode(s);
    for (const [input, expected] of [
      ['', ''],
      ['f', 'Zg=='],
      ['fo', 'Zm8='],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg=='],
      ['fooba', 'Zm9vYmE='],
      ['foobar', 'Zm9vYmFy'],
    ])
      expect(toBase64(text(input!)), input).toBe(expected);
    expect(toBase64(new Uint8Array([0xfb, 0xff, 0xbf]))).toBe('+/+/');
  });

  it('writes a large body in linear time: 4 MiB, checked against Buffer', () => {
    const big = new Uint8Array(4 * 1024 * 1024 + 1).map((_, i) => (i * 7919) & 0xff);
    expect(toBase64(big)).toBe(Buffer.from(big).toString('base64'));
  });
});

describe('constant-time compare', () => {
  it.each([
    ['abc', 'abc', true],
    ['abc', 'abd', false],
    ['abc', 'ab', false],
    ['', '', true],
    ['a', '', false],
  ])('%j vs %j -> %j', (a, b, same) => {
    expect(timingSafeEqualString(a, b)).toBe(same);
    expect(timingSafeEqualBytes(new TextEncoder().encode(a), new TextEncoder().encode(b))).toBe(same);
    expect(timingSafeEqualBytesText(new TextEncoder().encode(a), b)).toBe(same);
  });
  it('compares bytes with text as === compares their Latin-1 reading', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 8 }), fc.string({ unit: fc.constantFrom('a', 'b', '\u00ff', '\u0100', '\0') }), (b, t) => {
        expect(timingSafeEqualBytesText(b, t)).toBe(String.fromCharCode(...b) === t);
        expect(timingSafeEqualBytesText(b, String.fromCharCode(...b))).toBe(true);
      }),
    );
  });
  it('agrees with === on arbitrary strings', () => {
    fc.assert(fc.property(fc.string(), fc.string(), (a, b) => timingSafeEqualString(a, b) === (a === b)));
  });
});

describe('isLowerHex', () => {
  it('accepts exactly "0"-"9" and "a"-"f" among all 65,536 code units, wherever they stand', () => {
    const hex = /^[0-9a-f]$/;
    for (let c = 0; c <= 0xffff; c++) {
      const ch = String.fromCharCode(c);
      expect(isLowerHex(ch, 1)).toBe(hex.test(ch));
      expect(isLowerHex('ab' + ch + '09', 5)).toBe(hex.test(ch));
    }
  });
  it('holds the text to its length', () => {
    expect(isLowerHex('abc', 3)).toBe(true);
    expect(isLowerHex('abc', 2)).toBe(false);
    expect(isLowerHex('', 0)).toBe(true);
  });
});
