// Reading the API key from its header. Exactly one header of the configured name (matched
// case-insensitively); its value with optional whitespace (spaces and tabs, RFC 9110 section 5.5)
// trimmed, as every HTTP parser in front of us trims it already; bounded before anything else is done
// with it. The key's own form and checksum are judged by parseApiKey (lib/keys/api-key-format.ts).
import { API_KEY_MAX_LENGTH } from '../../keys/api-key-format.ts';
import type { SignedRequest } from '../../core/request.ts';
import { API_KEY_MESSAGES } from './constants.ts';

/** The key as the header carries it (a string: no object is built for the common case), or why it cannot be one key. */
export type ApiKeyHeader = string | ApiKeyHeaderFailure;

/** Why the header cannot be one key (never quoting it). */
export interface ApiKeyHeaderFailure {
  readonly code: 'ERR_AUTH_MISSING' | 'ERR_AUTH_MALFORMED';
  readonly message: string;
}

/** Whether the request carries a header named `lowerName` (lower-case), whatever its value: what `claims()` asks. */
export function carriesHeader(req: SignedRequest, lowerName: string): boolean {
  const length = lowerName.length;
  for (const [name] of req.headers) if (name.length === length && name.toLowerCase() === lowerName) return true;
  return false;
}

/** Whether the character code is optional whitespace (SP or HTAB). */
const isOws = (c: number) => c === 0x20 || c === 0x09;

/**
 * The one value of the header `lowerName` (lower-case; `shown` is how messages name it), spaces and
 * tabs around it trimmed, as a string; otherwise an {@link ApiKeyHeaderFailure}. Refused: no such header (`ERR_AUTH_MISSING`), an empty one (`ERR_AUTH_MISSING`),
 * more than one (`ERR_AUTH_MALFORMED`, as MAuth and SigV4 refuse repeated credential headers; also when
 * a platform joined them into one value with commas, which no key holds), or one
 * longer than the longest API key there is (`ERR_AUTH_MALFORMED`).
 */
export function readApiKeyHeader(req: SignedRequest, lowerName: string, shown: string): ApiKeyHeader {
  const length = lowerName.length;
  let value: string | undefined;
  let count = 0;
  for (const [name, v] of req.headers) {
    if (name.length !== length || name.toLowerCase() !== lowerName) continue;
    count++;
    value = v;
  }
  if (count === 0 || value === undefined) return { code: 'ERR_AUTH_MISSING', message: API_KEY_MESSAGES.missing(shown) };
  if (count > 1) return { code: 'ERR_AUTH_MALFORMED', message: API_KEY_MESSAGES.duplicate(shown) };
  let start = 0;
  let end = value.length;
  while (start < end && isOws(value.charCodeAt(start))) start++;
  while (end > start && isOws(value.charCodeAt(end - 1))) end--;
  if (end === start) return { code: 'ERR_AUTH_MISSING', message: API_KEY_MESSAGES.missing(shown) };
  // Fetch's Headers (Workers, Node's fetch) and API Gateway join repeated headers with ", " into one
  // value; an API key never holds a comma, so one there is a repeated header.
  const comma = value.indexOf(',', start);
  if (comma !== -1 && comma < end) return { code: 'ERR_AUTH_MALFORMED', message: API_KEY_MESSAGES.duplicate(shown) };
  if (end - start > API_KEY_MAX_LENGTH) return { code: 'ERR_AUTH_MALFORMED', message: API_KEY_MESSAGES.tooLong(shown) };
  return start === 0 && end === value.length ? value : value.slice(start, end);
}
