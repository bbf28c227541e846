/**
 * The worker that bench/workerd.ts runs inside workerd (bundled with the `workerd` condition, so
 * `#crypto` is Web Crypto): POST `{ "op": "batch", "case": "ours", "n": 500 }` runs `n` operations
 * of one case back to back in this isolate and answers how long they took on the isolate's clock;
 * `{ "op": "check" }` answers what each case computes, so the comparison can be checked for fairness.
 */
import type { CryptoBackend } from '../lib/core/crypto.ts';
import { webCrypto } from '../lib/core/crypto-web.ts';
import type { SignedRequest } from '../lib/core/request.ts';
import type { Verifier } from '../lib/core/verifier.ts';
import { createMemoryKeyStore } from '../lib/keys/memory.ts';
import { createMAuthSigner, createMAuthVerifier } from '../lib/schemes/mauth/index.ts';
import { createSigV4Signer, createSigV4Verifier } from '../lib/schemes/sigv4/index.ts';

/**
 * The cases a batch can run; `copy` is the loop and the fresh request copy alone (with n = 0: an empty
 * batch). The `mauth-` cases verify the same request signed with MAuth v1 or v2 (2048-bit key), ours
 * and a Web Crypto floor each.
 */
export const WORKERD_CASES = [
  'ours',
  'floor',
  'crypto',
  'derive',
  'copy',
  'mauth-v1',
  'mauth-v1-floor',
  'mauth-v2',
  'mauth-v2-floor',
] as const;
export type WorkerdCase = (typeof WORKERD_CASES)[number];

export interface BatchAnswer {
  readonly case: WorkerdCase;
  readonly n: number;
  /** Operations that accepted the request (or produced the request's signature): must equal n. */
  readonly ok: number;
  /** Elapsed `performance.now()` across the batch, in this isolate. */
  readonly perfMs: number;
}

export interface CheckAnswer {
  readonly presented: string;
  readonly ours: { readonly ok: boolean; readonly code?: string };
  readonly floor: string;
  readonly crypto: string;
  readonly derive: string;
  /** The same request with one body byte changed: both must refuse it (the floor does compare). */
  readonly tampered: { readonly oursOk: boolean; readonly floor: string };
  /** One verify through a counting wrapper of the Web Crypto backend: calls per primitive. */
  readonly backendCalls: Record<string, number>;
  /** `crypto.subtle` calls one operation makes (signing key cached). */
  readonly subtleCalls: { readonly ours: number; readonly floor: number };
  readonly navigator: string | null;
  /** MAuth per version: ours and the floor on the signed request, and on it with one body byte changed. */
  readonly mauth: Record<'v1' | 'v2', MAuthCheck>;
}

export interface MAuthCheck {
  readonly ours: { readonly ok: boolean; readonly code?: string };
  readonly floor: boolean;
  readonly tampered: { readonly oursOk: boolean; readonly floor: boolean };
  /** `crypto.subtle` calls one operation makes. */
  readonly subtleCalls: { readonly ours: number; readonly floor: number };
}

export interface ClockAnswer {
  /** Whether `performance.now()` moved during a synchronous busy loop (no I/O, no await). */
  readonly advancesInSyncCode: boolean;
  /** The smallest step it moved by, in ms (0 when it did not move). */
  readonly stepMs: number;
  /** How long the check ran by this clock: it spins until the clock has moved `spinMs` (bounded). */
  readonly spunMs: number;
}

// The request of bench/sigv4.bench.ts: the same method, path, query, headers and 188-byte body.
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const KEY_ID = 'AKIDBENCH';
const SECRET = 'bench-secret-key-0123456789';
const REGION = 'us-east-1';
const SERVICE = 'execute-api';
const BODY = new TextEncoder().encode(JSON.stringify({ name: 'widget', sku: 'W-42', tags: ['a', 'b', 'c'], description: 'x'.repeat(120) }));
const UNSIGNED: SignedRequest = {
  method: 'POST',
  path: '/prod/items/42',
  query: 'limit=10&sort=asc',
  headers: [
    ['host', 'api.example.com'],
    ['content-type', 'application/json'],
    ['accept', 'application/json'],
    ['x-request-id', '6f1c2b0e-1d2a-4c4b-9d8e-0a1b2c3d4e5f'],
  ],
  body: BODY,
};

const encoder = new TextEncoder();
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
function hex(buf: ArrayBuffer): string {
  return hexBytes(new Uint8Array(buf));
}
function hexBytes(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]!];
  return out;
}
const importHmac = (raw: ArrayBuffer | Uint8Array) =>
  crypto.subtle.importKey('raw', raw as BufferSource, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
const hmac = (key: CryptoKey, data: string) => crypto.subtle.sign('HMAC', key, encoder.encode(data));

async function deriveSigningKey(date: string): Promise<CryptoKey> {
  let k = await hmac(await importHmac(encoder.encode('AWS4' + SECRET)), date);
  k = await hmac(await importHmac(k), REGION);
  k = await hmac(await importHmac(k), SERVICE);
  k = await hmac(await importHmac(k), 'aws4_request');
  return importHmac(k);
}

/**
 * A fresh request object as a server builds one per request: new header tuples in a new array
 * (so nothing cached per header list carries over), the same body bytes. Our case and the floor
 * both get their request from here.
 */
function fresh(req: SignedRequest): SignedRequest {
  const headers: Array<[string, string]> = [];
  for (const [n, v] of req.headers) headers.push([n, v]);
  return { method: req.method, path: req.path, query: req.query, headers, body: req.body };
}

interface Setup {
  readonly signed: SignedRequest;
  readonly presented: string;
  readonly verifier: Verifier;
  readonly floor: (req: SignedRequest) => Promise<string>;
  readonly cryptoOnly: () => Promise<string>;
  readonly derive: () => Promise<string>;
  readonly makeVerifier: (backend: CryptoBackend) => (req: SignedRequest) => Promise<{ ok: boolean; code?: string }>;
  readonly mauth: Record<'v1' | 'v2', MAuthSetup>;
}

interface MAuthSetup {
  readonly signed: SignedRequest;
  readonly verifier: Verifier;
  readonly floor: (req: SignedRequest) => Promise<boolean>;
}

async function init(): Promise<Setup> {
  const clock = () => NOW;
  const signer = createSigV4Signer({ keyId: KEY_ID, secret: SECRET, region: REGION, service: SERVICE, signContentSha256: true, clock });
  const signed = await signer.sign(UNSIGNED);
  const authorization = signed.headers.find(([n]) => n === 'Authorization')![1];
  const presented = /Signature=([0-9a-f]{64})$/.exec(authorization)![1]!;
  const amzDate = signed.headers.find(([n]) => n === 'X-Amz-Date')![1];
  const keys = createMemoryKeyStore([{ id: KEY_ID, secrets: [SECRET], principal: 'bench', permissions: ['items:read'] }]);
  const makeVerifier = (backend: CryptoBackend) => {
    const v = createSigV4Verifier({ keys, region: REGION, service: SERVICE, clock, crypto: backend });
    return async (req: SignedRequest) => {
      const r = await v.verify(req);
      return r.ok ? { ok: true } : { ok: false, code: r.error.code };
    };
  };
  // Our verify as a Worker gets it: the default backend `#crypto` resolves to under workerd.
  const verifier = createSigV4Verifier({ keys, region: REGION, service: SERVICE, clock });

  // The floor: the same signature computed from the request with crypto.subtle and the least code
  // that can (headers lower-cased, picked and sorted, query sorted, body hashed, one canonical string,
  // its hash, one HMAC with the derived signing key imported once), compared with the presented one.
  const signingKey = await deriveSigningKey(amzDate.slice(0, 8));
  const floor = async (req: SignedRequest): Promise<string> => {
    let presentedSig = '';
    let timestamp = '';
    const picked: Array<[string, string]> = [];
    for (const [n, v] of req.headers) {
      const name = n.toLowerCase();
      if (name === 'authorization') presentedSig = v.slice(-64);
      else {
        if (name === 'x-amz-date') timestamp = v;
        picked.push([name, v.trim()]);
      }
    }
    picked.sort((a, b) => (a[0] < b[0] ? -1 : 1));
    const query = req.query.split('&').sort().join('&');
    const payloadHash = hex(await crypto.subtle.digest('SHA-256', req.body as BufferSource));
    let headerBlock = '';
    let names = '';
    for (const [n, v] of picked) {
      headerBlock += n + ':' + v + '\n';
      names += (names ? ';' : '') + n;
    }
    const canonical = req.method + '\n' + req.path + '\n' + query + '\n' + headerBlock + '\n' + names + '\n' + payloadHash;
    const scope = timestamp.slice(0, 8) + '/' + REGION + '/' + SERVICE + '/aws4_request';
    const sts =
      'AWS4-HMAC-SHA256\n' + timestamp + '\n' + scope + '\n' + hex(await crypto.subtle.digest('SHA-256', encoder.encode(canonical)));
    const sig = hex(await hmac(signingKey, sts));
    return sig === presentedSig ? sig : '';
  };

  // Crypto only: the body hash, then hash and HMAC of a canonical request hard-coded but for that hash.
  const headerLines =
    'accept:application/json\ncontent-type:application/json\nhost:api.example.com\n' +
    `x-amz-content-sha256:${hex(await crypto.subtle.digest('SHA-256', BODY))}\nx-amz-date:${amzDate}\nx-request-id:6f1c2b0e-1d2a-4c4b-9d8e-0a1b2c3d4e5f\n`;
  const stsHead = `AWS4-HMAC-SHA256\n${amzDate}\n${amzDate.slice(0, 8)}/${REGION}/${SERVICE}/aws4_request\n`;
  const signWith = async (key: CryptoKey) => {
    const payloadHash = hex(await crypto.subtle.digest('SHA-256', BODY));
    const canonical =
      'POST\n/prod/items/42\nlimit=10&sort=asc\n' +
      headerLines +
      '\naccept;content-type;host;x-amz-content-sha256;x-amz-date;x-request-id\n' +
      payloadHash;
    return hex(await hmac(key, stsHead + hex(await crypto.subtle.digest('SHA-256', encoder.encode(canonical)))));
  };
  const cryptoOnly = () => signWith(signingKey);
  // A signing-key cache miss: the four-step HMAC chain (five key imports) each time, then the same.
  const derive = async () => signWith(await deriveSigningKey(amzDate.slice(0, 8)));

  return { signed, presented, verifier, floor, cryptoOnly, derive, makeVerifier, mauth: await initMAuth(clock) };
}

const MAUTH_APP_UUID = '5ff4257e-9c16-11e0-b048-0026bbfffe5e';
const RSA_SHA512 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' } as const;

function pem(label: string, der: ArrayBuffer): string {
  let bin = '';
  for (const b of new Uint8Array(der)) bin += String.fromCharCode(b);
  const lines = btoa(bin)
    .match(/.{1,64}/g)!
    .join('\n');
  return `-----BEGIN ${label}-----\n${lines}\n-----END ${label}-----`;
}

/** Base64 signature text as bytes, with atob and a plain loop (Uint8Array.from with a map function is several µs slower). */
function base64Bytes(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * MAuth v1 and v2 over the bench request, signed by our signer with a 2048-bit key made here, the
 * app's public key in a memory store for our verifier (the Web Crypto backend, the default here).
 * The floors check the same signatures with Web Crypto and the least code: v2 one
 * `crypto.subtle.verify`; v1 (Web Crypto has no raw RSA) the SHA-512 of the string to sign with
 * `crypto.subtle.digest`, then `s^e mod n` by left-to-right square-and-multiply in BigInt, compared as a number with
 * the whole type-1 block `00 01 FF..FF 00 || hex digest` built from that digest.
 */
async function initMAuth(clock: () => number): Promise<Record<'v1' | 'v2', MAuthSetup>> {
  const pair = (await crypto.subtle.generateKey({ ...RSA_SHA512, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const privateKey = pem('PRIVATE KEY', (await crypto.subtle.exportKey('pkcs8', pair.privateKey)) as ArrayBuffer);
  const publicKey = pem('PUBLIC KEY', (await crypto.subtle.exportKey('spki', pair.publicKey)) as ArrayBuffer);
  const keys = createMemoryKeyStore([
    {
      id: MAUTH_APP_UUID,
      scheme: 'mauth',
      secrets: [],
      publicKeys: [{ format: 'spki', pem: publicKey }],
      principal: 'bench-app',
      permissions: [],
    },
  ]);
  const verifier = createMAuthVerifier({ keys, clock });
  const sign = (version: 'v1' | 'v2') =>
    createMAuthSigner({ appUuid: MAUTH_APP_UUID, privateKey, versions: [version], clock }).sign(UNSIGNED);

  // The floors' key: imported once, its numbers read once (as ours are, when the record is first used).
  const floorKey = await crypto.subtle.importKey(
    'spki',
    (await crypto.subtle.exportKey('spki', pair.publicKey)) as ArrayBuffer,
    RSA_SHA512,
    false,
    ['verify'],
  );
  const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
  const bigOf = (b64url: string) => BigInt('0x' + hexBytes(base64Bytes(b64url.replace(/-/g, '+').replace(/_/g, '/'))));
  const n = bigOf(jwk.n!);
  const e = bigOf(jwk.e!);
  const k = 256;
  const eBits = e.toString(2);

  const floorV1 = async (req: SignedRequest): Promise<boolean> => {
    let auth = '';
    let time = '';
    for (const [name, v] of req.headers) {
      const lower = name.toLowerCase();
      if (lower === 'x-mws-authentication') auth = v;
      else if (lower === 'x-mws-time') time = v;
    }
    const colon = auth.indexOf(':');
    const head = encoder.encode(req.method + '\n' + req.path + '\n');
    const tail = encoder.encode('\n' + auth.slice(4, colon) + '\n' + time);
    const sts = new Uint8Array(head.length + req.body!.length + tail.length);
    sts.set(head);
    sts.set(req.body!, head.length);
    sts.set(tail, head.length + req.body!.length);
    const digestHex = hex(await crypto.subtle.digest('SHA-512', sts));
    const expected = BigInt('0x0001' + 'ff'.repeat(k - 3 - digestHex.length) + '00' + hexBytes(encoder.encode(digestHex)));
    const sig = BigInt('0x' + hexBytes(base64Bytes(auth.slice(colon + 1))));
    let m = 1n;
    for (const bit of eBits) {
      m = (m * m) % n;
      if (bit === '1') m = (m * sig) % n;
    }
    return m === expected;
  };

  const floorV2 = async (req: SignedRequest): Promise<boolean> => {
    let auth = '';
    let time = '';
    for (const [name, v] of req.headers) {
      const lower = name.toLowerCase();
      if (lower === 'mcc-authentication') auth = v;
      else if (lower === 'mcc-time') time = v;
    }
    const colon = auth.indexOf(':');
    const bodyHash = hex(await crypto.subtle.digest('SHA-512', req.body as BufferSource));
    const query = req.query.split('&').sort().join('&');
    const sts = req.method + '\n' + req.path + '\n' + bodyHash + '\n' + auth.slice(6, colon) + '\n' + time + '\n' + query;
    return crypto.subtle.verify(RSA_SHA512, floorKey, base64Bytes(auth.slice(colon + 1, -1)) as BufferSource, encoder.encode(sts));
  };

  return {
    v1: { signed: await sign('v1'), verifier, floor: floorV1 },
    v2: { signed: await sign('v2'), verifier, floor: floorV2 },
  };
}

let ready: Promise<Setup> | undefined;
/** Where the copy-only case puts each copy, so that the compiler cannot drop the allocation. */
let _sink: SignedRequest | undefined;

async function batch(s: Setup, which: WorkerdCase, n: number): Promise<BatchAnswer> {
  let ok = 0;
  const t0 = performance.now();
  switch (which) {
    case 'ours':
      for (let i = 0; i < n; i++) if ((await s.verifier.verify(fresh(s.signed))).ok) ok++;
      break;
    case 'floor':
      for (let i = 0; i < n; i++) if ((await s.floor(fresh(s.signed))) === s.presented) ok++;
      break;
    case 'crypto':
      for (let i = 0; i < n; i++) if ((await s.cryptoOnly()) === s.presented) ok++;
      break;
    case 'derive':
      for (let i = 0; i < n; i++) if ((await s.derive()) === s.presented) ok++;
      break;
    case 'mauth-v1':
    case 'mauth-v2': {
      const m = s.mauth[which === 'mauth-v1' ? 'v1' : 'v2'];
      for (let i = 0; i < n; i++) if ((await m.verifier.verify(fresh(m.signed))).ok) ok++;
      break;
    }
    case 'mauth-v1-floor':
    case 'mauth-v2-floor': {
      const m = s.mauth[which === 'mauth-v1-floor' ? 'v1' : 'v2'];
      for (let i = 0; i < n; i++) if (await m.floor(fresh(m.signed))) ok++;
      break;
    }
    case 'copy':
      for (let i = 0; i < n; i++) if ((_sink = fresh(s.signed)).headers.length > 0) ok++;
      break;
  }
  return { case: which, n, ok, perfMs: performance.now() - t0 };
}

/** Counts `crypto.subtle` calls while `fn` runs (the methods are patched on the instance, then restored). */
async function countSubtle(fn: () => Promise<unknown>): Promise<number> {
  const subtle = crypto.subtle as unknown as Record<string, (...a: unknown[]) => unknown>;
  const names = ['digest', 'sign', 'verify', 'importKey', 'exportKey', 'deriveBits'];
  const originals = names.map((m) => subtle[m]!);
  let calls = 0;
  names.forEach((m, i) => {
    subtle[m] = function (this: unknown, ...a: unknown[]) {
      calls++;
      return originals[i]!.apply(this, a);
    };
  });
  try {
    await fn();
  } finally {
    names.forEach((m, i) => (subtle[m] = originals[i]!));
  }
  return calls;
}

function clockCheck(spinMs: number): ClockAnswer {
  const t0 = performance.now();
  let last = t0;
  let step = 0;
  let moves = 0;
  for (let i = 0; i < 10_000_000 && moves < 5; i++) {
    const t = performance.now();
    if (t !== last) {
      if (moves > 0 && (step === 0 || t - last < step)) step = t - last;
      moves++;
      last = t;
    }
  }
  // Then a busy loop until spinMs have passed by this clock since t0, which the harness also times
  // from outside (bounded, in case the clock never moves).
  for (let i = 0; i < 500_000_000 && performance.now() - t0 < spinMs; i++);
  return { advancesInSyncCode: moves > 0, stepMs: moves > 1 ? step : 0, spunMs: performance.now() - t0 };
}

async function check(s: Setup): Promise<CheckAnswer> {
  const backendCalls: Record<string, number> = {};
  const counting = Object.fromEntries(
    (['sha256', 'sha256Hex', 'importHmacKey', 'hmacSha256', 'hmacSha256Hex'] as const).map((m) => [
      m,
      (...args: unknown[]) => {
        backendCalls[m] = (backendCalls[m] ?? 0) + 1;
        return (webCrypto[m] as (...a: unknown[]) => unknown).apply(counting, args);
      },
    ]),
  ) as unknown as CryptoBackend;
  const countedVerify = s.makeVerifier({ ...counting, name: 'counting' });
  // The first verify derives and caches the signing key; the second is the steady state measured.
  await countedVerify(fresh(s.signed));
  for (const k of Object.keys(backendCalls)) delete backendCalls[k];
  const ours = await countedVerify(fresh(s.signed));
  await s.verifier.verify(fresh(s.signed));
  const body = s.signed.body!.slice();
  body[body.length - 2]! ^= 1;
  const tampered = { ...fresh(s.signed), body };
  const subtleCalls = {
    ours: await countSubtle(() => s.verifier.verify(fresh(s.signed))),
    floor: await countSubtle(() => s.floor(fresh(s.signed))),
  };
  const mauthCheck = async (m: MAuthSetup): Promise<MAuthCheck> => {
    const r = await m.verifier.verify(fresh(m.signed));
    const tamperedBody = m.signed.body!.slice();
    tamperedBody[tamperedBody.length - 2]! ^= 1;
    const bad = { ...fresh(m.signed), body: tamperedBody };
    return {
      ours: r.ok ? { ok: true } : { ok: false, code: r.error.code },
      floor: await m.floor(fresh(m.signed)),
      tampered: { oursOk: (await m.verifier.verify(bad)).ok, floor: await m.floor(bad) },
      subtleCalls: {
        ours: await countSubtle(() => m.verifier.verify(fresh(m.signed))),
        floor: await countSubtle(() => m.floor(fresh(m.signed))),
      },
    };
  };
  return {
    mauth: { v1: await mauthCheck(s.mauth.v1), v2: await mauthCheck(s.mauth.v2) },
    presented: s.presented,
    ours,
    floor: await s.floor(fresh(s.signed)),
    crypto: await s.cryptoOnly(),
    derive: await s.derive(),
    tampered: { oursOk: (await s.verifier.verify(tampered)).ok, floor: await s.floor(tampered) },
    backendCalls,
    subtleCalls,
    navigator: typeof navigator === 'undefined' ? null : navigator.userAgent,
  };
}

export default {
  async fetch(request: Request): Promise<Response> {
    const s = await (ready ??= init());
    const body = (await request.json()) as
      { op: 'batch'; case: WorkerdCase; n: number } | { op: 'check' } | { op: 'clock'; spinMs: number };
    if (body.op === 'check') return Response.json(await check(s));
    if (body.op === 'clock') return Response.json(clockCheck(Math.min(Math.max(Number(body.spinMs) || 0, 0), 1000)));
    if (!WORKERD_CASES.includes(body.case) || !Number.isInteger(body.n) || body.n < 0) return new Response('bad batch', { status: 400 });
    return Response.json(await batch(s, body.case, body.n));
  },
};
