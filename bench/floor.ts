/**
 * The floor our SigV4 verify is measured against: the same check in bare node:crypto with the least
 * code that can do it. BENCHMARKS.md shows this file as it is.
 *
 * It is given the request a server hands over (a fresh header list each call) and knows everything
 * a real verifier must find out: the signed headers are all of them but Authorization and
 * User-Agent, the query needs no decoding, the scope is the one it was told, the signing key is
 * derived already. It parses nothing, validates nothing, looks no key up and reads no clock.
 */
import { createHmac, hash } from 'node:crypto';
import type { SignedRequest } from '../lib/core/request.ts';

/** Whether `req` carries the signature `signingKey` makes over it: the floor's whole verification. */
export function floorVerify(req: SignedRequest, signingKey: Buffer, scope: string): boolean {
  let authorization = '';
  let timestamp = '';
  const picked: Array<[string, string]> = [];
  for (const [n, v] of req.headers) {
    const name = n.toLowerCase();
    if (name === 'authorization') authorization = v;
    else if (name !== 'user-agent') picked.push([name, v.trim()]);
    if (name === 'x-amz-date') timestamp = v;
  }
  picked.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  let headerBlock = '';
  let signedHeaders = '';
  for (const [n, v] of picked) {
    headerBlock += n + ':' + v + '\n';
    signedHeaders += (signedHeaders === '' ? '' : ';') + n;
  }
  const payloadHash = hash('sha256', req.body!, 'hex');
  const query = req.query.split('&').sort().join('&');
  const canonical = req.method + '\n' + req.path + '\n' + query + '\n' + headerBlock + '\n' + signedHeaders + '\n' + payloadHash;
  const stringToSign = 'AWS4-HMAC-SHA256\n' + timestamp + '\n' + scope + '\n' + hash('sha256', canonical, 'hex');
  const signature = createHmac('sha256', signingKey).update(stringToSign).digest('hex');
  return signature === authorization.slice(authorization.lastIndexOf('Signature=') + 10);
}

/** The SigV4 signing key as any verifier derives it on a cache miss: four HMACs, keys kept as Buffers. */
export function floorSigningKey(secret: string, date: string, region: string, service: string): Buffer {
  let k = createHmac('sha256', 'AWS4' + secret)
    .update(date)
    .digest();
  k = createHmac('sha256', k).update(region).digest();
  k = createHmac('sha256', k).update(service).digest();
  return createHmac('sha256', k).update('aws4_request').digest();
}

/** The crypto alone: hash a body and a canonical request given as text, then sign. */
export function cryptoOnly(body: Uint8Array, canonicalWithoutHash: string, stsPrefix: string, signingKey: Buffer): string {
  const canonical = canonicalWithoutHash + hash('sha256', body, 'hex');
  return createHmac('sha256', signingKey)
    .update(stsPrefix + hash('sha256', canonical, 'hex'))
    .digest('hex');
}
