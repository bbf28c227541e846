import { percentDecode } from '../core/encoding.ts';
import type { CredentialParts } from '../core/verifier.ts';

/**
 * The raw query without the pairs whose key carries credentials (matched case-insensitively, on the
 * decoded key, so `X%2DAmz-Signature` goes too). Every other pair keeps its exact wire form and order.
 */
export function queryWithoutCredentials(rawQuery: string, parts: CredentialParts): string {
  if (rawQuery === '' || parts.query.length === 0) return rawQuery;
  const drop = new Set(parts.query.map((k) => k.toLowerCase()));
  const kept: string[] = [];
  for (const pair of rawQuery.split('&')) {
    const eq = pair.indexOf('=');
    const rawKey = eq === -1 ? pair : pair.slice(0, eq);
    let key: string;
    try {
      key = percentDecode(rawKey, true);
    } catch {
      key = rawKey;
    }
    if (!drop.has(key.toLowerCase())) kept.push(pair);
  }
  return kept.join('&');
}

/** Headers a proxy must not forward as they came: hop-by-hop (RFC 9110 section 7.6.1), and Host. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

/** The header the origin learns the verified principal from; a client's own copy is never forwarded. */
export const PRINCIPAL_HEADER = 'x-auth-principal';
/**
 * Set to `percent-utf8` beside {@link PRINCIPAL_HEADER} when the principal could not go in a header as
 * it is (a JWT `sub` in another script, a control character, spaces at its ends): the header then holds
 * its UTF-8 bytes percent-encoded. Absent: the header is the principal itself.
 */
export const PRINCIPAL_ENCODING_HEADER = 'x-auth-principal-encoding';

/**
 * The header naming the scheme that verified {@link PRINCIPAL_HEADER}'s principal (`sigv4`, `mauth`,
 * `api-key`, `jwt`, ...). Principals of different schemes share one namespace (a token service's user
 * may be called what an API key's principal is called), so an origin keys on both. A client's own
 * copy is never forwarded.
 */
export const SCHEME_HEADER = 'x-auth-scheme';

/** Printable ASCII, no space at either end: what a header carries unchanged everywhere. */
const HEADER_SAFE = /^(?:[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?)?$/;
const encoder = new TextEncoder();

/** `value` as a header can carry it: itself when {@link HEADER_SAFE}, else its UTF-8 bytes percent-encoded (never throws). */
export function principalHeaderValue(value: string): { readonly value: string; readonly encoded: boolean } {
  if (HEADER_SAFE.test(value)) return { value, encoded: false };
  let out = '';
  for (const b of encoder.encode(value)) {
    const unreserved =
      (b >= 0x30 && b <= 0x39) ||
      (b >= 0x41 && b <= 0x5a) ||
      (b >= 0x61 && b <= 0x7a) ||
      b === 0x2d ||
      b === 0x2e ||
      b === 0x5f ||
      b === 0x7e;
    out += unreserved ? String.fromCharCode(b) : '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return { value: out, encoded: true };
}

/**
 * The headers to send to the origin: hop-by-hop headers, Host, every credential header and any
 * client-supplied `x-auth-principal`, `x-auth-principal-encoding` or `x-auth-scheme` dropped (also when
 * spelled with "_" for "-"); `x-auth-principal` set when a principal was verified (see
 * {@link principalHeaderValue}), and `x-auth-scheme` with it when `scheme` is given.
 */
export function headersWithoutCredentials(
  incoming: Headers,
  parts: CredentialParts,
  principal: string | undefined,
  scheme?: string,
): Headers {
  const drop = new Set(parts.headers.map((h) => h.toLowerCase().replace(/_/g, '-')));
  const out = new Headers();
  const connectionListed = new Set(
    (incoming.get('connection') ?? '')
      .split(',')
      .map((t) => t.trim().toLowerCase())
      .filter((t) => t !== ''),
  );
  incoming.forEach((value, name) => {
    const lower = name.toLowerCase();
    // CGI, WSGI and Rack origins read "x_auth_principal" as "x-auth-principal": compare with "_" as "-".
    const dashed = lower.replace(/_/g, '-');
    if (
      drop.has(dashed) ||
      HOP_BY_HOP.has(dashed) ||
      connectionListed.has(lower) ||
      dashed === PRINCIPAL_HEADER ||
      dashed === PRINCIPAL_ENCODING_HEADER ||
      dashed === SCHEME_HEADER
    )
      return;
    out.append(name, value);
  });
  if (principal !== undefined) {
    // A principal from a token (a JWT `sub`) may hold what a header cannot: encoded, never a throw.
    const h = principalHeaderValue(principal);
    out.set(PRINCIPAL_HEADER, h.value);
    if (h.encoded) out.set(PRINCIPAL_ENCODING_HEADER, 'percent-utf8');
    if (scheme !== undefined) out.set(SCHEME_HEADER, principalHeaderValue(scheme).value);
  }
  return out;
}
