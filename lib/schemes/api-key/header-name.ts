import { RESERVED_HEADERS } from './constants.ts';

/** An HTTP field name (RFC 9110 section 5.1: a token), at most 64 characters. */
export const HEADER_NAME_PATTERN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/;

/** Why `name` cannot carry API keys, or undefined when it can. */
export function headerNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || !HEADER_NAME_PATTERN.test(name)) return 'must be an HTTP header name (a token of at most 64 characters)';
  if (RESERVED_HEADERS.includes(name.toLowerCase())) return 'is reserved for another use: pick a header of its own such as X-Api-Key';
  return undefined;
}

/**
 * The header name, checked.
 *
 * @throws TypeError when it is not an HTTP header name or is reserved (Authorization, Host, a signature scheme's headers).
 */
export function checkHeaderName(name: string): string {
  const problem = headerNameProblem(name);
  if (problem) throw new TypeError(`header ${problem}`);
  return name;
}
