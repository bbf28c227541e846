import { generateKeyPairSync } from 'node:crypto';
import { exportJWK, importPKCS8, importSPKI, SignJWT, jwtVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey, parseSigningKeySet, SigningKeySetError, SIGNING_ALGORITHMS, type SigningKeyEntry } from './signing-keys.ts';

const NOW = new Date('2026-06-01T00:00:00Z');
const LIFETIME = 3600;
const doc = (...keys: unknown[]) => JSON.stringify({ keys });

async function refusal(text: string, lifetime = LIFETIME): Promise<SigningKeySetError> {
  const e = await parseSigningKeySet(text, NOW, lifetime).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(SigningKeySetError);
  return e as SigningKeySetError;
}

let rsa: SigningKeyEntry;
let ed: SigningKeyEntry;
let ec: SigningKeyEntry;
beforeAll(async () => {
  [rsa, ed, ec] = await Promise.all([
    generateSigningKey('RS256', 'rsa-1'),
    generateSigningKey('EdDSA', 'ed-1'),
    generateSigningKey('ES256', 'ec-1'),
  ]);
}, 60_000);

describe('generateSigningKey', () => {
  it.each(SIGNING_ALGORITHMS.map((a) => [a]))('%s: an entry whose key parses and signs for jose', async (alg) => {
    const entry = await generateSigningKey(alg);
    expect(entry.alg).toBe(alg);
    expect(entry.kid).toMatch(new RegExp(`^${alg.toLowerCase()}-\\d{4}-\\d{2}-\\d{2}-[0-9a-f]{8}$`));
    expect(entry.privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const set = await parseSigningKeySet(doc(entry), NOW, LIFETIME);
    expect(set.current.publicJwk).toMatchObject({ kid: entry.kid, alg, use: 'sig' });
    expect(set.current.publicJwk).not.toHaveProperty('d');
    const token = await new SignJWT({ a: 1 }).setProtectedHeader({ alg }).sign(set.current.privateKey);
    await expect(jwtVerify(token, await importSPKI(set.current.spkiPem, alg))).resolves.toBeTruthy();
  });

  it('refuses an unsafe kid or another algorithm', async () => {
    await expect(generateSigningKey('RS256', 'bad kid')).rejects.toThrow(TypeError);
    await expect(generateSigningKey('HS256' as never)).rejects.toThrow(TypeError);
  });

  it('the private key is not extractable once parsed', async () => {
    const set = await parseSigningKeySet(doc(ed), NOW, LIFETIME);
    expect(set.current.privateKey.extractable).toBe(false);
    await expect(exportJWK(set.current.privateKey)).rejects.toThrow();
  });
});

describe('parseSigningKeySet', () => {
  it('current first, then retired keys within their window; expired ones dropped', async () => {
    const set = await parseSigningKeySet(
      doc(
        { ...rsa, retiredAt: '2026-05-31T23:30:00Z' }, // retired 30 min ago: published for 30 more
        ed,
        { ...ec, retiredAt: '2026-05-31T22:59:59Z' }, // retired over an hour ago: gone
      ),
      NOW,
      LIFETIME,
    );
    expect(set.current.kid).toBe('ed-1');
    expect(set.published.map((k) => k.kid)).toEqual(['ed-1', 'rsa-1']);
    expect(set.published[1]!.publishedUntil).toBe(Date.parse('2026-05-31T23:30:00Z') / 1000 + LIFETIME);
  });

  it('accepts a private JWK and derives the same public key as from the PEM', async () => {
    const fromPem = await parseSigningKeySet(doc(ec), NOW, LIFETIME);
    const jwk = await exportJWK(await importPKCS8(ec.privateKey as string, 'ES256', { extractable: true }));
    const fromJwk = await parseSigningKeySet(
      doc({ kid: 'ec-1', alg: 'ES256', privateKey: { ...jwk, use: 'sig', key_ops: ['sign'] } }),
      NOW,
      LIFETIME,
    );
    expect(fromJwk.current.publicJwk).toEqual(fromPem.current.publicJwk);
    expect(fromJwk.current.spkiPem).toBe(fromPem.current.spkiPem);
  });

  it('errors name paths and problems, never the private key', async () => {
    const secret = (rsa.privateKey as string).split('\n')[1]!;
    const e = await refusal(
      doc({ kid: 'a', alg: 'HS256', privateKey: (rsa.privateKey as string).replace('PRIVATE', 'PUBLIC') }, { kid: 'b' }),
    );
    expect(e.issues).toEqual([
      'keys[0].alg: must be one of RS256, EdDSA, ES256',
      'keys[0].privateKey: must be a PKCS#8 PEM ("BEGIN PRIVATE KEY") or a private JWK object',
      'keys[1].alg: must be one of RS256, EdDSA, ES256',
      'keys[1].privateKey: must be a PKCS#8 PEM ("BEGIN PRIVATE KEY") or a private JWK object',
    ]);
    expect(e.message).not.toContain(secret.slice(0, 20));
  });

  it('refuses a key whose type does not suit its alg, without quoting it', async () => {
    const e = await refusal(doc({ ...ec, alg: 'RS256' }));
    expect(e.issues).toEqual([
      expect.stringMatching(/^keys\[0\]\.privateKey: (cannot be imported as a RS256|key type does not suit RS256)/),
    ]);
    const f = await refusal(doc({ ...rsa, alg: 'EdDSA' }));
    expect(f.issues[0]).toMatch(/^keys\[0\]\.privateKey: /);
  });

  it('refuses RSA keys under 2048 bits', async () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const e = await refusal(doc({ kid: 'small', alg: 'RS256', privateKey: small }));
    expect(e.issues).toEqual(['keys[0].privateKey: RSA key smaller than 2048 bits']);
  });

  it('refuses duplicate kids, no current key, two current keys', async () => {
    expect((await refusal(doc(rsa, { ...ed, kid: 'rsa-1', retiredAt: '2026-05-31T23:30:00Z' }))).issues).toEqual([
      'keys[1].kid: same kid as keys[0].kid',
    ]);
    expect((await refusal(doc({ ...rsa, retiredAt: '2026-05-31T23:30:00Z' }))).issues).toEqual([
      'keys: no current key (exactly one key must have no retiredAt)',
    ]);
    expect((await refusal(doc(rsa, ed))).issues).toEqual(['keys: keys[0], keys[1] all lack retiredAt (exactly one key may be current)']);
  });

  it('refuses bad shapes: JSON, members, kid, retiredAt, a public JWK, __proto__', async () => {
    expect((await refusal('{"keys": [')).issues[0]).toMatch(/^\(document\): /);
    expect((await refusal('[]')).issues).toEqual(['(document): must be an object {"keys": [...]}']);
    expect((await refusal('{"keys": []}')).issues).toEqual(['keys: must be a non-empty array']);
    expect((await refusal('{"keys": [], "extra": 1}')).issues).toEqual([
      '(document): unknown member (allowed: keys)',
      'keys: must be a non-empty array',
    ]);
    expect((await refusal(doc({ ...rsa, kid: 'a b' }))).issues).toEqual(['keys[0].kid: must be 1-128 characters of A-Z a-z 0-9 . _ : -']);
    expect((await refusal(doc({ ...rsa, retired_at: 'x' }))).issues).toEqual([
      'keys[0]: unknown member (allowed: kid, alg, privateKey, retiredAt)',
    ]);
    expect((await refusal(doc({ ...rsa, retiredAt: '2026-05-31' }))).issues[0]).toMatch(/^keys\[0\]\.retiredAt: must be an ISO 8601/);
    const pub = await exportJWK((await parseSigningKeySet(doc(ed), NOW, LIFETIME)).current.publicKey);
    expect((await refusal(doc({ kid: 'p', alg: 'EdDSA', privateKey: pub }))).issues).toEqual([
      'keys[0].privateKey: the JWK holds no private key ("d")',
    ]);
    expect((await refusal(`{"keys":[{"kid":"x","alg":"RS256","privateKey":"p","__proto__":{"a":1}}]}`)).issues[0]).toMatch(/forbidden key/);
    expect((await refusal(doc({ ...ec, privateKey: { kty: 'EC', crv: 'P-256', d: 'AAAA', x: 'AA', y: 'AA' } }))).issues[0]).toMatch(
      /^keys\[0\]\.privateKey: cannot be imported/,
    );
  });

  it('refuses a bad lifetime as a TypeError', async () => {
    await expect(parseSigningKeySet(doc(ed), NOW, 0)).rejects.toThrow(TypeError);
  });
});
