import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { importedPublicKey, spkiDer } from './public-key.ts';
import { parseKeyRecord } from './record.ts';
import type { KeyRecord } from './types.ts';

const message = new TextEncoder().encode('GET\n/items\n');
const RSA_SHA512 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' };

describe.each([2048, 4096])('importedPublicKey, RSA %i', (bits) => {
  const pair = generateKeyPairSync('rsa', { modulusLength: bits });
  const signature = sign('sha512', message, pair.privateKey);
  const forms = {
    spki: pair.publicKey.export({ type: 'spki', format: 'pem' }) as string,
    pkcs1: pair.publicKey.export({ type: 'pkcs1', format: 'pem' }) as string,
    jwk: pair.publicKey.export({ format: 'jwk' }),
  };

  it.each(Object.entries(forms))('verifies with the key given as %s', async (_form, publicKey) => {
    const r = parseKeyRecord({ id: 'app', principal: 'app', publicKey });
    if (!r.ok) throw new Error(r.issues.map((i) => i.message).join());
    const key = await importedPublicKey(r.record, 0, RSA_SHA512);
    expect(await crypto.subtle.verify(RSA_SHA512, key, signature, message)).toBe(true);
    expect(await crypto.subtle.verify(RSA_SHA512, key, signature, new TextEncoder().encode('tampered'))).toBe(false);
  });

  it('wraps PKCS#1 into the same SPKI bytes node:crypto exports', () => {
    const der = pair.publicKey.export({ type: 'spki', format: 'der' });
    expect(Buffer.from(spkiDer({ format: 'pkcs1', pem: forms.pkcs1 }))).toEqual(der);
  });
});

describe('importedPublicKey caching', () => {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicKey = pair.publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const record = (): KeyRecord => ({
    id: 'app',
    principal: 'app',
    permissions: [],
    secrets: [],
    publicKeys: [{ format: 'spki', pem: publicKey }],
  });

  it('imports once per record, key and algorithm', async () => {
    let imports = 0;
    const subtle = {
      importKey: (...args: Parameters<SubtleCrypto['importKey']>) => (imports++, crypto.subtle.importKey(...args)),
    } as SubtleCrypto;
    const r = record();
    const a = await importedPublicKey(r, 0, RSA_SHA512, subtle);
    expect(await importedPublicKey(r, 0, RSA_SHA512, subtle)).toBe(a);
    expect(imports).toBe(1);
    await importedPublicKey(r, 0, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, subtle);
    await importedPublicKey(record(), 0, RSA_SHA512, subtle);
    expect(imports).toBe(3);
  });

  it('rejects a missing index and a key that does not suit the algorithm, and forgets the failure', async () => {
    const r = record();
    await expect(importedPublicKey(r, 1, RSA_SHA512)).rejects.toThrow(RangeError);
    await expect(importedPublicKey(r, 0, { name: 'ECDSA', namedCurve: 'P-256' } as EcKeyImportParams)).rejects.toThrow();
    expect(await importedPublicKey(r, 0, RSA_SHA512)).toBeDefined();
  });
});
