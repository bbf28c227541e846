import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { VECTORS_DIR } from '../../../test/conformance/load-vectors.ts';
import {
  canonicalQuery,
  canonicalQueryFull,
  compareCodePoints,
  parseQuery,
  quote,
  stringToSign,
  stringToSignHead,
  unquotePlus,
} from './canonical.ts';

// Known answers computed with CPython 3.11's urllib.parse exactly as ustudio-hmac-tornado 0.3.0's
// generate_digest uses it: parse_qs(query, keep_blank_values=True), sorted keys, sorted values, key=quote(value).
const PYTHON: ReadonlyArray<readonly [name: string, query: string, canonical: string]> = [
  ['no query', '', ''],
  ['one pair', 'a=1', 'a=1'],
  ['keys sorted', 'b=2&a=1', 'a=1&b=2'],
  ['values sorted as strings', 'a=2&a=1&a=10', 'a=1&a=10&a=2'],
  ['+ is a space; keys emitted decoded', 'a+b=c+d', 'a b=c%20d'],
  ['%20 is a space', 'a%20b=c%20d', 'a b=c%20d'],
  ['%2F and / both end as a literal /', 'x=%2F&y=/', 'x=/&y=/'],
  ['lower-case escapes', 'x=a%2fb', 'x=a/b'],
  ['invalid escapes stay literal, then % is quoted', 'p=%zz&q=%4', 'p=%25zz&q=%254'],
  ['a lone %', 'p=%', 'p=%25'],
  ['UTF-8 escapes', 'k=%C3%A9', 'k=%C3%A9'],
  ['a truncated UTF-8 sequence is U+FFFD', 'k=%C3', 'k=%EF%BF%BD'],
  ['a truncated 3-byte sequence is one U+FFFD', 'k=%E2%82', 'k=%EF%BF%BD'],
  ['invalid bytes are one U+FFFD each', 'k=%ff%fe', 'k=%EF%BF%BD%EF%BF%BD'],
  ['; in a key is an ordinary character', 'a;b=c', 'a;b=c'],
  ['; is not a separator (Python 3.9.2+)', 'a=1;b=2', 'a=1%3Bb%3D2'],
  ['empty parts are skipped', '&&a=1&&', 'a=1'],
  ['an empty key and value', '=', '='],
  ['an empty key', '=x', '=x'],
  ['only the first = splits', 'a==b', 'a=%3Db'],
  ['~ . _ - stay literal', 'k=~._-', 'k=~._-'],
  ['%7E becomes ~', 'k=%7E', 'k=~'],
  ['sub-delims are quoted', "k=!*'()", 'k=%21%2A%27%28%29'],
  ['escaped letters', '%41=%41', 'A=A'],
  ['a raw non-ASCII character', 'k=\u00e9', 'k=%C3%A9'],
  ['an escaped = and & in the key are written raw', '%3D=%26', '==%26'],
  ['an escaped & in a key', 'k%26=v', 'k&=v'],
  ['code-point order: upper before _ before lower', 'z=1&Z=1&_=1&a=1', 'Z=1&_=1&a=1&z=1'],
  ['a blank value sorts first', 'a=b&a=', 'a=&a=b'],
  ['code-point order above U+FFFF (escaped)', 'k=%F0%9F%98%80&k=%EE%80%80', 'k=%EE%80%80&k=%F0%9F%98%80'],
  ['code-point order above U+FFFF (raw)', 'k=\ud83d\ude00&k=\ue000', 'k=%EE%80%80&k=%F0%9F%98%80'],
  ['a newline in a key is written raw', 'key%0A=v%0A', 'key\n=v%0A'],
  ['+ and %2B differ', 'a=+&a=%2B', 'a=%20&a=%2B'],
  ['%2b', 'a=%2b', 'a=%2B'],
];

// Random queries over escapes, invalid escapes, UTF-8 (valid and not), `+`, `;`, `=` and `&`, with the
// answers of the same CPython code: 30 of 20,000 such queries, all of which matched when this was written.
const PYTHON_RANDOM: ReadonlyArray<readonly [query: string, canonical: string]> = [
  ['b_€é(*€=&%ff', 'b_€é(*€=&�='],
  ["😀&%3D%2B%0A%20_😀'&%ff😀%00€", "=+\n _😀'=&�😀\u0000€=&😀="],
  ['%E2%82%AC-&%0A', '\n=&€-='],
  ['&%0A*%7e%%A90', '\n*~%�0='],
  ["-%ff&%ff%0Aé%%26';*%2b", "-�=&�\né%&';*+="],
  ['~%3D%3D&%00%2f', '\u0000/=&~==='],
  ['b-éa %ff%3D&', 'b-éa �=='],
  ['&&%0Aé%=%20%C3;Z_.', '\né%=%20%EF%BF%BD%3BZ_.'],
  ['%ff%ff%F0%9F%98%80%000a&%ff%2', '�%2=&��😀\u00000a='],
  ['%C3%E2%82%AC%2f%0.&%ff%7eb%26&', '�~b&=&�€/%0.='],
  ['._&😀é%2B%7e%A9(', '._=&😀é+~�(='],
  ['é+%A9%A9€%00&0%2', '0%2=&é ��€\u0000='],
  ['%%7e&-=*%2%7e', '%~=&-=%2A%252~'],
  ['%26%ff_%ff%A9%2B~.%2B=&', '&�_��+~.+='],
  ['%26=%A9&éé0;%26%20%0A/%3D', '&=%EF%BF%BD&éé0;& \n/=='],
  ["😀%%A9%26a'0%2B*%C3&;", ";=&😀%�&a'0+*�="],
  ['b%0A&_%3Db', '_=b=&b\n='],
  ['&0/ %26%A9*+%C3€%7e//', '0/ &�* �€~//='],
  ['a+&%E2%82%AC&.0', '.0=&a =&€='],
  ['&%F0%9F%98%80', '😀='],
  ['%2fb%2B%E2%82%ACb=%2B%3D&%C3%00.', '/b+€b=%2B%3D&�\u0000.='],
  ['+%20 %C3.%00%2f~&%F0%9F%98%80(%ff', '   �.\u0000/~=&😀(�='],
  ['%3D%ff%00%F0%9F%98%80Z%7e&%2Z%F0%9F%98%80(', '%2Z😀(=&=�\u0000😀Z~='],
  ["%00*'%2f%3D&-%0A", "\u0000*'/==&-\n="],
  ['/é.0=%C3Z%2😀%F0%9F%98%80=&%2', '%2=&/é.0=%EF%BF%BDZ%252%F0%9F%98%80%F0%9F%98%80%3D'],
  ["%26(😀  %&€a..;%0A'", "&(😀  %=&€a..;\n'="],
  ["+%26'-&%00+.€'%E2%82%AC%%C3é", "\u0000 .€'€%�é=& &'-="],
  ['&&*/&%26%C3 %0A%00%3D😀', '&� \n\u0000=😀=&*/='],
  ['%ff%ff&%7e%F0%9F%98%80%0A€', '~😀\n€=&��='],
  ['0%ff%ff%2B&%3DZ&', '0��+=&=Z='],
];

describe('canonicalQuery', () => {
  it('gives the example of PROTOCOLS.md and the vectors file', () => {
    const v = JSON.parse(readFileSync(join(VECTORS_DIR, 'ustudio-hmac/vectors.json'), 'utf8')) as {
      example_canonical_query: { query: string; canonical: string };
    };
    expect(canonicalQuery(v.example_canonical_query.query)).toBe(v.example_canonical_query.canonical);
    expect(canonicalQuery('bar=value%202&bar=avalue&Foo=value%3f1&blank')).toBe('Foo=value%3F1&bar=avalue&bar=value%202&blank=');
  });

  it.each(PYTHON)('%s: as Python builds it', (_name, query, canonical) => {
    expect(canonicalQuery(query)).toBe(canonical);
  });

  it.each(PYTHON_RANDOM)('random query %j: as Python builds it', (query, canonical) => {
    expect(canonicalQuery(query)).toBe(canonical);
  });

  it('gives the same answer with and without its shortcut for plain queries (property)', () => {
    const plain = fc.string({ unit: fc.constantFrom('a', 'b', 'Z', '0', '9', '-', '.', '_', '~', '/', '=', '&'), maxLength: 24 });
    const any = fc.string({ unit: fc.constantFrom('a', 'b', '=', '&', '%', '+', ' ', '%3D', '%26', 'é'), maxLength: 16 });
    fc.assert(
      fc.property(fc.oneof(plain, any), (q) => {
        expect(canonicalQuery(q)).toBe(canonicalQueryFull(q));
      }),
      { numRuns: 2000 },
    );
    for (const q of ['a==&a=0', 'k&k=&k=x', 'a=1&a-b=1&a=0', 'b=2&a=1&a=', '=&=x&==', 'x=a=b&x=a'])
      expect(canonicalQuery(q), q).toBe(canonicalQueryFull(q));
  });

  it('gives the same answer with and without its shortcut for queries sent sorted, or nearly (property)', () => {
    // The shortcut that keeps a sorted plain query as it is: sorted lists of pairs, some with no "=",
    // a second "=", an empty key or value, equal neighbours, and one neighbour swap or a stray "&".
    const part = fc.string({ unit: fc.constantFrom('a', 'b', 'Z', '0', '-', '.', '_', '~', '/'), maxLength: 3 });
    const pair = fc.tuple(part, fc.constantFrom('=', '=', '=', '', '=='), part);
    const order = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
    fc.assert(
      fc.property(fc.array(pair, { maxLength: 8 }), fc.nat(9), fc.constantFrom('', '&'), (pairs, swap, stray) => {
        const sorted = pairs
          .map(([k, eq, v]) => ({ k, text: k + eq + (eq === '' ? '' : v), v: eq === '' ? '' : v }))
          .sort((x, y) => order(x.k, y.k) || order(x.v, y.v))
          .map((p) => p.text);
        if (swap + 1 < sorted.length && swap % 2 === 0) [sorted[swap], sorted[swap + 1]] = [sorted[swap + 1]!, sorted[swap]!];
        const q = sorted.join('&') + stray;
        expect(canonicalQuery(q), q).toBe(canonicalQueryFull(q));
      }),
      { numRuns: 3000 },
    );
    for (const q of ['a=1&a-=0', 'a-=0&a=1', '=1&a=', 'a=&a=', 'a=2&a=10', 'a=10&a=2', 'a=1&b', 'a=1&&b=2', 'a=1=2&b=1'])
      expect(canonicalQuery(q), q).toBe(canonicalQueryFull(q));
    expect(canonicalQuery('a=1&a=1&b=&c=x')).toBe('a=1&a=1&b=&c=x');
  });

  it('gives the same answer with and without its shortcut for long plain queries, past the insertion sort (property)', () => {
    // More than 32 pairs take the n log n sort: short keys and values so that many repeat and tie.
    const pair = fc.tuple(fc.constantFrom('a', 'b', 'ab', 'a-', 'B', '_', '~', ''), fc.constantFrom('', '=', '=1', '=0', '=1=2', '=~'));
    fc.assert(
      fc.property(fc.array(pair, { minLength: 33, maxLength: 120 }), (pairs) => {
        const q = pairs.map(([k, v]) => k + v).join('&');
        expect(canonicalQuery(q)).toBe(canonicalQueryFull(q));
      }),
      { numRuns: 500 },
    );
    // The worst order for insertion sort: distinct keys, descending.
    const keys = Array.from({ length: 2000 }, (_, i) => 'k' + String(i).padStart(4, '0')).reverse();
    expect(canonicalQuery(keys.join('&'))).toBe(canonicalQueryFull(keys.join('&')));
    expect(canonicalQuery(keys.join('&'))).toBe(
      [...keys]
        .reverse()
        .map((k) => k + '=')
        .join('&'),
    );
  });

  it('sorts a long plain query in n log n steps, not n² (counted, not timed)', () => {
    // Every comparison of two pairs reads their characters: count the reads. 2,000 distinct keys in
    // descending order take an insertion sort about 2,000,000 comparisons; n log n about 22,000.
    const query = Array.from({ length: 2000 }, (_, i) => 'k' + String(i).padStart(4, '0'))
      .reverse()
      .join('&');
    const reads = vi.spyOn(String.prototype, 'charCodeAt');
    try {
      canonicalQuery(query);
      expect(reads.mock.calls.length).toBeLessThan(40 * 2000 * Math.log2(2000));
    } finally {
      reads.mockRestore();
    }
  });

  it('does not depend on the order of the pairs (property)', () => {
    const text = fc.string({
      unit: fc.constantFrom('a', 'B', '_', '~', ' ', '/', '=', '&', '+', '%', ';', 'é', '😀', '\u{e000}'),
      maxLength: 6,
    });
    fc.assert(
      fc.property(fc.array(fc.tuple(text, text), { maxLength: 8 }), fc.nat(), (pairs, seed) => {
        // Encoded the way a client would (every pair survives: keys and values fully escaped).
        const enc = (s: string) => encodeURIComponent(s);
        const parts = pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`);
        const shuffled = [...parts];
        let s = seed;
        for (let i = shuffled.length - 1; i > 0; i--) {
          s = (s * 1103515245 + 12345) % 2 ** 31;
          const j = s % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        expect(canonicalQuery(shuffled.join('&'))).toBe(canonicalQuery(parts.join('&')));
        // And it holds each pair, decoded key and quoted value.
        const expected = [...pairs]
          .sort((a, b) => compareCodePoints(a[0], b[0]) || compareCodePoints(a[1], b[1]))
          .map(([k, v]) => `${k}=${quote(v)}`)
          .join('&');
        expect(canonicalQuery(parts.join('&'))).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe('the parts', () => {
  it('parseQuery keeps blank values and splits on the first = only', () => {
    expect(parseQuery('a&b=&c==d&&')).toEqual([
      ['a', ''],
      ['b', ''],
      ['c', '=d'],
    ]);
  });
  it('unquotePlus decodes + and valid escapes, keeps invalid ones, replaces invalid UTF-8', () => {
    expect(unquotePlus('a+b%2Fc%zz%C3')).toBe('a b/c%zz\uFFFD');
    expect(unquotePlus('%C3%A9t%C3%A9')).toBe('été');
    expect(unquotePlus('%%41')).toBe('%A');
    expect(unquotePlus('x%4')).toBe('x%4');
  });
  it('quote leaves A-Z a-z 0-9 _ . - ~ / and escapes the rest as UTF-8, upper-case hex', () => {
    expect(quote('Az09_.-~/')).toBe('Az09_.-~/');
    expect(quote('a b?=&%+é')).toBe('a%20b%3F%3D%26%25%2B%C3%A9');
  });
  it('compareCodePoints orders by code point, not UTF-16 unit', () => {
    expect(compareCodePoints('\u{1F600}', '\u{E000}')).toBeGreaterThan(0);
    expect('\u{1F600}' < '\u{E000}').toBe(true);
    expect(compareCodePoints('a', 'ab')).toBeLessThan(0);
    expect(compareCodePoints('b', 'a')).toBeGreaterThan(0);
  });
  it('the string to sign: METHOD, raw path, canonical query, then the body; the freshness line first, only when given', () => {
    const body = new TextEncoder().encode('Some Body');
    expect(new TextDecoder().decode(stringToSign('POST', '/a%20b', 'b=1&a=2', body))).toBe('POST\n/a%20b\na=2&b=1\nSome Body');
    expect(stringToSignHead('GET', '/', '', { timestamp: '1700000000', nonce: '' })).toBe(
      'USTUDIO-HMAC-V2-FRESHNESS 1700000000 \nGET\n/\n\n',
    );
    expect(stringToSignHead('GET', '/', 'a=1', { timestamp: '1', nonce: 'abcdefgh' })).toBe(
      'USTUDIO-HMAC-V2-FRESHNESS 1 abcdefgh\nGET\n/\na=1\n',
    );
  });
});
