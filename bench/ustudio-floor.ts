/**
 * The floor our USTUDIO-HMAC-V2 verify is measured against: the same check in bare node:crypto with
 * the least code that can do it. BENCHMARKS.md shows this file as it is.
 *
 * Like the SigV4 and MAuth floors it is given the request a server hands over (a fresh header list
 * each call) and knows what a real verifier must find out: the query needs no decoding or quoting (its
 * pairs only need sorting), the secret is the one it was given. It parses only what it must (the
 * Authorization header's key id is not even read), validates nothing, looks no key up and reads no clock.
 */
import { createHmac } from 'node:crypto';
import type { SignedRequest } from '../lib/core/request.ts';

/**
 * `Authorization: USTUDIO-HMAC-V2 <key> <hex digest>`, the digest being hex HMAC-SHA256 over
 * `METHOD \n path \n sorted query \n` and the body.
 */
export function floorVerifyUStudio(req: SignedRequest, secret: string): boolean {
  let auth = '';
  for (const [n, v] of req.headers) if (n.toLowerCase() === 'authorization') auth = v;
  const digest = createHmac('sha256', secret)
    .update(req.method + '\n' + req.path + '\n' + req.query.split('&').sort().join('&') + '\n')
    .update(req.body!)
    .digest('hex');
  return auth.slice(auth.lastIndexOf(' ') + 1) === digest;
}
