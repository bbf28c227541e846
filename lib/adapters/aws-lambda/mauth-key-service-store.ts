// A Lambda function's MAuth key service store: local mode (the client behind the cache) or remote mode
// (a ticket check per request), its events as log lines. Imported by key-stores.ts on the first
// lookup only, so that a function whose configuration names no such store neither loads nor parses
// the cache, the record parser or the client (the repository's build puts it in a file of its own
// beside each function's bundle, mauth-key-service.mjs).
import type { KeyStoreSpec } from '../../config/schema.ts';
import { createCachedKeyStore, type CachedKeyStore } from '../../keys/cache.ts';
import {
  createMAuthRemoteStore,
  mauthKeyServiceSource,
  type FetchLike,
  mauthKeyServiceClientOptions,
  type MAuthRemoteKeyStore,
} from '../../keys/mauth-key-service.ts';

/** What the store is opened with besides its specification. */
export interface MAuthKeyServiceStoreOptions {
  /** Where store events go: one JSON-able entry each, codes only. */
  readonly log: (entry: object) => void;
  /** Reads our private key's environment variable when a request to the service is signed. */
  readonly env: () => Readonly<Record<string, string | undefined>>;
  /** How the service is reached (default: the global `fetch`). */
  readonly fetch?: FetchLike | undefined;
  /** The cache's clock (tests). */
  readonly clock?: (() => number) | undefined;
}

/**
 * A `mauth-key-service` store of the configuration: local mode cached as its `cache` says, remote mode
 * uncached. Retries are logged (`{"event":"keystore.retry","fault":"server-error","attempt":1,"store":0}`),
 * final faults by the cache (local) or here (remote), never an app uuid, key or signature.
 *
 * @example
 * const store = openMAuthKeyServiceStore(spec, 0, { log: logLine, env: () => process.env });
 */
export function openMAuthKeyServiceStore(
  spec: Extract<KeyStoreSpec, { type: 'mauth-key-service' }>,
  index: number,
  options: MAuthKeyServiceStoreOptions,
): CachedKeyStore | MAuthRemoteKeyStore {
  const { log, env } = options;
  const name = 'env' in spec.privateKey ? spec.privateKey.env : spec.privateKey.binding;
  const client = mauthKeyServiceClientOptions(spec, index, () => env()[name], log, options.fetch);
  if (spec.mode === 'remote') return createMAuthRemoteStore(client);
  return createCachedKeyStore(mauthKeyServiceSource(client), {
    ...spec.cache,
    ...(options.clock ? { clock: options.clock } : {}),
    onEvent: (e) => log({ ...e, store: index }),
  });
}
