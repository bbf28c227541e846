import { headerMap, type SignedRequest } from '../../core/request.ts';
import { isUnreserved, percentDecode, percentEncode } from '../../core/encoding.ts';
import { fail } from '../../core/errors.ts';
import { pairsInCanonicalOrder } from '../../core/compare.ts';
import type { SigV4Profile } from './constants.ts';

/** How a canonical request is built; signer and verifier share this so they cannot drift. */
export interface CanonicalOptions {
  readonly profile: SigV4Profile;
  /** AWS profile: URI-encode the (already encoded) path once more; false for S3. */
  readonly uriEscapePath: boolean;
  /** AWS profile: remove dot segments and empty segments; false for S3. */
  readonly normalizePath: boolean;
}

function decodeOrFail(text: string, plusIsSpace: boolean): string {
  try {
    return percentDecode(text, plusIsSpace);
  } catch {
    fail('ERR_AUTH_MALFORMED', 'request URL contains invalid percent-encoded UTF-8');
  }
}

/** RFC 3986 section 5.2.4 dot-segment removal, plus collapsing of empty segments (as AWS does). */
function normalizeSegments(path: string): string {
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  const trailing = path.length > 1 && (path.endsWith('/') || path.endsWith('/.') || path.endsWith('/..'));
  const joined = '/' + out.join('/');
  return trailing && out.length > 0 ? joined + '/' : joined;
}

/**
 * The canonical URI line. `rawPath` is the path exactly as sent on the wire.
 *
 * @throws AuthFailure `ERR_AUTH_MALFORMED` (dciauth profile, which decodes the path) when an escape is not
 * valid UTF-8.
 */
export function canonicalPath(rawPath: string, opts: CanonicalOptions): string {
  if (opts.profile === 'dciauth') return decodeOrFail(rawPath, false);
  let path = rawPath === '' ? '/' : rawPath;
  // Only paths with "//", "/." or no leading "/" can change under normalisation.
  if (opts.normalizePath && (path.charCodeAt(0) !== 0x2f || path.includes('//') || path.includes('/.'))) path = normalizeSegments(path);
  if (!opts.uriEscapePath) return path;
  // Double encoding: the wire form (already escaped once) is escaped again, "/" kept.
  return percentEncode(path, '/');
}

/** One decoded query parameter; a repeated key stays as separate pairs, in order, because AWS signs each. */
export interface QueryPair {
  readonly key: string;
  readonly value: string;
}

/**
 * Splits a raw query string into decoded pairs ("+" stays a literal plus unless `plusIsSpace`).
 *
 * @throws AuthFailure `ERR_AUTH_MALFORMED` when an escape decodes to invalid UTF-8.
 */
export function parseQuery(rawQuery: string, plusIsSpace = false): QueryPair[] {
  const pairs: QueryPair[] = [];
  // The pairs are cut in place between "&"s (no list of parts), as this runs on every request.
  for (let at = 0; at < rawQuery.length;) {
    let end = rawQuery.indexOf('&', at);
    if (end === -1) end = rawQuery.length;
    if (end > at) {
      // "=" is looked for inside this pair only: an indexOf could scan the rest of the query for every
      // pair without one, quadratic in a query of many such pairs.
      let eq = at;
      while (eq < end && rawQuery.charCodeAt(eq) !== 0x3d) eq++;
      const k = rawQuery.slice(at, eq);
      const v = eq === end ? '' : rawQuery.slice(eq + 1, end);
      pairs.push({ key: decodeOrFail(k, plusIsSpace), value: decodeOrFail(v, plusIsSpace) });
    }
    at = end + 1;
  }
  return pairs;
}

/**
 * The decoded query pairs a profile signs; signer and verifier both read the query through this.
 * AWS: "+" is a literal plus, as the AWS SDKs mean it (they send spaces as %20). dciauth: the query
 * is form-decoded, "+" is a space, as python-requests sends spaces and Flask (werkzeug) reads them.
 *
 * @throws AuthFailure `ERR_AUTH_MALFORMED` when an escape decodes to invalid UTF-8.
 */
export function queryPairs(rawQuery: string, profile: SigV4Profile): QueryPair[] {
  return parseQuery(rawQuery, profile === 'dciauth');
}

/**
 * The canonical query line, from pairs read by `queryPairs`. AWS: every pair re-encoded (RFC 3986),
 * sorted by encoded key then value. dciauth (python-dciauth 4.0.1, client and server alike): one
 * value per key (it signs a dict, so a repeated key can never round-trip: rejected), each key and
 * value quoted with Python's `quote(safe="_.-~")` (the same set as RFC 3986) and sorted as quoted
 * (key, value) pairs, so by ENCODED key ("a%5B" before "aZ").
 *
 * @throws AuthFailure `ERR_AUTH_MALFORMED` for a repeated key in the dciauth profile.
 */
export function canonicalQuery(pairs: readonly QueryPair[], profile: SigV4Profile, exclude: readonly string[] = []): string {
  const seen = profile === 'dciauth' ? new Set<string>() : undefined;
  const keys: string[] = [];
  const values: string[] = [];
  for (const p of pairs) {
    if (exclude.length !== 0 && exclude.includes(p.key)) continue;
    if (seen) {
      if (seen.has(p.key)) fail('ERR_AUTH_MALFORMED', 'repeated query parameter is not signable in the dciauth profile');
      seen.add(p.key);
    }
    keys.push(percentEncode(p.key));
    values.push(percentEncode(p.value));
  }
  if (keys.length <= SMALL_QUERY) return sortedSmallQuery(keys, values);
  const entries: string[] = [];
  for (let i = 0; i < keys.length; i++) entries.push(keys[i] + SEP + values[i]);
  return sortedQuery(entries);
}

/**
 * Whether a raw query is its own canonical form in the AWS profile: pairs of RFC 3986 unreserved
 * characters (so nothing decodes, and nothing is escaped again), each with exactly one "=" and none
 * empty, in canonical order (by key, a key that is a prefix of another first, then by value; equal
 * pairs are the same text, so their order does not matter). Decoding, escaping and sorting such a
 * query gives it back, so {@link canonicalQuery} of its pairs is the query as it came. Most clients
 * send their parameters sorted, or just one. Read in place: nothing sliced, nothing allocated.
 */
export function isCanonicalAwsQuery(raw: string): boolean {
  if (raw === '') return true;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c !== 0x26 && c !== 0x3d && !isUnreserved(c)) return false;
  }
  return pairsInCanonicalOrder(raw);
}

// Encoded keys and values are ASCII without NUL, so "key\0value" strings sort in (key, value) order:
// "\0" is below every character a key can go on with ("a\0..." before "a-b\0..."). One native
// string sort is about twice as fast as sorting pairs with a comparator, and this is the one
// super-linear step of canonicalization (n log n in the number of pairs, as SigV4 requires).
const SEP = '\u0000';
function sortedQuery(entries: string[]): string {
  entries.sort();
  return entries.join('&').replaceAll(SEP, '=');
}

/** Queries of at most this many pairs (nearly all of them) are sorted in place by insertion. */
const SMALL_QUERY = 8;

/**
 * The canonical query of a few encoded pairs, in the order {@link sortedQuery} gives (by key, then
 * value: a key that is a prefix of another sorts first, as "key\0" does), by an insertion sort of
 * the two lists together, with no separator to put in and replace again. Quadratic: a few pairs only.
 */
function sortedSmallQuery(keys: string[], values: string[]): string {
  const n = keys.length;
  for (let i = 1; i < n; i++) {
    const k = keys[i]!;
    const v = values[i]!;
    let j = i - 1;
    for (; j >= 0; j--) {
      const kj = keys[j]!;
      if (kj < k || (kj === k && values[j]! <= v)) break;
      keys[j + 1] = kj;
      values[j + 1] = values[j]!;
    }
    keys[j + 1] = k;
    values[j + 1] = v;
  }
  let out = '';
  for (let i = 0; i < n; i++) out += (i === 0 ? '' : '&') + keys[i] + '=' + values[i];
  return out;
}

/**
 * AWS header value canonical form: trimmed, inner whitespace runs collapsed to one space. Most values
 * need neither, which one regex test tells (a compiled regex reads a short value faster than a loop
 * over its characters does, measured on the bench's header values).
 */
const NEEDS_TRIM_RE = /^\s|\s$|\s\s|[\t\n\r\f\v]/;
function trimAll(value: string): string {
  return NEEDS_TRIM_RE.test(value) ? value.trim().replace(/\s+/g, ' ') : value;
}

/**
 * The canonical headers block (each line ending in "\n") for the signed header names given, in
 * the order given (`map`: the request's {@link headerMap}, when the caller has it already). AWS joins repeated headers with ","; dciauth takes values verbatim and
 * cannot represent a repeated header.
 *
 * @throws AuthFailure `ERR_SIGNATURE_INVALID` when a signed header is missing from the request;
 * `ERR_AUTH_MALFORMED` for a repeated signed header in the dciauth profile.
 */
export function canonicalHeaders(
  req: SignedRequest,
  signed: readonly string[],
  profile: SigV4Profile,
  map: ReadonlyMap<string, readonly string[]> = headerMap(req.headers),
): string {
  let out = '';
  for (const name of signed) {
    const values = map.get(name);
    if (!values) fail('ERR_SIGNATURE_INVALID', 'a signed header is missing from the request');
    if (profile === 'dciauth') {
      if (values.length !== 1) fail('ERR_AUTH_MALFORMED', 'repeated signed header is not signable in the dciauth profile');
      out += name + ':' + values[0] + '\n';
    } else {
      out += name + ':' + (values.length === 1 ? trimAll(values[0]!) : values.map(trimAll).join(',')) + '\n';
    }
  }
  return out;
}

/**
 * Joins the six lines of a SigV4 canonical request (method, URI, query, headers block, signed header names,
 * payload hash); every part must already be canonical. The names may come joined with ";" already.
 */
export function canonicalRequest(
  method: string,
  path: string,
  query: string,
  headers: string,
  signedHeaders: readonly string[] | string,
  payloadHash: string,
): string {
  const list = typeof signedHeaders === 'string' ? signedHeaders : signedHeaders.join(';');
  return method + '\n' + path + '\n' + query + '\n' + headers + '\n' + list + '\n' + payloadHash;
}

/**
 * The string the derived signing key signs: algorithm, timestamp, credential scope and the hex SHA-256 of
 * the canonical request.
 */
export function stringToSign(algorithm: string, timestamp: string, scope: string, canonicalRequestHash: string): string {
  return algorithm + '\n' + timestamp + '\n' + scope + '\n' + canonicalRequestHash;
}
