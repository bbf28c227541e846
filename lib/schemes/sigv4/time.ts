/**
 * SigV4 timestamps (`YYYYMMDDTHHMMSSZ`, basic ISO 8601 in UTC) and credential dates (`YYYYMMDD`),
 * validated field by field on the proleptic Gregorian calendar. `Date.UTC` is not used to validate:
 * it rolls month 13 into the next year, day 32 into the next month, and maps years 0-99 to 1900-1999.
 */

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Gregorian leap years (every fourth, except centuries not divisible by 400): the only years with a February 29. */
export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Days in `month` (1-12) of `year`. */
export function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
}

/** The number made of `n` ASCII digits of `s` from `at`, or -1 when any of them is not a digit. */
function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** Days from 1970-01-01 to a civil date (any year, month 1-12); H. Hinnant's days_from_civil. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function validDate(year: number, month: number, day: number): boolean {
  return year >= 0 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** Whether `s` is a credential date `YYYYMMDD` that exists on the calendar. */
export function isValidDateStamp(s: string): boolean {
  return s.length === 8 && validDate(digits(s, 0, 4), digits(s, 4, 2), digits(s, 6, 2));
}

/**
 * Milliseconds since the epoch of a `YYYYMMDDTHHMMSSZ` timestamp: `'format'` when it is not of that
 * shape, `'date'` when a field is out of range (month 1-12, day within the month, leap years
 * included, hour 0-23, minute 0-59, second 0-59; no leap seconds, as SigV4 signers never send them).
 */
export function parseAmzTimestamp(ts: string): number | 'format' | 'date' {
  if (ts.length !== 16 || ts.charCodeAt(8) !== 0x54 /* T */ || ts.charCodeAt(15) !== 0x5a /* Z */) return 'format';
  const year = digits(ts, 0, 4);
  const month = digits(ts, 4, 2);
  const day = digits(ts, 6, 2);
  const hour = digits(ts, 9, 2);
  const minute = digits(ts, 11, 2);
  const second = digits(ts, 13, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return 'format';
  if (!validDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return 'date';
  return ((daysFromCivil(year, month, day) * 24 + hour) * 60 + minute) * 60_000 + second * 1000;
}

/** The first instant a four-digit-year timestamp can name (0000-01-01T00:00:00Z): a clock before it cannot sign. */
export const MIN_TIMESTAMP_MS = daysFromCivil(0, 1, 1) * 86_400_000;
/** The last instant a four-digit-year timestamp can name (9999-12-31T23:59:59.999Z): a clock after it cannot sign. */
export const MAX_TIMESTAMP_MS = daysFromCivil(10000, 1, 1) * 86_400_000 - 1;

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/**
 * Formats a clock reading as `YYYYMMDDTHHMMSSZ` (milliseconds dropped).
 *
 * @throws TypeError when `ms` is not a finite number or falls outside years 0000-9999, where no
 * valid timestamp exists (a broken clock must not produce a signature).
 */
export function formatAmzTimestamp(ms: number): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < MIN_TIMESTAMP_MS || ms > MAX_TIMESTAMP_MS) {
    throw new TypeError('the clock did not give a time between years 0000 and 9999');
  }
  const d = new Date(ms);
  return (
    pad(d.getUTCFullYear(), 4) +
    pad(d.getUTCMonth() + 1, 2) +
    pad(d.getUTCDate(), 2) +
    'T' +
    pad(d.getUTCHours(), 2) +
    pad(d.getUTCMinutes(), 2) +
    pad(d.getUTCSeconds(), 2) +
    'Z'
  );
}
