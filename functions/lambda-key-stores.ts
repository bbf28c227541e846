// The key stores a Lambda function can open from the configuration's keyStores[]: AWS Secrets
// Manager, through the SDK the Node runtime ships (imported on the first lookup, so a configuration
// without a store loads none of it). Workers KV and secret bindings are the Worker's.
import type { KeyStoreSpec } from '../lib/config/schema.ts';
import { ConfigError } from '../lib/config/records.ts';
import { createCachedKeyStore, type CachedKeyStore, type KeyCacheOptions } from '../lib/keys/cache.ts';
import {
  createSecretsManagerSource,
  sdkSecretReader,
  type SecretReader,
  type SecretsManagerClientSettings,
} from '../lib/keys/secrets-manager.ts';
import { logLine } from './lambda-log.ts';

/** What {@link lambdaKeyStoreOpener} may be given besides the specification (tests). */
export interface LambdaKeyStoreOptions {
  /** The region when the specification pins none (default: AWS_REGION, then AWS_DEFAULT_REGION). */
  readonly region?: string | undefined;
  /** Fixed credentials instead of the SDK's provider chain. */
  readonly credentials?: SecretsManagerClientSettings['credentials'];
  /** Reads secrets instead of the SDK client built from the specification. */
  readonly read?: SecretReader;
  /** Where store events go (default: one JSON line on stdout each). */
  readonly log?: (entry: object) => void;
  /** The cache's clock (tests). */
  readonly clock?: () => number;
}

/**
 * `openKeyStore` for the authenticator of a Lambda function: a `secrets-manager` store, cached as its
 * `cache` says. Store faults, stale answers, refused lookups and left-out records are logged as JSON
 * lines of codes and field paths (`{"event":"keystore.fault","store":0,"fault":"timeout"}`), never a
 * key id, secret name or value.
 *
 * @throws ConfigError for a store type Lambda cannot open, or no region.
 * @example
 * createAuthenticator(config, { openKeyStore: lambdaKeyStoreOpener() });
 */
export function lambdaKeyStoreOpener(options: LambdaKeyStoreOptions = {}): (spec: KeyStoreSpec, index: number) => CachedKeyStore {
  const log = options.log ?? logLine;
  return (spec, index) => {
    if (spec.type !== 'secrets-manager')
      throw new ConfigError([`keyStores[${index}].type: a "${spec.type}" store cannot be opened in AWS Lambda (use "secrets-manager")`]);
    const region = spec.region ?? options.region ?? (process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION);
    if (!region) throw new ConfigError([`keyStores[${index}].region: required where AWS_REGION is not set`]);
    const read =
      options.read ??
      sdkSecretReader({
        region,
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
  };
}
