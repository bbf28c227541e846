// A Lambda function's Secrets Manager key store: the source over the SDK client, the cache in front
// of it, and its events as log lines. Imported by key-stores.ts on the first lookup only, so that a
// function whose configuration names no store neither loads nor parses any of it (the repository's
// build puts it in a file of its own beside each function's bundle, secrets-manager.mjs).
import type { KeyStoreSpec } from '../../config/schema.ts';
import { createCachedKeyStore, type CachedKeyStore, type KeyCacheOptions } from '../../keys/cache.ts';
import {
  createSecretsManagerSource,
  sdkSecretReader,
  type SecretReader,
  type SecretsManagerClientSettings,
} from '../../keys/secrets-manager.ts';

/** What the store is opened with besides its specification. */
export interface SecretsManagerStoreOptions {
  /** The region: the specification's, else the function's (key-stores.ts decides). */
  readonly region: string;
  /** Where store events go: one JSON-able entry each, codes and field paths only. */
  readonly log: (entry: object) => void;
  /** Fixed credentials instead of the SDK's provider chain (tests). */
  readonly credentials?: SecretsManagerClientSettings['credentials'];
  /** Reads secrets instead of the SDK client built from the specification. */
  readonly read?: SecretReader | undefined;
  /** The cache's clock (tests). */
  readonly clock?: (() => number) | undefined;
}

/**
 * A `secrets-manager` store of the configuration, cached as its `cache` says. Store faults, stale
 * answers, refused lookups and left-out records are logged (`{"event":"keystore.fault","fault":
 * "timeout","store":0}`), never a key id, secret name or value.
 *
 * @example
 * const store = openSecretsManagerStore(spec, 0, { region: 'eu-west-1', log: logLine });
 */
export function openSecretsManagerStore(
  spec: Extract<KeyStoreSpec, { type: 'secrets-manager' }>,
  index: number,
  options: SecretsManagerStoreOptions,
): CachedKeyStore {
  const { log } = options;
  const read =
    options.read ??
    sdkSecretReader({
      region: options.region,
      endpoint: spec.endpoint,
      maxAttempts: spec.maxAttempts,
      timeoutMs: spec.timeoutMs,
      credentials: options.credentials,
    });
  const source = createSecretsManagerSource({
    read,
    prefix: spec.prefix,
    bundle: spec.bundle,
    pending: spec.pending,
    timeoutMs: spec.timeoutMs,
    schemes: spec.schemes,
    onIssue: (r) => log({ event: 'keystore.invalid-record', store: index, stage: r.stage, issues: r.issues }),
  });
  const cache: KeyCacheOptions = {
    ...spec.cache,
    ...(options.clock ? { clock: options.clock } : {}),
    onEvent: (e) => log({ ...e, store: index }),
  };
  return createCachedKeyStore(source, cache);
}
