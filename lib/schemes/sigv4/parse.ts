import { hexVal, isLowerHex } from '../../core/encoding.ts';
import { fail } from '../../core/errors.ts';
import { headerMap, type SignedRequest } from '../../core/request.ts';
import { isCanonicalAwsQuery, queryPairs, type QueryPair } from './canonical.ts';
import {
  ALGORITHMS,
  Q_ALGORITHM,
  Q_CREDENTIAL,
  Q_DATE,
  Q_EXPIRES,
  Q_SIGNATURE,
  Q_SIGNED_HEADERS,
  Q_SECURITY_TOKEN,
  type SigV4Algorithm,
  type SigV4Profile,
} from './constants.ts';
import { isValidDateStamp } from './time.ts';

/** What the client claims, parsed strictly from the Authorization header or the presigned query. */
export interface SigV4Claim {
  readonly mode: 'header' | 'query';
  readonly algorithm: SigV4Algorithm;
  readonly keyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly terminator: string;
  readonly signedHeaders: readonly string[];
  /** Whether `signedHeaders` come in strictly ascending order (so without duplicates), as the AWS profile requires. */
  readonly signedHeadersSorted: boolean;
  /** The signed header names as the client listed them: `signedHeaders` joined with ";", as the canonical request needs it. */
  readonly signedHeaderList: string;
  readonly signature: string;
  /** Query mode only: X-Amz-Date, X-Amz-Expires and the security token from the query. */
  readonly timestamp?: string;
  readonly expires?: number;
  readonly securityToken?: string;
  /**
   * The decoded query pairs (parsed once, reused for canonicalization). `undefined` for header
   * authentication in the AWS profile when the raw query is its own canonical form
   * ({@link isCanonicalAwsQuery}: nothing in it decodes, so nothing can fail to), which the
   * canonical request then takes as it came.
   */
  readonly queryPairs: readonly QueryPair[] | undefined;
}

/** `[A-Za-z0-9._-]+`, the characters of a region, service or terminator; a loop, as it runs three times a request. */
function isScopePart(part: string): boolean {
  if (part === '') return false;
  for (let i = 0; i < part.length; i++) {
    const c = part.charCodeAt(i);
    const ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x5f || c === 0x2d;
    if (!ok) return false;
  }
  return true;
}
const MAX_AUTH_HEADER = 4096;

/**
 * Narrows a client-supplied algorithm name to the family, so tables keyed by algorithm are only ever read
 * with known names.
 */
export function isSigV4Algorithm(name: string): name is SigV4Algorithm {
  return (ALGORITHMS as readonly string[]).includes(name);
}

/**
 * The family's own constant for a client-supplied algorithm name, or `undefined`. A claim holds the
 * constant, not the request's copy of it, so every later comparison and table lookup by algorithm
 * meets the string it was written with (the request's copy is a new string each time, and a lookup
 * by it hashes it first).
 */
function knownAlgorithm(name: string): SigV4Algorithm | undefined {
  for (const a of ALGORITHMS) if (a === name) return a;
  return undefined;
}

/**
 * Splits `<key id>/<date>/<region>/<service>/<terminator>` from the RIGHT (DCI key ids contain a
 * slash, "remoteci/<uuid>", so the scope is the last four parts): `undefined` without four slashes
 * after a non-empty key id. Four `lastIndexOf` scans, linear whatever the number of slashes.
 */
export function splitCredential(
  credential: string,
): [keyId: string, date: string, region: string, service: string, terminator: string] | undefined {
  const s4 = credential.lastIndexOf('/');
  const s3 = s4 > 0 ? credential.lastIndexOf('/', s4 - 1) : -1;
  const s2 = s3 > 0 ? credential.lastIndexOf('/', s3 - 1) : -1;
  const s1 = s2 > 0 ? credential.lastIndexOf('/', s2 - 1) : -1;
  if (s1 <= 0) return undefined;
  return [
    credential.slice(0, s1),
    credential.slice(s1 + 1, s2),
    credential.slice(s2 + 1, s3),
    credential.slice(s3 + 1, s4),
    credential.slice(s4 + 1),
  ];
}

const KEY_ID_FORBIDDEN = /[\s,]/;

function parseCredential(credential: string): Pick<SigV4Claim, 'keyId' | 'date' | 'region' | 'service' | 'terminator'> {
  const parts = splitCredential(credential);
  if (!parts) fail('ERR_AUTH_MALFORMED', 'Credential must be <key id>/<date>/<region>/<service>/<terminator>');
  const [keyId, date, region, service, terminator] = parts;
  if (keyId.length > 256 || KEY_ID_FORBIDDEN.test(keyId)) fail('ERR_AUTH_MALFORMED', 'Credential has an invalid key id');
  if (!isValidDateStamp(date)) fail('ERR_AUTH_MALFORMED', 'Credential date must be a valid YYYYMMDD date');
  if (!isScopePart(region) || !isScopePart(service) || !isScopePart(terminator)) {
    fail('ERR_AUTH_MALFORMED', 'Credential scope is malformed');
  }
  return { keyId, date, region, service, terminator };
}

// RFC 9110 token characters, lower-case letters only: what a signed header name may be made of.
const NAME_CHAR = new Uint8Array(128);
for (const c of "!#$%&'*+.^_`|~-0123456789abcdefghijklmnopqrstuvwxyz") NAME_CHAR[c.charCodeAt(0)] = 1;

/**
 * Parses `a;b;c` (see {@link parseSignedHeaders} for the lists kept parsed). A request cannot sign more headers than it carries, so the names are counted
 * first and a longer list is refused after at most `maxNames` separators (presigned URLs put the
 * list in the query, up to the URL limit, not under the 4096-character header cap); then one pass
 * checks every character, cuts the names and notes whether they come strictly sorted, which rules
 * out duplicates; only a list out of order is searched for them, with a Set. Linear in the list,
 * whatever its content.
 */
function parseSignedHeaders(list: string, maxNames: number): SignedHeaderList {
  // A client sends the same list with every request: the lists seen first are kept, parsed.
  const known = knownSignedHeaders.get(list);
  if (known !== undefined && known.names.length <= maxNames) return known;
  const parsed = parseSignedHeaderList(list, maxNames);
  if (knownSignedHeaders.size < MAX_KNOWN_SIGNED_HEADERS && list.length <= MAX_KNOWN_LIST_LENGTH) knownSignedHeaders.set(list, parsed);
  return parsed;
}

/** A parsed SignedHeaders list: its names, and whether they came strictly sorted. */
interface SignedHeaderList {
  readonly names: readonly string[];
  readonly sorted: boolean;
}

/**
 * Parsed SignedHeaders lists by their text. Bounded in count and length, and never evicted: a list
 * beyond the bound is parsed every time, at the cost it always had, so there is no size at which the
 * cache starts to churn. Only lists that parsed are kept (a failed parse throws before).
 */
const knownSignedHeaders = new Map<string, SignedHeaderList>();
const MAX_KNOWN_SIGNED_HEADERS = 64;
const MAX_KNOWN_LIST_LENGTH = 512;

function parseSignedHeaderList(list: string, maxNames: number): SignedHeaderList {
  if (list === '') fail('ERR_AUTH_MALFORMED', 'SignedHeaders is empty');
  let count = 1;
  for (let i = list.indexOf(';'); i !== -1; i = list.indexOf(';', i + 1)) {
    if (++count > maxNames) fail('ERR_AUTH_MALFORMED', 'SignedHeaders lists more headers than the request carries');
  }
  const names: string[] = [];
  let sorted = true;
  let start = 0;
  for (let i = 0; i <= list.length; i++) {
    const c = i === list.length ? 0x3b : list.charCodeAt(i);
    if (c !== 0x3b) {
      if (c >= 128 || NAME_CHAR[c] === 0) fail('ERR_AUTH_MALFORMED', 'SignedHeaders must list lower-case header names');
      continue;
    }
    if (i === start) fail('ERR_AUTH_MALFORMED', 'SignedHeaders must list lower-case header names');
    const name = list.slice(start, i);
    if (sorted && names.length > 0 && names[names.length - 1]! >= name) sorted = false;
    names.push(name);
    start = i + 1;
  }
  if (!sorted) {
    const seen = new Set<string>();
    for (const name of names) {
      if (seen.has(name)) fail('ERR_AUTH_MALFORMED', 'SignedHeaders lists a header twice');
      seen.add(name);
    }
  }
  return Object.freeze({ names: Object.freeze(names), sorted });
}

function checkSignature(sig: string): string {
  if (!isLowerHex(sig, 64)) fail('ERR_AUTH_MALFORMED', 'Signature must be 64 lower-case hex digits');
  return sig;
}

/** Printable ASCII other than space: never white space, so a component that starts and ends with it needs no trim. */
const isVisibleAscii = (c: number) => c > 0x20 && c < 0x7f;

const COMPONENTS = ['Credential', 'SignedHeaders', 'Signature'] as const;

/** Which Authorization component is named by the `length` characters of `value` at `start`. */
function componentAt(value: string, start: number, length: number): (typeof COMPONENTS)[number] | undefined {
  for (const name of COMPONENTS) if (name.length === length && value.startsWith(name, start)) return name;
  return undefined;
}

/**
 * Parses `ALG Credential=..., SignedHeaders=..., Signature=...`. Components may come in any
 * order, separated by "," and optional spaces; each exactly once; nothing else allowed.
 *
 * @throws AuthFailure `ERR_AUTH_UNSUPPORTED` for an algorithm outside the family; `ERR_AUTH_MALFORMED`
 * for anything else off that grammar, a bad credential scope, signed-header list or signature, or a
 * query escape that is not valid UTF-8.
 */
export function parseAuthorizationHeader(
  value: string,
  query: string,
  maxSignedHeaders = Infinity,
  profile: SigV4Profile = 'aws',
): SigV4Claim {
  if (value.length > MAX_AUTH_HEADER) fail('ERR_AUTH_MALFORMED', 'Authorization header is too long');
  const sp = value.indexOf(' ');
  const algorithm = knownAlgorithm(sp === -1 ? value : value.slice(0, sp));
  if (algorithm === undefined) fail('ERR_AUTH_UNSUPPORTED', 'unsupported signature algorithm');
  let credential: string | undefined;
  let signedHeaders: string | undefined;
  let signature: string | undefined;
  // Components are read in place, between commas, without an intermediate array or slices of their
  // names: this runs on every request.
  for (let at = sp + 1; at <= value.length;) {
    let end = value.indexOf(',', at);
    if (end === -1) end = value.length;
    let start = at;
    at = end + 1;
    if (start >= end || !isVisibleAscii(value.charCodeAt(start)) || !isVisibleAscii(value.charCodeAt(end - 1))) {
      // Rare: white space around a component (or an empty one), trimmed as String.prototype.trim does.
      const raw = value.slice(start, end);
      start += raw.length - raw.trimStart().length;
      end -= raw.length - raw.trimEnd().length;
      if (start >= end) continue;
    }
    const eq = value.indexOf('=', start);
    if (eq <= start || eq >= end) fail('ERR_AUTH_MALFORMED', 'Authorization header component is not name=value');
    const component = componentAt(value, start, eq - start);
    if (component === undefined) fail('ERR_AUTH_MALFORMED', 'Authorization header has an unknown component');
    const v = value.slice(eq + 1, end);
    if (component === 'Credential' && credential === undefined) credential = v;
    else if (component === 'SignedHeaders' && signedHeaders === undefined) signedHeaders = v;
    else if (component === 'Signature' && signature === undefined) signature = v;
    else fail('ERR_AUTH_MALFORMED', 'Authorization header repeats a component');
  }
  if (credential === undefined || signedHeaders === undefined || signature === undefined) {
    fail('ERR_AUTH_MALFORMED', 'Authorization header needs Credential, SignedHeaders and Signature');
  }
  const scope = parseCredential(credential);
  const signed = parseSignedHeaders(signedHeaders, maxSignedHeaders);
  return {
    mode: 'header',
    algorithm,
    keyId: scope.keyId,
    date: scope.date,
    region: scope.region,
    service: scope.service,
    terminator: scope.terminator,
    signedHeaders: signed.names,
    signedHeadersSorted: signed.sorted,
    signedHeaderList: signedHeaders,
    signature: checkSignature(signature),
    queryPairs: profile === 'aws' && isCanonicalAwsQuery(query) ? undefined : queryPairs(query, profile),
  };
}

const PRESIGN_KEYS = new Set([Q_ALGORITHM, Q_CREDENTIAL, Q_DATE, Q_EXPIRES, Q_SIGNED_HEADERS, Q_SIGNATURE, Q_SECURITY_TOKEN]);

/**
 * Parses presigned-URL (query) authentication. One pass over the pairs finds every X-Amz-* parameter.
 *
 * @throws AuthFailure `ERR_AUTH_UNSUPPORTED` for an algorithm outside the family; `ERR_AUTH_MALFORMED`
 * for a missing or repeated parameter or any malformed value.
 */
export function parsePresignedQuery(pairs: readonly QueryPair[], maxSignedHeaders = Infinity): SigV4Claim {
  const found = new Map<string, string>();
  const repeated = new Set<string>();
  for (const p of pairs) {
    if (!PRESIGN_KEYS.has(p.key)) continue;
    if (found.has(p.key)) repeated.add(p.key);
    else found.set(p.key, p.value);
  }
  function single(key: string, required: true): string;
  function single(key: string, required: false): string | undefined;
  function single(key: string, required: boolean): string | undefined {
    if (repeated.has(key)) fail('ERR_AUTH_MALFORMED', `presigned URL repeats ${key}`);
    const v = found.get(key);
    if (v === undefined && required) fail('ERR_AUTH_MALFORMED', `presigned URL lacks ${key}`);
    return v;
  }
  const algorithm = knownAlgorithm(single(Q_ALGORITHM, true));
  if (algorithm === undefined) fail('ERR_AUTH_UNSUPPORTED', 'unsupported signature algorithm');
  const expiresText = single(Q_EXPIRES, true);
  if (!/^\d{1,7}$/.test(expiresText)) fail('ERR_AUTH_MALFORMED', 'X-Amz-Expires must be a number of seconds');
  const timestamp = single(Q_DATE, true);
  const securityToken = single(Q_SECURITY_TOKEN, false);
  const scope = parseCredential(single(Q_CREDENTIAL, true));
  const signedHeaderList = single(Q_SIGNED_HEADERS, true);
  const signed = parseSignedHeaders(signedHeaderList, maxSignedHeaders);
  return {
    mode: 'query',
    algorithm,
    keyId: scope.keyId,
    date: scope.date,
    region: scope.region,
    service: scope.service,
    terminator: scope.terminator,
    signedHeaders: signed.names,
    signedHeadersSorted: signed.sorted,
    signedHeaderList,
    signature: checkSignature(single(Q_SIGNATURE, true)),
    timestamp,
    expires: Number(expiresText),
    ...(securityToken !== undefined ? { securityToken } : {}),
    queryPairs: pairs,
  };
}

const QUERY_AUTH_RE = /(?:^|&)X-Amz-(?:Algorithm|Signature)=/;
const FAMILY_RE = /^[A-Z0-9]+(?:-[A-Z0-9]+)*-(?:HMAC-SHA256|ECDSA-P256-SHA256)$/;

function firstToken(value: string): string {
  const sp = value.indexOf(' ');
  return sp === -1 ? value : value.slice(0, sp);
}

/** Algorithm names are short: a longer first token is no relative of SigV4, and is not run through a regex. */
const MAX_ALGORITHM_NAME = 64;
const isFamily = (token: string) => token.length <= MAX_ALGORITHM_NAME && FAMILY_RE.test(token);

/**
 * Cheap test (no parsing beyond the first token): does the request speak the SigV4 family at all? A
 * presigned URL's parameters count whatever Authorization header comes beside them, and in any
 * spelling an origin reads as theirs (escaped, any case), so that a request with another scheme's
 * credentials too is refused as carrying two, not judged on the other alone while an origin may act
 * on the presigned ones.
 */
export function carriesSigV4(req: SignedRequest): boolean {
  for (const [name, value] of req.headers) {
    if (name.length !== 13 || name.toLowerCase() !== 'authorization') continue;
    if (isFamily(firstToken(value))) return true;
  }
  return namesPresignedParameter(req.query);
}

/** Every spelling of the names holds "amz" in some case, or an escape: a query without either names none. */
const MAYBE_PRESIGNED_RE = /amz|%/i;
const PRESIGNED_NAMES = [Q_ALGORITHM.toLowerCase(), Q_SIGNATURE.toLowerCase()];
const NAME_LENGTH = Q_ALGORITHM.length;

/**
 * Whether a query names X-Amz-Algorithm or X-Amz-Signature, decoded and in any case (as an origin may
 * read it). Only keys of a length that can spell a name (each character as itself or as an escape)
 * are read, and without allocating more than the name: this runs for every request.
 */
function namesPresignedParameter(query: string): boolean {
  if (query === '' || !MAYBE_PRESIGNED_RE.test(query)) return false;
  let start = 0;
  while (start <= query.length) {
    let end = query.indexOf('&', start);
    if (end === -1) end = query.length;
    let keyEnd = query.indexOf('=', start);
    if (keyEnd === -1 || keyEnd > end) keyEnd = end;
    const length = keyEnd - start;
    if (length >= NAME_LENGTH && length <= 3 * NAME_LENGTH) {
      const name = asciiNameOf(query, start, keyEnd);
      if (name !== undefined && PRESIGNED_NAMES.includes(name)) return true;
    }
    start = end + 1;
  }
  return false;
}

/** `query[start, end)` decoded ("+" a space, escapes of ASCII only) and lower-cased; `undefined` past the names' length or for an escape past ASCII. */
function asciiNameOf(query: string, start: number, end: number): string | undefined {
  let out = '';
  for (let i = start; i < end; i++) {
    let c = query.charCodeAt(i);
    if (c === 0x25 && i + 2 < end) {
      const hi = hexVal(query.charCodeAt(i + 1));
      const lo = hexVal(query.charCodeAt(i + 2));
      if (hi >= 0 && lo >= 0) {
        c = hi * 16 + lo;
        if (c >= 0x80) return undefined;
        i += 2;
      }
    } else if (c === 0x2b) c = 0x20;
    out += String.fromCharCode(c >= 0x41 && c <= 0x5a ? c + 0x20 : c);
    if (out.length > NAME_LENGTH) return undefined;
  }
  return out;
}

/**
 * Finds and parses the SigV4 claim of a request: `undefined` when it carries none (so another
 * scheme may try), a failure when it is malformed or ambiguous (header and query both). The query
 * is read as the profile reads it (`queryPairs`); `headers` is the request's {@link headerMap}, when the
 * caller has it already.
 *
 * @throws AuthFailure `ERR_AUTH_MALFORMED` (or `ERR_AUTH_UNSUPPORTED` for another algorithm of the
 * family's shape) when the claim is malformed, repeated, or in both header and query.
 */
export function parseSigV4(
  req: SignedRequest,
  profile: SigV4Profile = 'aws',
  headers: ReadonlyMap<string, readonly string[]> = headerMap(req.headers),
): SigV4Claim | undefined {
  const auth = headers.get('authorization');
  // The expression only when the query names an X-Amz- parameter at all (a plain substring search first).
  const hasQueryAuth = req.query.includes('X-Amz-') && QUERY_AUTH_RE.test(req.query);
  if (auth) {
    if (auth.length !== 1) fail('ERR_AUTH_MALFORMED', 'more than one Authorization header');
    const value = auth[0]!;
    const alg = firstToken(value);
    if (!isSigV4Algorithm(alg)) {
      // A relative (DCI-HMAC-SHA256 v1, AWS4-ECDSA-P256-SHA256, ...) is named, not ignored.
      if (isFamily(alg)) fail('ERR_AUTH_UNSUPPORTED', 'unsupported signature algorithm');
      // Another scheme's header beside a presigned URL: two credentials, never the presigned one alone.
      if (hasQueryAuth) fail('ERR_AUTH_MALFORMED', 'request carries another Authorization header beside a presigned URL');
      return undefined;
    }
    if (hasQueryAuth) fail('ERR_AUTH_MALFORMED', 'request carries both header and query signatures');
    return parseAuthorizationHeader(value, req.query, headers.size, profile);
  }
  if (!hasQueryAuth) return undefined;
  return parsePresignedQuery(queryPairs(req.query, profile), headers.size);
}
