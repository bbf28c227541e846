// A JWT issuer's JSON Web Key Set (RFC 7517 §5), fetched over HTTPS, as a key store. One document holds
// every key, so it is a complete source behind the key cache (lib/keys/cache.ts): one snapshot, kept
// for the answer's `Cache-Control: max-age` (bounded), reloaded for a kid it lacks at most once per
// cooldown (the penalty box of aws-jwt-verify's jwk.ts, the cooldown of jose's createRemoteJWKSet),
// one fetch for concurrent lookups, the last good document served for a bounded grace while the
// endpoint fails. With a shared document cache (Workers KV) the document outlives the isolate: a new
// one reads it there before going to the network. Platform-free: `fetch` and the clock are injected.
// Errors name a fault only: never the URL (its query may hold a token), a kid or the document.
import { isJsonObject, parseJsonSafe } from '../config/json.ts';
import { readBoundedBody, utf8OrUndefined } from '../core/bounded-body.ts';
import { systemClock, type Clock } from '../core/clock.ts';
import { createCachedKeyStore, type HydrateReport, type KeyCacheEvent, type KeyCacheStats, type KeySource } from './cache.ts';
import { maxAgeOf, statusFault } from './http-answer.ts';
import { KeyStoreError, type FetchLike, type KeyRecord, type KeyStore, type KeyStoreFault, type SharedDocumentCache } from './types.ts';
import { isLoopbackHost } from './loopback.ts';

/** Where the key set is and how it is kept; every option but `url` has a default ({@link JWKS_DEFAULTS}). */
export interface JwksStoreOptions {
  /** The JWKS URL: https, or http to a loopback host (tests, a local issuer). No credentials or fragment. */
  readonly url: string;
  /** The `fetch` it calls (default: the global one). */
  readonly fetch?: FetchLike;
  /** Milliseconds since the epoch: max ages, cooldowns and the shared copy's age are read on it. */
  readonly clock?: Clock;
  /** A cache shared between instances (Workers KV): read before the network, written after each fetch. */
  readonly shared?: SharedDocumentCache;
  /** The longest one fetch (and one shared-cache read or write) may take. Default 3,000 ms. */
  readonly timeoutMs?: number;
  /** Larger documents are refused (`malformed-response`). Default 65,536 bytes. */
  readonly maxBytes?: number;
  /** How long a document is used when its answer has no `Cache-Control: max-age`. Default 600 s. */
  readonly defaultMaxAgeSeconds?: number;
  /** The least a document is kept, whatever `max-age` (or `no-cache`, `no-store`) says. Default 60 s. */
  readonly minMaxAgeSeconds?: number;
  /** The most a document is kept, whatever `max-age` says: a key removed from the set stops verifying within it. Default 3,600 s. */
  readonly maxMaxAgeSeconds?: number;
  /** A kid missing from a fresh document refetches it at most once per this many seconds. Default 30 s. */
  readonly unknownKidCooldownSeconds?: number;
  /** After a failed fetch, the next one waits this long (lookups meanwhile fail fast, or use the stale document). Default 10 s. */
  readonly failureBackoffSeconds?: number;
  /** How long past its max age the last good document is used while fetches fail. Default 900 s; 0 turns it off. */
  readonly staleIfErrorSeconds?: number;
  /** Told of faults and stale answers (for a log line or a metric; never a kid or a URL). */
  readonly onEvent?: (event: KeyCacheEvent) => void;
}

/** The defaults of {@link JwksStoreOptions}; docs/key-stores.md ("JWKS") says why. */
export const JWKS_DEFAULTS = {
  timeoutMs: 3_000,
  maxBytes: 64 * 1024,
  defaultMaxAgeSeconds: 600,
  minMaxAgeSeconds: 60,
  maxMaxAgeSeconds: 3_600,
  unknownKidCooldownSeconds: 30,
  failureBackoffSeconds: 10,
  staleIfErrorSeconds: 900,
} as const;

/** Workers KV keeps nothing for less than this (`expirationTtl`). */
const SHARED_MIN_TTL_SECONDS = 60;
/** The longest kid looked up (and kept); longer ones are unknown without a fetch. */
const MAX_KID_LENGTH = 256;

/** What the network and the shared cache have done, for tests and metrics. */
export interface JwksDocumentStats {
  /** Requests sent to the JWKS URL. */
  fetches: number;
  /** Documents taken from the shared cache instead of the network. */
  sharedHits: number;
  /** Documents written to the shared cache. */
  sharedWrites: number;
}

/** A JWKS as a key store: `get(kid)` as {@link openJwksStore} says, `hydrate()` at cold start. */
export interface JwksStore extends KeyStore {
  /** Loads the document before the first request (from the shared cache or the network). Never rejects. */
  hydrate(): Promise<HydrateReport>;
  /** The cache's counts (`sourceCalls` is document loads, shared or fetched). */
  readonly stats: Readonly<KeyCacheStats>;
  readonly documentStats: Readonly<JwksDocumentStats>;
}

/** A JWKS read into key records, and the kids whose keys are not usable as published. */
export interface ParsedJwks {
  readonly records: readonly KeyRecord[];
  /** Kids of verification keys that lack a required member: a lookup of one is an `invalid-record` fault. */
  readonly invalidKids: ReadonlySet<string>;
}

const FAULT_TEXT: Record<KeyStoreFault, string> = {
  timeout: 'the JWKS endpoint did not answer in time',
  throttled: 'the JWKS endpoint throttled the request',
  'server-error': 'the JWKS endpoint failed',
  'access-denied': 'the JWKS endpoint refused the request',
  network: 'the JWKS endpoint could not be reached',
  'malformed-response': 'the JWKS endpoint gave an answer that is not a public JWKS',
  'invalid-record': 'a key in the JWKS is not usable',
  misconfigured: 'the JWKS URL answers with a client error (is it the right URL?)',
};

function storeError(fault: KeyStoreFault): KeyStoreError {
  return new KeyStoreError(fault, FAULT_TEXT[fault]);
}

// RFC 7517 §9.3 and RFC 7518 §6: members of private and symmetric keys. A set that publishes one is
// refused whole: its issuer is leaking key material, and nothing it serves is to be trusted.
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const PUBLIC_MEMBERS: ReadonlyMap<string, readonly string[]> = new Map([
  ['RSA', ['n', 'e']],
  ['EC', ['crv', 'x', 'y']],
  ['OKP', ['crv', 'x']],
]);

/**
 * Reads a JWKS document (JSON text, prototype-safely) into one key record per kid: `{ id: kid,
 * scheme: 'jwt', secrets: [], publicKeys: [{ format: 'jwk', jwk }], principal: '', permissions: [] }`,
 * the JWK as served (several keys under one kid become several `publicKeys`, in document order).
 *
 * Refused whole (`malformed-response`): text that is not JSON, a document without a `keys` array, a
 * key that is not an object or has a `kty`, `kid` or `use` that is not a string or `key_ops` that is
 * not a list of strings, any private or symmetric key member (`d`, `p`, `q`, `dp`, `dq`, `qi`, `oth`,
 * `k`), and any `kty: "oct"` key. Left out (never verification keys): keys whose `use` is not `sig`,
 * whose `key_ops` lacks `verify`, of another `kty` than RSA, EC or OKP, without a kid or with one
 * over 256 characters. A kid whose key lacks a required public member (RSA `n`, `e`; EC `crv`, `x`,
 * `y`; OKP `crv`, `x`) is listed in `invalidKids` and has no record.
 *
 * @throws KeyStoreError (`malformed-response`) for a document refused whole; its message quotes nothing.
 * @example
 * const { records } = parseJwks(await (await fetch(url)).text());
 */
export function parseJwks(text: string): ParsedJwks {
  const malformed = () => storeError('malformed-response');
  let doc: unknown;
  try {
    doc = parseJsonSafe(text);
  } catch {
    throw malformed();
  }
  if (!isJsonObject(doc) || !Array.isArray(doc.keys)) throw malformed();
  const byKid = new Map<string, Array<Readonly<Record<string, unknown>>>>();
  const invalidKids = new Set<string>();
  for (const key of doc.keys as unknown[]) {
    if (!isJsonObject(key)) throw malformed();
    for (const m of PRIVATE_MEMBERS) if (Object.hasOwn(key, m)) throw malformed();
    const { kty, kid, use, key_ops: ops } = key;
    if (typeof kty !== 'string' || kty === 'oct') throw malformed();
    if (use !== undefined && typeof use !== 'string') throw malformed();
    if (kid !== undefined && typeof kid !== 'string') throw malformed();
    if (ops !== undefined && (!Array.isArray(ops) || !ops.every((o) => typeof o === 'string'))) throw malformed();
    if (use !== undefined && use !== 'sig') continue;
    if (ops !== undefined && !(ops as string[]).includes('verify')) continue;
    const required = PUBLIC_MEMBERS.get(kty);
    if (!required || kid === undefined || kid.length === 0 || kid.length > MAX_KID_LENGTH) continue;
    if (!required.every((m) => typeof key[m] === 'string' && (key[m] as string).length > 0)) {
      invalidKids.add(kid);
      continue;
    }
    const list = byKid.get(kid) ?? [];
    list.push(Object.freeze({ ...key }));
    byKid.set(kid, list);
  }
  const records: KeyRecord[] = [];
  for (const [kid, jwks] of byKid) {
    if (invalidKids.has(kid)) continue;
    records.push({
      id: kid,
      scheme: 'jwt',
      secrets: [],
      publicKeys: jwks.map((jwk) => ({ format: 'jwk' as const, jwk })),
      principal: '',
      permissions: [],
    });
  }
  return { records, invalidKids };
}

/**
 * The seconds to keep a document by its `Cache-Control`: `max-age=N` (any position), `no-store` and
 * `no-cache` as 0; then bounded to [min, max]. Absent: `fallback`. We are not an HTTP cache: the floor
 * keeps an endpoint that forbids caching from being fetched per request.
 */
function maxAgeFrom(cacheControl: string | null, fallback: number, min: number, max: number): number {
  const forbids = (cacheControl ?? '').split(',').some((part) => /^\s*(?:no-store|no-cache)\s*$/i.test(part));
  return Math.min(max, Math.max(min, forbids ? 0 : (maxAgeOf(cacheControl) ?? fallback)));
}

/** The URL checked: https, or http to a loopback host; no credentials, no fragment. The message never quotes it. */
function checkedUrl(url: unknown): string {
  const bad = () => new TypeError('url must be an https URL (http only to a loopback host), without credentials or fragment');
  if (typeof url !== 'string') throw bad();
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw bad();
  }
  if (parsed.username !== '' || parsed.password !== '' || parsed.hash !== '') throw bad();
  if (parsed.protocol === 'https:' || (parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname))) return parsed.href;
  throw bad();
}

function whole(name: string, v: number | undefined, fallback: number, min: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new TypeError(`${name} must be a whole number of at least ${min}`);
  return v;
}

/** `p`'s value, or undefined when it rejects or takes longer than `ms`. */
async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([p.catch(() => undefined), new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** A document as loaded: its records, and for how many seconds from now it is fresh. */
interface Loaded {
  readonly parsed: ParsedJwks;
  readonly freshSeconds: number;
}

// The shared copy: `jwks1 <fetched at, ms> <max age, s>\n` and the document exactly as served, so that
// a copy read back is parsed and checked by parseJwks like a fetched one, and is fresh only for what
// is left of its max age (KV's own expiry is at least 60 s and only approximate).
const SHARED_HEADER_RE = /^jwks1 (\d{1,16}) (\d{1,10})\n/;

/**
 * Opens a JWKS URL as a key store. `get(kid)` resolves the kid's record (as {@link parseJwks} reads
 * it: the JWK as served, `scheme: 'jwt'`, no principal) or `undefined` for a kid the set lacks (after
 * at most one refetch per `unknownKidCooldownSeconds`: a key published since is found, a flood of
 * random kids costs one fetch per cooldown). It rejects with a {@link KeyStoreError}, never resolves
 * a key, when the endpoint is down (`network`), slow (`timeout`), answers 429 (`throttled`), 5xx
 * (`server-error`), 401/403 (`access-denied`), another 4xx (`misconfigured`), or a redirect or
 * something that is not a public JWKS within `maxBytes` (`malformed-response`), unless the last good
 * document is still inside its stale-if-error grace.
 *
 * The document is kept for its `Cache-Control: max-age`, bounded to [`minMaxAgeSeconds`,
 * `maxMaxAgeSeconds`] (`defaultMaxAgeSeconds` when absent); a kid removed from the set stops
 * verifying once the document is refreshed. Concurrent lookups share one fetch. With `shared`, a
 * fetched document is also put there (under `jwks/` and the SHA-256 of the URL, for its max age, at
 * least 60 s) and a load reads it there first, checked like a fetched one; a refetch for an unknown
 * kid goes to the network. A shared cache that fails or holds no fresh copy is a miss, never a fault.
 *
 * @throws TypeError at creation for a URL that is not https (or http to a loopback host), or an option out of range.
 * @example
 * const keys = openJwksStore({ url: 'https://issuer.example/.well-known/jwks.json', shared: kvSharedCache(env.AUTH_SHARED_CACHE) });
 * await keys.hydrate(); // at cold start; never rejects
 * const record = await keys.get(header.kid); // undefined: unknown kid
 */
export function openJwksStore(options: JwksStoreOptions): JwksStore {
  const url = checkedUrl(options.url);
  const d = JWKS_DEFAULTS;
  const timeoutMs = whole('timeoutMs', options.timeoutMs, d.timeoutMs, 1);
  const maxBytes = whole('maxBytes', options.maxBytes, d.maxBytes, 1);
  const minAge = whole('minMaxAgeSeconds', options.minMaxAgeSeconds, d.minMaxAgeSeconds, 1);
  const maxAge = whole('maxMaxAgeSeconds', options.maxMaxAgeSeconds, Math.max(d.maxMaxAgeSeconds, minAge), minAge);
  const defaultAge = whole(
    'defaultMaxAgeSeconds',
    options.defaultMaxAgeSeconds,
    Math.min(maxAge, Math.max(minAge, d.defaultMaxAgeSeconds)),
    0,
  );
  if (defaultAge < minAge || defaultAge > maxAge)
    throw new TypeError('defaultMaxAgeSeconds must be between minMaxAgeSeconds and maxMaxAgeSeconds');
  const cooldown = whole('unknownKidCooldownSeconds', options.unknownKidCooldownSeconds, d.unknownKidCooldownSeconds, 1);
  const backoff = whole('failureBackoffSeconds', options.failureBackoffSeconds, d.failureBackoffSeconds, 0);
  const grace = whole('staleIfErrorSeconds', options.staleIfErrorSeconds, d.staleIfErrorSeconds, 0);
  const doFetch: FetchLike = options.fetch ?? ((input, init) => fetch(input, init));
  const clock = options.clock ?? systemClock;
  const shared = options.shared;
  const documentStats: JwksDocumentStats = { fetches: 0, sharedHits: 0, sharedWrites: 0 };
  let sharedKey: Promise<string> | undefined;
  const keyOfUrl = () => (sharedKey ??= sha256Hex(url).then((h) => `jwks/${h}`));

  /** The body, at most maxBytes of UTF-8, or a fault. */
  async function readBody(res: Response, aborted: () => boolean): Promise<string> {
    let bytes: Uint8Array | undefined;
    try {
      bytes = await readBoundedBody(res, maxBytes);
    } catch {
      throw storeError(aborted() ? 'timeout' : 'network');
    }
    const text = bytes && utf8OrUndefined(bytes);
    if (text === undefined) throw storeError('malformed-response');
    return text;
  }

  async function fetchDocument(): Promise<{ text: string; maxAge: number }> {
    documentStats.fetches++;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    try {
      let res: Response;
      try {
        res = await doFetch(url, {
          method: 'GET',
          headers: [['accept', 'application/jwk-set+json, application/json']],
          redirect: 'manual',
          signal: abort.signal,
        });
      } catch {
        throw storeError(abort.signal.aborted ? 'timeout' : 'network');
      }
      if (res.status < 200 || res.status > 299) {
        await res.body?.cancel().catch(() => undefined);
        throw storeError(statusFault(res.status));
      }
      const text = await readBody(res, () => abort.signal.aborted);
      return { text, maxAge: maxAgeFrom(res.headers.get('cache-control'), defaultAge, minAge, maxAge) };
    } finally {
      clearTimeout(timer);
    }
  }

  async function readShared(now: number): Promise<Loaded | undefined> {
    if (!shared) return undefined;
    const text = await within(
      keyOfUrl().then((key) => shared.get(key)),
      timeoutMs,
    );
    if (typeof text !== 'string') return undefined;
    const m = SHARED_HEADER_RE.exec(text);
    if (!m) return undefined;
    const age = Math.min(maxAge, Math.max(minAge, Number(m[2])));
    const left = Math.min(age, (Number(m[1]) + age * 1000 - now) / 1000);
    const body = text.slice(m[0].length);
    if (left < 1 || new TextEncoder().encode(body).byteLength > maxBytes) return undefined;
    try {
      return { parsed: parseJwks(body), freshSeconds: left };
    } catch {
      // Checked as a fetched one is; a bad copy is a miss, and the fetch that follows replaces it.
      return undefined;
    }
  }

  async function writeShared(text: string, fetchedAt: number, age: number): Promise<void> {
    if (!shared) return;
    // A failing or slow write costs this isolate nothing but the next isolate's fetch.
    const written = await within(
      keyOfUrl()
        .then((key) => shared.put(key, `jwks1 ${Math.floor(fetchedAt)} ${age}\n${text}`, Math.max(SHARED_MIN_TTL_SECONDS, age)))
        .then(() => true),
      timeoutMs,
    );
    if (written) documentStats.sharedWrites++;
  }

  // What the last load gave the cache, read by it right after listAll.
  let lastFresh: number | undefined;
  let lastCount = 0;
  let lastInvalid: ReadonlySet<string> = new Set();
  /** Until when (ms) the snapshot the cache holds is fresh: a load before then is for an unknown kid. */
  let freshUntil = -Infinity;
  let failedUntil = -Infinity;
  let lastFault: KeyStoreFault = 'network';

  function use(loaded: Loaded): readonly KeyRecord[] {
    lastCount = loaded.parsed.records.length;
    lastFresh = loaded.freshSeconds;
    lastInvalid = loaded.parsed.invalidKids;
    freshUntil = clock() + loaded.freshSeconds * 1000;
    return loaded.parsed.records;
  }

  const source: KeySource = {
    kind: 'complete',
    invalidIds: () => lastInvalid,
    maxAgeSeconds: () => lastFresh,
    async listAll() {
      const now = clock();
      // Inside the back-off nothing is asked, not even the shared cache: an outage costs one fetch per back-off.
      if (now < failedUntil) throw storeError(lastFault);
      // A reload while the snapshot is fresh is the cache asking for a kid it lacks: only the issuer
      // can say whether it was published since; a shared copy would as likely be the same document.
      if (now >= freshUntil) {
        const copy = await readShared(now);
        if (copy) {
          documentStats.sharedHits++;
          return use(copy);
        }
      }
      let loaded: Loaded;
      let text: string;
      try {
        const doc = await fetchDocument();
        text = doc.text;
        loaded = { parsed: parseJwks(text), freshSeconds: doc.maxAge };
      } catch (e) {
        lastFault = e instanceof KeyStoreError ? e.fault : 'malformed-response';
        failedUntil = clock() + backoff * 1000;
        throw storeError(lastFault);
      }
      await writeShared(text, clock(), loaded.freshSeconds);
      return use(loaded);
    },
  };

  const cache = createCachedKeyStore(source, {
    ttlSeconds: maxAge,
    staleIfErrorSeconds: grace,
    unknownIdRefreshSeconds: cooldown,
    clock,
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });

  return {
    stats: cache.stats,
    documentStats,
    get(kid: string) {
      if (typeof kid !== 'string' || kid.length === 0 || kid.length > MAX_KID_LENGTH) return Promise.resolve(undefined);
      return cache.get(kid);
    },
    // A second hydrate() while the set is fresh (an authenticator hydrated twice) must not look like an
    // unknown kid to the source, which would refetch past the cooldown.
    hydrate: () => (clock() < freshUntil ? Promise.resolve({ loaded: lastCount, unknown: 0, failed: 0 }) : cache.hydrate()),
  };
}
