/**
 * The cases `npm run bench` measures on Node: our SigV4 verify and sign, peers signing the same
 * request, the floor (bench/floor.ts), the signing-key cache under many keys, and the worst inputs
 * each limit lets through. Each case makes its inputs outside the timed loop: a fresh request per
 * call, as a server hands one over (new strings from the wire text, a new header list, a new body).
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import aws4 from 'aws4';
import { webCrypto } from '../lib/core/crypto-web.ts';
import type { SignedRequest } from '../lib/core/request.ts';
import type { KeyRecord, KeyStore } from '../lib/keys/types.ts';
import { createMemoryKeyStore } from '../lib/keys/memory.ts';
import { createSigV4Signer, createSigV4Verifier } from '../lib/schemes/sigv4/index.ts';
import { cryptoOnly, floorSigningKey, floorVerify } from './floor.ts';
import { WORST_LIMITS, worstCases } from './worst-cases.ts';
import { keystoreCases } from './keystore-cases.ts';
import { mauthCases } from './mauth-cases.ts';
import { ustudioCases } from './ustudio-cases.ts';
import { jwtCases } from './jwt-cases.ts';
import { apikeyCases } from './apikey-cases.ts';
import { lambdaCases } from './lambda-cases.ts';
import { freshFrom, wireRequest, type WireRequest } from './wire.ts';

export { WORST_LIMITS };

/** A fixed instant, so every process of a run signs and verifies the same request. */
export const NOW = Date.UTC(2026, 11, 3, 12, 0, 0);
const KEY_ID = 'AKIDBENCH';
const SECRET = 'bench-secret-key-0123456789';
const REGION = 'us-east-1';
const SERVICE = 'execute-api';
const HOST = 'api.example.com';
const BODY_TEXT = JSON.stringify({ name: 'widget', sku: 'W-42', tags: ['a', 'b', 'c'], description: 'x'.repeat(120) });
export const BODY = new TextEncoder().encode(BODY_TEXT);
const PATH = '/prod/items/42';
const QUERY = 'limit=10&sort=asc';
const HEADERS: ReadonlyArray<[string, string]> = [
  ['host', HOST],
  ['content-type', 'application/json'],
  ['accept', 'application/json'],
  ['x-request-id', '6f1c2b0e-1d2a-4c4b-9d8e-0a1b2c3d4e5f'],
];
/** Key counts of the rotation cases: one key, the old cache's size, one more, and ten thousand. */
export const ROTATION_KEYS = [1, 1024, 1025, 10_000] as const;

export interface Case {
  readonly name: string;
  /** Which table it belongs to. */
  readonly group: 'main' | 'rotation' | 'worst' | 'keystore' | 'mauth' | 'ustudio' | 'apikey' | 'jwt' | 'lambda';
  /** Builds the input of one call (untimed): a fresh request, as a server makes one. */
  make(): unknown;
  /** One call on an input from `make`; a promise is awaited. */
  run(input: unknown): unknown;
  /** The outcome of one call, checked before measuring: a case that does not verify must not look fast. */
  readonly expect?: (out: unknown) => boolean;
  readonly worst?: { readonly input: string; readonly outcome: string; readonly bytes: number };
  /** Keys in rotation (rotation group). */
  readonly keys?: number;
}

const amz = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

const isOk = (r: unknown) => (r as { ok?: boolean }).ok === true;

/** Builds the cases of one group (each benchmark process builds only what it runs). */
export async function buildCases(group: Case['group']): Promise<Case[]> {
  const clock = () => NOW;
  const record: KeyRecord = { id: KEY_ID, secrets: [SECRET], principal: 'bench', permissions: ['items:read'] };
  const keys = createMemoryKeyStore([record]);
  const signer = createSigV4Signer({ keyId: KEY_ID, secret: SECRET, region: REGION, service: SERVICE, signContentSha256: true, clock });
  const unsigned: SignedRequest = { method: 'POST', path: PATH, query: QUERY, headers: HEADERS, body: BODY };
  const signed = await signer.sign(unsigned);
  const wire = wireRequest(signed);
  const fresh = () => freshFrom(wire, BODY);
  const unsignedWire = wireRequest(unsigned);

  const verifier = createSigV4Verifier({ keys, region: REGION, service: SERVICE, clock });
  const webVerifier = createSigV4Verifier({ keys, region: REGION, service: SERVICE, clock, crypto: webCrypto });
  // A store that builds a new record on every lookup (no cache layer in front): nothing is known about the
  // key between two calls, so the signing key is derived every time.
  const uncachedStore: KeyStore = { get: (id) => Promise.resolve(id === KEY_ID ? { ...record, secrets: [SECRET.slice(0)] } : undefined) };
  const missVerifier = createSigV4Verifier({ keys: uncachedStore, region: REGION, service: SERVICE, clock });

  // Peers sign the same request.
  const credentials = { accessKeyId: KEY_ID, secretAccessKey: SECRET };
  const smithyNode = new SignatureV4({ credentials, region: REGION, service: SERVICE, sha256: Hash.bind(null, 'sha256') });
  const smithyJs = new SignatureV4({ credentials, region: REGION, service: SERVICE, sha256: Sha256 });
  const signingDate = new Date(NOW);
  const timestamp = amz(NOW);
  const date = timestamp.slice(0, 8);
  const smithyRequest = () => {
    const r = freshFrom(unsignedWire, BODY);
    return {
      method: r.method,
      protocol: 'https:',
      hostname: HOST,
      path: r.path,
      query: { limit: '10', sort: 'asc' },
      headers: Object.fromEntries(r.headers),
      body: r.body,
    };
  };
  const aws4Request = () => {
    const r = freshFrom(unsignedWire, BODY);
    return {
      host: HOST,
      method: r.method,
      path: r.path + '?' + r.query,
      service: SERVICE,
      region: REGION,
      headers: { ...Object.fromEntries(r.headers), 'X-Amz-Date': timestamp },
      body: Buffer.from(r.body!),
    };
  };

  // The floor, and the crypto alone over the canonical request our verifier builds for this request.
  const scope = `${date}/${REGION}/${SERVICE}/aws4_request`;
  const signingKey = floorSigningKey(SECRET, date, REGION, SERVICE);
  const explained = await verifier.explain(signed);
  const canonicalWithoutHash = explained.canonicalRequest.slice(0, explained.canonicalRequest.lastIndexOf('\n') + 1);
  const stsPrefix = `AWS4-HMAC-SHA256\n${timestamp}\n${scope}\n`;
  const expectedSignature = /Signature=([0-9a-f]{64})/.exec(signed.headers.find(([n]) => n === 'Authorization')![1])![1];

  if (group === 'worst') {
    return (await worstCases(NOW, signed, { id: KEY_ID, secret: SECRET })).map((w) => ({
      name: w.name,
      group,
      make: () => undefined,
      run: () => w.fn(),
      worst: { input: w.input, outcome: w.outcome, bytes: w.bytes },
    }));
  }
  if (group === 'rotation') return rotationCases(unsigned, clock);
  if (group === 'mauth') return mauthCases(unsigned, NOW);
  if (group === 'ustudio') return ustudioCases(unsigned, NOW);
  if (group === 'jwt') return jwtCases(unsigned);
  if (group === 'apikey') return apikeyCases(unsigned, NOW);
  if (group === 'lambda') return lambdaCases(NOW);
  if (group === 'keystore') return keystoreCases({ fresh, keyId: KEY_ID, secret: SECRET, region: REGION, service: SERVICE, clock, isOk });

  return [
    {
      name: 'edge-authorizer verify (node:crypto backend)',
      group: 'main',
      make: fresh,
      run: (r) => verifier.verify(r as SignedRequest),
      expect: isOk,
    },
    {
      name: 'edge-authorizer verify (Web Crypto backend)',
      group: 'main',
      make: fresh,
      run: (r) => webVerifier.verify(r as SignedRequest),
      expect: isOk,
    },
    {
      name: 'edge-authorizer verify, signing key not cached (a store that builds a new record per lookup)',
      group: 'main',
      make: fresh,
      run: (r) => missVerifier.verify(r as SignedRequest),
      expect: isOk,
    },
    {
      name: 'edge-authorizer sign (node:crypto backend)',
      group: 'main',
      make: () => freshFrom(unsignedWire, BODY),
      run: (r) => signer.sign(r as SignedRequest),
    },
    {
      name: '@smithy/signature-v4 sign (@smithy/hash-node)',
      group: 'main',
      make: smithyRequest,
      run: (r) => smithyNode.sign(r as ReturnType<typeof smithyRequest>, { signingDate }),
    },
    {
      name: '@smithy/signature-v4 sign (@aws-crypto/sha256-js)',
      group: 'main',
      make: smithyRequest,
      run: (r) => smithyJs.sign(r as ReturnType<typeof smithyRequest>, { signingDate }),
    },
    { name: 'aws4 sign', group: 'main', make: aws4Request, run: (r) => aws4.sign(r as ReturnType<typeof aws4Request>, credentials) },
    {
      name: 'floor: node:crypto from the request, signing key cached',
      group: 'main',
      make: fresh,
      run: (r) => floorVerify(r as SignedRequest, signingKey, scope),
      expect: (ok) => ok === true,
    },
    {
      name: 'floor, signing key derived each time',
      group: 'main',
      make: fresh,
      run: (r) => floorVerify(r as SignedRequest, floorSigningKey(SECRET, date, REGION, SERVICE), scope),
      expect: (ok) => ok === true,
    },
    {
      name: 'crypto only: node:crypto over a hard-coded canonical request',
      group: 'main',
      make: () => Buffer.from(BODY),
      run: (b) => cryptoOnly(b as Uint8Array, canonicalWithoutHash, stsPrefix, signingKey),
      expect: (sig) => sig === expectedSignature,
    },
  ];
}

/** Keys in rotation: N key records, one signed request per key, requests taken in turn. */
async function rotationCases(unsigned: SignedRequest, clock: () => number): Promise<Case[]> {
  const cases: Case[] = [];
  for (const n of ROTATION_KEYS) {
    const records: KeyRecord[] = [];
    const wires: WireRequest[] = [];
    for (let i = 0; i < n; i++) {
      const id = `AKIDROT${String(i).padStart(6, '0')}`;
      const secret = `rotation-secret-${i}-0123456789abcdef`;
      records.push({ id, secrets: [secret], principal: `p${i}`, permissions: [] });
      const s = createSigV4Signer({ keyId: id, secret, region: REGION, service: SERVICE, signContentSha256: true, clock });
      wires.push(wireRequest(await s.sign(unsigned)));
    }
    const v = createSigV4Verifier({ keys: createMemoryKeyStore(records), region: REGION, service: SERVICE, clock });
    let next = 0;
    cases.push({
      name: `${n.toLocaleString('en-US')} key${n === 1 ? '' : 's'} in rotation`,
      group: 'rotation',
      keys: n,
      make: () => freshFrom(wires[next++ % n]!, BODY),
      run: (r) => v.verify(r as SignedRequest),
      expect: isOk,
    });
  }
  return cases;
}
