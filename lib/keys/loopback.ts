/**
 * Whether a URL's hostname (as `new URL()` gives it) names this machine: `localhost`, `[::1]` or an
 * address of 127.0.0.0/8. Key sources may be reached over plain http only there, where no one between
 * can change the keys they serve.
 */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}

/**
 * Whether `url` may be fetched for keys without `insecureHttp`: https, or http to a loopback host.
 * False for anything else, a URL `new URL()` refuses included, so a caller that relies on it alone
 * refuses what it cannot read.
 */
export function isHttpsOrLoopbackHttp(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === 'https:' || (parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname));
}
