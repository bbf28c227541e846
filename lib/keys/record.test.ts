import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseKeyRecord, parseKeyRecordJson, parseKeyRecords, recordIssueLines } from './record.ts';

const SECRET = 'PROD-SECRET-value-0123456789';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const SPKI = rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string;
const PKCS1 = rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }) as string;
const PRIVATE = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const JWK = rsa.publicKey.export({ format: 'jwk' });
const PRIVATE_JWK = rsa.privateKey.export({ format: 'jwk' });

const base = { id: 'AKID1', scheme: 'sigv4', principal: 'svc', permissions: ['items:read'] };

describe('parseKeyRecord: good records', () => {
  it.each([
    ['one secret', { ...base, secret: SECRET }, { secrets: [SECRET] }],
    ['secrets (rotation)', { ...base, secrets: [SECRET, SECRET + '-new'] }, { secrets: [SECRET, SECRET + '-new'] }],
    ['SPKI PEM', { ...base, scheme: 'mauth', publicKey: SPKI }, { secrets: [], publicKeys: [{ format: 'spki', pem: SPKI.trim() }] }],
    ['PKCS#1 PEM', { ...base, publicKeys: [PKCS1] }, { publicKeys: [{ format: 'pkcs1', pem: PKCS1.trim() }] }],
    [
      'JWK',
      { ...base, publicKey: { ...JWK, kid: 'k1', alg: 'RS256', use: 'sig' } },
      { publicKeys: [{ format: 'jwk', jwk: { ...JWK, kid: 'k1', alg: 'RS256', use: 'sig' } }] },
    ],
    [
      'validity and disabled',
      { ...base, secret: SECRET, notBefore: 10, expiresAt: 20, disabled: true },
      { notBefore: 10, expiresAt: 20, disabled: true },
    ],
    ['no scheme, no permissions', { id: 'x', secret: SECRET, principal: 'p' }, { permissions: [] }],
    ['a $comment', { ...base, secret: SECRET, $comment: 'rotated 2026-12' }, { secrets: [SECRET] }],
  ])('%s', (_label, input, expected) => {
    const r = parseKeyRecord(input);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.record).toMatchObject(expected);
  });

  it('keeps only the JWK members a public key has', () => {
    const r = parseKeyRecord({ ...base, publicKey: JWK });
    expect(r.ok && r.record.publicKeys?.[0]).toEqual({ format: 'jwk', jwk: JWK });
  });
});

describe('parseKeyRecord: bad records name the field, never the value', () => {
  it.each([
    ['not an object', 'text', '(record): expected an object, got a string'],
    ['no id', { ...base, id: undefined, secret: SECRET }, 'id: required'],
    ['id with a space', { ...base, id: 'a b', secret: SECRET }, 'id: must not contain spaces or commas'],
    ['secret too short', { ...base, secret: 'short' }, 'secret: must be at least 8 characters'],
    ['secret of the wrong type', { ...base, secret: 12345678 }, 'secret: expected a string, got a number'],
    ['secret and secrets', { ...base, secret: SECRET, secrets: [SECRET] }, 'secrets: give "secret" or "secrets", not both'],
    ['empty secrets', { ...base, secrets: [] }, 'secrets: must not be empty'],
    ['a short secret in a list', { ...base, secrets: [SECRET, 'short'] }, 'secrets[1]: must be at least 8 characters'],
    ['no key material', { ...base }, '(record): a key needs "secret", "secrets", "publicKey" or "publicKeys"'],
    [
      'secret and public key',
      { ...base, secret: SECRET, publicKey: SPKI },
      '(record): a key holds shared secrets or public keys, not both',
    ],
    ['unknown field', { ...base, secret: SECRET, secert: SECRET }, 'secert: unknown field'],
    ['unknown scheme', { ...base, scheme: 'nope', secret: SECRET }, 'scheme: must be one of sigv4'],
    ['no principal', { ...base, principal: undefined, secret: SECRET }, 'principal: required'],
    ['a permission that is not a string', { ...base, secret: SECRET, permissions: [SECRET.length] }, 'permissions[0]: must be a string'],
    ['notBefore a string', { ...base, secret: SECRET, notBefore: SECRET }, 'notBefore: expected a number, got a string'],
    ['expiresAt before notBefore', { ...base, secret: SECRET, notBefore: 20, expiresAt: 10 }, 'expiresAt: must be later than notBefore'],
    ['disabled a string', { ...base, secret: SECRET, disabled: 'yes' }, 'disabled: expected a boolean, got a string'],
    ['a private PEM', { ...base, publicKey: PRIVATE }, 'publicKey: is a private key: records hold public keys only'],
    [
      'PEM garbage',
      { ...base, publicKey: `-----BEGIN PUBLIC KEY-----\n${SECRET}!!\n-----END PUBLIC KEY-----` },
      'publicKey: must be PEM text',
    ],
    [
      'PEM with mismatched armour',
      { ...base, publicKey: SPKI.replace('END PUBLIC KEY', 'END RSA PUBLIC KEY') },
      'publicKey: must be PEM text',
    ],
    ['a private JWK', { ...base, publicKey: PRIVATE_JWK }, 'publicKey.d: is a private key member: records hold public keys only'],
    ['a JWK of an unknown type', { ...base, publicKey: { kty: 'oct', k: SECRET } }, 'publicKey.kty: must be "RSA", "EC" or "OKP"'],
    ['an RSA JWK without n', { ...base, publicKey: { kty: 'RSA', e: 'AQAB' } }, 'publicKey.n: required'],
  ])('%s', (_label, input, expected) => {
    const r = parseKeyRecord(input, { schemes: ['sigv4'] });
    expect(r.ok).toBe(false);
    const lines = r.ok ? [] : recordIssueLines(r.issues);
    expect(lines.join('\n')).toContain(expected);
    const text = JSON.stringify(r);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('MII'); // no PEM body
  });

  it('never throws, whatever the input', () => {
    fc.assert(
      fc.property(fc.anything(), (input) => {
        const r = parseKeyRecord(input);
        expect(typeof r.ok).toBe('boolean');
      }),
    );
  });

  it('refuses __proto__ in JSON text without touching Object.prototype', () => {
    const r = parseKeyRecordJson(`{"id":"a","secret":"${SECRET}","principal":"p","__proto__":{"polluted":true}}`);
    expect(r.ok).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('describes JSON syntax errors by position only', () => {
    const r = parseKeyRecordJson(`{"id":"a","secret":"${SECRET}",`);
    expect(r.ok).toBe(false);
    expect(JSON.stringify(r)).not.toContain(SECRET);
  });
});

describe('parseKeyRecords (bundles)', () => {
  const good = (id: string) => ({ id, secret: `${SECRET}-${id}`, principal: id });

  it('reads an array and an object with keys', () => {
    expect(parseKeyRecords([good('a'), good('b')]).records.map((r) => r.id)).toEqual(['a', 'b']);
    expect(parseKeyRecords({ keys: [good('a')] }).records.map((r) => r.id)).toEqual(['a']);
  });

  it('leaves a bad record out, names it by index and field, and keeps the others usable', () => {
    const b = parseKeyRecords({ keys: [good('a'), { ...good('b'), secret: 'short' }, good('c')] });
    expect(b.records.map((r) => r.id)).toEqual(['a', 'c']);
    expect(recordIssueLines(b.issues)).toEqual(['keys[1].secret: must be at least 8 characters']);
    expect(b.issues[0]!.id).toBe('b');
    expect([...b.invalidIds]).toEqual(['b']);
  });

  it('refuses both records of a duplicated id', () => {
    const b = parseKeyRecords([good('a'), good('b'), { ...good('a'), secret: `${SECRET}-other` }]);
    expect(b.records.map((r) => r.id)).toEqual(['b']);
    expect([...b.invalidIds]).toEqual(['a']);
    expect(recordIssueLines(b.issues)).toEqual(['[2].id: duplicate key id (also [0])']);
  });

  it.each([['text'], [null], [{ keys: 'x' }], [{ keys: [], extra: 1 }]])('refuses a document that is not a bundle: %j', (doc) => {
    const b = parseKeyRecords(doc);
    expect(b.records).toEqual([]);
    expect(b.issues[0]!.path).toBe('(document)');
  });
});
