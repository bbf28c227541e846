import type { KeyRecord, KeyStore } from './types.ts';

/**
 * The embedded default store: key records held in memory (from the configuration document).
 *
 * @throws TypeError when two records share an id: which secret would win must not be left to order.
 * @example
 * const keys = createMemoryKeyStore([{ id: 'AKIDEXAMPLE', secrets: [secret], principal: 'svc-orders',
 * permissions: ['orders:read'] }]);
 * const record = await keys.get('AKIDEXAMPLE'); // undefined for an unknown id
 */
export function createMemoryKeyStore(
  records: Iterable<KeyRecord>,
): KeyStore & { readonly size: number; peek(id: string): KeyRecord | null } {
  const byId = new Map<string, KeyRecord>();
  for (const r of records) {
    if (byId.has(r.id)) throw new TypeError(`duplicate key id in key store`);
    byId.set(r.id, r);
  }
  return {
    get size() {
      return byId.size;
    },
    get(id: string) {
      return Promise.resolve(byId.get(id));
    },
    peek(id: string) {
      return byId.get(id) ?? null;
    },
  };
}
