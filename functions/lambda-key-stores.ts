// The key stores a Lambda function can open from the configuration's keyStores[]: AWS Secrets
// Manager and the MAuth key service (Workers KV and secret bindings are the Worker's). The
// specification is checked when the authenticator is built; the store itself
// (lambda-secrets-manager.ts and the SDK it imports, lambda-mauth-key-service.ts) is loaded on the
// first lookup, so a configuration without a store loads none of it.
import type { KeyStoreSpec } from '../lib/config/schema.ts';
import type { FetchLike, MAuthRemoteKeyStore } from '../lib/keys/mauth-key-service.ts';
import type { AuthenticationTicket } from '../lib/schemes/mauth/verifier.ts';
import { ConfigError } from '../lib/config/records.ts';
import type { KeyStore } from '../lib/keys/types.ts';
import { logLine } from './lambda-log.ts';
import type { MAuthKeyServiceStoreOptions } from './lambda-mauth-key-service.ts';
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

/** Loads a store file on first use; a file that cannot be loaded fails that use and is tried again next time. */
function lazily<T>(load: () => Promise<T>, log: (entry: object) => void, index: number): () => Promise<T> {
  let opened: Promise<T> | undefined;
  return () =>
    (opened ??= load().catch((e: unknown) => {
      // The function's package lacks the store's file (beside the bundle): tried again next time.
      opened = undefined;
      log({ event: 'keystore.fault', fault: 'misconfigured', store: index });
      throw new Error('the key store cannot be loaded', { cause: e });
    }));
}

/**
 * A `mauth-key-service` store, its file (lambda-mauth-key-service.ts) loaded on the first lookup. Our
 * private key is read from the function's environment (`privateKey.env`) when a request to the
 * service is signed; a `binding` is the Worker's and refused here. Only a remote-mode store has
 * `checkAuthenticationTicket` (the MAuth verifier takes its presence for remote mode).
 */
function lazyMAuthKeyService(
  spec: Extract<KeyStoreSpec, { type: 'mauth-key-service' }>,
  index: number,
  options: LambdaKeyStoreOptions,
  log: (entry: object) => void,
): LambdaKeyStore {
  if (!('env' in spec.privateKey))
    throw new ConfigError([
      `keyStores[${index}].privateKey: AWS Lambda reads the private key from an environment variable ({"env": NAME}), not a binding`,
    ]);
  const opts: MAuthKeyServiceStoreOptions = {
    log,
    env: options.env ?? (() => process.env),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  };
  const store = lazily(
    () => import('./lambda-mauth-key-service.ts').then((m) => m.openMAuthKeyServiceStore(spec, index, opts)),
    log,
    index,
  );
  if (spec.mode === 'remote') {
    const remote: LambdaKeyStore & MAuthRemoteKeyStore = {
      get: () => Promise.resolve(undefined),
      checkAuthenticationTicket: (ticket: AuthenticationTicket) =>
        store().then((s) => (s as MAuthRemoteKeyStore).checkAuthenticationTicket(ticket)),
      // Nothing to load: remote mode keeps no keys.
      hydrate: () => Promise.resolve({ loaded: 0, unknown: 0, failed: 0 }),
    };
    return remote;
  }
  return {
    get: (id) => store().then((s) => s.get(id)),
    hydrate: (ids) =>
      store().then(
        (s) => (s as LambdaKeyStore).hydrate(ids),
        () => ({ loaded: 0, unknown: 0, failed: 1 }),
      ),
  };
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
    if (spec.type === 'mauth-key-service') return lazyMAuthKeyService(spec, index, options, log);
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
