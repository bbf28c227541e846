/**
 * The floor our MAuth verify is measured against: the same check in bare node:crypto with the least
 * code that can do it. BENCHMARKS.md shows this file as it is.
 *
 * Like the SigV4 floor it is given the request a server hands over (a fresh header list each call)
 * and knows what a real verifier must find out: the path needs no normalising, the query no
 * decoding or encoding, the key is the one it was given (imported once). It parses only what it
 * must, validates nothing, looks no key up and reads no clock.
 */
import { createHash, hash, publicDecrypt, verify, type KeyObject } from 'node:crypto';
import type { SignedRequest } from '../lib/core/request.ts';

/**
 * MAuth v1: `X-MWS-Authentication: MWS <app_uuid>:<base64 sig>`. The signature is a raw RSA private
 * operation over a PKCS#1 type-1 block holding the hex SHA-512 of the string to sign, so the check
 * is publicDecrypt (OpenSSL checks the type-1 block) compared with that hex digest.
 */
export function floorVerifyMAuthV1(req: SignedRequest, key: KeyObject): boolean {
  let auth = '';
  let time = '';
  for (const [n, v] of req.headers) {
    const name = n.toLowerCase();
    if (name === 'x-mws-authentication') auth = v;
    else if (name === 'x-mws-time') time = v;
  }
  const colon = auth.indexOf(':');
  const digest = createHash('sha512')
    .update(req.method + '\n' + req.path + '\n')
    .update(req.body!)
    .update('\n' + auth.slice(4, colon) + '\n' + time)
    .digest('hex');
  try {
    return publicDecrypt(key, Buffer.from(auth.slice(colon + 1), 'base64')).toString('latin1') === digest;
  } catch {
    return false;
  }
}

/**
 * MAuth v2: `MCC-Authentication: MWSV2 <app_uuid>:<base64 sig>;`, RSASSA-PKCS1-v1_5 with SHA-512
 * over `VERB \n path \n hex(sha512(body)) \n app_uuid \n time \n sorted query`.
 */
export function floorVerifyMAuthV2(req: SignedRequest, key: KeyObject): boolean {
  let auth = '';
  let time = '';
  for (const [n, v] of req.headers) {
    const name = n.toLowerCase();
    if (name === 'mcc-authentication') auth = v;
    else if (name === 'mcc-time') time = v;
  }
  const colon = auth.indexOf(':');
  const bodyHash = hash('sha512', req.body!, 'hex');
  const query = req.query.split('&').sort().join('&');
  const sts = req.method + '\n' + req.path + '\n' + bodyHash + '\n' + auth.slice(6, colon) + '\n' + time + '\n' + query;
  return verify('sha512', Buffer.from(sts), key, Buffer.from(auth.slice(colon + 1, -1), 'base64'));
}
