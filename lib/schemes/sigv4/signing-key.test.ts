import { describe, expect, it } from 'vitest';
import type { CryptoBackend, SyncCryptoBackend } from '../../core/crypto.ts';
import { nodeCrypto } from '../../core/crypto-node.ts';
import { webCrypto } from '../../core/crypto-web.ts';
import type { SignedRequest } from '../../core/request.ts';
import { createMemoryKeyStore } from '../../keys/memory.ts';
import type { KeyRecord } from '../../keys/types.ts';
import { createSigV4Signer } from './signer.ts';
import { SigningKeyCache } from './signing-key.ts';
import { createSigV4Verifier } from './verifier.ts';

const REGION = 'us-east-1';
const SERVICE = 'execute-api';
const NOW = Date.UTC(2026, 11, 3, 12, 0, 0);

/** node:crypto, counting the HMACs it computes (a derivation is four). */
function countingBackend(): { backend: CryptoBackend; hmacs: () => number } {
  let n = 0;
  const sync: SyncCryptoBackend = {
    ...nodeCrypto.sync!,
    hmacSha256: (key, data) => {
      n++;
      return nodeCrypto.sync!.hmacSha256(key, data);
    },
  };
  return { backend: { ...nodeCrypto, sync }, hmacs: () => n };
}

const owner = (i: number): KeyRecord => ({ id: `k${i}`, secrets: [`secret-${i}`], principal: `p${i}`, permissions: [] });

describe('SigningKeyCache', () => {
  it('derives the key AWS documents (the GetSignatureKey example), with either backend', async () => {
    // docs.aws.amazon.com, "Examples of how to derive a signing key for Signature Version 4".
    const expected = 'f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d';
    for (const backend of [nodeCrypto, webCrypto]) {
      const cache = new SigningKeyCache(backend, 'us-east-1', 'iam');
      const key = await cache.get(
        { secrets: ['wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'] },
        'AWS4-HMAC-SHA256',
        'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
        '20120215',
      );
      // The derived key gives this HMAC of a probe if and only if it is the documented key.
      const reference = await nodeCrypto.hmacSha256Hex(await nodeCrypto.importHmacKey(Buffer.from(expected, 'hex')), 'probe');
      expect(await backend.hmacSha256Hex(key, 'probe')).toBe(reference);
    }
  });

  it('keeps one derived key per owner however many owners are in rotation: no size at which it starts missing', () => {
    const { backend, hmacs } = countingBackend();
    const cache = new SigningKeyCache(backend, REGION, SERVICE);
    const owners = Array.from({ length: 3000 }, (_, i) => owner(i));
    for (let round = 0; round < 3; round++) {
      for (const o of owners) cache.get(o, 'AWS4-HMAC-SHA256', o.secrets[0]!, '20261203');
    }
    // The old cache (1,024 entries, cleared when full) derived 3 x 3,000 times here.
    expect(hmacs()).toBe(4 * owners.length);
  });

  it('bounds what one owner keeps: old dates go, the two latest stay', () => {
    const { backend, hmacs } = countingBackend();
    const cache = new SigningKeyCache(backend, REGION, SERVICE);
    const o = owner(1);
    const dates = Array.from({ length: 40 }, (_, i) => `202612${String((i % 28) + 1).padStart(2, '0')}`);
    for (const d of dates) cache.get(o, 'AWS4-HMAC-SHA256', o.secrets[0]!, d);
    const before = hmacs();
    // Yesterday's and today's keys are kept for each of both algorithms ...
    cache.get(o, 'AWS4-HMAC-SHA256', o.secrets[0]!, dates[dates.length - 1]!);
    cache.get(o, 'AWS4-HMAC-SHA256', o.secrets[0]!, dates[dates.length - 2]!);
    expect(hmacs()).toBe(before);
    // ... and a date long gone is derived again.
    cache.get(o, 'AWS4-HMAC-SHA256', o.secrets[0]!, dates[0]!);
    expect(hmacs()).toBe(before + 4);
  });

  it('does not keep a failed derivation (an asynchronous backend that throws once)', async () => {
    let fail = true;
    const flaky: CryptoBackend = {
      ...webCrypto,
      async hmacSha256(key, data) {
        if (fail) {
          fail = false;
          throw new Error('backend failure');
        }
        return webCrypto.hmacSha256(key, data);
      },
    };
    const cache = new SigningKeyCache(flaky, REGION, SERVICE);
    const o = owner(2);
    await expect(cache.get(o, 'AWS4-HMAC-SHA256', o.secrets[0]!, '20261203')).rejects.toThrow('backend failure');
    await new Promise((r) => setTimeout(r, 0));
    await expect(cache.get(o, 'AWS4-HMAC-SHA256', o.secrets[0]!, '20261203')).resolves.toBeDefined();
  });
});

/** A verifier over `records` with the given backend, and a signer for the key of `owner(i)`. */
const verifierOver = (records: KeyRecord[], crypto: CryptoBackend) =>
  createSigV4Verifier({ keys: createMemoryKeyStore(records), region: REGION, service: SERVICE, clock: () => NOW, crypto });
const signerFor = (r: KeyRecord, signContentSha256 = false) =>
  createSigV4Signer({ keyId: r.id, secret: r.secrets[0]!, region: REGION, service: SERVICE, clock: () => NOW, signContentSha256 });
const GET: SignedRequest = { method: 'GET', path: '/items', query: '', headers: [['host', 'api.example.com']], body: new Uint8Array() };

describe('verifying with many keys in rotation', () => {
  it('derives each key once for 2,000 keys taken in turn, and accepts every request', async () => {
    const { backend, hmacs } = countingBackend();
    const records = Array.from({ length: 2000 }, (_, i) => owner(i));
    const verifier = verifierOver(records, backend);
    const signed = await Promise.all(records.map((r) => signerFor(r).sign(GET)));
    for (let round = 0; round < 2; round++) {
      for (const s of signed) expect((await verifier.verify({ ...s, headers: s.headers.map(([n, v]) => [n, v] as const) })).ok).toBe(true);
    }
    // Four HMACs per derivation (the signature itself is computed with hmacSha256Hex, not counted).
    expect(hmacs()).toBe(4 * records.length);
  });

  it('hashes no empty body: its SHA-256 is a constant (one hash per GET, for the canonical request)', async () => {
    for (const base of [nodeCrypto, webCrypto]) {
      const hashed: number[] = [];
      const counting: CryptoBackend = {
        ...base,
        sha256Hex: (data) => (hashed.push(typeof data === 'string' ? data.length : data.length), base.sha256Hex(data)),
        ...(base.sync ? { sync: { ...base.sync, sha256Hex: (data) => (hashed.push(data.length), base.sync!.sha256Hex(data)) } } : {}),
      };
      const get = await signerFor(owner(7)).sign(GET);
      expect((await verifierOver([owner(7)], counting).verify(get)).ok).toBe(true);
      expect(hashed.filter((n) => n === 0)).toEqual([]);
      expect(hashed).toHaveLength(1);
    }
  });

  it('reports a bad signature, not a stray rejection, when the body hash it started alongside fails (Web Crypto)', async () => {
    const body = new TextEncoder().encode('{"a":1}');
    const failingBodyHash: CryptoBackend = {
      ...webCrypto,
      sha256Hex: (data) =>
        typeof data !== 'string' && data.length === body.length ? Promise.reject(new Error('digest failed')) : webCrypto.sha256Hex(data),
    };
    const verifier = verifierOver([owner(9)], failingBodyHash);
    const signed = await signerFor(owner(9), true).sign({ ...GET, method: 'POST', body });
    const tampered = { ...signed, query: 'x=1' };
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const r = await verifier.verify(tampered);
      expect(r.ok ? 'ok' : r.error.code).toBe('ERR_SIGNATURE_INVALID');
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
