import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { headerIndex, headerMap, type HeaderList } from './request.ts';

// headerIndex answers what headerMap answers, without a Map: the SigV4 verifier reads headers through it.
describe('headerIndex', () => {
  const name = fc.constantFrom(
    'Host',
    'host',
    'HOST',
    'X-Amz-Date',
    'x-amz-date',
    'Authorization',
    'authorization',
    'a',
    'A',
    'ab',
    'b',
    'constructor',
    '__proto__',
    '',
  );
  const list = (maxLength: number) => fc.array(fc.tuple(name, fc.string({ maxLength: 4 })), { maxLength });

  it('gives every value of a name in arrival order, and counts distinct names, as headerMap does (property)', () => {
    fc.assert(
      fc.property(list(40), (headers: HeaderList) => {
        const index = headerIndex(headers);
        const map = headerMap(headers);
        expect(index.size).toBe(map.size);
        for (const n of ['host', 'x-amz-date', 'authorization', 'a', 'ab', 'b', 'constructor', '__proto__', '', 'missing', 'HOST'])
          expect(index.get(n), n).toEqual(map.get(n));
      }),
      { numRuns: 2000 },
    );
  });

  it('counts distinct names past the pairwise count as well', () => {
    const headers: Array<[string, string]> = Array.from({ length: 100 }, (_, i) => [`X-H${i % 37}`, String(i)]);
    expect(headerIndex(headers).size).toBe(37);
    expect(headerIndex(headers).get('x-h3')).toEqual(['3', '40', '77']);
    expect(headerIndex([]).size).toBe(0);
    expect(headerIndex([]).get('host')).toBeUndefined();
  });

  it('hands out a new list each time: a caller cannot change what the next lookup sees', () => {
    const index = headerIndex([['Host', 'a']]);
    (index.get('host') as string[]).push('b');
    expect(index.get('host')).toEqual(['a']);
  });
});
