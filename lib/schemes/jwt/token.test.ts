// Token finding and decoding before any key or crypto: strict base64url, JSON objects only.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64Url, segmentObject } from './token.ts';

describe('strict base64url', () => {
  it('agrees with Buffer on canonical input and refuses everything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const text = Buffer.from(bytes).toString('base64url');
        expect(decodeBase64Url(text)).toEqual(new Uint8Array(bytes));
      }),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 24 }), (text) => {
        const out = decodeBase64Url(text);
        if (out !== undefined) expect(Buffer.from(out).toString('base64url')).toBe(text);
      }),
    );
    for (const bad of ['A', 'AB==', 'AB=', 'A+B/', 'AB C', 'AR']) expect(decodeBase64Url(bad), bad).toBeUndefined();
  });
});

describe('token segments', () => {
  const seg = (text: string) => Buffer.from(text).toString('base64url');
  it.each([
    ['an object', '{"a":1}', true],
    ['an array', '[1]', false],
    ['a string', '"x"', false],
    ['null', 'null', false],
    ['__proto__ at depth', '{"a":{"b":[{"__proto__":1}]}}', false],
    ['an escaped constructor', '{"\\u0063onstructor":1}', false],
    ['a value that mentions proto', '{"a":"__proto__"}', true],
  ])('%s', (_name, json, ok) => {
    const text = seg(json);
    expect(segmentObject(text, 0, text.length) !== undefined).toBe(ok);
  });
});
