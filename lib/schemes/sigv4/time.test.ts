import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { calendar } from '../../../test/helpers/calendar.ts';
import { formatAmzTimestamp, isValidDateStamp, parseAmzTimestamp } from './time.ts';

const p2 = (n: number) => String(n).padStart(2, '0');
const stamp = (y: number, mo: number, d: number) => String(y).padStart(4, '0') + p2(mo) + p2(d);
const ts = (y: number, mo: number, d: number, h: number, mi: number, s: number) => `${stamp(y, mo, d)}T${p2(h)}${p2(mi)}${p2(s)}Z`;

// Fields mostly in range, with the values just outside each range and the leap-year edge cases.
const year = fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.constantFrom(0, 4, 100, 1900, 2000, 2024, 2025, 2100, 2400, 9999));
const month = fc.integer({ min: 0, max: 13 });
const day = fc.oneof(fc.integer({ min: 0, max: 32 }), fc.constantFrom(28, 29, 30, 31));
const hour = fc.integer({ min: 0, max: 24 });
const minute = fc.integer({ min: 0, max: 60 });
const second = fc.integer({ min: 0, max: 60 });

describe('parseAmzTimestamp', () => {
  it.each([
    ['20261124T120000Z', Date.UTC(2026, 10, 24, 12, 0, 0)],
    ['20240229T235959Z', Date.UTC(2024, 1, 29, 23, 59, 59)],
    ['20000229T000000Z', Date.UTC(2000, 1, 29, 0, 0, 0)],
    ['19700101T000000Z', 0],
    ['99991231T235959Z', Date.UTC(9999, 11, 31, 23, 59, 59)],
    ['00000101T000000Z', calendar(0, 1, 1)!],
    ['00500601T000000Z', calendar(50, 6, 1)!],
    // Month 13, month 0, day 0, day 32, 31 November, 29 February in common years (2026, 2100, 1900), hour 24, minute 60, second 60.
    ['20261324T120000Z', 'date'],
    ['20260024T120000Z', 'date'],
    ['20261100T120000Z', 'date'],
    ['20261232T120000Z', 'date'],
    ['20261131T120000Z', 'date'],
    ['20260229T120000Z', 'date'],
    ['21000229T120000Z', 'date'],
    ['19000229T120000Z', 'date'],
    ['20261124T240000Z', 'date'],
    ['20261124T126000Z', 'date'],
    ['20261124T120060Z', 'date'],
    ['2026-11-24T12:00:00Z', 'format'],
    ['20261124T120000', 'format'],
    ['20261124 120000Z', 'format'],
    ['2026112AT120000Z', 'format'],
    ['+0261124T120000Z', 'format'],
    ['20261124T12000-Z', 'format'],
    ['', 'format'],
  ])('%j -> %j', (input, expected) => {
    expect(parseAmzTimestamp(input)).toBe(expected);
  });

  it('agrees with an independent calendar check on every field', () => {
    fc.assert(
      fc.property(year, month, day, hour, minute, second, (y, mo, d, h, mi, s) => {
        const expected = calendar(y, mo, d, h, mi, s);
        expect(parseAmzTimestamp(ts(y, mo, d, h, mi, s))).toBe(expected ?? 'date');
      }),
      { numRuns: 5000 },
    );
  });

  it('calls anything not of the shape YYYYMMDDTHHMMSSZ a format error', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (s) => {
        fc.pre(!/^\d{8}T\d{6}Z$/.test(s));
        expect(parseAmzTimestamp(s)).toBe('format');
      }),
    );
  });
});

describe('isValidDateStamp (credential dates)', () => {
  it.each([
    ['20261124', true],
    ['20240229', true],
    ['20000229', true],
    ['20261324', false],
    ['20260024', false],
    ['20261100', false],
    ['20260230', false],
    ['21000229', false],
    ['2026112', false],
    ['202611245', false],
    ['2026-1-1', false],
  ])('%j -> %j', (input, expected) => {
    expect(isValidDateStamp(input)).toBe(expected);
  });

  it('agrees with an independent calendar check', () => {
    fc.assert(
      fc.property(year, month, day, (y, mo, d) => {
        expect(isValidDateStamp(stamp(y, mo, d))).toBe(calendar(y, mo, d) !== undefined);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('formatAmzTimestamp (the signer clock)', () => {
  const first = calendar(0, 1, 1)!;
  const last = calendar(9999, 12, 31, 23, 59, 59)! + 999;

  it('formats every instant of years 0000-9999 as a timestamp that parses back to the same second', () => {
    fc.assert(
      fc.property(fc.integer({ min: first, max: last }), (ms) => {
        const text = formatAmzTimestamp(ms);
        expect(parseAmzTimestamp(text)).toBe(Math.floor(ms / 1000) * 1000);
      }),
      { numRuns: 2000 },
    );
    expect(formatAmzTimestamp(Date.UTC(2026, 10, 24, 12, 0, 0, 999))).toBe('20261124T120000Z');
    expect(formatAmzTimestamp(first)).toBe('00000101T000000Z');
    expect(formatAmzTimestamp(last)).toBe('99991231T235959Z');
  });

  it.each([
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['year 10000', last + 1],
    ['year -1', first - 1],
    ['a string', '1700000000000' as unknown as number],
  ])('refuses a clock reading of %s with TypeError', (_label, ms) => {
    expect(() => formatAmzTimestamp(ms)).toThrow(TypeError);
  });
});
