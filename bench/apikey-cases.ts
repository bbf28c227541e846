/**
 * The API-key cases `npm run bench` measures on Node: our verify (node:crypto backend, and the Web
 * Crypto backend for comparison) and the whole authenticator, beside the floor in bare node:crypto
 * (bench/apikey-floor.ts). The request is the SigV4 cases' one (a POST with a JSON body and a query)
 * with `X-Api-Key` added by our signer; every call gets a fresh request rebuilt from its wire bytes,
 * and the key's hash is in a memory store.
 */
import { createHash } from 'node:crypto';
import { createAuthenticator } from '../lib/authenticator.ts';
import { loadConfig } from '../lib/config/load.ts';
import { webCrypto } from '../lib/core/crypto-web.ts';
import type { SignedRequest } from '../lib/core/request.ts';
import { apiKeySecretHash, generateApiKey } from '../lib/keys/api-key-format.ts';
import { createMemoryKeyStore } from '../lib/keys/memory.ts';
import { createApiKeySigner, createApiKeyVerifier } from '../lib/schemes/api-key/index.ts';
import { floorVerifyApiKey } from './apikey-floor.ts';
import { freshFrom, wireRequest } from './wire.ts';

/** The key id of the bench's key. */
export const APIKEY_ID = 'benchkey01';

/** The case names BENCHMARKS.md shows; `ours` is compared with `floor` run by run. */
export const APIKEY_CASES = {
  ours: 'API key: edge-authorizer verify (node:crypto backend)',
  floor: 'API key floor: node:crypto sha256 + timingSafeEqual from the request',
  web: 'API key: edge-authorizer verify (Web Crypto backend)',
  authenticator: 'API key: edge-authorizer authenticate (limits, scheme selection, verify)',
} as const;

export interface ApiKeyCase {
  readonly name: string;
  readonly group: 'apikey';
  make(): SignedRequest;
  run(input: unknown): unknown;
  readonly expect: (out: unknown) => boolean;
}

/** The API-key cases over `unsigned` (the SigV4 cases' request), a fresh key per process. */
export async function apikeyCases(unsigned: SignedRequest, now: number): Promise<ApiKeyCase[]> {
  const clock = () => now;
  const { key } = generateApiKey({ id: APIKEY_ID });
  const hash = await apiKeySecretHash(key);
  const record = { id: APIKEY_ID, scheme: 'api-key', secrets: [hash], principal: 'bench', permissions: ['items:read'] };
  const keys = createMemoryKeyStore([record]);
  const ours = createApiKeyVerifier({ keys, clock });
  const web = createApiKeyVerifier({ keys, clock, crypto: webCrypto });
  const auth = createAuthenticator(loadConfig({ schemes: { 'api-key': {} }, keys: [record] }), { clock });
  // The floor's stored hash, decoded once, as a store would hold it.
  const stored = createHash('sha256').update(key).digest();
  if (`sha256:${stored.toString('hex')}` !== hash) throw new Error('the floor and the record disagree on the hash');
  const wire = wireRequest(await createApiKeySigner({ key }).sign(unsigned));
  const body = unsigned.body!;
  const fresh = () => freshFrom(wire, body);
  const isOk = (r: unknown) => (r as { ok?: boolean }).ok === true;
  const isTrue = (r: unknown) => r === true;
  return [
    { name: APIKEY_CASES.ours, group: 'apikey', make: fresh, run: (r) => ours.verify(r as SignedRequest), expect: isOk },
    { name: APIKEY_CASES.floor, group: 'apikey', make: fresh, run: (r) => floorVerifyApiKey(r as SignedRequest, stored), expect: isTrue },
    { name: APIKEY_CASES.web, group: 'apikey', make: fresh, run: (r) => web.verify(r as SignedRequest), expect: isOk },
    { name: APIKEY_CASES.authenticator, group: 'apikey', make: fresh, run: (r) => auth.authenticate(r as SignedRequest), expect: isOk },
  ];
}
