import { headerMap, type SignedRequest } from '../../core/request.ts';
import { percentDecode, percentEncode } from '../../core/encoding.ts';
import { fail } from '../../core/errors.ts';
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

/** The canonical URI line. `rawPath` is the path exactly as sent on the wire. */
export function canonicalPath(rawPath: string, opts: CanonicalOptions): string {
  if (opts.profile === 'dciauth') return decodeOrFail(rawPath, false);
  let path = rawPath === '' ? '/' : rawPath;
  // Only paths with "//", "/." or no leading "/" can change under normalisation.
  if (opts.normalizePath && (path.charCodeAt(0) !== 0x2f || path.includes('//') || path.includes('/.'))) path = normalizeSegments(path);
  if (!opts.uriEscapePath) return path;
  // Double encoding: the wire form (already escaped once) is escaped again, "/" kept.
  return percentEncode(path, '/');
}

export interface QueryPair {
  readonly key: string;
  readonly value: string;
}

/** Splits a raw query string into decoded pairs ("+" stays a literal plus unless `plusIsSpace`). */
export function parseQuery(rawQuery: string, plusIsSpace = false): QueryPair[] {
  const pairs: QueryPair[] = [];
  if (rawQuery === '') return pairs;
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const k = eq === -1 ? part : part.slice(0, eq);
    const v = eq === -1 ? '' : part.slice(eq + 1);
    pairs.push({ key: decodeOrFail(k, plusIsSpace), value: decodeOrFail(v, plusIsSpace) });
  }
  return pairs;
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The canonical query line. AWS: every pair re-encoded (RFC 3986), sorted by encoded key then
 * value. dciauth: one value per key (python-dciauth signs a dict, so a repeated key can never
 * round-trip: rejected), sorted by decoded key, "+" read as a space as Flask/werkzeug does.
 */
export function canonicalQuery(pairs: readonly QueryPair[], profile: SigV4Profile, exclude: readonly string[] = []): string {
  if (profile === 'dciauth') {
    const seen = new Set<string>();
    const kept: QueryPair[] = [];
    for (const p of pairs) {
      if (exclude.includes(p.key)) continue;
      if (seen.has(p.key)) fail('ERR_AUTH_MALFORMED', 'repeated query parameter is not signable in the dciauth profile');
      seen.add(p.key);
      kept.push(p);
    }
    kept.sort((a, b) => byCodePoint(a.key, b.key));
    return kept.map((p) => percentEncode(p.key) + '=' + percentEncode(p.value)).join('&');
  }
  const entries: string[] = [];
  for (const p of pairs) {
    if (exclude.includes(p.key)) continue;
    entries.push(percentEncode(p.key) + SEP + percentEncode(p.value));
  }
  return sortedQuery(entries);
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

/** AWS header value canonical form: trimmed, inner whitespace runs collapsed to one space. */
const NEEDS_TRIM_RE = /^\s|\s$|\s\s|[\t\n\r\f\v]/;
function trimAll(value: string): string {
  return NEEDS_TRIM_RE.test(value) ? value.trim().replace(/\s+/g, ' ') : value;
}

/**
 * The canonical headers block (each line ending in "\n") for the signed header names given, in
 * the order given. AWS joins repeated headers with ","; dciauth takes values verbatim and
 * cannot represent a repeated header.
 */
export function canonicalHeaders(req: SignedRequest, signed: readonly string[], profile: SigV4Profile): string {
  const map = headerMap(req.headers);
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

export function canonicalRequest(
  method: string,
  path: string,
  query: string,
  headers: string,
  signedHeaders: readonly string[],
  payloadHash: string,
): string {
  return method + '\n' + path + '\n' + query + '\n' + headers + '\n' + signedHeaders.join(';') + '\n' + payloadHash;
}

export function stringToSign(algorithm: string, timestamp: string, scope: string, canonicalRequestHash: string): string {
  return algorithm + '\n' + timestamp + '\n' + scope + '\n' + canonicalRequestHash;
}
