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
});
