// The key stores a Lambda function can open from the configuration's keyStores[]: AWS Secrets
// Manager and the MAuth key service (Workers KV and secret bindings are the Worker's). The
// specification is checked when the authenticator is built; the Secrets Manager store itself
// (lambda-secrets-manager.ts, and the SDK it imports) is loaded on the first lookup, so a
// configuration without a store loads none of it. The MAuth key service client is small and
// platform-free (fetch and the MAuth signer the bundle carries anyway), so it is imported as is.
import type { KeyStoreSpec } from '../lib/config/schema.ts';
import { createCachedKeyStore } from '../lib/keys/cache.ts';
import {
  createMAuthRemoteStore,
  mauthKeyServiceSource,
  type FetchLike,
  type MAuthKeyServiceOptions,
  type MAuthRemoteKeyStore,
} from '../lib/keys/mauth-key-service.ts';
import { parseSignVersions } from '../lib/schemes/mauth/signer.ts';
import { ConfigError } from '../lib/config/records.ts';
import type { KeyStore } from '../lib/keys/types.ts';
import { logLine } from './lambda-log.ts';
import type { SecretsManagerStoreOptions } from './lambda-secrets-manager.ts';

/** What {@link lambdaKeyStoreOpener} may be given besides the specification (tests). */
export interface LambdaKeyStoreOptions extends Partial<Omit<SecretsManagerStoreOptions, 'region'>> {
  /** The region when the specification pins none (default: AWS_REGION, then AWS_DEFAULT_REGION). */
  readonly region?: string | undefined;
  /** How a `mauth-key-service` store reaches the service (default: the global `fetch`). */
  readonly fetch?: FetchLike | undefined;
  /** Where a `mauth-key-service` store reads `privateKey.env` (default: process.env, when the key is needed). */
  readonly env?: (() => Readonly<Record<string, string | undefined>>) | undefined;
}

/** A store opened by {@link lambdaKeyStoreOpener}: the authenticator's KeyStore, and `hydrate` for a cold start. */
export interface LambdaKeyStore extends KeyStore {
  /** Loads the given ids (or a bundle's every record) before the first request; never rejects. */
  hydrate(ids?: Iterable<string>): Promise<{ loaded: number; unknown: number; failed: number }>;
}

/**
 * A `mauth-key-service` store: local mode behind the cache, remote mode a ticket check per request.
 * Our private key is read from the function's environment (`privateKey.env`) when a request to the
 * service is signed; a `binding` is the Worker's and refused here.
 */
function openMAuthKeyService(
  spec: Extract<KeyStoreSpec, { type: 'mauth-key-service' }>,
  index: number,
  options: LambdaKeyStoreOptions,
  log: (entry: object) => void,
): LambdaKeyStore {
  if (!('env' in spec.privateKey))
    throw new ConfigError([
      `keyStores[${index}].privateKey: AWS Lambda reads the private key from an environment variable ({"env": NAME}), not a binding`,
    ]);
  const name = spec.privateKey.env;
  const env = options.env ?? (() => process.env);
  const client: MAuthKeyServiceOptions = {
    url: spec.url,
    appUuid: spec.appUuid,
    privateKey: () => env()[name],
    signVersions: parseSignVersions(spec.signVersions),
    timeoutMs: spec.timeoutMs,
    maxAttempts: spec.maxAttempts,
    totalTimeoutMs: spec.totalTimeoutMs,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    // Retries are logged here; a final fault by the cache (local mode) or here (remote mode, uncached).
    onAttemptFailed: ({ fault, attempt, retrying }) => {
      if (retrying) log({ event: 'keystore.retry', fault, attempt, store: index });
      else if (spec.mode === 'remote') log({ event: 'keystore.fault', fault, store: index });
    },
  };
  if (spec.mode === 'remote') {
    const remote = createMAuthRemoteStore(client);
    const store: LambdaKeyStore & MAuthRemoteKeyStore = {
      get: remote.get,
      checkAuthenticationTicket: remote.checkAuthenticationTicket,
      // Nothing to load: remote mode keeps no keys.
      hydrate: () => Promise.resolve({ loaded: 0, unknown: 0, failed: 0 }),
    };
    return store;
  }
  return createCachedKeyStore(mauthKeyServiceSource(client), {
    ...spec.cache,
    ...(options.clock ? { clock: options.clock } : {}),
    onEvent: (e) => log({ ...e, store: index }),
  });
}

/**
 * `openKeyStore` for the authenticator of a Lambda function: a `secrets-manager` store, cached as its
 * `cache` says, its events logged as JSON lines of codes (see lambda-secrets-manager.ts), or a
 * `mauth-key-service` store (local mode cached the same way; remote mode checks each ticket).
 *
 * @throws ConfigError for a store type Lambda cannot open, no region, or a MAuth private key named by binding.
 * @example
 * createAuthenticator(config, { openKeyStore: lambdaKeyStoreOpener() });
 */
export function lambdaKeyStoreOpener(options: LambdaKeyStoreOptions = {}): (spec: KeyStoreSpec, index: number) => LambdaKeyStore {
  const log = options.log ?? logLine;
  return (spec, index) => {
    if (spec.type === 'mauth-key-service') return openMAuthKeyService(spec, index, options, log);
    if (spec.type !== 'secrets-manager')
      throw new ConfigError([
        `keyStores[${index}].type: a "${spec.type}" store cannot be opened in AWS Lambda (use "secrets-manager" or "mauth-key-service")`,
      ]);
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
