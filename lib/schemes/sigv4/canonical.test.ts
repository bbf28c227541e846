import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { percentDecode, percentEncode } from '../../core/encoding.ts';
import { canonicalPath, canonicalQuery, isCanonicalAwsQuery, parseQuery, queryPairs } from './canonical.ts';

const aws = { profile: 'aws', uriEscapePath: true, normalizePath: true } as const;
const s3 = { profile: 'aws', uriEscapePath: false, normalizePath: false } as const;
const dci = { profile: 'dciauth', uriEscapePath: false, normalizePath: false } as const;

describe('canonicalPath', () => {
  it.each([
    [aws, '/', '/'],
    [aws, '', '/'],
    [aws, '/a/./b/../c', '/a/c'],
    [aws, '//a//b//', '/a/b/'],
    [aws, '/a%20b', '/a%2520b'],
    [aws, '/a b', '/a%20b'],
    [aws, '/a%2Fb', '/a%252Fb'],
    [aws, '/..', '/'],
    [s3, '/a/./b//c%20d', '/a/./b//c%20d'],
    [dci, '/api/v1/a%20b', '/api/v1/a b'],
    [dci, '/api/./x', '/api/./x'],
  ])('%o %j -> %j', (opts, input, expected) => {
    expect(canonicalPath(input, opts)).toBe(expected);
  });
  it('refuses invalid percent-encoded UTF-8 in the dciauth profile', () => {
    expect(() => canonicalPath('/%FF', dci)).toThrow(/percent-encoded/);
  });
});

describe('canonicalQuery', () => {
  it.each([
    ['', ''],
    ['b=2&a=1', 'a=1&b=2'],
    ['a-b=1&a=2', 'a=2&a-b=1'],
    ['a=2&a=1&a=10', 'a=1&a=10&a=2'],
    ['flag&x=', 'flag=&x='],
    ['q=a+b', 'q=a%2Bb'],
    ['q=%7e%2a', 'q=~%2A'],
    ['&&a=1&', 'a=1'],
    // Sorted by the ENCODED key: "%" sorts before letters (the get-vanilla-query-order-encoded vector).
    ['Z=2&%E1%88%B4=1', '%E1%88%B4=1&Z=2'],
  ])('aws %j -> %j', (raw, expected) => {
    expect(canonicalQuery(parseQuery(raw), 'aws')).toBe(expected);
  });
  it.each([
    ['b=2&a=1', 'a=1&b=2'],
    ['q=a+b', 'q=a%20b'],
    ['blank', 'blank='],
    // Sorted by QUOTED key, as python-dciauth 4.0.1 sorts its quoted pairs ("%" before letters): its client
    // and server both give "a%20b=3&a%5B=1&aZ=2" (dciauth-requests.test.ts, "sorted-by-quoted-key").
    // This row used to expect the decoded-key order "aZ=2&a%5B=1" (python-dciauth 4.0.0's urlencode order).
    ['aZ=2&a%5B=1', 'a%5B=1&aZ=2'],
  ])('dciauth %j -> %j', (raw, expected) => {
    expect(canonicalQuery(parseQuery(raw, true), 'dciauth')).toBe(expected);
  });
  it('reads "+" as a space in the dciauth profile only (queryPairs, shared by signer and verifier)', () => {
    expect(queryPairs('q=a+b&x%2By=1+%2B+1', 'dciauth')).toEqual([
      { key: 'q', value: 'a b' },
      { key: 'x+y', value: '1 + 1' },
    ]);
    expect(queryPairs('q=a+b&x%2By=1+%2B+1', 'aws')).toEqual([
      { key: 'q', value: 'a+b' },
      { key: 'x+y', value: '1+++1' },
    ]);
    expect(canonicalQuery(queryPairs('q=a+b', 'dciauth'), 'dciauth')).toBe('q=a%20b');
    expect(canonicalQuery(queryPairs('q=a+b', 'aws'), 'aws')).toBe('q=a%2Bb');
  });
  it('excludes the named parameters (X-Amz-Signature)', () => {
    expect(canonicalQuery(parseQuery('a=1&X-Amz-Signature=abc'), 'aws', ['X-Amz-Signature'])).toBe('a=1');
  });
  it('refuses a repeated key in the dciauth profile', () => {
    expect(() => canonicalQuery(parseQuery('a=1&a=2'), 'dciauth')).toThrow(/repeated/);
  });
});

describe('canonicalQuery and parseQuery against independent references (fast-check)', () => {
  // Keys and values from characters that sort around "=" and "&" once encoded ("%", "-", ".", digits),
  // prefixes of each other, repeats and empty parts: where an order or a split could go wrong.
  const part = fc.string({
    unit: fc.constantFrom('a', 'b', 'A', '-', '.', '_', '~', '0', '9', '=', '%', ' ', '+', 'é', '/'),
    maxLength: 4,
  });
  const pairs = fc.array(fc.tuple(part, part), { maxLength: 20 });
  const byKeyThenValue = (a: [string, string], b: [string, string]) =>
    a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;

  it('sorts by encoded key, then encoded value, for a few pairs and for many (aws)', () => {
    fc.assert(
      fc.property(pairs, (ps) => {
        const expected = ps
          .map(([k, v]): [string, string] => [percentEncode(k), percentEncode(v)])
          .sort(byKeyThenValue)
          .map(([k, v]) => k + '=' + v)
          .join('&');
        expect(
          canonicalQuery(
            ps.map(([key, value]) => ({ key, value })),
            'aws',
          ),
        ).toBe(expected);
      }),
    );
  });

  it('splits a raw query as split("&") then the first "=" does, decoding each side', () => {
    const raw = fc.string({ unit: fc.constantFrom('a', 'b', '=', '&', '%', '2', '0', '+', 'x'), maxLength: 30 });
    fc.assert(
      fc.property(raw, fc.boolean(), (q, plus) => {
        const expected = q
          .split('&')
          .filter((p) => p !== '')
          .map((p) => {
            const eq = p.indexOf('=');
            return eq === -1 ? { key: p, value: '' } : { key: p.slice(0, eq), value: p.slice(eq + 1) };
          });
        let reference: Array<{ key: string; value: string }>;
        try {
          reference = expected.map(({ key, value }) => ({ key: percentDecode(key, plus), value: percentDecode(value, plus) }));
        } catch {
          expect(() => parseQuery(q, plus)).toThrow();
          return;
        }
        expect(parseQuery(q, plus)).toEqual(reference);
      }),
    );
  });

  it('knows a raw query that is its own canonical form, and only such a query (isCanonicalAwsQuery)', () => {
    // Sorted lists of pairs, some with no "=", a second "=", an escape, a "+" or an empty key or value,
    // equal neighbours; then one neighbour swap, or a stray "&", now and then.
    const part = fc.string({ unit: fc.constantFrom('a', 'b', 'B', '0', '-', '.', '_', '~', '%41', '+', '/'), maxLength: 3 });
    const pair = fc.tuple(part, fc.constantFrom('=', '=', '=', '', '=='), part);
    const order = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
    const canonicalOf = (q: string) => canonicalQuery(queryPairs(q, 'aws'), 'aws');
    fc.assert(
      fc.property(fc.array(pair, { maxLength: 8 }), fc.nat(9), fc.constantFrom('', '', '&'), (pairs, swap, stray) => {
        const sorted = pairs
          .map(([k, eq, v]) => ({ k, v: eq === '' ? '' : v, text: k + eq + (eq === '' ? '' : v) }))
          .sort((x, y) => order(x.k, y.k) || order(x.v, y.v))
          .map((p) => p.text);
        if (swap + 1 < sorted.length && swap % 2 === 0) [sorted[swap], sorted[swap + 1]] = [sorted[swap + 1]!, sorted[swap]!];
        const q = sorted.join('&') + stray;
        // Never claims a query that canonicalizes to something else; and every plain, sorted one it takes.
        if (isCanonicalAwsQuery(q)) expect(canonicalOf(q), q).toBe(q);
        else if (/^[A-Za-z0-9._~-]*=[A-Za-z0-9._~-]*(?:&[A-Za-z0-9._~-]*=[A-Za-z0-9._~-]*)*$/.test(q))
          expect(canonicalOf(q), q).not.toBe(q);
      }),
      { numRuns: 3000 },
    );
    for (const [q, own] of [
      ['', true],
      ['a=1', true],
      ['a=', true],
      ['=1', true],
      ['limit=10&sort=asc', true],
      ['a=1&a=1', true],
      ['a=1&a-=0', true],
      ['a-=0&a=1', false],
      ['a=10&a=2', true],
      ['a=2&a=10', false],
      ['a', false],
      ['a=1&', false],
      ['&a=1', false],
      ['a=1&&b=2', false],
      ['a=1=2', false],
      ['a=%41', false],
      ['a=b+c', false],
      ['a=b%20c', false],
      ['a=é', false],
      ['B=1&a=1', true],
      ['a=1&B=1', false],
    ] as const)
      expect(isCanonicalAwsQuery(q), q).toBe(own);
  });
});
