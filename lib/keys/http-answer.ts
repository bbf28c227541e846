// What the stores that fetch over HTTP (the MAuth key service client, the JWKS store) read off an
// answer the same way: the store fault a status means, and the seconds of `Cache-Control: max-age`.
import type { KeyStoreFault } from './types.ts';

/**
 * The fault of a non-2xx answer: 429 throttled, 5xx server-error, 401/403 access-denied, any other 4xx
 * misconfigured (the client asks the wrong thing), anything else (a 3xx: redirects are not followed,
 * the configured URL is the one trusted) malformed-response.
 */
export function statusFault(status: number): KeyStoreFault {
  if (status === 429) return 'throttled';
  if (status >= 500) return 'server-error';
  if (status === 401 || status === 403) return 'access-denied';
  if (status >= 400) return 'misconfigured';
  return 'malformed-response';
}

/**
 * The seconds of `Cache-Control: max-age=N` (the first one, at any position among the directives, in
 * any case, quoted or not), else undefined.
 */
export function maxAgeOf(cacheControl: string | null): number | undefined {
  if (!cacheControl) return undefined;
  for (const part of cacheControl.split(',')) {
    const m = /^\s*max-age\s*=\s*"?(\d{1,10})"?\s*$/i.exec(part);
    if (m) return Number(m[1]);
  }
  return undefined;
}
