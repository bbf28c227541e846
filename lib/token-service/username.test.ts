import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalUsername, isValidUsername, MAX_USERNAME_LENGTH, usernameFrom } from './username.ts';

// Text that reaches the corners: combining marks, fullwidth and compatibility forms, Cyrillic and
// Greek look-alikes, format characters, the dotted capital I, astral characters.
const odd = fc.constantFrom(
  'a',
  'e',
  'i',
  'I',
  'z',
  '0',
  '.',
  '-',
  '_',
  "'",
  '%',
  '\u0301',
  '\u0307',
  '\u0332',
  '\u094d',
  '\u00e9',
  '\u0130',
  '\u0131',
  '\u00df',
  '\u1e9e',
  '\uff41',
  '\uff21',
  '\ufb01',
  '\u2460',
  '\u0430',
  '\u0410',
  '\u03b1',
  '\u0391',
  '\u0928',
  '\u0947',
  '\u200b',
  '\u1100',
  '\u1161',
  '\u11a8',
  '\uac00',
  '\u3164',
  '\uffa0',
  '\u2800',
  '\u0585',
  '\ua4ee',
  '\u202e',
  '\ufeff',
  '\u00a0',
  '/',
  '?',
  '#',
  '@',
  '\u{1f600}',
  '\u{1d400}',
);
const text = fc.oneof(
  fc.string({ unit: odd, maxLength: 24 }),
  fc.string({ unit: 'grapheme', maxLength: 24 }),
  fc.string({ unit: 'binary', maxLength: 24 }),
);

describe('usernames', () => {
  it('the canonical form is a fixed point, and the store lower-casing it changes nothing', () => {
    fc.assert(
      fc.property(text, (t) => {
        const c = canonicalUsername(t);
        expect(canonicalUsername(c)).toBe(c);
        if (isValidUsername(c)) expect(canonicalUsername(c.toLowerCase())).toBe(c);
      }),
      { numRuns: 5000 },
    );
  });

  it('a name picked at sign-up is always a valid canonical name', () => {
    fc.assert(
      fc.property(text, (t) => {
        const name = usernameFrom(t);
        expect(isValidUsername(name)).toBe(true);
        expect(canonicalUsername(name)).toBe(name);
        expect(name.length).toBeLessThanOrEqual(MAX_USERNAME_LENGTH);
      }),
      { numRuns: 5000 },
    );
  });

  it.each([
    ['jose\u0301', 'jos\u00e9'],
    ['\uff41\uff44\uff4d\uff49\uff4e', 'admin'],
    ['ADMIN', 'admin'],
    ['\ufb01le', 'file'],
  ])('%j is spelled %j', (input, canonical) => {
    expect(canonicalUsername(input)).toBe(canonical);
    expect(isValidUsername(canonicalUsername(input))).toBe(true);
  });

  it('a name picked at sign-up from parts that the canonical form joins is joined (Hangul jamo around a removed character)', () => {
    expect(usernameFrom('\u1100/\u1161')).toBe('\uac00');
    expect(usernameFrom('\u1100\u200b\u1161\u200b\u11a8')).toBe(canonicalUsername('\uac01'));
  });

  it.each([
    'admin\u{1d159}',
    'g\u101d\u101dgle',
    'admi\u144e',
    'paypa\u2d4f',
    'j\u101d\u0308rg',
    '\u03b1\u0430',
    'admin\u3164',
    'admin\u115f',
    'admin\uffa0',
    'admin\u2800',
    'j\u0585hn',
    '\ua4eedmin',
    '\u0430dmin',
    '\u03b1dmin',
    'admi\u0307n',
    'admin\u0332',
    'adm\u0130n',
    '\u0301x',
    'ad\u200bmin',
    'a/b',
    '..',
    '',
    'x'.repeat(65),
  ])('%j is refused', (input) => {
    expect(isValidUsername(canonicalUsername(input))).toBe(false);
  });

  it.each([
    "o'brien;--",
    '100%_x',
    'a"b\\c',
    '\u0438\u0432\u0430\u043d',
    '\u0928\u092e\u0938\u094d\u0924\u0947',
    '\u03b1\u03b2\u03b3',
    '\u101d\u101d',
    'tanaka\u7530\u4e2d',
    'kim\uae40',
    'x'.repeat(64),
  ])('%j is allowed', (input) => {
    expect(isValidUsername(canonicalUsername(input))).toBe(true);
  });
});
