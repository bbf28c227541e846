// parseJwks: which keys of a published set are verification keys, which are left out, and which
// documents are refused whole; and the store's answer for a kid whose key is not usable.
import { describe, expect, it } from 'vitest';
import { openJwksStore, parseJwks } from './jwks.ts';
import { KeyStoreError } from './types.ts';

const rsa = { kty: 'RSA', kid: 'r1', n: 'sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1Wl', e: 'AQAB', use: 'sig', alg: 'RS256' };
const ec = {
  kty: 'EC',
  kid: 'e1',
  crv: 'P-256',
  x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
  y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
};
const okp = { kty: 'OKP', kid: 'o1', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', key_ops: ['verify'] };

const doc = (...keys: unknown[]) => JSON.stringify({ keys });
const ids = (text: string) => parseJwks(text).records.map((r) => r.id);

function refused(text: string): KeyStoreError {
  try {
    parseJwks(text);
  } catch (e) {
    expect(e).toBeInstanceOf(KeyStoreError);
    expect((e as KeyStoreError).fault).toBe('malformed-response');
    return e as KeyStoreError;
  }
  throw new Error('parseJwks accepted it');
}

describe('parseJwks', () => {
  it('reads RSA, EC and OKP keys as jwt records holding the JWK as served', () => {
    const { records, invalidKids } = parseJwks(JSON.stringify({ keys: [rsa, ec, okp], extra: 'ignored' }));
    expect(records).toEqual([
      { id: 'r1', scheme: 'jwt', secrets: [], publicKeys: [{ format: 'jwk', jwk: rsa }], principal: '', permissions: [] },
      { id: 'e1', scheme: 'jwt', secrets: [], publicKeys: [{ format: 'jwk', jwk: ec }], principal: '', permissions: [] },
      { id: 'o1', scheme: 'jwt', secrets: [], publicKeys: [{ format: 'jwk', jwk: okp }], principal: '', permissions: [] },
    ]);
    expect(invalidKids.size).toBe(0);
    const material = records[0]!.publicKeys![0]!;
    expect(material.format === 'jwk' && Object.isFrozen(material.jwk)).toBe(true);
  });

  it('an empty set has no keys', () => {
    expect(ids(doc())).toEqual([]);
  });

  it.each([
    ['use "enc"', { ...rsa, use: 'enc' }],
    ['key_ops without "verify"', { ...ec, key_ops: ['encrypt', 'wrapKey'] }],
    ['no kid', { ...ec, kid: undefined }],
    ['an empty kid', { ...ec, kid: '' }],
    ['a kid over 256 characters', { ...ec, kid: 'k'.repeat(257) }],
    ['another kty', { kty: 'AKP', kid: 'p1', alg: 'ML-DSA-44', pub: 'AAAA' }],
  ])('leaves out a key with %s (never a verification key)', (_name, key) => {
    expect(ids(doc(rsa, key))).toEqual(['r1']);
  });

  it.each([
    ['RSA without n', { ...rsa, n: undefined }],
    ['RSA with an empty e', { ...rsa, e: '' }],
    ['EC without y', { ...ec, kid: 'r1', y: undefined }],
    ['OKP with a numeric x', { ...okp, kid: 'r1', x: 7 }],
  ])('lists a kid whose key lacks a public member (%s) as invalid, with no record even beside a good key', (_name, key) => {
    const { records, invalidKids } = parseJwks(doc(ec, rsa, key));
    expect(records.map((r) => r.id)).not.toContain('r1');
    expect([...invalidKids]).toEqual(['r1']);
  });

  it.each([
    ['not JSON', '{"keys": ['],
    ['not an object', '"keys"'],
    ['no keys array', '{"keys": {}}'],
    ['a key that is not an object', doc(rsa, 'r2')],
    ['a key without kty', doc({ ...rsa, kty: undefined })],
    ['a numeric kid', doc({ ...rsa, kid: 7 })],
    ['a numeric use', doc({ ...rsa, use: 1 })],
    ['key_ops not a list of strings', doc({ ...rsa, key_ops: 'verify' })],
    ...['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'].map((m) => [`a private member "${m}"`, doc(rsa, { ...ec, [m]: 'AAAA' })]),
    ['a private member on an encryption key', doc(rsa, { ...rsa, kid: 'x', use: 'enc', d: 'AAAA' })],
    ['a symmetric key', doc(rsa, { kty: 'oct', kid: 'h', alg: 'HS256' })],
    ['a forbidden JSON key', '{"keys": [], "constructor": {}}'],
  ])('refuses a document with %s as malformed, quoting nothing', (_name, text) => {
    const e = refused(text);
    expect(e.message).not.toContain('AAAA');
    expect(e.message).not.toContain('r1');
  });
});

describe('openJwksStore and an unusable key', () => {
  it('a lookup of a kid whose key lacks a member is an invalid-record fault; the other kids verify', async () => {
    const fetch = async () => new Response(doc(ec, { ...rsa, n: undefined }), { status: 200 });
    const store = openJwksStore({ url: 'https://issuer.example/jwks.json', fetch });
    await expect(store.get('r1')).rejects.toMatchObject({ fault: 'invalid-record', code: 'ERR_KEYSTORE_UNAVAILABLE' });
    expect(await store.get('e1')).toBeDefined();
  });

  it('sends one GET with a JWKS Accept header and no redirect following', async () => {
    const seen: RequestInit[] = [];
    const fetch = async (_url: string, init: RequestInit) => {
      seen.push(init);
      return new Response(doc(rsa), { status: 200 });
    };
    await openJwksStore({ url: 'https://issuer.example/jwks.json', fetch }).get('r1');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'GET', redirect: 'manual' });
    expect(new Headers(seen[0]!.headers).get('accept')).toContain('application/jwk-set+json');
    expect(seen[0]!.signal).toBeInstanceOf(AbortSignal);
  });

  it('a body that is not UTF-8 is malformed', async () => {
    const fetch = async () => new Response(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), { status: 200 });
    await expect(openJwksStore({ url: 'https://issuer.example/jwks.json', fetch }).get('r1')).rejects.toMatchObject({
      fault: 'malformed-response',
    });
  });
});
