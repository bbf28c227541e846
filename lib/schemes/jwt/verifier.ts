// JWT bearer-token verification: the issuer chosen by the token's (unverified) `iss`, the algorithm
// pinned by that issuer's list and by the key's type, the signature checked through the crypto
// backend (node:crypto synchronously on Node, Web Crypto elsewhere), then exp/nbf/iat, audience and
// the claims that make the principal. Verified tokens are remembered, bounded, tied to their key record.
import type { Clock } from '../../core/clock.ts';
import { systemClock } from '../../core/clock.ts';
import type { CryptoBackend, JwsAlgorithm, JwsBackend, JwsPublicKey, SyncJwsBackend } from '../../core/crypto.ts';
import { fail, failureAsResult } from '../../core/errors.ts';
import { isJwsAlgorithm, JWS_ALGORITHMS } from '../../core/jws-keys.ts';
import type { SignedRequest } from '../../core/request.ts';
import type { AuthResult, AuthSuccess } from '../../core/result.ts';
import type { CredentialParts } from '../../core/verifier.ts';
import { defaultCrypto } from '#crypto';
import { parseKeyRecord } from '../../keys/record.ts';
import { isUsable } from '../../keys/usable.ts';
import type { FetchLike, KeyRecord, KeyStore, PublicKeyMaterial, SharedDocumentCache } from '../../keys/types.ts';
import type { SchemeVerifier, SignatureExplanation } from '../descriptor.ts';
import {
  AUTH_TOKEN_HEADER,
  AUTHORIZATION_HEADER,
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  DEFAULT_MAX_TOKEN_BYTES,
  DEFAULT_MIN_RSA_BITS,
  DEFAULT_TOKEN_CACHE_SIZE,
  JWT_QUERY_PARAMETER,
  JWT_SCHEME,
  MAX_CLAIM_STRING_LENGTH,
  MAX_PERMISSIONS,
  MAX_TOKEN_BYTES_RANGE,
  MAX_TOKEN_CACHE_CHARS,
} from './constants.ts';
import { carriesJwt, decodeJwt, findToken, own, type TokenSources } from './token.ts';

/** A JWKS key store as lib/keys/jwks.ts opens one: records by kid, and a `hydrate()` that loads the set. */
export type JwksStore = KeyStore & { hydrate(): Promise<unknown> };

/** Opens the key store of one JWKS URL (lib/keys/jwks.ts `openJwksStore`; tests pass a memory store). */
export type JwksOpener = (options: {
  readonly url: string;
  readonly fetch?: FetchLike;
  readonly clock?: Clock;
  readonly shared?: SharedDocumentCache;
}) => JwksStore;

/** One trusted issuer, as `schemes.jwt.issuers[]` holds it (see options.ts for each field's meaning). */
export interface JwtIssuer {
  readonly issuer: string | null;
  readonly audience: string | readonly string[] | null;
  readonly algorithms: readonly JwsAlgorithm[];
  readonly clockToleranceSeconds?: number;
  readonly requireExp?: boolean;
  readonly maxTokenAgeSeconds?: number | undefined;
  readonly publicKeys?: readonly unknown[] | undefined;
  readonly jwksUrl?: string | undefined;
  readonly keyStore?: boolean;
  readonly principalClaim?: string;
  /** Put before the principal claim's value (`"partner:"`), so principals of two issuers never read the same. */
  readonly principalPrefix?: string;
  readonly permissionClaims?: readonly string[];
  readonly service?: string | undefined;
}

/** Everything a JWT verifier is made from: the issuers, where tokens come from, bounds, and what is injected. */
export interface JwtVerifierOptions {
  readonly issuers: readonly JwtIssuer[];
  /** The scheme's key store, read by issuers with `keyStore: true` (records by kid holding `publicKeys`). */
  readonly keys?: KeyStore;
  readonly clock?: Clock;
  readonly crypto?: CryptoBackend;
  readonly fetch?: FetchLike;
  readonly sharedCache?: SharedDocumentCache;
  /** Opens a JWKS store for an issuer's `jwksUrl`; required when one has one. */
  readonly openJwks?: JwksOpener | undefined;
  readonly authTokenHeader?: boolean;
  readonly queryParameter?: boolean;
  readonly maxTokenBytes?: number;
  readonly minRsaBits?: number;
  /** Verified tokens remembered (default 1,000; 0 turns the cache off). */
  readonly tokenCacheSize?: number;
}

interface KeySlot {
  readonly record: KeyRecord;
  readonly index: number;
  readonly kid: string | undefined;
}

interface Issuer {
  readonly label: string;
  readonly audiences: ReadonlySet<string> | null;
  readonly algorithms: ReadonlySet<JwsAlgorithm>;
  readonly tolerance: number;
  readonly requireExp: boolean;
  readonly maxAge: number | undefined;
  readonly principalClaim: string;
  readonly principalPrefix: string;
  readonly permissionClaims: readonly string[];
  readonly service: string | undefined;
  readonly inline: readonly KeySlot[];
  readonly stores: readonly KeyStore[];
  readonly jwks: JwksStore | undefined;
}

/** A verified token as the cache keeps it: the answer, its times, and the key record it was verified with. */
interface CacheEntry {
  readonly issuer: Issuer;
  readonly result: AuthSuccess;
  readonly times: Times;
  /** The store the record came from (undefined: an inline key, fixed for the verifier's life). */
  readonly store: KeyStore | undefined;
  readonly kid: string;
  readonly record: KeyRecord;
}

interface Times {
  readonly exp: number | undefined;
  readonly nbf: number | undefined;
  readonly iat: number | undefined;
}

/** The request parts a JWT may travel in, by the sources a verifier reads. */
export function jwtCredentials(sources: TokenSources): CredentialParts {
  return {
    headers: sources.authTokenHeader ? [AUTHORIZATION_HEADER, AUTH_TOKEN_HEADER] : [AUTHORIZATION_HEADER],
    query: sources.queryParameter ? [JWT_QUERY_PARAMETER] : [],
  };
}

const SIGNATURE_MESSAGE = 'the token signature does not verify';
const encoder = new TextEncoder();

// Imported keys per backend and record (a cached store hands out the same record object until it
// changes), by "index|alg"; null remembers a key that does not suit that algorithm.
const importedSync = new WeakMap<SyncJwsBackend, WeakMap<KeyRecord, Map<string, JwsPublicKey | null>>>();
const importedAsync = new WeakMap<JwsBackend, WeakMap<KeyRecord, Map<string, Promise<JwsPublicKey | null>>>>();

function slotOf<B extends object, V>(table: WeakMap<B, WeakMap<KeyRecord, Map<string, V>>>, backend: B, record: KeyRecord): Map<string, V> {
  let byRecord = table.get(backend);
  if (!byRecord) table.set(backend, (byRecord = new WeakMap()));
  let slot = byRecord.get(record);
  if (!slot) byRecord.set(record, (slot = new Map()));
  return slot;
}

// A JWK that names another algorithm or use, or leaves out "verify", is not a key for this token.
function jwkAllows(material: PublicKeyMaterial, alg: JwsAlgorithm): boolean {
  if (material.format !== 'jwk') return true;
  const { alg: jwkAlg, use, key_ops: ops } = material.jwk;
  if (jwkAlg !== undefined && jwkAlg !== alg) return false;
  if (use !== undefined && use !== 'sig') return false;
  return ops === undefined || (Array.isArray(ops) && ops.includes('verify'));
}

function importSync(jws: SyncJwsBackend, record: KeyRecord, index: number, alg: JwsAlgorithm, minBits: number): JwsPublicKey | null {
  const slot = slotOf(importedSync, jws, record);
  const id = `${index}|${alg}`;
  let key = slot.get(id);
  if (key === undefined) {
    const material = record.publicKeys?.[index];
    try {
      key = material && jwkAllows(material, alg) ? jws.importPublicKey(material, alg, minBits) : null;
    } catch {
      key = null;
    }
    slot.set(id, key);
  }
  return key;
}

function importAsync(jws: JwsBackend, record: KeyRecord, index: number, alg: JwsAlgorithm, minBits: number): Promise<JwsPublicKey | null> {
  const slot = slotOf(importedAsync, jws, record);
  const id = `${index}|${alg}`;
  let key = slot.get(id);
  if (key === undefined) {
    const material = record.publicKeys?.[index];
    key = material && jwkAllows(material, alg) ? jws.importPublicKey(material, alg, minBits).catch(() => null) : Promise.resolve(null);
    slot.set(id, key);
  }
  return key;
}

function numericDate(payload: Record<string, unknown>, claim: string): number | undefined {
  const value = own(payload, claim);
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) fail('ERR_AUTH_MALFORMED', `the token's ${claim} is not a number`);
  return value;
}

function checkTimes(issuer: Issuer, t: Times, now: number): void {
  const tol = issuer.tolerance;
  if (t.exp !== undefined && now - tol >= t.exp) fail('ERR_REQUEST_EXPIRED', 'the token has expired');
  if (t.nbf !== undefined && now + tol < t.nbf) fail('ERR_REQUEST_NOT_YET_VALID', 'the token is not valid yet');
  if (t.iat !== undefined && t.iat > now + tol) fail('ERR_REQUEST_NOT_YET_VALID', 'the token was issued in the future');
  if (issuer.maxAge !== undefined && t.iat !== undefined && now - t.iat > issuer.maxAge + tol)
    fail('ERR_REQUEST_EXPIRED', 'the token is too old');
}

function claimString(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_CLAIM_STRING_LENGTH)
    fail('ERR_AUTH_MALFORMED', `the token's ${what} must be a string of 1 to ${MAX_CLAIM_STRING_LENGTH} characters`);
  return value;
}

/**
 * Permissions from the configured claims: a space-separated string (OAuth `scope`), an array of
 * strings, or an object whose members set to `true` name permissions (dhq-auth's `permissions` as a
 * permission provider returns it; quota numbers and false are not permissions).
 */
function permissionsOf(issuer: Issuer, payload: Record<string, unknown>): string[] {
  const out = new Set<string>();
  for (const claim of issuer.permissionClaims) {
    const value = own(payload, claim);
    if (value === undefined || value === null) continue;
    let items: unknown[];
    if (typeof value === 'string') items = value.split(' ').filter((s) => s !== '');
    else if (Array.isArray(value)) items = value;
    else if (typeof value === 'object') items = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] === true);
    else fail('ERR_AUTH_MALFORMED', `the token's ${claim} claim is not a list of permissions`);
    for (const item of items) out.add(claimString(item, `${claim} claim`));
    if (out.size > MAX_PERMISSIONS) fail('ERR_AUTH_MALFORMED', `the token carries more than ${MAX_PERMISSIONS} permissions`);
  }
  return [...out];
}

function buildIssuer(o: JwtIssuer, i: number, deps: JwtVerifierOptions): Issuer {
  const where = `issuers[${i}]`;
  if (o.issuer !== null && (typeof o.issuer !== 'string' || o.issuer === ''))
    throw new TypeError(`${where}.issuer must be a string or null`);
  if (o.audience === undefined) throw new TypeError(`${where}.audience must be given (null: not checked)`);
  const audiences = o.audience === null ? null : new Set(typeof o.audience === 'string' ? [o.audience] : o.audience);
  if (audiences && (audiences.size === 0 || [...audiences].some((a) => typeof a !== 'string' || a === '')))
    throw new TypeError(`${where}.audience must be a string, a non-empty list of strings, or null`);
  if (!Array.isArray(o.algorithms) || o.algorithms.length === 0 || !o.algorithms.every(isJwsAlgorithm))
    throw new TypeError(`${where}.algorithms must be a non-empty list of ${Object.keys(JWS_ALGORITHMS).join(', ')}`);
  const tolerance = o.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
  if (!Number.isInteger(tolerance) || tolerance < 0 || tolerance > 300)
    throw new TypeError(`${where}.clockToleranceSeconds must be 0..300`);
  if (o.maxTokenAgeSeconds !== undefined && !(Number.isInteger(o.maxTokenAgeSeconds) && o.maxTokenAgeSeconds > 0))
    throw new TypeError(`${where}.maxTokenAgeSeconds must be a positive integer`);
  const inline: KeySlot[] = [];
  if (o.publicKeys !== undefined) {
    const parsed = parseKeyRecord({ id: `${where}.publicKeys`, principal: 'inline', publicKeys: [...o.publicKeys] });
    if (!parsed.ok || o.publicKeys.length === 0) throw new TypeError(`${where}.publicKeys must be PEM public keys or public JWKs`);
    const record = Object.freeze({ ...parsed.record, scheme: JWT_SCHEME });
    (record.publicKeys ?? []).forEach((m, index) => {
      const kid = m.format === 'jwk' && typeof m.jwk.kid === 'string' ? m.jwk.kid : undefined;
      inline.push({ record, index, kid });
    });
  }
  let jwks: JwksStore | undefined;
  if (o.jwksUrl !== undefined) {
    if (!deps.openJwks) throw new TypeError(`${where}.jwksUrl: no JWKS store can be opened here`);
    jwks = deps.openJwks({
      url: o.jwksUrl,
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
      ...(deps.clock ? { clock: deps.clock } : {}),
      ...(deps.sharedCache ? { shared: deps.sharedCache } : {}),
    });
  }
  const stores: KeyStore[] = jwks ? [jwks] : [];
  if (o.keyStore === true) {
    if (!deps.keys || typeof deps.keys.get !== 'function') throw new TypeError(`${where}.keyStore: the scheme has no key store`);
    stores.push(deps.keys);
  }
  if (inline.length === 0 && stores.length === 0) throw new TypeError(`${where} needs publicKeys, jwksUrl or keyStore: true`);
  return {
    label: where,
    audiences,
    algorithms: new Set(o.algorithms),
    tolerance,
    requireExp: o.requireExp !== false,
    maxAge: o.maxTokenAgeSeconds,
    principalClaim: o.principalClaim ?? 'sub',
    principalPrefix: o.principalPrefix ?? '',
    permissionClaims: o.permissionClaims ?? ['scope', 'permissions'],
    service: o.service,
    inline,
    stores,
    jwks,
  };
}

/**
 * Makes a JWT bearer-token verifier over one or more trusted issuers.
 *
 * @throws TypeError on invalid options (an unknown algorithm, two issuers with one `iss`, an issuer
 * without keys, a `jwksUrl` without `openJwks`).
 * @example
 * const verifier = createJwtVerifier({
 *   issuers: [{ issuer: 'https://auth.example', audience: 'orders', algorithms: ['RS256'], publicKeys: [pem] }],
 * });
 * const result = await verifier.verify(req); // result.principal.id is the token's `sub`
 */
export function createJwtVerifier(options: JwtVerifierOptions): SchemeVerifier {
  const clock = options.clock ?? systemClock;
  const crypto = options.crypto ?? defaultCrypto;
  const jwsAsync = crypto.jws;
  const jwsSync = crypto.sync?.jws;
  if (!jwsAsync && !jwsSync) throw new TypeError('the crypto backend has no JWS operations');
  const maxBytes = options.maxTokenBytes ?? DEFAULT_MAX_TOKEN_BYTES;
  if (!Number.isInteger(maxBytes) || maxBytes < MAX_TOKEN_BYTES_RANGE[0] || maxBytes > MAX_TOKEN_BYTES_RANGE[1])
    throw new TypeError(`maxTokenBytes must be ${MAX_TOKEN_BYTES_RANGE[0]}..${MAX_TOKEN_BYTES_RANGE[1]}`);
  const minBits = options.minRsaBits ?? DEFAULT_MIN_RSA_BITS;
  if (!Number.isInteger(minBits) || minBits < 2048) throw new TypeError('minRsaBits must be at least 2048');
  const cacheSize = options.tokenCacheSize ?? DEFAULT_TOKEN_CACHE_SIZE;
  if (!Number.isInteger(cacheSize) || cacheSize < 0 || cacheSize > 100000) throw new TypeError('tokenCacheSize must be 0..100000');
  if (!Array.isArray(options.issuers) || options.issuers.length === 0) throw new TypeError('issuers must be a non-empty list');
  const sources: TokenSources = { authTokenHeader: options.authTokenHeader === true, queryParameter: options.queryParameter === true };
  const byIss = new Map<string, Issuer>();
  let noIss: Issuer | undefined;
  options.issuers.forEach((o, i) => {
    const issuer = buildIssuer(o, i, options);
    if (o.issuer === null) {
      if (noIss) throw new TypeError('at most one issuer may be null');
      noIss = issuer;
    } else {
      if (byIss.has(o.issuer)) throw new TypeError(`issuers[${i}].issuer is configured twice`);
      byIss.set(o.issuer, issuer);
    }
  });
  const issuers = [...byIss.values(), ...(noIss ? [noIss] : [])];
  const cache = cacheSize > 0 ? new Map<string, CacheEntry>() : undefined;

  // Bounded in entries and in characters held (tokens may be up to 64 KiB each).
  let cachedChars = 0;
  function forget(token: string): void {
    if (cache!.delete(token)) cachedChars -= token.length;
  }
  function remember(token: string, entry: CacheEntry): void {
    if (!cache) return;
    forget(token);
    cache.set(token, entry);
    cachedChars += token.length;
    while (cache.size > cacheSize || cachedChars > MAX_TOKEN_CACHE_CHARS) forget(cache.keys().next().value!);
  }

  /** A remembered answer still good now, or undefined to verify afresh; throws when its times have run out. */
  function fromCache(token: string, entry: CacheEntry, now: number): AuthResult | Promise<AuthResult | undefined> {
    try {
      checkTimes(entry.issuer, entry.times, now);
    } catch (e) {
      forget(token);
      throw e;
    }
    if (!entry.store) return entry.result;
    // The store's record for the kid must still be the very object the token was verified with.
    return entry.store.get(entry.kid).then(
      (record) => {
        if (record === entry.record && isUsable(record, JWT_SCHEME, Math.floor(now))) return entry.result;
        forget(token);
        return undefined;
      },
      () => {
        forget(token);
        return undefined;
      },
    );
  }

  /** The inline keys a token may be verified with when no store need be asked; undefined when one must. */
  function inlineCandidates(issuer: Issuer, kid: string | undefined): readonly KeySlot[] | undefined {
    if (kid === undefined) return issuer.inline;
    const named = issuer.inline.filter((s) => s.kid === kid);
    if (named.length > 0) return named;
    return issuer.stores.length === 0 ? issuer.inline.filter((s) => s.kid === undefined) : undefined;
  }

  /** The keys a token may be verified with: inline ones by kid, then the stores by kid, then inline ones without kid. */
  async function candidates(
    issuer: Issuer,
    kid: string | undefined,
    now: number,
  ): Promise<{ slots: readonly KeySlot[]; store: KeyStore | undefined }> {
    const inline = inlineCandidates(issuer, kid);
    if (inline || kid === undefined) return { slots: inline ?? [], store: undefined };
    for (const store of issuer.stores) {
      let record: KeyRecord | undefined;
      try {
        record = await store.get(kid);
      } catch {
        fail('ERR_KEYSTORE_UNAVAILABLE', 'the issuer keys could not be fetched');
      }
      if (record && isUsable(record, JWT_SCHEME, Math.floor(now)))
        return { slots: (record.publicKeys ?? []).map((_, index) => ({ record: record, index, kid })), store };
    }
    return { slots: issuer.inline.filter((s) => s.kid === undefined), store: undefined };
  }

  function verifiedSlotSync(
    jws: SyncJwsBackend,
    slots: readonly KeySlot[],
    alg: JwsAlgorithm,
    data: Uint8Array,
    signature: Uint8Array,
  ): KeySlot | undefined {
    for (const slot of slots) {
      const key = importSync(jws, slot.record, slot.index, alg, minBits);
      if (key && jws.verify(key, data, signature)) return slot;
    }
    return undefined;
  }

  async function verifiedSlot(
    slots: readonly KeySlot[],
    alg: JwsAlgorithm,
    data: Uint8Array,
    signature: Uint8Array,
  ): Promise<KeySlot | undefined> {
    if (jwsSync) return verifiedSlotSync(jwsSync, slots, alg, data, signature);
    for (const slot of slots) {
      const key = await importAsync(jwsAsync!, slot.record, slot.index, alg, minBits);
      if (key && (await jwsAsync!.verify(key, data, signature))) return slot;
    }
    return undefined;
  }

  /**
   * Verifies a token not in the cache. Synchronous up to the answer when its keys are inline and the
   * backend answers at once (node:crypto); a store lookup or Web Crypto makes it wait.
   */
  function verifyToken(token: string, now: number): Promise<AuthResult> {
    const jwt = decodeJwt(token, maxBytes);
    const { header, payload } = jwt;
    const alg = own(header, 'alg');
    if (!isJwsAlgorithm(alg)) fail('ERR_AUTH_UNSUPPORTED', 'the token algorithm is not accepted');
    // No JWS extension is understood here (RFC 7515 section 4.1.11); b64 (RFC 7797) would change what is signed.
    if (own(header, 'crit') !== undefined || own(header, 'b64') !== undefined)
      fail('ERR_AUTH_UNSUPPORTED', 'the token uses a JWS extension');
    const kidValue = own(header, 'kid');
    if (kidValue !== undefined && (typeof kidValue !== 'string' || kidValue.length === 0 || kidValue.length > MAX_CLAIM_STRING_LENGTH))
      fail('ERR_AUTH_MALFORMED', 'the token key id is not a string');
    const kid = kidValue as string | undefined;
    const iss = own(payload, 'iss');
    if (iss !== undefined && typeof iss !== 'string') fail('ERR_AUTH_MALFORMED', "the token's iss is not a string");
    // Chosen by the unverified iss only to pick keys and rules; an issuer nobody configured costs no crypto.
    const issuer = iss === undefined ? noIss : byIss.get(iss);
    if (!issuer) fail('ERR_KEY_NOT_FOUND', 'the token issuer is not trusted');
    if (!issuer.algorithms.has(alg)) fail('ERR_AUTH_UNSUPPORTED', 'the token algorithm is not accepted');
    const times: Times = { exp: numericDate(payload, 'exp'), nbf: numericDate(payload, 'nbf'), iat: numericDate(payload, 'iat') };

    const data = encoder.encode(token.slice(0, jwt.signingInputEnd));
    const inline = jwsSync ? inlineCandidates(issuer, kid) : undefined;
    if (inline) {
      if (inline.length === 0) fail('ERR_KEY_NOT_FOUND', SIGNATURE_MESSAGE);
      return Promise.resolve(
        accept(token, issuer, payload, times, kid, verifiedSlotSync(jwsSync!, inline, alg, data, jwt.signature), undefined, now),
      );
    }
    return candidates(issuer, kid, now).then(async ({ slots, store }) => {
      if (slots.length === 0) fail('ERR_KEY_NOT_FOUND', SIGNATURE_MESSAGE);
      return accept(token, issuer, payload, times, kid, await verifiedSlot(slots, alg, data, jwt.signature), store, now);
    });
  }

  /** The answer for a token whose signature check found `slot` (or none): its claims checked, remembered. */
  function accept(
    token: string,
    issuer: Issuer,
    payload: Record<string, unknown>,
    times: Times,
    kid: string | undefined,
    slot: KeySlot | undefined,
    store: KeyStore | undefined,
    now: number,
  ): AuthResult {
    if (!slot) fail('ERR_SIGNATURE_INVALID', SIGNATURE_MESSAGE);

    if (times.exp === undefined && issuer.requireExp) fail('ERR_REQUEST_EXPIRED', 'the token has no expiry');
    if (issuer.maxAge !== undefined && times.iat === undefined) fail('ERR_REQUEST_EXPIRED', 'the token has no issue time');
    checkTimes(issuer, times, now);
    if (issuer.audiences) {
      const aud = own(payload, 'aud');
      const list = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
      if (!list.some((a) => typeof a === 'string' && issuer.audiences!.has(a)))
        fail('ERR_AUDIENCE_MISMATCH', 'the token is not meant for this audience');
    }
    if (issuer.service !== undefined && own(payload, 'service') !== issuer.service)
      fail('ERR_AUDIENCE_MISMATCH', 'the token is not meant for this service');
    const principal = claimString(own(payload, issuer.principalClaim), 'principal claim');
    const result: AuthSuccess = Object.freeze({
      ok: true as const,
      scheme: JWT_SCHEME,
      // The token's kid names the key; a key without one (a PEM) is named by where it is configured.
      keyId: kid ?? slot.kid ?? `${issuer.label}.publicKeys[${slot.index}]`,
      principal: Object.freeze({ id: issuer.principalPrefix + principal, permissions: Object.freeze(permissionsOf(issuer, payload)) }),
    });
    remember(token, { issuer, result, times, store, kid: kid ?? '', record: slot.record });
    return result;
  }

  // Not async: a repeated token with an inline key is answered without a promise step of its own.
  function verifyOrThrow(req: SignedRequest): Promise<AuthResult> {
    const nowMs = clock();
    if (typeof nowMs !== 'number' || !Number.isFinite(nowMs))
      fail('ERR_REQUEST_EXPIRED', 'the verifier has no usable time to check against');
    const now = nowMs / 1000;
    const { token } = findToken(req, sources);
    if (token.length > maxBytes) fail('ERR_AUTH_MALFORMED', 'the token is too long');
    const hit = cache?.get(token);
    if (hit) {
      // Least recently used goes first: a hit moves to the back.
      cache!.delete(token);
      cache!.set(token, hit);
      const answer = fromCache(token, hit, now);
      if (!(answer instanceof Promise)) return Promise.resolve(answer);
      return answer.then((a) => a ?? verifyToken(token, now));
    }
    return verifyToken(token, now);
  }

  return {
    scheme: JWT_SCHEME,
    claims: (req) => carriesJwt(req, sources),
    cacheableAcrossRoutes: true,
    credentials: jwtCredentials(sources),
    verify: (req) => failureAsResult(() => verifyOrThrow(req)),
    async hydrate() {
      // Never rejects: a JWKS that cannot be loaded now is fetched again on first use.
      await Promise.all(
        issuers.map((i) =>
          Promise.resolve(i.jwks)
            .then((j) => j?.hydrate())
            .then(undefined, () => undefined),
        ),
      );
    },
    async explain(req): Promise<SignatureExplanation> {
      const { token, source } = findToken(req, sources);
      const { header, payload } = decodeJwt(token, maxBytes);
      const alg = own(header, 'alg');
      const iss = own(payload, 'iss');
      const aud = own(payload, 'aud');
      const describe = (v: unknown) =>
        typeof v === 'string' ? v : Array.isArray(v) ? v.filter((a) => typeof a === 'string').join(' ') : '(none)';
      // Names only: values (kid, sub, the token and its signature) stay out of a printout.
      const text = `header: ${Object.keys(header).sort().join(', ')}\nclaims: ${Object.keys(payload).sort().join(', ')}`;
      return {
        algorithm: typeof alg === 'string' && alg.length <= 16 ? alg : '(unknown)',
        mode: source,
        scope: `iss=${describe(iss)} aud=${describe(aud)}`,
        signedHeaders: [],
        canonicalRequest: text,
        stringToSign: text,
        payloadHash: '',
        alternatives: [{ canonicalRequest: text, stringToSign: text }],
      };
    },
  };
}
