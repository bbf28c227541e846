import { constants, createHash, generateKeyPairSync, privateEncrypt, publicDecrypt, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeCrypto, nodeRsaSync } from './crypto-node.ts';
import { webCrypto } from './crypto-web.ts';
import type { RsaBackend, RsaPublicKeyInput } from './crypto.ts';

const backends: [string, RsaBackend][] = [
  ['node', nodeCrypto.rsa!],
  ['web', webCrypto.rsa!],
];
const pairs = backends.flatMap(([a, x]) => backends.map(([b, y]) => [`${a} signs, ${b} checks`, x, y] as const));

// Node answers with Buffers, Web with Uint8Arrays: compared as plain bytes.
const u8 = (b: Uint8Array | undefined): Uint8Array | undefined => b && Uint8Array.from(b);
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const message = utf8('GET\n/items\nbody\napp\n1585082925');
const pemOf = (key: KeyObject, type: 'spki' | 'pkcs1' | 'pkcs8'): string => key.export({ type, format: 'pem' } as never) as string;

function publicForms(key: KeyObject): [string, RsaPublicKeyInput][] {
  return [
    ['SPKI PEM', { format: 'spki', pem: pemOf(key, 'spki') }],
    ['PKCS#1 PEM', { format: 'pkcs1', pem: pemOf(key, 'pkcs1') }],
    ['JWK', { format: 'jwk', jwk: key.export({ format: 'jwk' }) }],
  ];
}

// A k-byte block encrypted with the raw private operation: what a signer that pads wrongly would send.
const rawSign = (key: KeyObject, block: Uint8Array): Uint8Array => privateEncrypt({ key, padding: constants.RSA_NO_PADDING }, block);

describe.each([2048, 4096])('RSA %i', (bits) => {
  const pair = generateKeyPairSync('rsa', { modulusLength: bits });
  const k = bits / 8;
  const privateForms: [string, string][] = [
    ['PKCS#1', pemOf(pair.privateKey, 'pkcs1')],
    ['PKCS#8', pemOf(pair.privateKey, 'pkcs8')],
  ];

  describe.each(backends)('%s backend', (_name, rsa) => {
    it.each(publicForms(pair.publicKey))('imports the public key as %s, bits %#', async (_form, input) => {
      expect((await rsa.importPublicKey(input)).bits).toBe(bits);
    });

    it.each(privateForms)('imports a %s private key and signs what node:crypto verifies', async (_form, pem) => {
      const key = await rsa.importPrivateKey(pem);
      expect(key.bits).toBe(bits);
      const signature = await rsa.signSha512(key, message);
      expect(signature).toHaveLength(k);
      const pub = await rsa.importPublicKey({ format: 'spki', pem: pemOf(pair.publicKey, 'spki') });
      expect(await rsa.verifySha512(pub, message, signature)).toBe(true);
      const payload = utf8('x'.repeat(128));
      expect(u8(await rsa.recoverType1(pub, await rsa.signType1(key, payload)))).toEqual(payload);
    });

    it('refuses a payload too long for a type-1 block', async () => {
      const key = await rsa.importPrivateKey(privateForms[0]![1]);
      await expect(rsa.signType1(key, new Uint8Array(k - 10))).rejects.toThrow(RangeError);
      expect(await rsa.signType1(key, new Uint8Array(k - 11))).toHaveLength(k);
    });
  });

  describe.each(pairs)('%s', (_name, signer, checker) => {
    it.each(publicForms(pair.publicKey))('v2 (RSASSA-PKCS1-v1_5 SHA-512) with the public key as %s', async (_form, input) => {
      const signature = await signer.signSha512(await signer.importPrivateKey(privateForms[1]![1]), message);
      const pub = await checker.importPublicKey(input);
      expect(await checker.verifySha512(pub, message, signature)).toBe(true);
      expect(await checker.verifySha512(pub, utf8('tampered'), signature)).toBe(false);
      const flipped = Uint8Array.from(signature);
      flipped[k - 1]! ^= 1;
      expect(await checker.verifySha512(pub, message, flipped)).toBe(false);
      expect(await checker.verifySha512(pub, message, signature.subarray(1))).toBe(false);
      expect(await checker.verifySha512(pub, message, new Uint8Array([0, ...signature]))).toBe(false);
      expect(await checker.verifySha512(pub, message, new Uint8Array(k).fill(0xff))).toBe(false);
    });

    it.each(publicForms(pair.publicKey))('v1 (type-1, no DigestInfo) with the public key as %s', async (_form, input) => {
      const payload = utf8(createHash('sha512').update(message).digest('hex'));
      const signature = await signer.signType1(await signer.importPrivateKey(privateForms[0]![1]), payload);
      expect(Buffer.from(signature)).toEqual(privateEncrypt(pair.privateKey, payload)); // deterministic: OpenSSL's bytes
      const pub = await checker.importPublicKey(input);
      expect(u8(await checker.recoverType1(pub, signature))).toEqual(payload);
      const flipped = Uint8Array.from(signature);
      flipped[k >> 1]! ^= 0x80;
      expect(await checker.recoverType1(pub, flipped)).toBeUndefined();
    });
  });

  describe.each(backends)('%s backend refuses', (_name, rsa) => {
    const ff = (count: number): number[] => Array<number>(count).fill(0xff);
    // Blocks of k bytes: header, padding, separator, then 'A' up to the end.
    const block = (head: number[]): Uint8Array => Uint8Array.from([...head, ...Array<number>(k - head.length).fill(0x41)]);
    const good = block([0, 1, ...ff(8), 0]);
    const bad: [string, Uint8Array][] = [
      ['a block of type 02', block([0, 2, ...ff(8), 0])],
      ['a block of type 00', block([0, 0, ...ff(8), 0])],
      ['a block not starting 00', block([1, 1, ...ff(8), 0])],
      ['a non-FF padding byte', block([0, 1, ...ff(5), 0xfe, ...ff(5), 0])],
      ['a 00 padding byte among fewer than 8 FF', block([0, 1, ...ff(3), 0, ...ff(8), 0])],
      ['fewer than 8 FF', block([0, 1, ...ff(7), 0])],
      ['no 00 separator', Uint8Array.from([0, 1, ...ff(k - 2)])],
    ];

    it('accepts the smallest valid block (8 FF) as control', async () => {
      const pub = await rsa.importPublicKey({ format: 'spki', pem: pemOf(pair.publicKey, 'spki') });
      expect(u8(await rsa.recoverType1(pub, rawSign(pair.privateKey, good)))).toEqual(good.subarray(11));
    });

    it.each(bad)('%s', async (_what, b) => {
      const pub = await rsa.importPublicKey({ format: 'spki', pem: pemOf(pair.publicKey, 'spki') });
      expect(await rsa.recoverType1(pub, rawSign(pair.privateKey, b))).toBeUndefined();
    });

    it('signatures of the wrong length or not below the modulus', async () => {
      const pub = await rsa.importPublicKey({ format: 'spki', pem: pemOf(pair.publicKey, 'spki') });
      const signature = rawSign(pair.privateKey, good);
      const n = Buffer.from(pair.publicKey.export({ format: 'jwk' }).n!, 'base64url');
      expect(n).toHaveLength(k);
      const nPlus = Uint8Array.from(n);
      nPlus[k - 1]! += nPlus[k - 1]! === 0xff ? 0 : 1;
      for (const s of [
        signature.subarray(1),
        new Uint8Array([0, ...signature]),
        new Uint8Array(0),
        n,
        nPlus,
        new Uint8Array(k).fill(0xff),
      ]) {
        expect(await rsa.recoverType1(pub, s)).toBeUndefined();
        expect(await rsa.verifySha512(pub, message, s)).toBe(false);
      }
      // s + n is still k bytes when it does not overflow, and s + n ≡ s: refused all the same.
      const sPlusN = BigInt('0x' + Buffer.from(signature).toString('hex')) + BigInt('0x' + n.toString('hex'));
      if (sPlusN.toString(16).length <= k * 2) {
        expect(await rsa.recoverType1(pub, Buffer.from(sPlusN.toString(16).padStart(k * 2, '0'), 'hex'))).toBeUndefined();
      }
    });
  });

  // The Node backend checks the block in code (rsa-raw.ts unpadType1); OpenSSL's own type-1 check
  // (publicDecrypt with RSA_PKCS1_PADDING) agrees on every case, so either would do.
  it.each([
    ['a block of type 02', 'ERR_OSSL_RSA_BLOCK_TYPE_IS_NOT_01', [0, 2, 8]],
    ['a non-FF padding byte', 'ERR_OSSL_RSA_BAD_FIXED_HEADER_DECRYPT', [0, 1, 4, 0xfe, 4]],
    ['fewer than 8 FF', 'ERR_OSSL_RSA_BAD_PAD_BYTE_COUNT', [0, 1, 7]],
    ['a first byte not 00', 'ERR_OSSL_RSA_INVALID_PADDING', [1, 1, 8]],
  ])("OpenSSL's publicDecrypt (RSA_PKCS1_PADDING) refuses %s too (%s)", (_what, code, spec) => {
    const b = new Uint8Array(k).fill(0x41);
    const [first, type, ...runs] = spec as [number, number, ...number[]];
    b[0] = first;
    b[1] = type;
    let i = 2;
    for (const r of runs) {
      if (r > 8) b[i++] = r;
      else for (let j = 0; j < r; j++) b[i++] = 0xff;
    }
    b[i] = 0;
    expect(() => publicDecrypt({ key: pair.publicKey, padding: constants.RSA_PKCS1_PADDING }, rawSign(pair.privateKey, b))).toThrow(
      expect.objectContaining({ code }),
    );
    expect(() =>
      publicDecrypt(
        { key: pair.publicKey, padding: constants.RSA_PKCS1_PADDING },
        rawSign(pair.privateKey, Uint8Array.from([0, 1, ...Array<number>(k - 2).fill(0xff)])),
      ),
    ).toThrow(expect.objectContaining({ code: 'ERR_OSSL_RSA_NULL_BEFORE_BLOCK_MISSING' }));
  });
});

describe('the MAuth v1 vector (protocols/MWS/get-vanilla)', () => {
  const dir = resolve(import.meta.dirname, '../../../shared/vectors/mauth') + '/';
  const publicPem = readFileSync(dir + 'signing-params/rsa-key-pub', 'utf8');
  const privatePem = readFileSync(dir + 'signing-params/rsa-key', 'utf8');
  const sts = readFileSync(dir + 'protocols/MWS/get-vanilla/get-vanilla.sts');
  const sig = Buffer.from(readFileSync(dir + 'protocols/MWS/get-vanilla/get-vanilla.sig', 'utf8').trim(), 'base64');
  const payload = utf8(createHash('sha512').update(sts).digest('hex'));

  it.each(backends)('%s: the signature recovers the hex SHA-512 of the string to sign', async (_name, rsa) => {
    const pub = await rsa.importPublicKey({ format: 'spki', pem: publicPem });
    expect(pub.bits).toBe(2048);
    expect(payload).toHaveLength(128);
    expect(u8(await rsa.recoverType1(pub, sig))).toEqual(payload);
    expect(await rsa.recoverType1(pub, sig.subarray(0, 255))).toBeUndefined();
  });

  it.each(backends)('%s: signType1 with the private key reproduces the signature byte for byte', async (_name, rsa) => {
    expect(Buffer.from(await rsa.signType1(await rsa.importPrivateKey(privatePem), payload))).toEqual(sig);
  });
});

describe.each(backends)('%s backend: keys of the wrong type', (_name, rsa) => {
  const rsaPair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ed = generateKeyPairSync('ed25519');
  const pss = generateKeyPairSync('rsa-pss', { modulusLength: 2048 });
  const privatePkcs1 = pemOf(rsaPair.privateKey, 'pkcs1');
  const privatePkcs8 = pemOf(rsaPair.privateKey, 'pkcs8');

  const badPublic: [string, RsaPublicKeyInput][] = [
    ['an EC SPKI', { format: 'spki', pem: pemOf(ec.publicKey, 'spki') }],
    ['an Ed25519 SPKI', { format: 'spki', pem: pemOf(ed.publicKey, 'spki') }],
    ['an RSA-PSS SPKI', { format: 'spki', pem: pemOf(pss.publicKey, 'spki') }],
    ['an EC JWK', { format: 'jwk', jwk: ec.publicKey.export({ format: 'jwk' }) }],
    ['a private PKCS#8 PEM as spki', { format: 'spki', pem: privatePkcs8 }],
    ['a private PKCS#1 PEM as pkcs1', { format: 'pkcs1', pem: privatePkcs1 }],
    ['a private JWK', { format: 'jwk', jwk: rsaPair.privateKey.export({ format: 'jwk' }) }],
    ['an SPKI PEM labelled PKCS#1', { format: 'pkcs1', pem: pemOf(rsaPair.publicKey, 'spki').replace(/PUBLIC KEY/g, 'RSA PUBLIC KEY') }],
    ['a PKCS#8 body labelled PUBLIC KEY', { format: 'spki', pem: privatePkcs8.replace(/PRIVATE KEY/g, 'PUBLIC KEY') }],
    ['garbage', { format: 'spki', pem: 'not a key' }],
  ];
  const badPrivate: [string, string][] = [
    ['an EC PKCS#8', pemOf(ec.privateKey, 'pkcs8')],
    ['an EC SEC1', ec.privateKey.export({ type: 'sec1', format: 'pem' }) as string],
    ['an RSA-PSS PKCS#8', pemOf(pss.privateKey, 'pkcs8')],
    ['a public SPKI', pemOf(rsaPair.publicKey, 'spki')],
    ['a public PKCS#1', pemOf(rsaPair.publicKey, 'pkcs1')],
    ['an SPKI body labelled PRIVATE KEY', pemOf(rsaPair.publicKey, 'spki').replace(/PUBLIC KEY/g, 'PRIVATE KEY')],
    ['an encrypted PKCS#8', rsaPair.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' }) as string],
  ];
  // No PEM text, base64 body or JWK member in a message.
  const quotes = (message: string, input: unknown): boolean => {
    const text = typeof input === 'string' ? input : JSON.stringify(input);
    const chunks = text.match(/[A-Za-z0-9+/_-]{16,}/g) ?? [];
    return /-----|MII/.test(message) || chunks.some((c) => message.includes(c.slice(0, 16)));
  };

  it.each(badPublic)('importPublicKey refuses %s with a TypeError that does not quote it', async (_what, input) => {
    const error = await rsa.importPublicKey(input).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect(quotes((error as Error).message, input)).toBe(false);
  });

  it.each(badPrivate)('importPrivateKey refuses %s with a TypeError that does not quote it', async (_what, pem) => {
    const error = await rsa.importPrivateKey(pem).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect(quotes((error as Error).message, pem)).toBe(false);
  });
});

describe.each(backends)('%s backend: properties', (_name, rsa) => {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keys = Promise.all([
    rsa.importPublicKey({ format: 'spki', pem: pemOf(pair.publicKey, 'spki') }),
    rsa.importPrivateKey(pemOf(pair.privateKey, 'pkcs1')),
  ]);

  it('type-1 round-trips any payload up to 128 bytes', async () => {
    const [pub, priv] = await keys;
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 128 }), async (payload) => {
        expect(u8(await rsa.recoverType1(pub, await rsa.signType1(priv, payload)))).toEqual(payload);
      }),
      { numRuns: 40 },
    );
  });

  it('random signatures never throw: undefined and false', async () => {
    const [pub] = await keys;
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ minLength: 256, maxLength: 256 }), fc.uint8Array({ maxLength: 300 })), async (s) => {
        expect(await rsa.recoverType1(pub, s)).toBeUndefined();
        expect(await rsa.verifySha512(pub, message, s)).toBe(false);
      }),
      { numRuns: 100 },
    );
  });
});

describe('keys of the other backend', () => {
  it('reject (a programming error), never throw synchronously', async () => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const [node, web] = [nodeCrypto.rsa!, webCrypto.rsa!];
    for (const [a, b] of [
      [node, web],
      [web, node],
    ] as const) {
      const pub = await a.importPublicKey({ format: 'spki', pem: pemOf(pair.publicKey, 'spki') });
      const priv = await a.importPrivateKey(pemOf(pair.privateKey, 'pkcs8'));
      const sig = new Uint8Array(256);
      await expect(b.signType1(priv, message)).rejects.toThrow();
      await expect(b.signSha512(priv, message)).rejects.toThrow();
      await expect(b.recoverType1(pub, sig)).rejects.toThrow();
      await expect(b.verifySha512(pub, message, sig)).rejects.toThrow();
    }
  });
});

describe('nodeRsaSync', () => {
  it('answers at once with keys the async backend shares', async () => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pub = nodeRsaSync.importPublicKey({ format: 'pkcs1', pem: pemOf(pair.publicKey, 'pkcs1') });
    const priv = await nodeCrypto.rsa!.importPrivateKey(pemOf(pair.privateKey, 'pkcs8'));
    expect(nodeRsaSync.verifySha512(pub, message, nodeRsaSync.signSha512(priv, message))).toBe(true);
    expect(u8(nodeRsaSync.recoverType1(pub, await nodeCrypto.rsa!.signType1(priv, message)))).toEqual(message);
    expect(() => nodeRsaSync.importPrivateKey('nope')).toThrow(TypeError);
  });
});
