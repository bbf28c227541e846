// Reading MAuth's headers. Stricter than the original's regexes (which search anywhere in the value and
// take any token): exactly the form every MAuth client writes, a standard base64 signature, digits for
// the time. Anything else is refused before a key is looked up.
import type { SignedRequest } from '../../core/request.ts';
import { MAX_AUTH_HEADER_LENGTH, V1_AUTH_HEADER, V1_TIME_HEADER, V2_AUTH_HEADER, V2_TIME_HEADER } from './constants.ts';

/** One version's credentials as the request carries them. */
export interface MAuthClaim {
  readonly version: 1 | 2;
  readonly appUuid: string;
  /** The signature's base64 text. */
  readonly signature: string;
  /** The time header as sent (digits only once parsed). */
  readonly time: string;
}

/** Why a version's headers could not be read; the message is the original's where it has one, and never quotes a value. */
export type MAuthParse =
  | { readonly ok: true; readonly claim: MAuthClaim }
  | { readonly ok: false; readonly code: 'ERR_AUTH_MALFORMED' | 'ERR_REQUEST_EXPIRED'; readonly message: string }
  | undefined;

const V1_RE = /^MWS ([^\s:;]{1,128}):([A-Za-z0-9+/]{4,}={0,2})$/;
const V2_RE = /^MWSV2 ([^\s:;]{1,128}):([A-Za-z0-9+/]{4,}={0,2});$/;
const TIME_RE = /^\d{1,12}$/;

/** Whether the request carries a header of either version (what `claims()` asks). */
export function carriesMAuth(req: SignedRequest): boolean {
  for (const [name] of req.headers) {
    // Only a name as long as one of the two (MCC-Authentication 18, X-MWS-Authentication 20) is lower-cased.
    if (name.length !== 18 && name.length !== 20) continue;
    const n = name.toLowerCase();
    if (n === V1_AUTH_HEADER || n === V2_AUTH_HEADER) return true;
  }
  return false;
}

/** MAuth's four headers as a request carries them (each list empty when absent). */
export interface MAuthHeaders {
  readonly v1Auth: string[];
  readonly v1Time: string[];
  readonly v2Auth: string[];
  readonly v2Time: string[];
}

/**
 * The four MAuth headers in one pass over the request's headers. Only a name as long as one of them is
 * lower-cased (MCC-Time 8, X-MWS-Time 10, MCC-Authentication 18, X-MWS-Authentication 20).
 */
export function mauthHeaders(req: SignedRequest): MAuthHeaders {
  const h: MAuthHeaders = { v1Auth: [], v1Time: [], v2Auth: [], v2Time: [] };
  for (const [name, value] of req.headers) {
    const n = name.length;
    if (n !== 8 && n !== 10 && n !== 18 && n !== 20) continue;
    const lower = name.toLowerCase();
    if (lower === V2_TIME_HEADER) h.v2Time.push(value);
    else if (lower === V1_TIME_HEADER) h.v1Time.push(value);
    else if (lower === V2_AUTH_HEADER) h.v2Auth.push(value);
    else if (lower === V1_AUTH_HEADER) h.v1Auth.push(value);
  }
  return h;
}

/**
 * One version's headers read: undefined when its authentication header is absent; a failure when it is
 * there but repeated, oversized or not in the exact form, or when its time header is missing or not
 * digits (the original's messages). `headers` saves a second pass when both versions are read.
 */
export function parseVersion(req: SignedRequest, version: 1 | 2, headers: MAuthHeaders = mauthHeaders(req)): MAuthParse {
  const shown = version === 2 ? 'MCC' : 'X-MWS';
  const auth = version === 2 ? headers.v2Auth : headers.v1Auth;
  if (auth.length === 0) return undefined;
  if (auth.length > 1) return { ok: false, code: 'ERR_AUTH_MALFORMED', message: `more than one ${shown}-Authentication header` };
  const value = auth[0]!.trim();
  if (value.length > MAX_AUTH_HEADER_LENGTH)
    return { ok: false, code: 'ERR_AUTH_MALFORMED', message: `${shown}-Authentication header is too long` };
  const m = (version === 2 ? V2_RE : V1_RE).exec(value);
  if (!m)
    return {
      ok: false,
      code: 'ERR_AUTH_MALFORMED',
      message: version === 2 ? 'Token verification failed. Expected MWSV2.' : 'Token verification failed. Expected MWS.',
    };
  const times = version === 2 ? headers.v2Time : headers.v1Time;
  if (times.length === 0) return { ok: false, code: 'ERR_REQUEST_EXPIRED', message: `Time verification failed. No ${shown}-Time present.` };
  if (times.length > 1) return { ok: false, code: 'ERR_AUTH_MALFORMED', message: `more than one ${shown}-Time header` };
  const time = times[0]!.trim();
  if (!TIME_RE.test(time))
    return { ok: false, code: 'ERR_REQUEST_EXPIRED', message: `Time verification failed. ${shown}-Time header format incorrect.` };
  return { ok: true, claim: { version, appUuid: m[1]!, signature: m[2]!, time } };
}
