// The JWS face of both crypto backends: a key is imported for one algorithm and verifies only its
// signatures; wrong key types, small RSA keys, private keys and DER ECDSA signatures are refused.
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nodeCrypto } from './crypto-node.ts';
import { webCrypto } from './crypto-web.ts';
import type { JwsAlgorithm, JwsBackend, PublicKeyInput } from './crypto.ts';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ed = generateKeyPairSync('ed25519');
const spki = (k: { publicKey: { export(o: object): string | Buffer } }): PublicKeyInput => ({
  format: 'spki',
  pem: k.publicKey.export({ type: 'spki', format: 'pem' }) as string,
});
const data = new TextEncoder().encode('header.payload');
const backends: Array<[string, JwsBackend]> = [
  ['node:crypto', nodeCrypto.jws!],
  ['Web Crypto', webCrypto.jws!],
];

describe.each(backends)('JWS verification (%s)', (_name, jws) => {
  it('verifies RS256, PS256, ES256 (raw r||s) and EdDSA signatures made by node:crypto', async () => {
    const cases: Array<[JwsAlgorithm, PublicKeyInput, Uint8Array]> = [
      ['RS256', spki(rsa), sign('sha256', data, rsa.privateKey)],
      ['PS256', spki(rsa), sign('sha256', data, { key: rsa.privateKey, padding: 6, saltLength: 32 })],
      ['ES256', spki(p256), sign('sha256', data, { key: p256.privateKey, dsaEncoding: 'ieee-p1363' })],
      ['EdDSA', spki(ed), sign(null, data, ed.privateKey)],
    ];
    for (const [alg, input, signature] of cases) {
      const key = await jws.importPublicKey(input, alg, 2048);
      expect(await jws.verify(key, data, signature), alg).toBe(true);
      const changed = new Uint8Array(signature);
      changed[5]! ^= 1;
      expect(await jws.verify(key, data, changed), `${alg} changed`).toBe(false);
    }
  });

  it('refuses a DER ECDSA signature (JOSE signs r||s)', async () => {
    const key = await jws.importPublicKey(spki(p256), 'ES256', 2048);
    expect(await jws.verify(key, data, sign('sha256', data, p256.privateKey))).toBe(false);
  });

  it.each([
    ['an EC key for RS256', 'RS256', () => spki(p256)],
    ['an RSA key for ES256', 'ES256', () => spki(rsa)],
    ['a P-256 key for ES384', 'ES384', () => spki(p256)],
    ['an Ed25519 key for ES256', 'ES256', () => spki(ed)],
    ['an RSA key for EdDSA', 'EdDSA', () => spki(rsa)],
    ['a 1024-bit RSA key', 'RS256', () => spki(small)],
    ['a private key PEM', 'RS256', () => ({ format: 'spki', pem: rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string })],
    ['a private JWK', 'RS256', () => ({ format: 'jwk', jwk: rsa.privateKey.export({ format: 'jwk' }) })],
    ['an HS256 request', 'HS256', () => spki(rsa)],
  ] as const)('refuses %s, never quoting it', async (_label, alg, input) => {
    const err = await Promise.resolve()
      .then(() => jws.importPublicKey(input() as PublicKeyInput, alg as JwsAlgorithm, 2048))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(TypeError);
    expect(String(err)).not.toMatch(/MII|BEGIN/);
  });
});
