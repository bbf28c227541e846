// The key stores a Lambda function can open from the configuration's keyStores[]: AWS Secrets
// Manager (Workers KV and secret bindings are the Worker's). The specification is checked when the
// authenticator is built; the store itself (lambda-secrets-manager.ts, and the SDK it imports) is
// loaded on the first lookup, so a configuration without a store loads none of it.
import type { KeyStoreSpec } from '../lib/config/schema.ts';
import { ConfigError } from '../lib/config/records.ts';
import type { KeyStore } from '../lib/keys/types.ts';
import { logLine } from './lambda-log.ts';
import type { SecretsManagerStoreOptions } from './lambda-secrets-manager.ts';

/** What {@link lambdaKeyStoreOpener} may be given besides the specification (tests). */
export interface LambdaKeyStoreOptions extends Partial<Omit<SecretsManagerStoreOptions, 'region'>> {
  /** The region when the specification pins none (default: AWS_REGION, then AWS_DEFAULT_REGION). */
  readonly region?: string | undefined;
}

/** A store opened by {@link lambdaKeyStoreOpener}: the authenticator's KeyStore, and `hydrate` for a cold start. */
export interface LambdaKeyStore extends KeyStore {
  /** Loads the given ids (or a bundle's every record) before the first request; never rejects. */
  hydrate(ids?: Iterable<string>): Promise<{ loaded: number; unknown: number; failed: number }>;
}

/**
 * `openKeyStore` for the authenticator of a Lambda function: a `secrets-manager` store, cached as its
 * `cache` says, its events logged as JSON lines of codes (see lambda-secrets-manager.ts).
 *
 * @throws ConfigError for a store type Lambda cannot open, or no region.
 * @example
 * createAuthenticator(config, { openKeyStore: lambdaKeyStoreOpener() });
 */
export function lambdaKeyStoreOpener(options: LambdaKeyStoreOptions = {}): (spec: KeyStoreSpec, index: number) => LambdaKeyStore {
  const log = options.log ?? logLine;
  return (spec, index) => {
    if (spec.type !== 'secrets-manager')
      throw new ConfigError([`keyStores[${index}].type: a "${spec.type}" store cannot be opened in AWS Lambda (use "secrets-manager")`]);
    const region = spec.region ?? options.region ?? (process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION);
    if (!region) throw new ConfigError([`keyStores[${index}].region: required where AWS_REGION is not set`]);
    let opened: Promise<LambdaKeyStore> | undefined;
    const store = (): Promise<LambdaKeyStore> =>
      (opened ??= import('./lambda-secrets-manager.ts').then(
        (m) => m.openSecretsManagerStore(spec, index, { ...options, region, log }),
        (e: unknown) => {
          // The function's package lacks the store's file (secrets-manager.mjs beside the bundle): tried again next time.
          opened = undefined;
          log({ event: 'keystore.fault', fault: 'misconfigured', store: index });
          throw new Error('the key store cannot be loaded', { cause: e });
        },
      ));
    return {
      get: (id) => store().then((s) => s.get(id)),
      hydrate: (ids) =>
        store().then(
          (s) => s.hydrate(ids),
          () => ({ loaded: 0, unknown: 0, failed: 1 }),
        ),
    };
  };
}
