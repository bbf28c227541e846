// The digests both backends compute (request bodies, canonical requests, API keys, MAuth strings):
// the Node backend's one-shot `hash` and Web Crypto must give what createHash gives for the same input,
// strings (UTF-8, lone surrogates included) and bytes (views into a larger buffer included) alike.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { nodeCrypto, nodeCryptoSync } from './crypto-node.ts';
import { webCrypto } from './crypto-web.ts';

const reference = (alg: 'sha256' | 'sha512', data: string | Uint8Array): string => createHash(alg).update(data).digest('hex');
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

// Any UTF-16 string (lone surrogates become U+FFFD in UTF-8 for every implementation), or bytes,
// sometimes a view that starts and ends inside its buffer.
const input = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 100 }),
  fc.uint8Array({ maxLength: 300 }),
  fc
    .tuple(fc.uint8Array({ minLength: 2, maxLength: 300 }), fc.nat(), fc.nat())
    .map(([b, x, y]) => b.subarray(Math.min(x, y) % b.length, Math.max(x, y) % b.length)),
);

describe('digests: the Node backend and Web Crypto agree with createHash', () => {
  it.each([
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  ])('sha256Hex(%j) is the FIPS 180-2 value', async (text, expected) => {
    expect(nodeCryptoSync.sha256Hex(text)).toBe(expected);
    expect(await webCrypto.sha256Hex(text)).toBe(expected);
  });

  it('sha512Hex("abc") is the FIPS 180-2 value', async () => {
    const expected =
      'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f';
    expect(nodeCryptoSync.sha512Hex!('abc')).toBe(expected);
    expect(await webCrypto.sha512Hex!('abc')).toBe(expected);
  });

  it('sha256Hex, sha256 and sha512Hex, for any string or bytes', async () => {
    await fc.assert(
      fc.asyncProperty(input, async (data) => {
        const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
        expect(nodeCryptoSync.sha256Hex(data)).toBe(reference('sha256', data));
        expect(await nodeCrypto.sha256Hex(data)).toBe(reference('sha256', data));
        expect(await webCrypto.sha256Hex(data)).toBe(reference('sha256', data));
        expect(hex(await nodeCrypto.sha256(data))).toBe(reference('sha256', bytes));
        expect(hex(await webCrypto.sha256(data))).toBe(reference('sha256', bytes));
        expect(nodeCryptoSync.sha512Hex!(data)).toBe(reference('sha512', data));
      }),
      { numRuns: 500 },
    );
  });
});

describe('digests on a runtime whose node:crypto has no one-shot hash', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.resetModules();
  });

  it('fall back to createHash and give the same digests', async () => {
    const real = process.getBuiltinModule;
    // node:crypto without `hash`, its createHash counted, so the test fails unless the fallback is taken.
    const createHashCalls = vi.fn(createHash);
    const getBuiltin = vi.spyOn(process, 'getBuiltinModule').mockImplementation(((id: string) => {
      const m = real.call(process, id) as Record<string, unknown>;
      return id === 'node:crypto' ? { ...m, hash: undefined, createHash: createHashCalls } : m;
    }) as typeof process.getBuiltinModule);
    vi.resetModules();
    const fallback = await import('./crypto-node.ts');
    expect(getBuiltin).toHaveBeenCalledWith('node:crypto');
    expect(fallback.nodeCryptoSync).not.toBe(nodeCryptoSync);
    fallback.nodeCryptoSync.sha256Hex('abc');
    fallback.nodeCryptoSync.sha512Hex!('abc');
    await fallback.nodeCrypto.sha256('abc');
    expect(createHashCalls.mock.calls.map(([alg]) => alg)).toEqual(['sha256', 'sha512', 'sha256']);
    await fc.assert(
      fc.asyncProperty(input, async (data) => {
        const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
        expect(fallback.nodeCryptoSync.sha256Hex(data)).toBe(reference('sha256', data));
        expect(fallback.nodeCryptoSync.sha512Hex!(data)).toBe(reference('sha512', data));
        expect(hex(await fallback.nodeCrypto.sha256(data))).toBe(reference('sha256', bytes));
      }),
      { numRuns: 100 },
    );
  });
});
