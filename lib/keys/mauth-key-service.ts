import { parseSignVersions } from '../schemes/mauth/signer.ts';
import type { KeyStoreSpec } from '../config/schema.ts';
// The MAuth key service (Medidata's "mAuth" server) as a key store, in the two modes of
// mauth-client-python: local mode fetches an app's public key from
// `{url}/mauth/v1/security_tokens/{uuid}.json` (a per-id source behind the cache) and verifies here;
// remote mode posts each request's authentication ticket to `{url}/mauth/v1/authentication_tickets.json`
// and lets the service judge it. Every request we send is itself MAuth-signed with our own app uuid and
// private key. Platform-free: `fetch`, the clock, the crypto backend and the sleep are injectable.
// Errors name a fault only: never an app uuid, a key, a signature or the service's own text.
import type { Clock } from '../core/clock.ts';
import { systemClock } from '../core/clock.ts';
import type { CryptoBackend } from '../core/crypto.ts';
import type { SignedRequest } from '../core/request.ts';
import type { MAuthVersion } from '../schemes/mauth/constants.ts';
import { createMAuthSigner } from '../schemes/mauth/signer.ts';
import type { AuthenticationTicket } from '../schemes/mauth/verifier.ts';
import type { SchemeSigner } from '../schemes/descriptor.ts';
import { createCachedKeyStore, type CachedKeyStore, type KeyCacheOptions, type KeyLookup, type KeySource } from './cache.ts';
import { readBoundedBody } from '../core/bounded-body.ts';
import { parseKeyRecord } from './record.ts';
import { maxAgeOf, statusFault } from './http-answer.ts';
import { KeyStoreError, type FetchLike, type KeyRecord, type KeyStore, type KeyStoreFault } from './types.ts';
import { isLoopbackHost } from './loopback.ts';

/** The `fetch` this client calls (the global one by default; tests and embedders pass their own). */
export type { FetchLike };

/** How the client reaches the key service and signs as our app. */
export interface MAuthKeyServiceOptions {
  /**
   * The service's base URL (`MAUTH_URL`): https, or http to a loopback host (a sidecar, tests);
   * `/mauth/v1/...` is appended.
   */
  readonly url: string;
  /**
   * Allow a plain http URL to a host other than loopback (default false). The public keys the service
   * answers with decide which requests are accepted, so whoever can change them on the way (anyone on
   * the path of a plain http connection) can have any request accepted: only on a network that
   * protects the connection itself.
   */
  readonly insecureHttp?: boolean;
  /** Our app uuid (`APP_UUID`): the requests to the service are signed as this app. */
  readonly appUuid: string;
  /**
   * Our private key, PEM (PKCS#1 or PKCS#8; `\n` written as the two characters `\` `n`, as an
   * environment variable often holds it, is read as a line break), or a function that reads it when a
   * request is signed (a Worker's secret binding). Missing or unusable: a `misconfigured` store fault.
   */
  readonly privateKey: string | (() => string | undefined);
  /** The signatures our requests carry (`MAUTH_SIGN_VERSIONS`); default v2. */
  readonly signVersions?: readonly MAuthVersion[];
  /** The API version in the path (`MAUTH_API_VERSION`); default `v1`. */
  readonly apiVersion?: string;
  /** The longest one HTTP attempt may take (default 2,000 ms). */
  readonly timeoutMs?: number;
  /** Attempts per lookup or ticket, the first included (default 3). Only timeouts, network errors, 429 and 5xx are retried. */
  readonly maxAttempts?: number;
  /** The longest a lookup or ticket check may take, attempts and back-off included (default 5,000 ms). */
  readonly totalTimeoutMs?: number;
  /** The first back-off (default 100 ms), doubled after each failed attempt, with jitter (50% to 100% of it). */
  readonly backoffMs?: number;
  readonly fetch?: FetchLike;
  /** Milliseconds since the epoch: the signing time of our requests (the retry deadline is wall time). */
  readonly clock?: Clock;
  readonly crypto?: CryptoBackend;
  /** In [0, 1): the back-off's jitter (default `Math.random`). */
  readonly random?: () => number;
  /** Waits between attempts (default `setTimeout`). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Told of each failed attempt: its fault, its number and whether another follows (for logs and metrics; never an id). */
  readonly onAttemptFailed?: (event: { readonly fault: KeyStoreFault; readonly attempt: number; readonly retrying: boolean }) => void;
}

/** A remote-mode store: no key records, and the ticket check the MAuth verifier uses. */
export interface MAuthRemoteKeyStore extends KeyStore {
  /** Always undefined: in remote mode the service holds the keys; the principal is the app uuid. */
  get(id: string): Promise<KeyRecord | undefined>;
  /** True for authentic (2xx), false for inauthentic (412, 404); rejects with a KeyStoreError otherwise. */
  checkAuthenticationTicket(ticket: AuthenticationTicket): Promise<boolean>;
}

/** The defaults of {@link MAuthKeyServiceOptions}, and of the `mauth-key-service` configuration entry. */
export const MAUTH_KEY_SERVICE_DEFAULTS = {
  apiVersion: 'v1',
  timeoutMs: 2_000,
  maxAttempts: 3,
  totalTimeoutMs: 5_000,
  backoffMs: 100,
  /** The original's TTL when the service sends no `Cache-Control: max-age`. */
  maxAgeSeconds: 300,
} as const;

/** A MAuth app uuid (what the service's paths hold); anything else is unknown without a call. */
export const APP_UUID_RE = /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/;

/** Larger answers (in bytes) are not the service's (a security token is about 1 KB). */
const MAX_RESPONSE_BYTES = 64 * 1024;

const RETRYABLE: ReadonlySet<KeyStoreFault> = new Set(['timeout', 'network', 'server-error', 'throttled']);

const FAULT_TEXT: Record<KeyStoreFault, string> = {
  timeout: 'the MAuth key service did not answer in time',
  throttled: 'the MAuth key service throttled the request',
  'server-error': 'the MAuth key service failed',
  'access-denied': 'the MAuth key service refused our signature (app uuid or private key)',
  network: 'the MAuth key service could not be reached',
  'malformed-response': 'the MAuth key service gave an answer that cannot be read',
  'invalid-record': 'the MAuth key service gave a public key that is not one',
  misconfigured: 'the MAuth key service client is misconfigured',
};

function storeError(fault: KeyStoreFault): KeyStoreError {
  return new KeyStoreError(fault, FAULT_TEXT[fault]);
}

/** Throws the fault of an answer the caller did not expect. */
function unexpected(status: number): never {
  throw storeError(statusFault(status));
}

/** The fault of an answer that is neither success nor a "no" the caller understands. */

// The original reads `max-age` the same way (a leading one only) and defaults to 300 s.
export { maxAgeOf };

function positiveInt(name: string, v: number | undefined, fallback: number, min = 1): number {
  if (v === undefined) return fallback;
  if (!Number.isInteger(v) || v < min) throw new TypeError(`${name} must be a whole number of at least ${min}`);
  return v;
}

/** The service's base URL without trailing slashes, checked to be https (or http to a loopback host, or as allowed). */
function baseUrl(url: unknown, insecureHttp: boolean): string {
  if (typeof url !== 'string') throw new TypeError('url must be an http(s) URL');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError('url must be an http(s) URL');
  }
  if (
    (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') ||
    parsed.search !== '' ||
    parsed.hash !== '' ||
    parsed.username !== '' ||
    parsed.password !== ''
  )
    throw new TypeError('url must be an http(s) URL without query, fragment or credentials');
  if (!insecureHttp && parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname))
    throw new TypeError(
      'url must be https (http only to a loopback host, unless insecureHttp is set): the keys it serves decide what is accepted',
    );
  return parsed.origin + parsed.pathname.replace(/\/+$/, '');
}

interface ServiceClient {
  /**
   * One signed request, retried as the policy says: `read` turns an answer into the result or throws a
   * KeyStoreError (whose fault decides whether another attempt is made).
   */
  send<T>(method: 'GET' | 'POST', path: string, body: Uint8Array | undefined, read: (answer: Answer) => T): Promise<T>;
}

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  /** The body, or `undefined` when it was longer than {@link MAX_RESPONSE_BYTES} (read up to there, then cancelled). */
  readonly text: string | undefined;
}

function createServiceClient(options: MAuthKeyServiceOptions): { client: ServiceClient; base: string; apiVersion: string } {
  const base = baseUrl(options.url, options.insecureHttp === true);
  if (typeof options.appUuid !== 'string' || !APP_UUID_RE.test(options.appUuid)) throw new TypeError('appUuid must be an app uuid');
  const apiVersion = options.apiVersion ?? MAUTH_KEY_SERVICE_DEFAULTS.apiVersion;
  if (!/^v\d{1,3}$/.test(apiVersion)) throw new TypeError('apiVersion must be "v1", "v2", ...');
  const timeoutMs = positiveInt('timeoutMs', options.timeoutMs, MAUTH_KEY_SERVICE_DEFAULTS.timeoutMs);
  const maxAttempts = positiveInt('maxAttempts', options.maxAttempts, MAUTH_KEY_SERVICE_DEFAULTS.maxAttempts);
  const totalTimeoutMs = positiveInt('totalTimeoutMs', options.totalTimeoutMs, MAUTH_KEY_SERVICE_DEFAULTS.totalTimeoutMs);
  const backoffMs = positiveInt('backoffMs', options.backoffMs, MAUTH_KEY_SERVICE_DEFAULTS.backoffMs, 0);
  const versions = options.signVersions ?? ['v2'];
  if (versions.length === 0 || !versions.every((v) => v === 'v1' || v === 'v2')) throw new TypeError('signVersions must be v1 and/or v2');
  if (typeof options.privateKey !== 'string' && typeof options.privateKey !== 'function')
    throw new TypeError('privateKey must be PEM text or a function that reads it');
  const doFetch: FetchLike = options.fetch ?? ((input, init) => fetch(input, init));
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const report = options.onAttemptFailed ?? (() => undefined);

  // One signer per private key text: a rotated binding gets a new signer (and a new import).
  let signer: { pem: string; signer: SchemeSigner } | undefined;
  function signerFor(): SchemeSigner {
    const raw = typeof options.privateKey === 'function' ? options.privateKey() : options.privateKey;
    if (typeof raw !== 'string' || raw.trim() === '') throw storeError('misconfigured');
    const pem = raw.includes('\\n') ? raw.replace(/\\n/g, '\n') : raw;
    if (signer?.pem !== pem)
      signer = {
        pem,
        signer: createMAuthSigner({
          appUuid: options.appUuid,
          privateKey: pem,
          versions,
          clock,
          ...(options.crypto ? { crypto: options.crypto } : {}),
        }),
      };
    return signer.signer;
  }

  async function signed(method: string, path: string, body: Uint8Array | undefined): Promise<Array<[string, string]>> {
    const s = signerFor();
    const req: SignedRequest = { method, path, query: '', headers: [], body: body ?? new Uint8Array() };
    try {
      return (await s.sign(req)).headers.map(([n, v]): [string, string] => [n, v]);
    } catch {
      // The key cannot be imported (not PEM, not RSA): the deployment's mistake; the error never quotes it.
      throw storeError('misconfigured');
    }
  }

  async function attempt(method: 'GET' | 'POST', url: string, path: string, body: Uint8Array | undefined, ms: number): Promise<Answer> {
    const headers = await signed(method, path, body);
    headers.push(['accept', 'application/json']);
    if (body) headers.push(['content-type', 'application/json']);
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), ms);
    try {
      let res: Response;
      try {
        res = await doFetch(url, {
          method,
          headers,
          ...(body ? { body: body as Uint8Array<ArrayBuffer> } : {}),
          redirect: 'manual',
          signal: abort.signal,
        });
      } catch {
        throw storeError(abort.signal.aborted ? 'timeout' : 'network');
      }
      // Read with a ceiling: a huge or endless answer (a faulty service, or anyone on the path of an
      // http:// URL) is cancelled past it instead of growing in memory.
      let bytes: Uint8Array | undefined;
      try {
        bytes = await readBoundedBody(res, MAX_RESPONSE_BYTES);
      } catch {
        throw storeError(abort.signal.aborted ? 'timeout' : 'network');
      }
      // The status decides first (a large 404 is still an unknown app, a large 503 still retried);
      // only an answer whose body is read needs it whole.
      return { status: res.status, headers: res.headers, text: bytes === undefined ? undefined : new TextDecoder().decode(bytes) };
    } finally {
      clearTimeout(timer);
    }
  }

  const client: ServiceClient = {
    async send(method, path, body, read) {
      const url = base + path;
      const signedPath = new URL(url).pathname;
      // Wall time, not the signing clock (which an embedder may pin): the bound is real time.
      const deadline = Date.now() + totalTimeoutMs;
      for (let n = 1; ; n++) {
        const left = deadline - Date.now();
        let fault: KeyStoreFault;
        try {
          if (left <= 0) throw storeError('timeout');
          return read(await attempt(method, url, signedPath, body, Math.min(timeoutMs, left)));
        } catch (e) {
          // Anything else is an answer this client could not read (it never carries the service's text).
          fault = e instanceof KeyStoreError ? e.fault : 'malformed-response';
        }
        const wait = backoffMs * 2 ** (n - 1) * (0.5 + random() / 2);
        const retrying = RETRYABLE.has(fault) && n < maxAttempts && deadline - Date.now() > wait;
        report({ fault, attempt: n, retrying });
        if (!retrying) throw storeError(fault);
        if (wait > 0) await sleep(wait);
      }
    },
  };
  return { client, base, apiVersion };
}

/**
 * Local mode as a per-id key source: the record of app `uuid` is the service's
 * `security_token.public_key_str` (SPKI or PKCS#1 PEM) as `{ id: uuid, scheme: 'mauth', publicKeys:
 * [pem], principal: uuid, permissions: [] }`, kept for the answer's `Cache-Control: max-age` (default
 * 300 s). 404 is an unknown app (negatively cached by the cache); an id that is not a uuid is unknown
 * without a call. Other answers, timeouts and network errors reject with a KeyStoreError
 * (`server-error`, `throttled`, `access-denied`, `misconfigured`, `timeout`, `network`), retried with
 * back-off when they may pass; a 200 that is not a security token is `malformed-response`, a key that is
 * not PEM `invalid-record`.
 *
 * @throws TypeError at creation for a bad url, app uuid or option.
 * @example
 * const keys = createCachedKeyStore(mauthKeyServiceSource({ url: 'https://mauth.example.com', appUuid, privateKey: pem }));
 */
export function mauthKeyServiceSource(options: MAuthKeyServiceOptions): KeySource {
  const { client, apiVersion } = createServiceClient(options);
  return {
    kind: 'per-id',
    async lookup(id: string): Promise<KeyLookup> {
      if (typeof id !== 'string' || !APP_UUID_RE.test(id)) return { record: undefined };
      return client.send('GET', `/mauth/${apiVersion}/security_tokens/${id}.json`, undefined, (answer): KeyLookup => {
        if (answer.status === 404) return { record: undefined };
        if (answer.status !== 200) unexpected(answer.status);
        if (answer.text === undefined) throw storeError('malformed-response');
        let doc: unknown;
        try {
          doc = JSON.parse(answer.text);
        } catch {
          throw storeError('malformed-response');
        }
        const token = (doc as { security_token?: unknown } | null)?.security_token;
        const pem = (token as { public_key_str?: unknown } | null | undefined)?.public_key_str;
        if (typeof pem !== 'string') throw storeError('malformed-response');
        const parsed = parseKeyRecord({ id, scheme: 'mauth', publicKeys: [pem], principal: id, permissions: [] });
        if (!parsed.ok) throw storeError('invalid-record');
        return {
          record: parsed.record,
          maxAgeSeconds: maxAgeOf(answer.headers.get('cache-control')) ?? MAUTH_KEY_SERVICE_DEFAULTS.maxAgeSeconds,
        };
      });
    },
  };
}

/**
 * Local mode, cached: {@link mauthKeyServiceSource} behind `createCachedKeyStore` (TTL the lesser of
 * `max-age` and the cache's `ttlSeconds`, coalescing, negative caching of unknown uuids).
 *
 * @example
 * const keys = createMAuthKeyServiceStore({ url, appUuid, privateKey: process.env.PRIVATE_KEY! });
 * const verifier = createMAuthVerifier({ keys });
 */
export function createMAuthKeyServiceStore(options: MAuthKeyServiceOptions, cache: KeyCacheOptions = {}): CachedKeyStore {
  return createCachedKeyStore(mauthKeyServiceSource(options), cache);
}

/**
 * Remote mode: a store with no records whose `checkAuthenticationTicket` posts
 * `{"authentication_ticket": ticket}` to `{url}/mauth/v1/authentication_tickets.json` (signed by us).
 * 2xx is authentic, 412 and 404 inauthentic; anything else (after the retries timeouts, network errors,
 * 429 and 5xx get) rejects with a KeyStoreError, which the verifier answers with
 * `ERR_KEYSTORE_UNAVAILABLE`. Nothing is cached: each request's ticket is checked. `createMAuthVerifier`
 * uses the check when given this store as `keys`; the principal is then the app uuid, with no permissions.
 *
 * @example
 * const verifier = createMAuthVerifier({ keys: createMAuthRemoteStore({ url, appUuid, privateKey: pem }) });
 */
export function createMAuthRemoteStore(options: MAuthKeyServiceOptions): MAuthRemoteKeyStore {
  const { client, apiVersion } = createServiceClient(options);
  const path = `/mauth/${apiVersion}/authentication_tickets.json`;
  const encoder = new TextEncoder();
  return {
    get: () => Promise.resolve(undefined),
    async checkAuthenticationTicket(ticket: AuthenticationTicket): Promise<boolean> {
      const body = encoder.encode(JSON.stringify({ authentication_ticket: ticket }));
      return client.send('POST', path, body, ({ status }) => {
        if (status >= 200 && status < 300) return true;
        // Today's service answers 412 for an inauthentic request; older ones 404 for an unknown app.
        if (status === 412 || status === 404) return false;
        return unexpected(status);
      });
    },
  };
}

/** A `keyStores[]` entry of type `mauth-key-service`, as the configuration validated it. */
export type MAuthKeyServiceSpec = Extract<KeyStoreSpec, { type: 'mauth-key-service' }>;

/** A retry or a remote-mode fault of a key-service store, for the opener's log (codes only). */
export type MAuthKeyServiceLogEntry =
  | { readonly event: 'keystore.retry'; readonly fault: string; readonly attempt: number; readonly store: number }
  | { readonly event: 'keystore.fault'; readonly fault: string; readonly store: number };

/**
 * The client options a `mauth-key-service` entry stands for: our private key read by `privateKey()`
 * (from an env or a binding), retries logged, and in remote mode (which is not cached) the final fault too.
 */
export function mauthKeyServiceClientOptions(
  spec: MAuthKeyServiceSpec,
  index: number,
  privateKey: () => string | undefined,
  log: (entry: MAuthKeyServiceLogEntry) => void,
  fetch?: FetchLike,
): MAuthKeyServiceOptions {
  return {
    url: spec.url,
    ...(spec.insecureHttp ? { insecureHttp: true } : {}),
    appUuid: spec.appUuid,
    privateKey,
    signVersions: parseSignVersions(spec.signVersions),
    timeoutMs: spec.timeoutMs,
    maxAttempts: spec.maxAttempts,
    totalTimeoutMs: spec.totalTimeoutMs,
    ...(fetch ? { fetch } : {}),
    // Retries are logged here; a final fault by the cache (local mode) or here (remote mode, uncached).
    onAttemptFailed: ({ fault, attempt, retrying }) => {
      if (retrying) log({ event: 'keystore.retry', fault, attempt, store: index });
      else if (spec.mode === 'remote') log({ event: 'keystore.fault', fault, store: index });
    },
  };
}
