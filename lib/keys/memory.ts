import type { KeyRecord, KeyStore } from './types.ts';

const isStringArray = (v: unknown): boolean => Array.isArray(v) && v.every((x) => typeof x === 'string');

/**
 * Why `r` is not a {@link KeyRecord} in the fields every verifier reads, or `undefined`. Names fields,
 * never values. A configuration document's key (`secret`, `publicKey`) is not a KeyRecord: it goes
 * through loadConfig, or `parseKeyRecord`, first.
 */
function shapeProblem(r: unknown): string | undefined {
  if (typeof r !== 'object' || r === null) return 'is not an object';
  const o = r as Record<string, unknown>;
  if (typeof o['id'] !== 'string' || o['id'] === '') return 'id must be a non-empty string';
  if (!isStringArray(o['secrets']))
    return 'secrets must be an array of strings ([] for a public-key record; a configuration\'s "secret" is read by loadConfig or parseKeyRecord)';
  if (o['publicKeys'] !== undefined && !Array.isArray(o['publicKeys'])) return 'publicKeys must be an array when present';
  if (typeof o['principal'] !== 'string') return 'principal must be a string';
  if (!isStringArray(o['permissions'])) return 'permissions must be an array of strings';
  return undefined;
}

/**
 * The embedded default store: key records held in memory (from the configuration document).
 *
 * @throws TypeError when two records share an id (which secret would win must not be left to order),
 * or when a record lacks a field every verifier reads (so it fails here, naming the field, instead of
 * every request that uses it failing as a malformed request).
 * @example
 * const keys = createMemoryKeyStore([{ id: 'AKIDEXAMPLE', secrets: [secret], principal: 'svc-orders',
 * permissions: ['orders:read'] }]);
 * const record = await keys.get('AKIDEXAMPLE'); // undefined for an unknown id
 */
export function createMemoryKeyStore(
  records: Iterable<KeyRecord>,
): KeyStore & { readonly size: number; peek(id: string): KeyRecord | null } {
  const byId = new Map<string, KeyRecord>();
  let index = 0;
  for (const r of records) {
    const problem = shapeProblem(r);
    if (problem !== undefined) throw new TypeError(`key record ${index}: ${problem}`);
    index++;
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
