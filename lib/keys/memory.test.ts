import { describe, expect, it } from 'vitest';
import { createMemoryKeyStore } from './memory.ts';
import type { KeyRecord } from './types.ts';

const record: KeyRecord = { id: 'key00001', secrets: ['a-shared-secret-1'], principal: 'p', permissions: [] };

describe('the memory key store', () => {
  it('answers get() and peek() alike: the record, or nothing (peek: null) for an unknown id', async () => {
    const store = createMemoryKeyStore([record]);
    expect(await store.get('key00001')).toBe(record);
    expect(store.peek('key00001')).toBe(record);
    expect(await store.get('nope')).toBeUndefined();
    expect(store.peek('nope')).toBeNull();
    // Never an inherited property.
    for (const id of ['constructor', '__proto__', 'toString']) expect(store.peek(id)).toBeNull();
    expect(store.size).toBe(1);
  });

  it('refuses two records with one id', () => {
    expect(() => createMemoryKeyStore([record, { ...record }])).toThrow(TypeError);
  });

  it('refuses a record without the fields verifiers read, naming the field and the record, never a value', () => {
    const secret = 'a-shared-secret-1';
    const cases: Array<[unknown, RegExp]> = [
      // A configuration document's key (`secret`), not a KeyRecord: loadConfig or parseKeyRecord reads it.
      [{ id: 'key00002', secret, principal: 'p', permissions: [] }, /^key record 1: secrets must be an array of strings/],
      [{ id: 'key00002', secrets: [secret], principal: 'p' }, /^key record 1: permissions must be an array of strings$/],
      [{ id: 'key00002', secrets: secret, principal: 'p', permissions: [] }, /^key record 1: secrets/],
      [{ id: '', secrets: [secret], principal: 'p', permissions: [] }, /^key record 1: id must be a non-empty string$/],
      [{ id: 'key00002', secrets: [], publicKeys: 'pem', principal: 'p', permissions: [] }, /^key record 1: publicKeys/],
      [{ id: 'key00002', secrets: [secret], permissions: [] }, /^key record 1: principal must be a string$/],
      [null, /^key record 1: is not an object$/],
    ];
    for (const [bad, message] of cases) {
      let thrown: unknown;
      try {
        createMemoryKeyStore([record, bad as KeyRecord]);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(TypeError);
      expect((thrown as Error).message).toMatch(message);
      expect((thrown as Error).message).not.toContain(secret);
    }
    // A public-key record (no shared secret) is a record.
    expect(createMemoryKeyStore([{ ...record, secrets: [], publicKeys: [{ format: 'spki', pem: 'x' }] }]).size).toBe(1);
  });
});
