/**
 * The USTUDIO-HMAC-V2 cases `npm run bench` measures on Node: our verify (node:crypto backend, and the
 * Web Crypto backend for comparison) beside its floor in bare node:crypto (bench/ustudio-floor.ts). The
 * request is the SigV4 cases' one (a POST with a JSON body and a query) signed by our signer; every
 * call gets a fresh request rebuilt from its wire bytes, and the key is in a memory store.
 */
import { webCrypto } from '../lib/core/crypto-web.ts';
import type { SignedRequest } from '../lib/core/request.ts';
import { createMemoryKeyStore } from '../lib/keys/memory.ts';
import { createUStudioSigner, createUStudioVerifier } from '../lib/schemes/ustudio-hmac/index.ts';
import { floorVerifyUStudio } from './ustudio-floor.ts';
import { freshFrom, wireRequest } from './wire.ts';

export const USTUDIO_KEY_ID = 'ustudio-bench-key';
const USTUDIO_SECRET = 'ustudio-bench-secret-0123456789';

/** The case names BENCHMARKS.md shows; `ours` and `floor` are compared run by run. */
export const USTUDIO_CASES = {
  ours: 'USTUDIO-HMAC-V2: edge-authorizer verify (node:crypto backend)',
  floor: 'USTUDIO-HMAC-V2 floor: node:crypto createHmac from the request',
  web: 'USTUDIO-HMAC-V2: edge-authorizer verify (Web Crypto backend)',
} as const;

export interface UStudioCase {
  readonly name: string;
  readonly group: 'ustudio';
  make(): SignedRequest;
  run(input: unknown): unknown;
  readonly expect: (out: unknown) => boolean;
}

/** The cases over `unsigned`, signed by our signer (the original's string to sign: no freshness extension). */
export async function ustudioCases(unsigned: SignedRequest, now: number): Promise<UStudioCase[]> {
  const clock = () => now;
  const keys = createMemoryKeyStore([
    { id: USTUDIO_KEY_ID, scheme: 'ustudio-hmac', secrets: [USTUDIO_SECRET], principal: 'bench-app', permissions: ['items:read'] },
  ]);
  const ours = createUStudioVerifier({ keys, clock });
  const web = createUStudioVerifier({ keys, clock, crypto: webCrypto });
  const signed = await createUStudioSigner({ keyId: USTUDIO_KEY_ID, secret: USTUDIO_SECRET, clock }).sign(unsigned);
  const wire = wireRequest(signed);
  const body = unsigned.body!;
  const fresh = () => freshFrom(wire, body);
  const isOk = (r: unknown) => (r as { ok?: boolean }).ok === true;
  const isTrue = (r: unknown) => r === true;
  return [
    { name: USTUDIO_CASES.ours, group: 'ustudio', make: fresh, run: (r) => ours.verify(r as SignedRequest), expect: isOk },
    {
      name: USTUDIO_CASES.floor,
      group: 'ustudio',
      make: fresh,
      run: (r) => floorVerifyUStudio(r as SignedRequest, USTUDIO_SECRET),
      expect: isTrue,
    },
    { name: USTUDIO_CASES.web, group: 'ustudio', make: fresh, run: (r) => web.verify(r as SignedRequest), expect: isOk },
  ];
}
