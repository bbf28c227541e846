// Reading the Authorization header (and the freshness extension's headers). The original splits the
// header on single spaces and wants exactly three parts, the first `USTUDIO-HMAC-V2` (case-sensitive);
// here the same, plus bounds, one header only and a key id that a key record could have. Anything else
// is refused before a key is looked up.
import type { ErrorCode } from '../../core/errors.ts';
import type { SignedRequest } from '../../core/request.ts';
import {
  AUTH_HEADER,
  MAX_AUTH_HEADER_LENGTH,
  MAX_KEY_ID_LENGTH,
  NONCE_HEADER,
  NONCE_RE,
  TIMESTAMP_HEADER,
  TIMESTAMP_RE,
  USTUDIO_ALGORITHM,
} from './constants.ts';

/** The credentials a request carries: the key id and the digest's text (not yet checked to be hex). */
export interface UStudioClaim {
  readonly keyId: string;
  readonly digest: string;
}

/** A header read, or why not; messages never quote a value. */
export type Parsed<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly code: ErrorCode; readonly message: string };

const PREFIX = USTUDIO_ALGORITHM + ' ';
// The key-record format's ids: no whitespace, no comma.
const KEY_ID_RE = /^[^\s,]+$/;

/** Whether a value is this scheme's: `USTUDIO-HMAC-V2` then a space (leading whitespace ignored, as servers strip it). */
function isOurs(value: string): boolean {
  return value.trimStart().startsWith(PREFIX);
}

/** Whether the request carries a USTUDIO-HMAC-V2 Authorization header (what `claims()` asks): no parsing, no crypto. */
export function carriesUStudio(req: SignedRequest): boolean {
  for (const [name, value] of req.headers) if (name.length === 13 && name.toLowerCase() === AUTH_HEADER && isOurs(value)) return true;
  return false;
}

/** The values of the headers this scheme reads, in one pass. */
export interface UStudioHeaders {
  readonly auth: string[];
  readonly timestamp: string[];
  readonly nonce: string[];
}

/** Authorization (13), X-UStudio-Nonce (15) and X-UStudio-Timestamp (19): only a name of one of those lengths is lower-cased. */
export function ustudioHeaders(req: SignedRequest): UStudioHeaders {
  const h: UStudioHeaders = { auth: [], timestamp: [], nonce: [] };
  for (const [name, value] of req.headers) {
    const n = name.length;
    if (n !== 13 && n !== 15 && n !== 19) continue;
    const lower = name.toLowerCase();
    if (lower === AUTH_HEADER) h.auth.push(value);
    else if (lower === TIMESTAMP_HEADER) h.timestamp.push(value);
    else if (lower === NONCE_HEADER) h.nonce.push(value);
  }
  return h;
}

/**
 * The Authorization header read: missing (`ERR_AUTH_MISSING`), another scheme's (`ERR_AUTH_UNSUPPORTED`),
 * repeated, oversized, not exactly three single-space-separated parts or a key id no record can have
 * (`ERR_AUTH_MALFORMED`). The digest is returned as sent; the verifier checks it.
 */
export function parseAuthorization(headers: UStudioHeaders): Parsed<UStudioClaim> {
  if (headers.auth.length === 0) return { ok: false, code: 'ERR_AUTH_MISSING', message: 'request is not signed' };
  if (headers.auth.length > 1) return { ok: false, code: 'ERR_AUTH_MALFORMED', message: 'more than one Authorization header' };
  const raw = headers.auth[0]!;
  // Bounded before anything else is done with it (trim included).
  if (raw.length > MAX_AUTH_HEADER_LENGTH + 64)
    return { ok: false, code: 'ERR_AUTH_MALFORMED', message: 'Authorization header is too long' };
  // trim() only when an end could be whitespace (ASCII controls and space, or anything beyond ASCII).
  const plainEnd = (c: number) => c > 0x20 && c < 0x7f;
  const value = plainEnd(raw.charCodeAt(0)) && plainEnd(raw.charCodeAt(raw.length - 1)) ? raw : raw.trim();
  if (value.length > MAX_AUTH_HEADER_LENGTH) return { ok: false, code: 'ERR_AUTH_MALFORMED', message: 'Authorization header is too long' };
  if (!value.startsWith(PREFIX) && value !== USTUDIO_ALGORITHM)
    return { ok: false, code: 'ERR_AUTH_UNSUPPORTED', message: 'unsupported authorization scheme' };
  // The original's split(" ") into exactly three parts: two single spaces, nothing empty between them.
  const second = value.indexOf(' ', PREFIX.length);
  if (second === -1 || value.indexOf(' ', second + 1) !== -1)
    return { ok: false, code: 'ERR_AUTH_MALFORMED', message: 'Authorization must be "USTUDIO-HMAC-V2 <key> <digest>", single spaces' };
  const keyId = value.slice(PREFIX.length, second);
  if (keyId.length === 0 || keyId.length > MAX_KEY_ID_LENGTH || !KEY_ID_RE.test(keyId))
    return { ok: false, code: 'ERR_AUTH_MALFORMED', message: 'Authorization key id is malformed' };
  return { ok: true, value: { keyId, digest: value.slice(second + 1) } };
}

/**
 * The freshness extension's headers read (when the extension is on): exactly one timestamp of digits
 * (missing: `ERR_REQUEST_EXPIRED`, since nothing shows the request is recent; repeated or not digits:
 * `ERR_AUTH_MALFORMED`), and at most one nonce of 8 to 128 base64url characters (required when
 * `requireNonce`). The nonce is `''` when absent.
 */
export function parseFreshness(headers: UStudioHeaders, requireNonce: boolean): Parsed<{ timestamp: string; nonce: string }> {
  if (headers.timestamp.length === 0)
    return { ok: false, code: 'ERR_REQUEST_EXPIRED', message: 'the request carries no X-UStudio-Timestamp header' };
  if (headers.timestamp.length > 1) return { ok: false, code: 'ERR_AUTH_MALFORMED', message: 'more than one X-UStudio-Timestamp header' };
  const timestamp = headers.timestamp[0]!.trim();
  if (!TIMESTAMP_RE.test(timestamp))
    return { ok: false, code: 'ERR_AUTH_MALFORMED', message: 'X-UStudio-Timestamp must be epoch seconds, digits only' };
  if (headers.nonce.length > 1) return { ok: false, code: 'ERR_AUTH_MALFORMED', message: 'more than one X-UStudio-Nonce header' };
  const nonce = headers.nonce.length === 1 ? headers.nonce[0]!.trim() : '';
  if (nonce === '' && requireNonce)
    return { ok: false, code: 'ERR_AUTH_MALFORMED', message: 'the request carries no X-UStudio-Nonce header' };
  if (nonce !== '' && !NONCE_RE.test(nonce))
    return { ok: false, code: 'ERR_AUTH_MALFORMED', message: 'X-UStudio-Nonce must be 8 to 128 base64url characters' };
  return { ok: true, value: { timestamp, nonce } };
}
