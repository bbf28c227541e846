// The key stores a Lambda function opens from the configuration's keyStores[]: AWS Secrets Manager and
// the MAuth key service (Workers KV and secret bindings are a Worker's). What the repository's own
// functions use (functions/lambda-key-stores.ts), exported so that a Lambda of your own opens the
// same stores the same way. The specification is checked when the authenticator is built; the store
// itself (secrets-manager-store.ts with the SDK it imports, mauth-key-service-store.ts) is imported on
// the first lookup, so a configuration without a store loads none of it.
import type { KeyStoreSpec } from '../../config/schema.ts';
import { ConfigError } from '../../config/records.ts';
import type { FetchLike, MAuthRemoteKeyStore } from '../../keys/mauth-key-service.ts';
import { logKeyStoreEvent } from '../../keys/store-log.ts';
import type { KeyStore } from '../../keys/types.ts';
import type { AuthenticationTicket } from '../../schemes/mauth/verifier.ts';
import type { MAuthKeyServiceStoreOptions } from './mauth-key-service-store.ts';
import type { SecretsManagerStoreOptions } from './secrets-manager-store.ts';

/** What {@link openLambdaKeyStore} may be given besides the specification. */
export interface LambdaKeyStoreOptions {
  /** The region when the specification pins none (default: AWS_REGION, then AWS_DEFAULT_REGION). */
  readonly region?: string | undefined;
  /**
   * Where store events go: one JSON-able entry each (`{"event":"keystore.fault","fault":"timeout","store":0}`),
   * codes and field paths only, never a key id, secret name or value. Default: one JSON line each,
   * faults and invalid records to console.error, the rest to console.warn.
   */
  readonly log?: ((entry: object) => void) | undefined;
  /** Fixed credentials instead of the SDK's provider chain (the function's role). */
  readonly credentials?: SecretsManagerStoreOptions['credentials'];
  /** Reads secrets instead of the SDK client built from the specification (your own client, tests). */
  readonly read?: SecretsManagerStoreOptions['read'];
  /** The caches' clock in milliseconds (tests). */
  readonly clock?: (() => number) | undefined;
  /** How a `mauth-key-service` store reaches the service (default: the global `fetch`). */
  readonly fetch?: FetchLike | undefined;
  /** Where a `mauth-key-service` store reads `privateKey.env` (default: process.env, when the key is needed). */
  readonly env?: (() => Readonly<Record<string, string | undefined>>) | undefined;
}

/** A store opened by {@link openLambdaKeyStore}: the authenticator's KeyStore, and `hydrate` for a cold start. */
export interface LambdaKeyStore extends KeyStore {
  /** Loads the given ids (or a bundle's every record) before the first request; never rejects. */
  hydrate(ids?: Iterable<string>): Promise<{ loaded: number; unknown: number; failed: number }>;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The process's environment, or none where there is no `process` (read when it is needed).
 *
 * @internal
 */
export function processEnv(): Env {
  return (globalThis as { process?: { env?: Env } }).process?.env ?? {};
}

/** Imports a store's file on first use; a file that cannot be loaded fails that use and is tried again next time. */
function lazily<T>(load: () => Promise<T>, log: (entry: object) => void, index: number): () => Promise<T> {
  let opened: Promise<T> | undefined;
  return () =>
    (opened ??= load().catch((e: unknown) => {
      // The store's file is missing (a bundle that left it out): tried again next time.
      opened = undefined;
      log({ event: 'keystore.fault', fault: 'misconfigured', store: index });
      throw new Error('the key store cannot be loaded', { cause: e });
    }));
}

/** The KeyStore in front of a store imported on first use. */
function deferred(store: () => Promise<LambdaKeyStore>): LambdaKeyStore {
  return {
    get: (id) => store().then((s) => s.get(id)),
    hydrate: (ids) =>
      store().then(
        (s) => s.hydrate(ids),
        () => ({ loaded: 0, unknown: 0, failed: 1 }),
      ),
  };
}

/**
 * A `mauth-key-service` store. Our private key is read from the function's environment
 * (`privateKey.env`) when a request to the service is signed; a `binding` is a Worker's and refused
 * here. Only a remote-mode store has `checkAuthenticationTicket` (the MAuth verifier takes its presence
 * for remote mode).
 */
function mauthKeyService(
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
    env: options.env ?? processEnv,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  };
  const store = lazily(() => import('./mauth-key-service-store.ts').then((m) => m.openMAuthKeyServiceStore(spec, index, opts)), log, index);
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
  return deferred(store as () => Promise<LambdaKeyStore>);
}

/**
 * Opens a `keyStores[]` entry in AWS Lambda, for createAuthenticator's `openKeyStore`: a
 * `secrets-manager` store (through `@aws-sdk/client-secrets-manager`, which Lambda's Node runtimes
 * ship: leave `@aws-sdk/*` out of your bundle) or a `mauth-key-service` store (local mode cached, remote
 * mode checking each request's ticket), each behind the cache its `cache` section describes. Nothing
 * is loaded or called until the first lookup; a store fault is `ERR_KEYSTORE_UNAVAILABLE` (a 500 from
 * the authorizer), never an accept.
 *
 * @throws ConfigError for a store Lambda cannot open (`workers-kv`, `secret-binding`), no region, or a
 *   MAuth private key named by binding, naming the field.
 * @example
 * const auth = createAuthenticator(loadConfig(process.env.AUTH_CONFIG), { openKeyStore: (spec, i) => openLambdaKeyStore(spec, i) });
 */
export function openLambdaKeyStore(spec: KeyStoreSpec, index: number, options: LambdaKeyStoreOptions = {}): LambdaKeyStore {
  const log = options.log ?? logKeyStoreEvent;
  if (spec.type === 'mauth-key-service') return mauthKeyService(spec, index, options, log);
  if (spec.type !== 'secrets-manager')
    throw new ConfigError([
      `keyStores[${index}].type: a "${spec.type}" store cannot be opened in AWS Lambda (use "secrets-manager" or "mauth-key-service")`,
    ]);
  const env = processEnv();
  const region = spec.region ?? options.region ?? (env['AWS_REGION'] || env['AWS_DEFAULT_REGION']);
  if (!region) throw new ConfigError([`keyStores[${index}].region: required where AWS_REGION is not set`]);
  const opts: SecretsManagerStoreOptions = {
    region,
    log,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.read ? { read: options.read } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  };
  return deferred(lazily(() => import('./secrets-manager-store.ts').then((m) => m.openSecretsManagerStore(spec, index, opts)), log, index));
}
