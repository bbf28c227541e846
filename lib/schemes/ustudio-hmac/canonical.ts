// The string USTUDIO-HMAC-V2 signs, exactly as ustudio-hmac-tornado 0.3.0 builds it (hmacauth/digest.py
// `generate_digest`): METHOD \n raw path \n canonical query \n body bytes, where the canonical query is
// Python's `parse_qs(query, keep_blank_values=True)`, keys sorted, values sorted within a key, and each
// pair written `key=quote(value)`: the key decoded and written as it decodes, the value re-quoted with
// `/` left literal. The rules of current Python 3 are mirrored (see the notes on each function).
import { hexVal } from '../../core/encoding.ts';
import { pairsInCanonicalOrder } from '../../core/compare.ts';

const encoder = new TextEncoder();
// Not fatal: invalid UTF-8 becomes U+FFFD, as Python's unquote(errors='replace').
const decoder = new TextDecoder('utf-8');

/**
 * What `parse_qsl` does to each side of a pair: `+` becomes a space, then `urllib.parse.unquote` with
 * UTF-8 and `errors='replace'`: each `%XX` (two hex digits, either case) is a byte, the bytes are read as
 * UTF-8 with invalid sequences replaced by U+FFFD, and a `%` not followed by two hex digits stays as it
 * is. Characters that were never escaped (non-ASCII included) pass through.
 *
 * @example
 * unquotePlus('a+b%2Fc%zz%C3') // 'a b/c%zz\uFFFD'
 */
export function unquotePlus(s: string): string {
  const hasPlus = s.includes('+');
  if (!hasPlus && !s.includes('%')) return s;
  const text = hasPlus ? s.replaceAll('+', ' ') : s;
  if (!text.includes('%')) return text;
  let out = '';
  let bytes: number[] = [];
  let from = 0;
  for (let i = 0; i < text.length;) {
    if (text.charCodeAt(i) === 0x25 && i + 2 < text.length) {
      const h = hexVal(text.charCodeAt(i + 1));
      const l = hexVal(text.charCodeAt(i + 2));
      if (h >= 0 && l >= 0) {
        if (bytes.length === 0) out += text.slice(from, i);
        bytes.push((h << 4) | l);
        i += 3;
        from = i;
        continue;
      }
    }
    // Any other character ends a run of escaped bytes: an ASCII one ends any UTF-8 sequence anyway,
    // and Python decodes a run of escapes cut by a non-ASCII character on its own too.
    if (bytes.length > 0) {
      out += decoder.decode(new Uint8Array(bytes));
      bytes = [];
    }
    i++;
  }
  if (bytes.length > 0) out += decoder.decode(new Uint8Array(bytes));
  else out += text.slice(from);
  return out;
}

/** Bytes `quote(v, safe='/')` leaves as they are: Python 3.7+'s always-safe set (`~` included) and `/`. */
const SAFE = /^[A-Za-z0-9_.~/-]*$/;
const QUOTED = Array.from({ length: 256 }, (_, b) =>
  SAFE.test(String.fromCharCode(b)) && b < 0x80 ? String.fromCharCode(b) : '%' + b.toString(16).toUpperCase().padStart(2, '0'),
);

/**
 * Python's `urllib.parse.quote(s, safe='/')`: the UTF-8 bytes of `s`, everything but
 * `A-Z a-z 0-9 _ . - ~ /` percent-encoded with upper-case hex.
 *
 * @example
 * quote('value 2/x?') // 'value%202/x%3F'
 */
export function quote(s: string): string {
  if (SAFE.test(s)) return s;
  let out = '';
  for (const b of encoder.encode(s)) out += QUOTED[b]!;
  return out;
}

/**
 * Python's `parse_qsl(query, keep_blank_values=True)` (3.9.2 and later, whose only separator is `&`):
 * empty parts skipped, each part split on its first `=` (none: the value is blank), both sides
 * decoded by {@link unquotePlus}. `;` is an ordinary character, as it has been since Python 3.9.2.
 *
 * @example
 * parseQuery('a=1&&b&c=%20') // [['a', '1'], ['b', ''], ['c', ' ']]
 */
export function parseQuery(query: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  if (query === '') return pairs;
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq === -1) pairs.push([unquotePlus(part), '']);
    else pairs.push([unquotePlus(part.slice(0, eq)), unquotePlus(part.slice(eq + 1))]);
  }
  return pairs;
}

/**
 * Whether a parameter name of `query` decodes to `=`, `&` or a control character. The canonical query
 * writes names decoded (as the original does), so such a name makes the signed text ambiguous: a
 * signature for `?dry_run=true&id=7` would also fit `?dry_run%3Dtrue%26id=7`, and one with an empty query
 * and a body `role=admin\nrest` would fit `?%0Arole=admin` with the body `rest`. No client needs such
 * names; both the verifier and our signer refuse them. A query without `%` or `+` never has one.
 */
export function hasAmbiguousName(query: string): boolean {
  if (query === '' || isPlainQuery(query)) return false;
  return parseQuery(query).some(([name]) => {
    for (let i = 0; i < name.length; i++) {
      const c = name.charCodeAt(i);
      if (c === 0x3d || c === 0x26 || c < 0x20 || c === 0x7f) return true;
    }
    return false;
  });
}

/** Compares strings by Unicode code point (Python's order), not by UTF-16 code unit (JavaScript's). */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Only a surrogate (a code point above U+FFFF) sorts differently by code point than by code unit.
    if ((x & 0xf800) === 0xd800 || (y & 0xf800) === 0xd800) return a.codePointAt(i)! - b.codePointAt(i)!;
    return x - y;
  }
  return a.length - b.length;
}

/**
 * The canonical query: the pairs of {@link parseQuery} sorted by key, then by value (both in code-point
 * order), written `key=quote(value)` and joined with `&`. Keys are written decoded, as the original
 * does (so a key may hold `=`, `&`, spaces or non-ASCII characters, which the string to sign carries as
 * UTF-8). Empty for an empty query.
 *
 * @example
 * canonicalQuery('bar=value%202&bar=avalue&Foo=value%3f1&blank') // 'Foo=value%3F1&bar=avalue&bar=value%202&blank='
 */
export function canonicalQuery(query: string): string {
  if (query === '') return '';
  // A plain query (nothing decodes) whose pairs are in canonical order is its own canonical form.
  if (isPlainQuery(query)) return pairsInCanonicalOrder(query) ? query : canonicalPlainQuery(query);
  return canonicalQueryFull(query);
}

/**
 * Whether every character of the query is one `quote` keeps, `=` or `&`: then nothing decodes (no `%`,
 * no `+`) and only a `=` inside a value is quoted, so {@link canonicalPlainQuery} gives the same answer
 * without decoding and re-encoding each pair. Most queries are like that.
 */
function isPlainQuery(query: string): boolean {
  for (let i = 0; i < query.length; i++) {
    const c = query.charCodeAt(i);
    if (!(
      (c >= 0x61 && c <= 0x7a) ||
      (c >= 0x41 && c <= 0x5a) ||
      (c >= 0x2d && c <= 0x39) || // - . / 0-9
      c === 0x3d || // =
      c === 0x26 || // &
      c === 0x5f || // _
      c === 0x7e // ~
    ))
      return false;
  }
  return true;
}

/**
 * Whether the plain pair `a` sorts before `b`: by key (up to the first `=`, a key that is a prefix of
 * the other first), then by value (after it; none is empty). ASCII only, so code units are code points.
 */
function plainLess(a: string, b: string): boolean {
  let i = 0;
  for (; ; i++) {
    const ca = i < a.length ? a.charCodeAt(i) : 0x3d;
    const cb = i < b.length ? b.charCodeAt(i) : 0x3d;
    if (ca === 0x3d || cb === 0x3d) {
      if (ca !== cb) return ca === 0x3d;
      break;
    }
    if (ca !== cb) return ca < cb;
  }
  let x = i + 1;
  let y = i + 1;
  for (; x < a.length && y < b.length; x++, y++) {
    const ca = a.charCodeAt(x);
    const cb = b.charCodeAt(y);
    if (ca !== cb) return ca < cb;
  }
  return a.length - x < b.length - y;
}

/** Up to this many pairs insertion sort is the faster; beyond it, its n² steps are an attacker's lever. */
const INSERTION_SORT_MAX = 32;

/** {@link canonicalQueryFull} for a query {@link isPlainQuery} accepts, without decoding or slicing each pair. */
function canonicalPlainQuery(query: string): string {
  const parts = query.split('&');
  let n = 0;
  for (const part of parts) if (part !== '') parts[n++] = part;
  parts.length = n;
  if (n <= INSERTION_SORT_MAX) {
    // Insertion sort: queries are short, and often sorted already.
    for (let i = 1; i < n; i++) {
      const p = parts[i]!;
      let j = i;
      for (; j > 0 && plainLess(p, parts[j - 1]!); j--) parts[j] = parts[j - 1]!;
      parts[j] = p;
    }
  } else {
    // A long query (an attacker's, at the URL limit, in the worst order) is sorted in n log n; both
    // sorts are stable, so equal pairs keep their order either way.
    parts.sort((a, b) => (plainLess(a, b) ? -1 : plainLess(b, a) ? 1 : 0));
  }
  for (let i = 0; i < n; i++) {
    const p = parts[i]!;
    const eq = p.indexOf('=');
    // No "=": a blank value; a second "=": part of the value, which quote() escapes.
    if (eq === -1) parts[i] = p + '=';
    else if (p.indexOf('=', eq + 1) !== -1) parts[i] = p.slice(0, eq + 1) + p.slice(eq + 1).replaceAll('=', '%3D');
  }
  return parts.join('&');
}

/** {@link canonicalQuery} without its shortcut for plain queries (tests compare the two). */
export function canonicalQueryFull(query: string): string {
  if (query === '') return '';
  const pairs = parseQuery(query);
  if (pairs.length > 1) pairs.sort((a, b) => compareCodePoints(a[0], b[0]) || compareCodePoints(a[1], b[1]));
  let out = '';
  for (let i = 0; i < pairs.length; i++) {
    const [k, v] = pairs[i]!;
    out += (i === 0 ? '' : '&') + k + '=' + quote(v);
  }
  return out;
}

/** The freshness extension's signed values (ours, not the original's): the time header and the nonce (`''` when none). */
export interface FreshnessFields {
  readonly timestamp: string;
  readonly nonce: string;
}

/** The first line of the freshness extension's string to sign, before the timestamp and the nonce. */
export const FRESHNESS_LINE_PREFIX = 'USTUDIO-HMAC-V2-FRESHNESS';

/**
 * The text before the body: `METHOD \n path \n canonical query \n`. With the freshness extension one
 * line comes first: `USTUDIO-HMAC-V2-FRESHNESS <timestamp> <nonce>` (the nonce empty when none). First,
 * and with spaces, so that no request of the original protocol signs the same bytes: its first line is
 * an HTTP method, a token without spaces. Had the line gone next to the body (before or after it), a
 * stamped request could be replayed to a verifier without the extension as an original request with
 * the line moved into its body.
 */
export function stringToSignHead(method: string, path: string, canonical: string, freshness?: FreshnessFields): string {
  const head = method + '\n' + path + '\n' + canonical + '\n';
  return freshness ? FRESHNESS_LINE_PREFIX + ' ' + freshness.timestamp + ' ' + freshness.nonce + '\n' + head : head;
}

/**
 * The bytes USTUDIO-HMAC-V2 signs: {@link stringToSignHead} as UTF-8 followed by the raw body.
 *
 * @example
 * stringToSign('GET', '/a', '', new Uint8Array()) // UTF-8 of 'GET\n/a\n\n'
 */
export function stringToSign(method: string, path: string, query: string, body: Uint8Array, freshness?: FreshnessFields): Uint8Array {
  const head = encoder.encode(stringToSignHead(method, path, canonicalQuery(query), freshness));
  if (body.length === 0) return head;
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}
