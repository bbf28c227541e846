/**
 * The MAuth cases `npm run bench` measures on Node: our v1 and v2 verify of a 2048-bit signature
 * (node:crypto backend, and the Web Crypto backend for comparison), each beside its floor in bare
 * node:crypto (bench/mauth-floor.ts). The request is the SigV4 cases' one (a POST with a JSON body
 * and a query) signed by our MAuth signer; every call gets a fresh request rebuilt from its wire
 * bytes, and the app's public key is in a memory store.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { webCrypto } from '../lib/core/crypto-web.ts';
import type { SignedRequest } from '../lib/core/request.ts';
import { createMemoryKeyStore } from '../lib/keys/memory.ts';
import { createMAuthSigner, createMAuthVerifier } from '../lib/schemes/mauth/index.ts';
import { floorVerifyMAuthV1, floorVerifyMAuthV2 } from './mauth-floor.ts';
import { freshFrom, wireRequest } from './wire.ts';

export const MAUTH_APP_UUID = '5ff4257e-9c16-11e0-b048-0026bbfffe5e';
export const MAUTH_KEY_BITS = 2048;

/** The case names BENCHMARKS.md shows; `ours`/`floor` pairs are compared run by run. */
export const MAUTH_CASES = {
  v1: {
    ours: 'MAuth v1: edge-authorizer verify (node:crypto backend)',
    floor: 'MAuth v1 floor: node:crypto publicDecrypt from the request',
    web: 'MAuth v1: edge-authorizer verify (Web Crypto backend, BigInt)',
  },
  v2: {
    ours: 'MAuth v2: edge-authorizer verify (node:crypto backend)',
    floor: 'MAuth v2 floor: node:crypto verify from the request',
    web: 'MAuth v2: edge-authorizer verify (Web Crypto backend)',
  },
} as const;

export interface MAuthCase {
  readonly name: string;
  readonly group: 'mauth';
  make(): SignedRequest;
  run(input: unknown): unknown;
  readonly expect: (out: unknown) => boolean;
}

/**
 * The MAuth cases over `unsigned` signed at `now`. A fresh 2048-bit key pair per process: the cost of
 * the RSA public operation (e = 65537) does not depend on which key it is.
 */
export async function mauthCases(unsigned: SignedRequest, now: number): Promise<MAuthCase[]> {
  const clock = () => now;
  const pair = generateKeyPairSync('rsa', { modulusLength: MAUTH_KEY_BITS });
  const privateKey = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const publicPem = (pair.publicKey.export({ type: 'spki', format: 'pem' }) as string).trim();
  const keys = createMemoryKeyStore([
    {
      id: MAUTH_APP_UUID,
      scheme: 'mauth',
      secrets: [],
      publicKeys: [{ format: 'spki', pem: publicPem }],
      principal: 'bench-app',
      permissions: ['items:read'],
    },
  ]);
  // The floor's key, imported once, as ours is cached after its first import.
  const floorKey = createPublicKey(publicPem);
  const ours = createMAuthVerifier({ keys, clock });
  const web = createMAuthVerifier({ keys, clock, crypto: webCrypto });
  const isOk = (r: unknown) => (r as { ok?: boolean }).ok === true;
  const isTrue = (r: unknown) => r === true;

  const cases: MAuthCase[] = [];
  for (const version of ['v1', 'v2'] as const) {
    const signer = createMAuthSigner({ appUuid: MAUTH_APP_UUID, privateKey, versions: [version], clock });
    const wire = wireRequest(await signer.sign(unsigned));
    const body = unsigned.body!;
    const fresh = () => freshFrom(wire, body);
    const floor = version === 'v1' ? floorVerifyMAuthV1 : floorVerifyMAuthV2;
    const names = MAUTH_CASES[version];
    cases.push(
      { name: names.ours, group: 'mauth', make: fresh, run: (r) => ours.verify(r as SignedRequest), expect: isOk },
      { name: names.floor, group: 'mauth', make: fresh, run: (r) => floor(r as SignedRequest, floorKey), expect: isTrue },
      { name: names.web, group: 'mauth', make: fresh, run: (r) => web.verify(r as SignedRequest), expect: isOk },
    );
  }
  return cases;
}
