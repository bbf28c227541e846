// Finding a bearer token in a request and taking a compact JWS apart, before any key or crypto:
// bounded, strict base64url, header and payload JSON objects read prototype-safely.
import { fail } from '../../core/errors.ts';
import type { SignedRequest } from '../../core/request.ts';
import { AUTH_TOKEN_HEADER, AUTHORIZATION_HEADER, JWT_QUERY_PARAMETER } from './constants.ts';

/** Where a verifier looks for tokens besides `Authorization: Bearer`. */
export interface TokenSources {
  readonly authTokenHeader: boolean;
  readonly queryParameter: boolean;
}

/** A token found in a request, and where. */
export interface FoundToken {
  readonly token: string;
  readonly source: 'authorization' | 'auth-token' | 'query';
}

// RFC 6750 section 2.1: "Bearer" 1*SP b64token; the scheme name is case-insensitive (RFC 9110 section 11.1).
const BEARER_PREFIX_RE = /^[Bb][Ee][Aa][Rr][Ee][Rr](?: |$)/;

/**
 * The token of a `Bearer` Authorization value (surrounding spaces and tabs allowed), or undefined when
 * it does not start "Bearer" and a space. What follows is not checked here: a token the cache knows
 * was decoded strictly before, and any other is decoded strictly (`decodeJwt`: base64url and two
 * dots, nothing else) before it counts. Scanned by hand rather than by a regular expression over the
 * whole value, which was a fifth of the 2 µs a repeated token costs.
 */
function bearerToken(value: string): string | undefined {
  let start = 0;
  let end = value.length;
  while (start < end && (value.charCodeAt(start) === 0x20 || value.charCodeAt(start) === 0x09)) start++;
  while (end > start && (value.charCodeAt(end - 1) === 0x20 || value.charCodeAt(end - 1) === 0x09)) end--;
  if (end - start < 8 || (value.charCodeAt(start) | 0x20) !== 0x62 || value.slice(start, start + 6).toLowerCase() !== 'bearer')
    return undefined;
  let at = start + 6;
  if (value.charCodeAt(at) !== 0x20) return undefined;
  while (at < end && value.charCodeAt(at) === 0x20) at++;
  return at === end ? undefined : start === 0 && end === value.length && at === 7 ? value.slice(7) : value.slice(at, end);
}

/** Whether an Authorization value names the Bearer scheme and holds something JWT-shaped (a ".") after it. */
function isBearerJwt(value: string): boolean {
  const v = value.trim();
  return BEARER_PREFIX_RE.test(v) && v.includes('.', 7);
}

/** The raw values of the `jwt` query parameter (name matched case-insensitively, as credential stripping does). */
function queryValues(query: string): string[] {
  if (query === '') return [];
  const out: string[] = [];
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    const name = eq === -1 ? pair : pair.slice(0, eq);
    if (name.length === JWT_QUERY_PARAMETER.length && name.toLowerCase() === JWT_QUERY_PARAMETER)
      out.push(eq === -1 ? '' : pair.slice(eq + 1));
  }
  return out;
}

/**
 * Whether the request carries a JWT for these sources: an `Authorization: Bearer` value with a "." in
 * it (so an opaque bearer API key is left to its own scheme), or, when enabled, an `auth-token` header
 * or a `jwt` query parameter. Cheap: no decoding.
 */
export function carriesJwt(req: SignedRequest, sources: TokenSources): boolean {
  for (const [name, value] of req.headers) {
    const lower = name.length === 13 || name.length === 10 ? name.toLowerCase() : '';
    if (lower === AUTHORIZATION_HEADER && isBearerJwt(value)) return true;
    if (lower === AUTH_TOKEN_HEADER && sources.authTokenHeader) return true;
  }
  return sources.queryParameter && queryValues(req.query).length > 0;
}

/**
 * The one token the request carries. Two sources at once, a header twice, or a parameter twice are
 * refused (which one would the origin read?), as is an Authorization value that is not exactly
 * `Bearer <token>` (any case of "Bearer", one or more spaces).
 *
 * @throws AuthFailure `ERR_AUTH_MISSING` when there is none, `ERR_AUTH_MALFORMED` otherwise.
 */
export function findToken(req: SignedRequest, sources: TokenSources): FoundToken {
  const authorization: string[] = [];
  const authToken: string[] = [];
  for (const [name, value] of req.headers) {
    if (name.length === 13 && name.toLowerCase() === AUTHORIZATION_HEADER) authorization.push(value);
    else if (sources.authTokenHeader && name.length === 10 && name.toLowerCase() === AUTH_TOKEN_HEADER) authToken.push(value);
  }
  const query = sources.queryParameter ? queryValues(req.query) : [];
  const bearer = authorization.filter((a) => BEARER_PREFIX_RE.test(a.trim()));
  const present = (bearer.length > 0 ? 1 : 0) + (authToken.length > 0 ? 1 : 0) + (query.length > 0 ? 1 : 0);
  if (present === 0) fail('ERR_AUTH_MISSING', 'no bearer token');
  if (present > 1) fail('ERR_AUTH_MALFORMED', 'a bearer token in more than one place');
  if (authorization.length > 1 || authToken.length > 1 || query.length > 1) fail('ERR_AUTH_MALFORMED', 'more than one bearer token');
  if (bearer.length === 1) {
    const token = bearerToken(bearer[0]!);
    if (token === undefined) fail('ERR_AUTH_MALFORMED', 'the Authorization header must be "Bearer <token>"');
    return { token, source: 'authorization' };
  }
  if (authToken.length === 1) return { token: authToken[0]!.trim(), source: 'auth-token' };
  // A compact JWS is base64url and dots: it never needs percent-encoding, so none is decoded.
  return { token: query[0]!, source: 'query' };
}

/** Base64url digit values by character code (0..127); -1 for anything else. */
const B64URL = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64URL['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.charCodeAt(i)] = i;

/**
 * Strict unpadded base64url (RFC 7515 section 2) of `text[start, end)`: no padding, no other
 * characters, no length of 4n+1, and unused bits zero, so each byte string has exactly one spelling.
 * Undefined otherwise.
 */
export function decodeBase64Url(text: string, start = 0, end = text.length): Uint8Array | undefined {
  const length = end - start;
  const rest = length % 4;
  if (rest === 1) return undefined;
  const out = new Uint8Array(((length - rest) / 4) * 3 + (rest === 0 ? 0 : rest - 1));
  let at = 0;
  const full = end - rest;
  const d = (i: number) => {
    const c = text.charCodeAt(i);
    return c < 128 ? B64URL[c]! : -1;
  };
  for (let i = start; i < full; i += 4) {
    const a = d(i);
    const b = d(i + 1);
    const c = d(i + 2);
    const e = d(i + 3);
    if ((a | b | c | e) < 0) return undefined;
    const n = (a << 18) | (b << 12) | (c << 6) | e;
    out[at++] = n >> 16;
    out[at++] = (n >> 8) & 0xff;
    out[at++] = n & 0xff;
  }
  if (rest === 2) {
    const a = d(full);
    const b = d(full + 1);
    if ((a | b) < 0 || (b & 0x0f) !== 0) return undefined;
    out[at] = (a << 2) | (b >> 4);
  } else if (rest === 3) {
    const a = d(full);
    const b = d(full + 1);
    const c = d(full + 2);
    if ((a | b | c) < 0 || (c & 0x03) !== 0) return undefined;
    out[at++] = (a << 2) | (b >> 4);
    out[at] = ((b & 0x0f) << 4) | (c >> 2);
  }
  return out;
}

const decoder = new TextDecoder('utf-8', { fatal: true });
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * A JSON object from a token segment, or undefined when the segment is not base64url of a UTF-8 JSON
 * object. Keys that could reach a prototype (`__proto__`, `constructor`, `prototype`, at any depth)
 * refuse the whole object; the walk runs only when the text could hold one (a backslash or the words).
 */
export function segmentObject(token: string, start: number, end: number): Record<string, unknown> | undefined {
  const bytes = decodeBase64Url(token, start, end);
  if (!bytes) return undefined;
  let json: string;
  let value: unknown;
  try {
    json = decoder.decode(bytes);
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  if (json.includes('\\') || json.includes('proto') || json.includes('constructor')) {
    const pending: unknown[] = [value];
    while (pending.length > 0) {
      const item = pending.pop();
      if (item === null || typeof item !== 'object') continue;
      for (const key of Object.keys(item)) {
        if (FORBIDDEN_KEYS.has(key)) return undefined;
        pending.push((item as Record<string, unknown>)[key]);
      }
    }
  }
  return value as Record<string, unknown>;
}

/** A compact JWS taken apart: header and payload objects, the signing input's end, the signature. */
export interface DecodedJwt {
  readonly header: Record<string, unknown>;
  readonly payload: Record<string, unknown>;
  /** Index of the second "."; the signing input is `token.slice(0, signingInputEnd)`. */
  readonly signingInputEnd: number;
  readonly signature: Uint8Array;
}

/**
 * Takes a compact JWS apart: exactly three base64url segments, header and payload JSON objects.
 *
 * @throws AuthFailure `ERR_AUTH_MALFORMED` (never quoting the token).
 */
export function decodeJwt(token: string, maxBytes: number): DecodedJwt {
  if (token.length > maxBytes) fail('ERR_AUTH_MALFORMED', 'the token is too long');
  const first = token.indexOf('.');
  const second = first === -1 ? -1 : token.indexOf('.', first + 1);
  if (second === -1 || token.indexOf('.', second + 1) !== -1) fail('ERR_AUTH_MALFORMED', 'the token is not a compact JWS');
  const header = segmentObject(token, 0, first);
  if (!header) fail('ERR_AUTH_MALFORMED', 'the token header is not a JSON object');
  const payload = segmentObject(token, first + 1, second);
  if (!payload) fail('ERR_AUTH_MALFORMED', 'the token payload is not a JSON object');
  const signature = decodeBase64Url(token, second + 1);
  if (!signature || signature.length === 0) fail('ERR_AUTH_MALFORMED', 'the token signature is not base64url');
  return { header, payload, signingInputEnd: second, signature };
}

/** An own property of a parsed JSON object (never an inherited one). */
export function own(o: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}
