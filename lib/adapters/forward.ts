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
 * The headers to send to the origin: hop-by-hop headers, Host, every credential header and any
 * client-supplied `x-auth-principal` dropped (also when spelled with "_" for "-"); `x-auth-principal`
 * set when a principal was verified.
 */
export function headersWithoutCredentials(incoming: Headers, parts: CredentialParts, principal: string | undefined): Headers {
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
    if (drop.has(dashed) || HOP_BY_HOP.has(dashed) || connectionListed.has(lower) || dashed === PRINCIPAL_HEADER) return;
    out.append(name, value);
  });
  if (principal !== undefined) out.set(PRINCIPAL_HEADER, principal);
  return out;
}
