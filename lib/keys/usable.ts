import { KeyStoreError, type KeyRecord, type KeyStore } from './types.ts';

/** Whether a record may sign for `scheme` at `nowSeconds`: enabled, in its validity window, right scheme. */
export function isUsable(record: KeyRecord, scheme: string, nowSeconds: number): boolean {
  if (record.disabled) return false;
  if (record.scheme !== undefined && record.scheme !== scheme) return false;
  if (record.notBefore !== undefined && nowSeconds < record.notBefore) return false;
  if (record.expiresAt !== undefined && nowSeconds >= record.expiresAt) return false;
  return record.secrets.length > 0 || (record.publicKeys?.length ?? 0) > 0;
}

/**
 * `store` for a `keyStores[]` entry that serves several schemes: a record that names no `scheme` is
 * refused (the store's fault, `invalid-record`: 503 at the Worker, 500 at the authorizer) instead of
 * being usable by every scheme the store serves. Otherwise an API key's stored hash would be a valid
 * uStudio secret, or a MAuth app's public key would verify JWTs that app signs for any subject. The
 * records themselves (and so everything derived from them) are handed on as the store gives them.
 */
export function requireRecordScheme(store: KeyStore): KeyStore {
  const checked = (r: KeyRecord | undefined): KeyRecord | undefined => {
    if (r && r.scheme === undefined)
      throw new KeyStoreError('invalid-record', 'a key record of a store that serves several schemes must name its scheme');
    return r;
  };
  const get: KeyStore['get'] = (id) => store.get(id).then(checked);
  const peek = store.peek;
  // A record without a scheme is left to get(), which refuses it.
  const peekChecked: KeyStore['peek'] =
    typeof peek === 'function'
      ? (id) => {
          const r = peek.call(store, id);
          return r && r.scheme === undefined ? undefined : r;
        }
      : undefined;
  // Everything else the store offers (a MAuth remote store's checkAuthenticationTicket, hydrate, stats)
  // goes through as it is, called on the store itself: only the records it hands out are checked.
  // The proxy's own target is an empty object, so a frozen store's get/peek cannot pin what it answers.
  return new Proxy({} as KeyStore, {
    get(_target, prop) {
      if (prop === 'get') return get;
      if (prop === 'peek') return peekChecked;
      const value: unknown = Reflect.get(store, prop, store);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(store) : value;
    },
    has: (_target, prop) => prop === 'get' || (prop === 'peek' ? peekChecked !== undefined : Reflect.has(store, prop)),
  });
}

/**
 * What `store.peek(id)` says (the record, `null` for an id it knows it lacks, `undefined` when it cannot
 * tell now), or `undefined` for a store without `peek` or one that breaks its contract by throwing: the
 * caller then asks `get()`. A verifier whose every other step is synchronous answers at once with it.
 */
export function peekKey(store: KeyStore, id: string): KeyRecord | null | undefined {
  if (typeof store.peek !== 'function') return undefined;
  try {
    return store.peek(id);
  } catch {
    return undefined;
  }
}
