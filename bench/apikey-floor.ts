/**
 * The floor our API-key verify is measured against: the same check in bare node:crypto with the least
 * code that can do it. BENCHMARKS.md shows this file as it is.
 *
 * Like the other floors it is given the request a server hands over (a fresh header list each call).
 * It reads the header, hashes the key and compares the digest in constant time with the one stored
 * hash it was given (decoded once). It checks no checksum, looks no key up, reads no clock and judges
 * no duplicate header.
 */
import { hash, timingSafeEqual } from 'node:crypto';
import type { SignedRequest } from '../lib/core/request.ts';

/** `X-Api-Key: <key>`: whether SHA-256 of the key is `stored` (32 bytes). */
export function floorVerifyApiKey(req: SignedRequest, stored: Buffer): boolean {
  let key: string | undefined;
  for (const [n, v] of req.headers) if (n.toLowerCase() === 'x-api-key') key = v;
  if (key === undefined) return false;
  return timingSafeEqual(hash('sha256', key, 'buffer'), stored);
}
