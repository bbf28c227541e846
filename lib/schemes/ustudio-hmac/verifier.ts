// USTUDIO-HMAC-V2 verification, as ustudio-hmac-tornado 0.3.0's `hmac_authorized` decorator does it,
// with bounds, key rotation (every live secret of the key's record is tried) and, only when asked for,
// our freshness extension (a signed timestamp and nonce, a skew window and a replay cache).
import type { Clock } from '../../core/clock.ts';
import { systemClock } from '../../core/clock.ts';
import { timingSafeEqualString } from '../../core/compare.ts';
import type { CryptoBackend, HmacKey, SyncCryptoBackend } from '../../core/crypto.ts';
import { isLowerHex } from '../../core/encoding.ts';
import { fail, failureAsResult } from '../../core/errors.ts';
import type { SignedRequest } from '../../core/request.ts';
import type { AuthResult } from '../../core/result.ts';
import type { CredentialParts } from '../../core/verifier.ts';
import { defaultCrypto } from '#crypto';
import { isUsable, peekKey } from '../../keys/usable.ts';
import type { KeyRecord, KeyStore } from '../../keys/types.ts';
import type { SchemeVerifier, SignatureExplanation } from '../descriptor.ts';
import { canonicalQuery, hasAmbiguousName, stringToSignHead, type FreshnessFields } from './canonical.ts';
import { AUTH_HEADER, DEFAULT_SKEW_SECONDS, NONCE_HEADER, TIMESTAMP_HEADER, USTUDIO_ALGORITHM, USTUDIO_SCHEME } from './constants.ts';
import { carriesUStudio, parseAuthorization, parseFreshness, ustudioHeaders, type UStudioClaim } from './parse.ts';
import { createMemoryReplayCache, type ReplayCache } from './replay.ts';

/** The request parts USTUDIO-HMAC-V2 carries credentials in (the freshness headers included). */
export const USTUDIO_CREDENTIALS: CredentialParts = { headers: [AUTH_HEADER, TIMESTAMP_HEADER, NONCE_HEADER], query: [] };

/** Our freshness extension (off unless given): what the verifier then requires. */
export interface UStudioFreshnessOptions {
  /** Allowed distance between the signed timestamp and now, both ways (default 300). */
  readonly skewSeconds?: number;
  /** Refuse requests without an `X-UStudio-Nonce` (default false: the nonce is optional but signed when sent). */
  readonly requireNonce?: boolean;
  /** Where accepted signatures are remembered (default: a {@link createMemoryReplayCache} of 10,000); `false` for none. */
  readonly replayCache?: ReplayCache | false;
}

/** Where a USTUDIO-HMAC-V2 verifier finds secrets, and its rules. */
export interface UStudioVerifierOptions {
  /** Records by key id holding the shared secret(s) (`secrets`, newest first; every one verifies during a rotation). */
  readonly keys: KeyStore;
  readonly clock?: Clock;
  readonly crypto?: CryptoBackend;
  /** Our freshness extension; absent or `false`: off, and requests verify exactly as the original's. */
  readonly freshness?: UStudioFreshnessOptions | false;
}

const encoder = new TextEncoder();
const SIGNATURE = 'signature does not match';
/** What an unknown key is checked against (and never matches: no digest is accepted for it). */
const DECOY: KeyRecord = { id: '', secrets: ['decoy-secret-for-unknown-keys'], principal: '', permissions: [] };
const METHOD_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}$/;

/** The bytes signed: the head (UTF-8) and the body after it. */
function signedBytes(head: string, body: Uint8Array): Uint8Array {
  const h = encoder.encode(head);
  if (body.length === 0) return h;
  const out = new Uint8Array(h.length + body.length);
  out.set(h);
  out.set(body, h.length);
  return out;
}

// Imported secrets per backend and per record: a cached store hands out the same record object until it
// changes, so each secret is imported once.
const importedSync = new WeakMap<SyncCryptoBackend, WeakMap<KeyRecord, HmacKey[]>>();
const importedAsync = new WeakMap<CryptoBackend, WeakMap<KeyRecord, Promise<HmacKey[]>>>();

function keysOfSync(sync: SyncCryptoBackend, record: KeyRecord): HmacKey[] {
  let byRecord = importedSync.get(sync);
  if (!byRecord) importedSync.set(sync, (byRecord = new WeakMap()));
  let keys = byRecord.get(record);
  if (!keys) byRecord.set(record, (keys = record.secrets.map((s) => sync.importHmacKey(s))));
  return keys;
}

function keysOfAsync(crypto: CryptoBackend, record: KeyRecord): Promise<HmacKey[]> {
  let byRecord = importedAsync.get(crypto);
  if (!byRecord) importedAsync.set(crypto, (byRecord = new WeakMap()));
  let keys = byRecord.get(record);
  if (!keys) {
    keys = Promise.all(record.secrets.map((s) => crypto.importHmacKey(s)));
    byRecord.set(record, keys);
    keys.catch(() => byRecord.delete(record));
  }
  return keys;
}

/**
 * Makes a USTUDIO-HMAC-V2 verifier over a key store of shared secrets. Requests signed by
 * ustudio-hmac-tornado 0.3.0 verify unchanged unless `freshness` is given, which then requires (and
 * checks) our signed `X-UStudio-Timestamp` and optional `X-UStudio-Nonce`.
 *
 * Failures: `ERR_AUTH_MISSING`, `ERR_AUTH_UNSUPPORTED` (another scheme), `ERR_AUTH_MALFORMED`,
 * `ERR_PAYLOAD_HASH_REQUIRED` (no body given), `ERR_KEY_NOT_FOUND` and `ERR_SIGNATURE_INVALID` (which
 * clients see alike), `ERR_REQUEST_EXPIRED` / `ERR_REQUEST_NOT_YET_VALID` (freshness; a replay is
 * `ERR_REQUEST_EXPIRED`), `ERR_KEYSTORE_UNAVAILABLE`.
 *
 * @throws TypeError on invalid options.
 * @example
 * const verifier = createUStudioVerifier({ keys: createMemoryKeyStore([{ id: 'k1', secrets: [secret], principal: 'svc', permissions: [] }]) });
 * const result = await verifier.verify(req);
 */
export function createUStudioVerifier(options: UStudioVerifierOptions): SchemeVerifier {
  const { keys } = options;
  if (!keys || typeof keys.get !== 'function') throw new TypeError('keys must be a KeyStore');
  const clock = options.clock ?? systemClock;
  const crypto = options.crypto ?? defaultCrypto;
  const fresh = options.freshness === undefined || options.freshness === false ? undefined : options.freshness;
  const skew = fresh?.skewSeconds ?? DEFAULT_SKEW_SECONDS;
  if (!Number.isInteger(skew) || skew < 1 || skew > 3600) throw new TypeError('freshness.skewSeconds must be 1..3600');
  const requireNonce = fresh?.requireNonce === true;
  const replay = fresh === undefined || fresh.replayCache === false ? undefined : (fresh.replayCache ?? createMemoryReplayCache());
  if (replay && typeof replay.firstSeen !== 'function') throw new TypeError('freshness.replayCache must be a ReplayCache');
  const sync = crypto.sync;

  /** The freshness fields when the extension is on, checked against the clock; undefined when it is off. */
  function freshnessOf(headers: ReturnType<typeof ustudioHeaders>, nowMs: number): FreshnessFields | undefined {
    if (!fresh) return undefined;
    const f = parseFreshness(headers, requireNonce);
    if (!f.ok) fail(f.code, f.message);
    const t = Number(f.value.timestamp);
    const now = nowMs / 1000;
    if (now - t > skew) fail('ERR_REQUEST_EXPIRED', `the request is not within ${skew}s of now`);
    if (t - now > skew) fail('ERR_REQUEST_NOT_YET_VALID', `the request is not within ${skew}s of now`);
    return f.value;
  }

  // Every live secret is tried, all of them (no early exit), each compared in constant time.

  /** With a synchronous backend (node:crypto): no promise, and the body hashed where it lies when the backend takes parts. */
  function matchesSync(s: SyncCryptoBackend, record: KeyRecord, head: string, body: Uint8Array, digest: string): boolean {
    let matched = false;
    const parts = s.hmacSha256HexParts ? [head, body] : undefined;
    const data = parts ? undefined : signedBytes(head, body);
    for (const key of keysOfSync(s, record)) {
      const mac = parts ? s.hmacSha256HexParts!(key, parts) : s.hmacSha256Hex(key, data!);
      if (timingSafeEqualString(mac, digest)) matched = true;
    }
    return matched;
  }

  /** With an asynchronous backend (Web Crypto): one await per secret, none for a key already imported. */
  async function matchesAsync(record: KeyRecord, head: string, body: Uint8Array, digest: string): Promise<boolean> {
    let matched = false;
    const data = signedBytes(head, body);
    for (const key of await keysOfAsync(crypto, record))
      if (timingSafeEqualString(await crypto.hmacSha256Hex(key, data), digest)) matched = true;
    return matched;
  }

  // Written with promises rather than async functions: on Node only the key lookup waits, and each
  // step less is measurable against a 2 µs HMAC.
  function verifyOrThrow(req: SignedRequest): AuthResult | Promise<AuthResult> {
    const nowMs = clock();
    if (typeof nowMs !== 'number' || !Number.isFinite(nowMs))
      fail('ERR_REQUEST_EXPIRED', 'the verifier has no usable time to check against');
    const headers = ustudioHeaders(req);
    const parsed = parseAuthorization(headers);
    if (!parsed.ok) fail(parsed.code, parsed.message);
    const claim: UStudioClaim = parsed.value;
    const freshness = freshnessOf(headers, nowMs);
    // An HTTP method is a token (RFC 9110 section 9.1): no space, no line break. What the wire cannot carry
    // is refused, so that no request can sign the freshness extension's first line as its method.
    if (!METHOD_RE.test(req.method)) fail('ERR_AUTH_MALFORMED', 'the request method is not an HTTP token');
    const body = req.body;
    if (body === undefined) fail('ERR_PAYLOAD_HASH_REQUIRED', 'USTUDIO-HMAC-V2 signs the body: the request body is needed to verify it');
    if (hasAmbiguousName(req.query))
      fail(
        'ERR_AUTH_MALFORMED',
        'a query parameter name decodes to "=", "&" or a control character, which this scheme cannot sign unambiguously',
      );
    // hmac.compare_digest against a lower-case hex digest: anything else never matches.
    if (!isLowerHex(claim.digest, 64)) fail('ERR_SIGNATURE_INVALID', SIGNATURE);
    const judge = (found: KeyRecord | undefined): AuthResult | Promise<AuthResult> => {
      const head = stringToSignHead(req.method, req.path, canonicalQuery(req.query), freshness);
      if (!found || found.secrets.length === 0 || !isUsable(found, USTUDIO_SCHEME, Math.floor(nowMs / 1000))) {
        // The same work as for a known key with a wrong signature, so that the time taken does not
        // tell an unknown key from a bad signature either.
        if (sync) matchesSync(sync, DECOY, head, body, claim.digest);
        else return matchesAsync(DECOY, head, body, claim.digest).then(() => fail('ERR_KEY_NOT_FOUND', SIGNATURE));
        fail('ERR_KEY_NOT_FOUND', SIGNATURE);
      }
      if (sync) return accepted(matchesSync(sync, found, head, body, claim.digest), claim, found, freshness, nowMs);
      return matchesAsync(found, head, body, claim.digest).then((m) => accepted(m, claim, found, freshness, nowMs));
    };
    // On Node with a store that knows the answer now (records in memory, a warm key cache): the whole
    // check without waiting for a promise of the store's.
    if (sync) {
      const known = peekKey(keys, claim.keyId);
      if (known !== undefined) return judge(known ?? undefined);
    }
    let lookup: Promise<KeyRecord | undefined>;
    try {
      lookup = Promise.resolve(keys.get(claim.keyId));
    } catch {
      fail('ERR_KEYSTORE_UNAVAILABLE', 'the key store could not be reached');
    }
    return lookup.then(judge, () => fail('ERR_KEYSTORE_UNAVAILABLE', 'the key store could not be reached'));
  }

  /** The answer once the signature has been checked: the replay cache asked (freshness only), then the principal. */
  function accepted(
    matched: boolean,
    claim: UStudioClaim,
    found: KeyRecord,
    freshness: FreshnessFields | undefined,
    nowMs: number,
  ): AuthResult | Promise<AuthResult> {
    if (!matched) fail('ERR_SIGNATURE_INVALID', SIGNATURE);
    const success: AuthResult = {
      ok: true,
      scheme: USTUDIO_SCHEME,
      keyId: claim.keyId,
      principal: { id: found.principal, permissions: found.permissions },
    };
    if (!freshness || !replay) return success;
    let first: boolean | Promise<boolean>;
    try {
      // Remembered until the request would be refused as expired anyway.
      first = replay.firstSeen(claim.digest, (Number(freshness.timestamp) + skew) * 1000 + 1000, nowMs);
    } catch {
      fail('ERR_KEYSTORE_UNAVAILABLE', 'the replay cache could not be reached');
    }
    return Promise.resolve(first).then(
      (isNew) => {
        if (isNew !== true) fail('ERR_REQUEST_EXPIRED', 'the request was already received (replay)');
        return success;
      },
      () => fail('ERR_KEYSTORE_UNAVAILABLE', 'the replay cache could not be reached'),
    );
  }

  return {
    scheme: USTUDIO_SCHEME,
    claims: carriesUStudio,
    cacheableAcrossRoutes: false,
    credentials: USTUDIO_CREDENTIALS,
    verify: (req) => failureAsResult(() => verifyOrThrow(req)),
    async explain(req): Promise<SignatureExplanation> {
      const headers = ustudioHeaders(req);
      const parsed = parseAuthorization(headers);
      if (!parsed.ok) fail(parsed.code, parsed.message);
      let freshness: FreshnessFields | undefined;
      if (fresh) {
        const f = parseFreshness(headers, requireNonce);
        if (!f.ok) fail(f.code, f.message);
        freshness = f.value;
      }
      const canonical = canonicalQuery(req.query);
      const head = stringToSignHead(req.method, req.path, canonical, freshness);
      // The body as text (invalid UTF-8 shown as U+FFFD): what a reader compares with their client's.
      const text = head + new TextDecoder().decode(req.body ?? new Uint8Array());
      return {
        algorithm: USTUDIO_ALGORITHM,
        mode: freshness ? 'header+freshness' : 'header',
        scope: '',
        signedHeaders: freshness ? [TIMESTAMP_HEADER, NONCE_HEADER] : [],
        canonicalRequest: canonical,
        stringToSign: text,
        payloadHash: '',
        alternatives: [{ canonicalRequest: canonical, stringToSign: text }],
        // The key id is not in the signed string, but a printout that shows the request must not show it either.
        redact: [{ where: 'the key id', value: parsed.value.keyId }],
      };
    },
  };
}
