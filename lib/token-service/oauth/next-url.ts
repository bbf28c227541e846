// Where the browser goes after a login (the original's `next`), checked against an allow-list of exact
// origins, and the original's `_update_next_url` (the user token in the query). The original redirected
// to any `next`: an open redirect that also handed the user's token to whoever chose the URL. Here only
// absolute http(s) URLs whose WHATWG-normalised origin is exactly an allowed one pass, and anything a
// browser could read differently from us (control characters, whitespace, backslashes, a mixed-case or
// percent-encoded scheme, userinfo) is refused before parsing rather than normalised. Platform-free.

/** The longest `next` accepted (raw UTF-16 length); longer ones are refused, not truncated. */
export const MAX_NEXT_URL_LENGTH = 2048;

/** `scheme://host[:port]` and nothing else: no path (not even "/"), query, fragment or userinfo. */
const ORIGIN_SHAPE = /^https?:\/\/[^/?#@\\\s]+$/;

/**
 * Checks a configured list of allowed origins and answers them normalised (WHATWG `URL.origin`: lower-case
 * host, default port dropped), for {@link checkNextUrl}.
 *
 * @throws TypeError naming the index (never the value) of an entry that is not exactly an http(s) origin.
 * @example parseAllowedOrigins(['https://app.example', 'http://localhost:3000'])
 */
export function parseAllowedOrigins(list: readonly string[]): readonly string[] {
  if (!Array.isArray(list)) throw new TypeError('allowed origins must be an array of origins');
  const origins: string[] = [];
  list.forEach((entry: unknown, index) => {
    const bad = () => new TypeError(`allowed origin at index ${index} is not an origin (scheme://host[:port], http or https)`);
    if (typeof entry !== 'string' || !ORIGIN_SHAPE.test(entry)) throw bad();
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      throw bad();
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username !== '' || url.password !== '') throw bad();
    if (!origins.includes(url.origin)) origins.push(url.origin);
  });
  return Object.freeze(origins);
}

/** What {@link checkNextUrl} answers: the normalised URL to redirect to, or why not (a fixed word, never the input). */
export type NextUrlCheck = { readonly ok: true; readonly url: string } | { readonly ok: false; readonly reason: string };

/**
 * Whether `raw` may be redirected to after a login: an absolute `http://` or `https://` URL (scheme in
 * lower case), at most {@link MAX_NEXT_URL_LENGTH} characters as given and as serialised, without control characters, whitespace,
 * backslashes or userinfo, whose origin is exactly one of `allowedOrigins` (from {@link parseAllowedOrigins}).
 * The answer's `url` is the WHATWG serialisation, so what we checked is what the browser gets.
 *
 * @example checkNextUrl('https://app.example/x?y=1', origins) // { ok: true, url: 'https://app.example/x?y=1' }
 */
export function checkNextUrl(raw: string | null | undefined, allowedOrigins: readonly string[]): NextUrlCheck {
  if (typeof raw !== 'string' || raw === '') return { ok: false, reason: 'missing' };
  if (raw.length > MAX_NEXT_URL_LENGTH) return { ok: false, reason: 'too-long' };
  // WHATWG strips leading C0/space and removes tabs and newlines anywhere (`java\tscript:`), and reads
  // `\` as `/` in special schemes: refuse rather than guess what another parser would make of them.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200f\u2028\u2029\u202f\u205f\u3000\ufeff\\]/.test(raw)) {
    return { ok: false, reason: 'bad-characters' };
  }
  // Exactly lower-case `http://` or `https://`: refuses relative and scheme-relative (`//evil`) URLs,
  // other schemes (`javascript:`, `data:`), `HTTPS://` and encoded slashes (`https:%2F%2Fevil`).
  if (!raw.startsWith('https://') && !raw.startsWith('http://')) return { ok: false, reason: 'not-absolute-http' };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'invalid' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, reason: 'not-absolute-http' };
  if (url.username !== '' || url.password !== '') return { ok: false, reason: 'userinfo' };
  if (!allowedOrigins.includes(url.origin)) return { ok: false, reason: 'origin-not-allowed' };
  // The serialisation percent-encodes what the raw text left bare (`"` becomes `%22`): bound what is kept.
  if (url.href.length > MAX_NEXT_URL_LENGTH) return { ok: false, reason: 'too-long' };
  return { ok: true, url: url.href };
}

/**
 * The original's `_update_next_url`: `next` with `jwt=<token>` in its query, replacing any `jwt` there,
 * keeping the other parameters (repeated keys too: the original's `dict()` dropped all but the last) and
 * the fragment. `next` must already have passed {@link checkNextUrl}.
 */
export function withJwt(next: string, jwt: string): string {
  return withParam(next, 'jwt', jwt);
}

/** `next` with `error=<code>` in its query (replacing any `error`), for a login that failed. */
export function withError(next: string, code: string): string {
  return withParam(next, 'error', code);
}

function withParam(next: string, name: string, value: string): string {
  const url = new URL(next);
  url.searchParams.set(name, value);
  return url.href;
}
