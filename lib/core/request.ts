/**
 * The request model every verifier and signer works on: what was on the wire, nothing decoded.
 * Adapters build it from a platform's request or event; schemes canonicalize from it.
 */

/**
 * Headers in arrival order, names as sent, duplicates kept: signatures cover them as sent, so nothing
 * merges or lower-cases them.
 */
export type HeaderList = ReadonlyArray<readonly [name: string, value: string]>;

/** One request as it was on the wire: what verifiers check and signers sign, so adapters must not normalise it. */
export interface SignedRequest {
  /** Method as sent (fetch upper-cases the six standard methods, and the Lambda adapters every method, as API Gateway routes them). */
  readonly method: string;
  /** Raw path as on the wire (percent escapes untouched), starting with "/". */
  readonly path: string;
  /** Raw query string as on the wire, without the leading "?"; "" when there is none. */
  readonly query: string;
  /** Headers in arrival order, names as sent, duplicates kept. */
  readonly headers: HeaderList;
  /** Body bytes; `undefined` when the platform does not expose the body (API Gateway authorizers). */
  readonly body?: Uint8Array | undefined;
}

/**
 * Header values by lower-case name. Prototype-safe: a Map, not an object. Built anew on each call:
 * every request a server hands over is a new header list, so a cache keyed by the list would only
 * add a lookup and an insertion per request; a verifier builds the map once and passes it along.
 */
export function headerMap(headers: HeaderList): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const [name, value] of headers) {
    const key = name.toLowerCase();
    const list = map.get(key);
    if (list) list.push(value);
    else map.set(key, [value]);
  }
  return map;
}

/** Whether a header of that name is present; `lowerName` is lower-case. A scan, no map built. */
export function hasHeader(headers: HeaderList, lowerName: string): boolean {
  for (const [name] of headers) if (name.length === lowerName.length && name.toLowerCase() === lowerName) return true;
  return false;
}

/** All values of one header (case-insensitive name). */
export function headerValues(req: SignedRequest, name: string): readonly string[] {
  const lower = name.toLowerCase();
  const out: string[] = [];
  for (const [n, v] of req.headers) if (n.length === lower.length && n.toLowerCase() === lower) out.push(v);
  return out;
}

/**
 * Splits an absolute or origin-form URL into raw path and raw query without decoding or
 * normalising anything (unlike `new URL()`, which would change what the client signed).
 */
export function splitUrl(url: string): { origin: string; host: string; path: string; query: string } {
  let rest = url;
  let origin = '';
  let host = '';
  const scheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.exec(rest);
  if (scheme) {
    const afterScheme = rest.slice(scheme[0].length);
    const end = afterScheme.search(/[/?#]/);
    host = end === -1 ? afterScheme : afterScheme.slice(0, end);
    origin = scheme[0] + host;
    rest = end === -1 ? '' : afterScheme.slice(end);
  }
  const hash = rest.indexOf('#');
  if (hash !== -1) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  const path = q === -1 ? rest : rest.slice(0, q);
  const query = q === -1 ? '' : rest.slice(q + 1);
  return { origin, host, path: path === '' ? '/' : path, query };
}

/** Limits applied before any parsing or crypto, so hostile input is cheap to refuse. */
export interface InputLimits {
  readonly maxHeaderCount: number;
  readonly maxHeaderBytes: number;
  readonly maxUrlBytes: number;
  readonly maxBodyBytes: number;
}

/**
 * Reference bounds for code that checks input without a configuration; the configuration's `limits` section
 * has its own defaults (a 1 MiB body).
 */
export const DEFAULT_LIMITS: InputLimits = {
  maxHeaderCount: 128,
  maxHeaderBytes: 32 * 1024,
  maxUrlBytes: 16 * 1024,
  maxBodyBytes: 10 * 1024 * 1024,
};
