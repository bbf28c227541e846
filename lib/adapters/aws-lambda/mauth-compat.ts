// mauth-client-python's LambdaAuthenticator, as its users know it: construct with the request, ask
// isAuthentic() for [authentic, statusCode, message], getAppUuid() for the app uuid (the verified app's
// once isAuthentic() said yes, else the one the request names).
// Configured like the original (APP_UUID, PRIVATE_KEY, MAUTH_URL, MAUTH_MODE, V2_ONLY_AUTHENTICATE,
// MAUTH_SIGN_VERSIONS) or by a configuration document. The check itself is the library's in-function
// check (authenticateVerified()), so routes, limits and key stores behave as everywhere else.
import { openWorkerKeyStore } from '../../keys/open-store.ts';
import { openLambdaKeyStore, processEnv } from './key-stores.ts';
import { createAuthenticator, type Authenticator, type AuthenticatorDeps } from '../../authenticator.ts';
import type { Clock } from '../../core/clock.ts';
import type { CryptoBackend } from '../../core/crypto.ts';
import type { ErrorCode } from '../../core/errors.ts';
import type { SignedRequest } from '../../core/request.ts';
import { splitUrl } from '../../core/request.ts';
import type { Principal } from '../../core/result.ts';
import { loadConfig, type Config, type KeyStoreSpec } from '../../config/index.ts';
import { ConfigError } from '../../config/records.ts';
import type { KeyStore } from '../../keys/types.ts';
import { MAUTH_SCHEME } from '../../schemes/mauth/constants.ts';
import { mauthFailureMessage } from '../../schemes/mauth/failure.ts';
import { parseVersion } from '../../schemes/mauth/parse.ts';
import { parseSignVersions } from '../../schemes/mauth/signer.ts';
import { authenticateVerified, type InFunctionRequest } from './in-function.ts';
import { isHttpsOrLoopbackHttp } from '../../keys/loopback.ts';

/** The environment variables the original reads (mauth_client/config.py). */
export type MAuthEnv = Readonly<Record<string, string | undefined>>;

/**
 * The `mauth-key-service` key store entry that `MAUTH_URL` stands for: public keys by app uuid from
 * the MAuth service (local mode) or each ticket judged by it (remote mode), its own requests signed
 * as `APP_UUID` with the private key read from the `PRIVATE_KEY` variable (never copied into the
 * document).
 */
export interface MAuthKeyServiceSpec {
  readonly type: 'mauth-key-service';
  readonly schemes: readonly ['mauth'];
  readonly url: string;
  readonly mode: 'local' | 'remote';
  readonly appUuid: string;
  readonly privateKey: { readonly env: 'PRIVATE_KEY' };
}

/** How {@link MAuthLambdaAuthenticator} is configured when the environment is not enough, or for tests. */
export interface MAuthCompatSettings {
  /**
   * A configuration document (JSON text or object), validated here with `loadConfig`. When given (or
   * `config`) it is the whole configuration: the MAuth variables of the environment are not read.
   */
  readonly document?: unknown;
  /** A configuration `loadConfig` already returned; the same precedence as `document`. */
  readonly config?: Config;
  /** The environment to read (default: `process.env`). */
  readonly env?: MAuthEnv;
  /** One key store for every scheme, instead of the configuration's keys and `MAUTH_URL` (tests, embedders). */
  readonly keys?: KeyStore;
  /**
   * Opens a key store entry: the configuration's `keyStores[]`, and the `mauth-key-service` entry
   * `MAUTH_URL` stands for (a {@link MAuthKeyServiceSpec}, index -1). Default for a document's
   * `keyStores[]`: `openLambdaKeyStore` (Secrets Manager, a MAuth key service whose private key is
   * read from `env`).
   */
  readonly openKeyStore?: (spec: KeyStoreSpec | MAuthKeyServiceSpec, index: number) => KeyStore;
  readonly clock?: Clock;
  readonly crypto?: CryptoBackend;
}

/** Why no authenticator could be made: field paths and variable names only, never values. */
class NotConfigured extends Error {}

/** `V2_ONLY_AUTHENTICATE` as the original reads it: true only for "true", any case. */
function envFlag(value: string | undefined): boolean {
  return String(value).toLowerCase() === 'true';
}

/**
 * The configuration document the original's environment stands for: `schemes.mauth` from
 * `V2_ONLY_AUTHENTICATE` and `MAUTH_SIGN_VERSIONS` (default `v1`, as the original), every route
 * guarded, no inline keys. `keyService` is the `mauth-key-service` entry for `MAUTH_URL`
 * (`MAUTH_MODE` local, the default, or remote; `APP_UUID`; the key named by `PRIVATE_KEY`), or
 * `undefined` when `MAUTH_URL` is not set.
 *
 * @throws TypeError naming the variable (never its value) when one is invalid.
 * @example
 * const { document, keyService } = mauthConfigFromEnv(process.env);
 */
export function mauthConfigFromEnv(env: MAuthEnv): { document: Record<string, unknown>; keyService: MAuthKeyServiceSpec | undefined } {
  let versions: string[];
  try {
    versions = parseSignVersions(env['MAUTH_SIGN_VERSIONS'] ?? 'v1');
  } catch {
    throw new TypeError('MAUTH_SIGN_VERSIONS must be "v1", "v2" or "v1,v2"');
  }
  const signVersions = versions.length === 2 ? 'v1,v2' : versions[0]!;
  const mode = (env['MAUTH_MODE'] ?? 'local').toLowerCase();
  if (mode !== 'local' && mode !== 'remote') throw new TypeError('MAUTH_MODE must be "local" or "remote"');
  const document = {
    schemes: { [MAUTH_SCHEME]: { v2Only: envFlag(env['V2_ONLY_AUTHENTICATE']), signVersions: [signVersions] } },
    routes: [{ path: '*' }],
    keys: [],
  };
  const url = env['MAUTH_URL'];
  if (url === undefined || url === '') return { document, keyService: undefined };
  if (!/^https?:\/\/[^\s/?#]+/i.test(url)) throw new TypeError('MAUTH_URL must be an http(s) URL');
  // The original takes any http URL; the keys it serves decide what is accepted, so plain http is
  // refused but to a loopback host (a configuration document's entry may set insecureHttp).
  if (!isHttpsOrLoopbackHttp(url))
    throw new TypeError('MAUTH_URL must be https (http only to a loopback host; a configuration document may set insecureHttp)');
  const appUuid = env['APP_UUID'];
  if (appUuid === undefined || appUuid === '') throw new TypeError('APP_UUID is required with MAUTH_URL');
  if (env['PRIVATE_KEY'] === undefined || env['PRIVATE_KEY'] === '') throw new TypeError('PRIVATE_KEY is required with MAUTH_URL');
  return {
    document,
    keyService: {
      type: 'mauth-key-service',
      schemes: [MAUTH_SCHEME],
      url: url.replace(/\/+$/, ''),
      mode,
      appUuid,
      privateKey: { env: 'PRIVATE_KEY' },
    },
  };
}

/** MAUTH_SIGN_VERSIONS as the key-service entry spells it (our requests to the service are signed so). */
function signVersionsOf(env: MAuthEnv): string {
  const versions = parseSignVersions(env['MAUTH_SIGN_VERSIONS'] ?? 'v1');
  return versions.length === 2 ? 'v1,v2' : versions[0]!;
}

/**
 * The authenticator settings stand for. A configuration document wins whole over the environment; without
 * one the environment is read, and keys then come from `MAUTH_URL` (the key service) or `keys`.
 */
function build(settings: MAuthCompatSettings): Authenticator {
  const deps: AuthenticatorDeps = {
    ...(settings.keys ? { keys: settings.keys } : {}),
    ...(settings.openKeyStore ? { openKeyStore: settings.openKeyStore } : {}),
    ...(settings.clock ? { clock: settings.clock } : {}),
    ...(settings.crypto ? { crypto: settings.crypto } : {}),
  };
  try {
    if (settings.config !== undefined || settings.document !== undefined) {
      const config = settings.config ?? loadConfig(settings.document);
      if (config.schemes[MAUTH_SCHEME] === undefined) throw new NotConfigured('the configuration does not turn on schemes.mauth');
      // The document's keyStores[] open as a Lambda opens them (Secrets Manager, a MAuth key service
      // whose private key is read from `env`), unless an opener was given.
      const env = settings.env;
      return createAuthenticator(config, {
        openKeyStore: (spec, i) => openLambdaKeyStore(spec, i, env ? { env: () => env } : {}),
        ...deps,
      });
    }
    const env = settings.env ?? processEnv();
    const { document, keyService } = mauthConfigFromEnv(env);
    if (settings.keys) return createAuthenticator(loadConfig(document), deps);
    if (!keyService) throw new NotConfigured('MAUTH_URL is not set and no configuration document was given');
    if (settings.openKeyStore) return createAuthenticator(loadConfig(document), { ...deps, keys: settings.openKeyStore(keyService, -1) });
    // MAUTH_URL: the key service as a keyStores[] entry (validated, defaults filled in), opened as a
    // Worker opens it, from this environment (PRIVATE_KEY read there when a request is signed).
    const config = loadConfig({ ...document, keyStores: [{ ...keyService, signVersions: signVersionsOf(env) }] });
    return createAuthenticator(config, { ...deps, openKeyStore: (spec, i) => openWorkerKeyStore(spec, i, { env: () => env }) });
  } catch (e) {
    if (e instanceof NotConfigured) throw e;
    if (e instanceof ConfigError) throw new NotConfigured(`invalid configuration (${e.issues.join('; ')})`);
    if (e instanceof TypeError) throw new NotConfigured(e.message);
    throw new NotConfigured('the configuration could not be used');
  }
}

/** The original's three outcomes: 200, 401 (missing or inauthentic) and 500 (cannot authenticate); 403 and 413 for our route and size rules. */
function statusOf(code: string | undefined): number {
  switch (code as ErrorCode | undefined) {
    case 'ERR_KEYSTORE_UNAVAILABLE':
      return 500;
    case 'ERR_FORBIDDEN':
      return 403;
    case 'ERR_BODY_TOO_LARGE':
      return 413;
    default:
      return 401;
  }
}

/**
 * mauth-client-python's `LambdaAuthenticator`, method for method (`is_authentic` is `isAuthentic`,
 * `get_app_uuid` is `getAppUuid`). Exported as `MAuthLambdaAuthenticator` from
 * `edge-authorizer/aws-lambda`, whose `LambdaAuthenticator` is the scheme-neutral holder, and as
 * `LambdaAuthenticator` from `edge-authorizer/aws-lambda/mauth`, so ported code keeps its names.
 *
 * Configuration, once per container: `MAuthLambdaAuthenticator.configure({ document })` with a
 * configuration document (or `{ config }`, one `loadConfig` returned), or nothing at all and the original's variables (`MAUTH_URL`, `APP_UUID`,
 * `PRIVATE_KEY`, `MAUTH_MODE`, `V2_ONLY_AUTHENTICATE`, `MAUTH_SIGN_VERSIONS`). A document, when
 * given, is the whole configuration and the variables are not read.
 *
 * @example
 * const authenticator = new LambdaAuthenticator(method, url, headers, body);
 * const [authentic, statusCode, message] = await authenticator.isAuthentic();
 * const appUuid = authenticator.getAppUuid();
 */
export class MAuthLambdaAuthenticator {
  static #settings: MAuthCompatSettings = {};
  static #auth: Authenticator | undefined;
  static #mauthOptions: { v2Only?: boolean } = {};
  readonly #input: InFunctionRequest;
  #result: Promise<[boolean, number, string, Principal | undefined]> | undefined;
  /** The app uuid whose signature was verified, once `isAuthentic()` has said yes. */
  #verifiedAppUuid: string | undefined;

  /**
   * Sets how every instance is configured (once per container, at cold start); the next check builds
   * the authenticator from it. Without a call, the environment is read on the first check.
   */
  static configure(settings: MAuthCompatSettings = {}): void {
    MAuthLambdaAuthenticator.#settings = settings;
    MAuthLambdaAuthenticator.#auth = undefined;
  }

  static #authenticator(): Authenticator {
    if (!MAuthLambdaAuthenticator.#auth) {
      const auth = build(MAuthLambdaAuthenticator.#settings);
      const active = auth.schemes.find((s) => s.descriptor.id === MAUTH_SCHEME);
      MAuthLambdaAuthenticator.#mauthOptions = (active?.options ?? {}) as { v2Only?: boolean };
      MAuthLambdaAuthenticator.#auth = auth;
    }
    return MAuthLambdaAuthenticator.#auth;
  }

  /** Holds the request (url absolute or a path with its query; body text or bytes) until `isAuthentic()`. Never throws. */
  constructor(method: string, url: string, headers: InFunctionRequest['headers'], body?: InFunctionRequest['body']) {
    this.#input = { method, url, headers, body: body ?? null };
  }

  /**
   * `[authentic, statusCode, message]` as the original's `is_authentic()`: `[true, 200, '']`; 401 with
   * the original's message for a missing or inauthentic signature; 500 when the key service or store
   * cannot answer or the configuration is unusable (its message names fields, never values). Never
   * rejects.
   */
  async isAuthentic(): Promise<[boolean, number, string]> {
    const [authentic, status, message] = await this.#check();
    return [authentic, status, message];
  }

  /** The verified principal (the configuration's record for the app uuid), once `isAuthentic()` has said yes. */
  async getPrincipal(): Promise<Principal | undefined> {
    return (await this.#check())[3];
  }

  /**
   * As the original's `get_app_uuid()`: once `isAuthentic()` has said yes, the app whose signature
   * was verified (v1's when a failed v2 fell back to it); before that, or after a no, the app uuid the
   * request's MAuth header names (v2's when both are there), which is no proof. `undefined` (Python's
   * None) when it names none.
   */
  getAppUuid(): string | undefined {
    if (this.#verifiedAppUuid !== undefined) return this.#verifiedAppUuid;
    const req = requestOf(this.#input);
    if (!req) return undefined;
    for (const version of [2, 1] as const) {
      const parsed = parseVersion(req, version);
      if (parsed?.ok) return parsed.claim.appUuid;
    }
    return undefined;
  }

  #check(): Promise<[boolean, number, string, Principal | undefined]> {
    this.#result ??= (async (): Promise<[boolean, number, string, Principal | undefined]> => {
      let auth: Authenticator;
      try {
        auth = MAuthLambdaAuthenticator.#authenticator();
      } catch (e) {
        return [
          false,
          500,
          `Unable to authenticate: mAuth is not configured: ${e instanceof NotConfigured ? e.message : 'error'}`,
          undefined,
        ];
      }
      const { result, verified } = await authenticateVerified(auth, this.#input);
      if (result.authentic) {
        // The original answers yes only to a MAuth signature: a request another scheme of the same
        // configuration accepts (a bearer token, an API key) is one without a MAuth signature here.
        if (verified?.scheme !== MAUTH_SCHEME) {
          const missing = { code: 'ERR_AUTH_MISSING', status: 401, message: '' } as const;
          return [false, 401, mauthFailureMessage(missing, MAuthLambdaAuthenticator.#mauthOptions), undefined];
        }
        this.#verifiedAppUuid = verified.keyId;
        return [true, 200, '', result.principal];
      }
      const code = (result.code ?? 'ERR_AUTH_MALFORMED') as ErrorCode;
      const message = mauthFailureMessage({ code, status: result.status, message: result.message }, MAuthLambdaAuthenticator.#mauthOptions);
      return [false, statusOf(code), message, undefined];
    })();
    return this.#result;
  }
}

/** The headers of an in-function input, for reading the app uuid (no validation beyond what parseVersion does). */
function requestOf(input: InFunctionRequest): SignedRequest | undefined {
  const headers: Array<[string, string]> = [];
  const h = input.headers as unknown;
  if (Array.isArray(h)) {
    for (const pair of h as unknown[])
      if (Array.isArray(pair) && typeof pair[0] === 'string' && typeof pair[1] === 'string') headers.push([pair[0], pair[1]]);
  } else if (h && typeof h === 'object') {
    for (const [n, v] of Object.entries(h as Record<string, unknown>)) {
      if (typeof v === 'string') headers.push([n, v]);
      else if (Array.isArray(v)) for (const one of v) if (typeof one === 'string') headers.push([n, one]);
    }
  } else return undefined;
  const { path, query } = splitUrl(typeof input.url === 'string' ? input.url : '/');
  return { method: String(input.method), path, query, headers };
}
