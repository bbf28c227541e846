// The key stores an environment of bindings or variables can open (a Worker's env, a Lambda's
// process.env for the MAuth-compatible authenticator), for createAuthenticator's
// `openKeyStore`: what functions/worker.ts uses, exported so that a Worker of your own opens the same
// stores the same way.
import type { KeyStoreSpec } from '../config/schema.ts';
import { ConfigError } from '../config/records.ts';
import { createCachedKeyStore, type CachedKeyStore, type KeyCacheEvent, type KeySource } from './cache.ts';
import {
  createMAuthRemoteStore,
  mauthKeyServiceSource,
  type FetchLike,
  mauthKeyServiceClientOptions,
  type MAuthRemoteKeyStore,
} from './mauth-key-service.ts';
import { recordIssueLines } from './record.ts';
import { secretBindingSource } from './secret-binding.ts';
import { workersKvSource } from './workers-kv.ts';
import { logKeyStoreEvent } from './store-log.ts';

/** One JSON-able log entry about a store: an event, the store's index in `keyStores[]`, codes and field paths, never ids or values. */
export type KeyStoreLogEntry = (
  | KeyCacheEvent
  | { readonly event: 'keystore.invalid-records'; readonly issues: readonly string[] }
  | { readonly event: 'keystore.retry'; readonly fault: string; readonly attempt: number }
) & {
  readonly store: number;
};

/** What {@link openWorkerKeyStore} reads bindings from and reports to. */
export interface WorkerKeyStoreOptions {
  /** The Worker's `env` (read when the cache needs the store, so the latest request's bindings are used). */
  readonly env: () => Readonly<Record<string, unknown>>;
  /** Where store events go (default: faults to console.error, the rest to console.warn, as JSON lines). */
  readonly log?: (entry: KeyStoreLogEntry) => void;
  /** How a `mauth-key-service` store reaches the service (default: the global `fetch`). */
  readonly fetch?: FetchLike;
}

/**
 * Opens a `keyStores[]` entry from a Worker's bindings: `workers-kv`, `secret-binding` and
 * `mauth-key-service` (our private key from the secret binding `privateKey` names; `{"env": NAME}`
 * reads a binding too, a Worker's env being its bindings), each behind the cache its `cache` section
 * describes, except a remote-mode MAuth store, which checks every request's ticket with the service. A
 * binding is looked up when the store needs it, so a missing one fails only the requests that need its
 * keys (503, fault `misconfigured`).
 *
 * @throws ConfigError for a store a Worker cannot open (Secrets Manager), naming the field.
 * @example
 * let env = {};
 * const auth = createAuthenticator(config, { openKeyStore: (spec, i) => openWorkerKeyStore(spec, i, { env: () => env }) });
 * app.use('*', async (c, next) => { env = c.env; await next(); }, edgeAuth({ authenticator: auth }));
 */
export function openWorkerKeyStore(
  spec: KeyStoreSpec,
  index: number,
  options: WorkerKeyStoreOptions,
): CachedKeyStore | MAuthRemoteKeyStore {
  const log = options.log ?? logKeyStoreEvent;
  let source: KeySource;
  switch (spec.type) {
    case 'workers-kv':
      source = workersKvSource({
        namespace: () => options.env()[spec.binding],
        prefix: spec.prefix,
        cacheTtlSeconds: spec.cacheTtlSeconds,
        // A record may name only a scheme this store serves.
        schemes: spec.schemes,
      });
      break;
    case 'secret-binding':
      source = secretBindingSource({
        value: () => options.env()[spec.binding],
        // A record may name only a scheme this store serves.
        schemes: spec.schemes,
        onIssues: (issues) => log({ event: 'keystore.invalid-records', store: index, issues: recordIssueLines(issues) }),
      });
      break;
    case 'mauth-key-service': {
      const name = 'binding' in spec.privateKey ? spec.privateKey.binding : spec.privateKey.env;
      const client = mauthKeyServiceClientOptions(
        spec,
        index,
        () => {
          const value = options.env()[name];
          return typeof value === 'string' ? value : undefined;
        },
        log,
        options.fetch,
      );
      if (spec.mode === 'remote') return createMAuthRemoteStore(client);
      source = mauthKeyServiceSource(client);
      break;
    }
    default:
      throw new ConfigError([
        `keyStores[${index}].type: a "${spec.type}" key store cannot be opened in a Worker (use "workers-kv", "secret-binding" or "mauth-key-service")`,
      ]);
  }
  return createCachedKeyStore(source, { ...spec.cache, onEvent: (e) => log({ ...e, store: index }) });
}
