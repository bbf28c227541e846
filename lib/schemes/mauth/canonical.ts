// The strings MAuth signs, exactly as mauth-client-python 1.6.6 builds them (mauth_client/signable.py),
// which the protocol test suite (vectors/mauth) pins down:
//   v1: VERB \n path-as-sent \n body \n app_uuid \n time                          (raw body bytes)
//   v2: VERB \n normalized path \n hex(sha512(body)) \n app_uuid \n time \n encoded query

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8'); // not fatal: invalid UTF-8 becomes U+FFFD, as Python's 'replace'

/** Concatenates byte strings with `\n` between them. */
export function joinLines(parts: readonly Uint8Array[]): Uint8Array {
  let n = parts.length - 1;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  parts.forEach((p, i) => {
    if (i > 0) out[at++] = 0x0a;
    out.set(p, at);
    at += p.length;
  });
  return out;
}

/**
 * v1's string to sign as three parts (what comes before the body, the body, what comes after it), for
 * a hash that takes them one after another without copying the body.
 */
export function stringToSignV1Parts(
  verb: string,
  path: string,
  body: Uint8Array,
  appUuid: string,
  time: string,
): [string, Uint8Array, string] {
  return [verb + '\n' + path + '\n', body, '\n' + appUuid + '\n' + time];
}

/** v1's string to sign: the path as sent (no normalisation, no query), the raw body. */
export function stringToSignV1(verb: string, path: string, body: Uint8Array, appUuid: string, time: string): Uint8Array {
  const [before, , after] = stringToSignV1Parts(verb, path, body, appUuid, time);
  const head = encoder.encode(before);
  const tail = encoder.encode(after);
  const out = new Uint8Array(head.length + body.length + tail.length);
  out.set(head);
  out.set(body, head.length);
  out.set(tail, head.length + body.length);
  return out;
}

/** v2's string to sign (UTF-8), given the body's lower-case hex SHA-512 and the encoded query. */
export function stringToSignV2(
  verb: string,
  normalizedPath: string,
  bodySha512Hex: string,
  appUuid: string,
  time: string,
  encodedQuery: string,
): Uint8Array {
  return encoder.encode([verb, normalizedPath, bodySha512Hex, appUuid, time, encodedQuery].join('\n'));
}

/**
 * Python's `posixpath.normpath` for the paths a request can have: `.` segments dropped, `..` takes the
 * previous segment (never above the root), repeated slashes merged (except that exactly two leading
 * slashes are kept, as POSIX allows; the caller merges them after).
 */
function normpath(path: string): string {
  if (path === '') return '.';
  const initial = path.startsWith('/') ? (path.startsWith('//') && !path.startsWith('///') ? 2 : 1) : 0;
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg !== '..' || (initial === 0 && out.length === 0) || (out.length > 0 && out[out.length - 1] === '..')) out.push(seg);
    else if (out.length > 0) out.pop();
  }
  const joined = '/'.repeat(initial) + out.join('/');
  return joined === '' ? '.' : joined;
}

/**
 * v2's path: `.` and `..` resolved, repeated `/` merged, lower-case percent escapes upper-cased
 * (`%cf%80` -> `%CF%80`; escapes are not decoded), a trailing slash kept.
 */
export function normalizePathV2(path: string): string {
  // Already normal: absolute, no empty, "." or ".." segment (each would follow a "/"), no escape.
  if (path.charCodeAt(0) === 0x2f && !path.includes('//') && !path.includes('/.') && !path.includes('%')) return path;
  return normalizePathV2Full(path);
}

/** {@link normalizePathV2} without its shortcut for paths that are already normal (tests compare the two). */
export function normalizePathV2Full(path: string): string {
  if (path === '') return '';
  const resolved = normpath(path).replace(/\/\/+/g, '/');
  const normalized = resolved.replace(/%[a-f0-9]{2}/g, (m) => m.toUpperCase());
  return normalized.length > 1 && (path.endsWith('/') || path.endsWith('/.') || path.endsWith('/..')) ? normalized + '/' : normalized;
}

const HEX = /^[0-9A-Fa-f]{2}$/;

/**
 * Python's `unquote_plus`: `+` is a space, each valid `%XX` a byte, the bytes read as UTF-8 with
 * invalid sequences replaced (U+FFFD); a `%` not followed by two hex digits stays as it is.
 */
export function unquotePlus(s: string): string {
  if (!s.includes('+') && !s.includes('%')) return s;
  const plus = s.replace(/\+/g, ' ');
  if (!plus.includes('%')) return plus;
  const bytes: number[] = [];
  let out = '';
  const flush = () => {
    if (bytes.length > 0) out += decoder.decode(new Uint8Array(bytes));
    bytes.length = 0;
  };
  for (let i = 0; i < plus.length;) {
    if (plus[i] === '%' && HEX.test(plus.slice(i + 1, i + 3))) {
      bytes.push(parseInt(plus.slice(i + 1, i + 3), 16));
      i += 3;
      continue;
    }
    flush();
    const cp = plus.codePointAt(i)!;
    out += String.fromCodePoint(cp);
    i += cp > 0xffff ? 2 : 1;
  }
  flush();
  return out;
}

/** Characters `quoteV2` leaves as they are (besides `/` when asked): a string of only these is its own quote. */
const UNRESERVED = /^[A-Za-z0-9_.~-]*$/;
/** Each byte as `quoteV2` writes it, `/` encoded. */
const QUOTED = Array.from({ length: 256 }, (_, b) =>
  UNRESERVED.test(String.fromCharCode(b)) ? String.fromCharCode(b) : '%' + b.toString(16).toUpperCase().padStart(2, '0'),
);

/**
 * Python's `quote(s)` as MAuth uses it: UTF-8, everything but `A-Z a-z 0-9 _ . - ~` percent-encoded
 * with upper-case hex, and `/` left literal unless `slash` says to encode it (the Ruby client encodes
 * it; the verifier accepts both).
 */
export function quoteV2(s: string, slash: 'literal' | 'encoded' = 'literal'): string {
  if (UNRESERVED.test(s)) return s;
  let out = '';
  for (const b of encoder.encode(s)) out += b === 0x2f && slash === 'literal' ? '/' : QUOTED[b]!;
  return out;
}

/** Compares strings by Unicode code point (Python's order), not by UTF-16 code unit (JavaScript's). */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/**
 * v2's query: split on `&`, each part on its first `=`, both sides decoded (`unquotePlus`), the pairs
 * sorted by key then value in code-point order, re-encoded (`quoteV2`) and joined. Empty for no query.
 */
export function encodeQueryV2(query: string, slash: 'literal' | 'encoded' = 'literal'): string {
  if (query === '') return '';
  const pairs = query.split('&').map((part) => {
    const eq = part.indexOf('=');
    return eq === -1 ? [unquotePlus(part), ''] : [unquotePlus(part.slice(0, eq)), unquotePlus(part.slice(eq + 1))];
  }) as Array<[string, string]>;
  pairs.sort((a, b) => compareCodePoints(a[0], b[0]) || compareCodePoints(a[1], b[1]));
  return pairs.map(([k, v]) => `${quoteV2(k, slash)}=${quoteV2(v, slash)}`).join('&');
}
