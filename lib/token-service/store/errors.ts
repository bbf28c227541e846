// Input the store refuses, and why: a typed error (never a driver error, and never one that carries the
// value itself). The app keeps callers' input within these bounds before it reaches the store; a
// provider profile that still breaks one ends the login with error=login_failed.

/**
 * The longest value the store accepts per field, in UTF-16 code units (so never more characters than
 * that). Where the original had a column length it is kept (ids and provider ids 128, avatar URL 512);
 * the others are generous for real data and small enough to keep indexes and rows cheap.
 */
export const STORE_LIMITS = {
  userId: 128,
  providerId: 128,
  /** A wanted or chosen username; a de-duplicated one may carry a few more digits. */
  username: 100,
  name: 256,
  email: 320,
  avatarUrl: 512,
  loginStateId: 256,
  provider: 64,
  /** RFC 7636 allows 43 to 128 characters. */
  codeVerifier: 128,
  rateKey: 512,
  /** One year. */
  windowSeconds: 366 * 24 * 60 * 60,
} as const;

/** Why a value was refused. */
export type StoreInputProblem = 'empty' | 'too-long' | 'invalid-characters' | 'invalid-date' | 'invalid-number';

/**
 * A value the store will not write: too long, empty where a value is needed, holding NUL (PostgreSQL
 * text cannot hold it, so both dialects refuse it alike) or a lone UTF-16 surrogate (it would be
 * stored as U+FFFD, silently changed), or an invalid date or number. The message names the field and the
 * problem, never the value.
 */
export class StoreInputError extends Error {
  constructor(
    readonly field: string,
    readonly problem: StoreInputProblem,
  ) {
    super(`token service store: ${field} is ${problem}`);
    this.name = 'StoreInputError';
  }
}

// NUL, or a high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `value` cannot be stored in a field of at most `max` code units, or undefined when it can. */
export function stringProblem(value: string, max: number, allowEmpty = false): StoreInputProblem | undefined {
  if (typeof value !== 'string' || (value.length === 0 && !allowEmpty)) return 'empty';
  if (value.length > max) return 'too-long';
  if (UNSTORABLE.test(value)) return 'invalid-characters';
  return undefined;
}

/** Throws StoreInputError when `value` cannot be stored (see stringProblem). */
export function checkString(field: string, value: string, max: number, allowEmpty = false): string {
  const problem = stringProblem(value, max, allowEmpty);
  if (problem !== undefined) throw new StoreInputError(field, problem);
  return value;
}

/**
 * Throws StoreInputError for an invalid Date, or one outside years 1 to 9999 (whose ISO text would not be
 * the fixed-width form that sorts as time); answers its ISO-8601 UTC text.
 */
export function checkDate(field: string, value: Date): string {
  const year = value instanceof Date ? value.getUTCFullYear() : NaN;
  if (!(year >= 1 && year <= 9999)) throw new StoreInputError(field, 'invalid-date');
  return value.toISOString();
}
