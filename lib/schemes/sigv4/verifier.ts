import { defaultCrypto } from '#crypto';
import type { Clock } from '../../core/clock.ts';
import { systemClock } from '../../core/clock.ts';
import { timingSafeEqualString } from '../../core/compare.ts';
import { isLowerHex } from '../../core/encoding.ts';
import { EMPTY_SHA256_HEX, type CryptoBackend, type HmacKey, type SyncCryptoBackend } from '../../core/crypto.ts';
import { fail, failureAsResult } from '../../core/errors.ts';
import { headerMap, type SignedRequest } from '../../core/request.ts';
import type { AuthResult } from '../../core/result.ts';
import type { CredentialParts, Verifier } from '../../core/verifier.ts';
import type { SignatureExplanation } from '../descriptor.ts';
import type { KeyRecord, KeyStore } from '../../keys/types.ts';
import { isUsable, peekKey } from '../../keys/usable.ts';
import { canonicalHeaders, canonicalPath, canonicalQuery, canonicalRequest, stringToSign, type CanonicalOptions } from './canonical.ts';
import {
  ALGORITHM_INFO,
  ALGORITHMS,
  AMZ_DATE,
  CONTENT_SHA256,
  DCI_DATE,
  DEFAULT_SKEW_SECONDS,
  MAX_PRESIGN_EXPIRES_SECONDS,
  Q_ALGORITHM,
  Q_CREDENTIAL,
  Q_DATE,
  Q_EXPIRES,
  Q_SECURITY_TOKEN,
  Q_SIGNATURE,
  Q_SIGNED_HEADERS,
  SECURITY_TOKEN,
  UNSIGNED_PAYLOAD,
  type SigV4Algorithm,
  type SigV4Profile,
} from './constants.ts';
import { carriesSigV4, parseSigV4, type SigV4Claim } from './parse.ts';
import { SigningKeyCache } from './signing-key.ts';
import { parseAmzTimestamp } from './time.ts';

/** The scheme id: `schemes.sigv4` in the configuration, `scheme` in results. */
export const SIGV4_SCHEME = 'sigv4';

/** What a SigV4 request carries its credentials in; none of it may reach the origin. */
export const SIGV4_CREDENTIALS: CredentialParts = {
  headers: ['authorization', SECURITY_TOKEN],
  query: [Q_ALGORITHM, Q_CREDENTIAL, Q_DATE, Q_EXPIRES, Q_SIGNED_HEADERS, Q_SIGNATURE, Q_SECURITY_TOKEN],
};

/**
 * What {@link createSigV4Verifier} checks against; everything that scopes a signature is pinned here, never
 * taken from the request.
 */
export interface SigV4VerifierOptions {
  readonly keys: KeyStore;
  /** Pinned: requests scoped to any other region are rejected. */
  readonly region: string;
  /** Pinned: requests scoped to any other service are rejected. */
  readonly service: string;
  /** Accepted algorithms (default AWS4-HMAC-SHA256 only). The terminator follows the algorithm. */
  readonly algorithms?: readonly SigV4Algorithm[];
  readonly profile?: SigV4Profile;
  /** Default: true unless service is "s3". */
  readonly uriEscapePath?: boolean;
  /** Default: true unless service is "s3". */
  readonly normalizePath?: boolean;
  /** Allowed distance between the signed timestamp and now, both ways (default 900 s). */
  readonly clockSkewSeconds?: number;
  readonly allowPresigned?: boolean;
  /** Longest X-Amz-Expires accepted (default and maximum 7 days). */
  readonly maxPresignExpiresSeconds?: number;
  /** Accept `x-amz-content-sha256: UNSIGNED-PAYLOAD` (and presigned URLs that sign no body). Default true. */
  readonly allowUnsignedPayload?: boolean;
  readonly clock?: Clock;
  readonly crypto?: CryptoBackend;
}

/**
 * What `explain()` shows: the strings the signature was checked against. Never secrets. Every
 * canonical form tried is in `alternatives`, the main one first (presigned URLs may sign
 * UNSIGNED-PAYLOAD, or leave the token out).
 */
export interface SigV4Explanation extends SignatureExplanation {
  readonly mode: 'header' | 'query';
}

/** Everything about a request that is known before its key is looked up; no crypto has run yet. */
interface Prepared {
  readonly claim: SigV4Claim;
  readonly timestamp: string;
  readonly scope: string;
  /** Canonical requests to try, each without its last line (the payload hash): one per query reading. */
  readonly heads: readonly string[];
  /** The payload hash the request declares (x-amz-content-sha256), when it declares one. */
  readonly declared: string | undefined;
  /** Presigned URLs may sign UNSIGNED-PAYLOAD instead of the body's hash: try both. */
  readonly alsoUnsigned: boolean;
}

// Most requests (every GET) have no body: its hash is a constant, not a crypto call.
// One helper for both faces of the backend: the synchronous one answers a string, the other a promise.
const bodySha256 = <T extends string | Promise<string>>(hasher: { sha256Hex(data: Uint8Array): T }, body: Uint8Array): string | T =>
  body.length === 0 ? EMPTY_SHA256_HEX : hasher.sha256Hex(body);

/** What a wrong signature and a key that may not sign both answer: the one cannot be told from the other. */
const SIGNATURE_MISMATCH = 'signature does not match';

const AWS_DATE_HEADERS = [AMZ_DATE] as const;
const NOTHING_EXCLUDED: readonly string[] = [];
const PRESIGNED_EXCLUDED = [Q_SIGNATURE];
const PRESIGNED_EXCLUDED_NO_TOKEN = [Q_SIGNATURE, Q_SECURITY_TOKEN];
const DCI_DATE_HEADERS = [AMZ_DATE, DCI_DATE] as const;

// Requests arrive with the same timestamp many times a second: remember the last one parsed.
let lastTimestamp = '';
let lastTimestampMs = 0;

function parseTimestamp(ts: string): number {
  if (ts === lastTimestamp) return lastTimestampMs;
  const ms = parseAmzTimestamp(ts);
  if (ms === 'format') fail('ERR_AUTH_MALFORMED', 'request timestamp must be YYYYMMDDTHHMMSSZ');
  if (ms === 'date') fail('ERR_AUTH_MALFORMED', 'request timestamp is not a valid date and time');
  lastTimestamp = ts;
  lastTimestampMs = ms;
  return ms;
}

function requireNonNegativeInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 0) throw new TypeError(`${name} must be a non-negative integer`);
  return v;
}

/**
 * Creates a verifier for AWS Signature Version 4 and its DCI flavour, header and presigned-URL
 * authentication. Region, service, algorithms and terminator are pinned here, never read from
 * the client.
 *
 * @throws TypeError on invalid options.
 * @example
 * const v = createSigV4Verifier({ keys, region: 'us-east-1', service: 'execute-api' });
 * const result = await v.verify(request); // { ok: true, principal, ... } or { ok: false, error }
 */
export function createSigV4Verifier(options: SigV4VerifierOptions): Verifier & {
  /**
   * The canonical requests and strings to sign the signature is checked against (no secrets, no
   * signature). Unlike `verify`, it rejects: with an error whose `code` is the one `verify` would answer,
   * when the request carries no SigV4 claim, a malformed one, or signs a body that was not given.
   */
  explain(req: SignedRequest): Promise<SigV4Explanation>;
} {
  const { keys, region, service } = options;
  if (!keys || typeof keys.get !== 'function') throw new TypeError('keys must be a KeyStore');
  if (typeof region !== 'string' || !/^[A-Za-z0-9._-]+$/.test(region)) throw new TypeError('region must be a non-empty scope string');
  if (typeof service !== 'string' || !/^[A-Za-z0-9._-]+$/.test(service)) throw new TypeError('service must be a non-empty scope string');
  const algorithms = options.algorithms ?? ['AWS4-HMAC-SHA256'];
  if (algorithms.length === 0 || algorithms.some((a) => !(ALGORITHMS as readonly string[]).includes(a))) {
    throw new TypeError(`algorithms must be a non-empty subset of ${ALGORITHMS.join(', ')}`);
  }
  const profile = options.profile ?? 'aws';
  if (profile !== 'aws' && profile !== 'dciauth') throw new TypeError('profile must be "aws" or "dciauth"');
  const isS3 = service === 's3';
  const canon: CanonicalOptions = {
    profile,
    uriEscapePath: options.uriEscapePath ?? !isS3,
    normalizePath: options.normalizePath ?? !isS3,
  };
  const skewMs = requireNonNegativeInt('clockSkewSeconds', options.clockSkewSeconds ?? DEFAULT_SKEW_SECONDS) * 1000;
  const maxExpires = requireNonNegativeInt('maxPresignExpiresSeconds', options.maxPresignExpiresSeconds ?? MAX_PRESIGN_EXPIRES_SECONDS);
  if (maxExpires > MAX_PRESIGN_EXPIRES_SECONDS) throw new TypeError('maxPresignExpiresSeconds cannot exceed 7 days');
  const allowPresigned = options.allowPresigned ?? true;
  const allowUnsigned = options.allowUnsignedPayload ?? true;
  const clock = options.clock ?? systemClock;
  const crypto = options.crypto ?? defaultCrypto;
  const signingKeys = new SigningKeyCache(crypto, region, service);

  function dateHeaderNames(algorithm: SigV4Algorithm): readonly string[] {
    // python-dciauth reads X-Amz-Date first, then X-DCI-Date, whatever the algorithm.
    return profile === 'dciauth' || algorithm === 'DCI2-HMAC-SHA256' ? DCI_DATE_HEADERS : AWS_DATE_HEADERS;
  }

  function prepare(req: SignedRequest, headers: ReadonlyMap<string, readonly string[]>, nowMs: number | undefined): Prepared | undefined {
    const claim = parseSigV4(req, profile, headers);
    if (!claim) return undefined;
    if (!algorithms.includes(claim.algorithm)) fail('ERR_AUTH_UNSUPPORTED', 'signature algorithm is not accepted here');
    if (claim.mode === 'query' && !allowPresigned) fail('ERR_AUTH_UNSUPPORTED', 'presigned URLs are not accepted here');
    const expectedTerminator = ALGORITHM_INFO[claim.algorithm].terminator;
    if (claim.region !== region || claim.service !== service || claim.terminator !== expectedTerminator) {
      fail('ERR_SCOPE_MISMATCH', 'credential scope does not match this endpoint (region, service or terminator)');
    }
    const signed = claim.signedHeaders;
    if (profile === 'aws' && !claim.signedHeadersSorted) fail('ERR_AUTH_MALFORMED', 'SignedHeaders must be sorted');
    if (!signed.includes('host')) fail('ERR_AUTH_MALFORMED', 'the host header must be signed');

    let timestamp: string;
    if (claim.mode === 'header') {
      let name: string | undefined;
      let values: readonly string[] | undefined;
      for (const n of dateHeaderNames(claim.algorithm)) {
        values = headers.get(n);
        if (values !== undefined) {
          name = n;
          break;
        }
      }
      if (name === undefined || values === undefined) fail('ERR_AUTH_MALFORMED', 'request has no X-Amz-Date (or X-DCI-Date) header');
      if (values.length !== 1) fail('ERR_AUTH_MALFORMED', 'request repeats its date header');
      if (!signed.includes(name)) fail('ERR_AUTH_MALFORMED', 'the date header must be signed');
      timestamp = values[0]!.trim();
    } else {
      timestamp = claim.timestamp!;
    }
    const tsMs = parseTimestamp(timestamp);
    if (!timestamp.startsWith(claim.date)) fail('ERR_SCOPE_MISMATCH', 'credential date does not match the request timestamp');
    if (nowMs !== undefined) {
      if (tsMs - nowMs > skewMs) fail('ERR_REQUEST_NOT_YET_VALID', 'request timestamp is in the future beyond the allowed clock skew');
      if (claim.mode === 'header') {
        if (nowMs - tsMs > skewMs) fail('ERR_REQUEST_EXPIRED', 'request timestamp is too old');
      } else {
        const expires = claim.expires!;
        if (expires < 1 || expires > maxExpires) fail('ERR_AUTH_MALFORMED', 'X-Amz-Expires is out of range');
        if (nowMs - tsMs > expires * 1000) fail('ERR_REQUEST_EXPIRED', 'presigned URL has expired');
      }
    }

    // Payload hash: the declared x-amz-content-sha256 when present, else the body's hash.
    const declaredValues = headers.get(CONTENT_SHA256);
    let declared: string | undefined;
    if (declaredValues) {
      if (declaredValues.length !== 1) fail('ERR_AUTH_MALFORMED', 'request repeats x-amz-content-sha256');
      declared = declaredValues[0]!.trim();
      if (declared === UNSIGNED_PAYLOAD) {
        if (!allowUnsigned) fail('ERR_AUTH_UNSUPPORTED', 'unsigned payloads are not accepted here');
      } else if (!isLowerHex(declared, 64)) {
        fail('ERR_AUTH_UNSUPPORTED', 'x-amz-content-sha256 must be a lower-case SHA-256 hex digest or UNSIGNED-PAYLOAD');
      }
    } else if (req.body === undefined) {
      fail(
        'ERR_PAYLOAD_HASH_REQUIRED',
        'the signature covers the request body, which was not given (body is undefined, as in an API Gateway authorizer): ' +
          'pass the body (an empty one for a request without), sign the payload hash in the x-amz-content-sha256 header, ' +
          'or mark the route verifyInFunction',
      );
    }

    // Path, query, then headers: the order in which their faults are reported.
    const path = canonicalPath(req.path, canon);
    // No pairs: the claim found the query canonical as it came (header authentication, AWS profile).
    const pairs = claim.queryPairs;
    const query =
      pairs === undefined ? req.query : canonicalQuery(pairs, profile, claim.mode === 'header' ? NOTHING_EXCLUDED : PRESIGNED_EXCLUDED);
    // Some AWS clients add X-Amz-Security-Token after signing (the "sts-header-after" cases); the
    // token is still checked against the key record, so leaving it unsigned weakens nothing.
    const tokenlessQuery =
      pairs !== undefined && claim.mode === 'query' && claim.securityToken !== undefined
        ? canonicalQuery(pairs, profile, PRESIGNED_EXCLUDED_NO_TOKEN)
        : undefined;
    const headerBlock = canonicalHeaders(req, signed, profile, headers);
    const heads = [canonicalRequest(req.method, path, query, headerBlock, claim.signedHeaderList, '')];
    if (tokenlessQuery !== undefined)
      heads.push(canonicalRequest(req.method, path, tokenlessQuery, headerBlock, claim.signedHeaderList, ''));
    return {
      claim,
      timestamp,
      scope: claim.date + '/' + claim.region + '/' + claim.service + '/' + claim.terminator,
      heads,
      declared,
      alsoUnsigned: declared === undefined && claim.mode === 'query' && allowUnsigned,
    };
  }

  /** The payload hashes to try: the declared one, or the body's (and UNSIGNED-PAYLOAD for presigned URLs). */
  function payloadHashes(p: Prepared, bodyHash: string | undefined): string[] {
    if (p.declared !== undefined) return [p.declared];
    return p.alsoUnsigned ? [bodyHash!, UNSIGNED_PAYLOAD] : [bodyHash!];
  }

  /** Every canonical request to try (each query reading with each payload hash), in the order explain() shows them. */
  function canonicals(p: Prepared, bodyHash: string | undefined): Array<{ canonical: string; payloadHash: string }> {
    const out = [];
    for (const head of p.heads) for (const h of payloadHashes(p, bodyHash)) out.push({ canonical: head + h, payloadHash: h });
    return out;
  }

  /** Whether the body must be hashed to build the canonical requests. */
  const needsBodyHash = (p: Prepared) => p.declared === undefined;

  function checkSessionToken(headers: ReadonlyMap<string, readonly string[]>, claim: SigV4Claim, record: KeyRecord): boolean {
    const fromHeader = headers.get(SECURITY_TOKEN);
    if (fromHeader && fromHeader.length !== 1) fail('ERR_AUTH_MALFORMED', 'request repeats X-Amz-Security-Token');
    const presented = claim.mode === 'query' ? claim.securityToken : fromHeader?.[0];
    if (record.sessionToken === undefined) return presented === undefined;
    return presented !== undefined && timingSafeEqualString(presented, record.sessionToken);
  }

  /**
   * The signature check with a synchronous backend: no await between the key lookup and the answer.
   * Every secret and candidate is compared, so timing does not reveal which one (if any) matched.
   */
  function signatureMatchesSync(sync: SyncCryptoBackend, req: SignedRequest, p: Prepared, record: KeyRecord): boolean {
    const { claim } = p;
    const bodyHash = needsBodyHash(p) ? bodySha256(sync, req.body!) : undefined;
    // Each canonical request (a query reading with a payload hash) hashed once, then signed with every secret.
    const toSign: string[] = [];
    for (const head of p.heads)
      for (const h of payloadHashes(p, bodyHash))
        toSign.push(stringToSign(claim.algorithm, p.timestamp, p.scope, sync.sha256Hex(head + h)));
    let matched = false;
    for (const secret of record.secrets) {
      const key = signingKeys.get(record, claim.algorithm, secret, claim.date) as HmacKey;
      for (const sts of toSign) if (timingSafeEqualString(sync.hmacSha256Hex(key, sts), claim.signature)) matched = true;
    }
    return matched;
  }

  /** {@link signatureMatchesSync} with an asynchronous backend (Web Crypto): one await per crypto step, none for a cached key. */
  async function signatureMatchesAsync(req: SignedRequest, p: Prepared, record: KeyRecord): Promise<boolean> {
    const { claim } = p;
    const keys = record.secrets.map((secret) => signingKeys.get(record, claim.algorithm, secret, claim.date));
    const bodyHash = needsBodyHash(p) ? await bodySha256(crypto, req.body!) : undefined;
    const toSign: string[] = [];
    for (const c of canonicals(p, bodyHash))
      toSign.push(stringToSign(claim.algorithm, p.timestamp, p.scope, await crypto.sha256Hex(c.canonical)));
    let matched = false;
    for (const pending of keys) {
      const key = pending instanceof Promise ? await pending : pending;
      for (const sts of toSign) if (timingSafeEqualString(await crypto.hmacSha256Hex(key, sts), claim.signature)) matched = true;
    }
    return matched;
  }

  /** The record when it may sign now; `undefined` for an unknown key, or one that may not sign now. */
  const usable = (found: KeyRecord | undefined, nowMs: number): KeyRecord | undefined =>
    found && isUsable(found, SIGV4_SCHEME, Math.floor(nowMs / 1000)) ? found : undefined;

  /**
   * What a key that may not sign is checked against, with the same work as a known key's wrong
   * signature (body and canonical request hashed, one HMAC with a cached signing key), so that the
   * time taken does not tell which key ids exist. Its answer is never read: the request is refused.
   * Its signing keys are cached like a record's, one slot for every unknown id, so a prober who warms it
   * at a date no client of a real key uses can still see that key derive once (README, "SigV4 and DCI").
   */
  const decoy: KeyRecord = { id: '', secrets: ['edge-authorizer-sigv4-decoy'], principal: '', permissions: [] };

  /** The answer once everything matched: the principal, and the declared body hash when the body was not there to check. */
  function success(claim: Prepared['claim'], record: KeyRecord, declaredBodyHash: string | undefined, req: SignedRequest): AuthResult {
    const principal = { id: record.principal, permissions: record.permissions };
    // Built whole, not spread from the plain answer: a spread costs about as much as the rest of this answer.
    return declaredBodyHash !== undefined && req.body === undefined
      ? { ok: true, scheme: SIGV4_SCHEME, keyId: claim.keyId, principal, pendingBodySha256: declaredBodyHash }
      : { ok: true, scheme: SIGV4_SCHEME, keyId: claim.keyId, principal };
  }

  const declaredOf = (prepared: Prepared) =>
    prepared.declared !== undefined && prepared.declared !== UNSIGNED_PAYLOAD ? prepared.declared : undefined;

  /** The verdict with a synchronous backend (node:crypto): no promise from the lookup to the answer. */
  function judgeSync(
    sync: SyncCryptoBackend,
    req: SignedRequest,
    headers: ReturnType<typeof headerMap>,
    prepared: Prepared,
    found: KeyRecord | undefined,
    nowMs: number,
  ): AuthResult {
    const record = usable(found, nowMs);
    if (record === undefined) {
      signatureMatchesSync(sync, req, prepared, decoy);
      fail('ERR_KEY_NOT_FOUND', SIGNATURE_MISMATCH);
    }
    const declaredBodyHash = declaredOf(prepared);
    if (!signatureMatchesSync(sync, req, prepared, record)) fail('ERR_SIGNATURE_INVALID', SIGNATURE_MISMATCH);
    if (!checkSessionToken(headers, prepared.claim, record)) fail('ERR_SIGNATURE_INVALID', 'security token is missing or does not match');
    if (declaredBodyHash !== undefined && req.body !== undefined && !timingSafeEqualString(bodySha256(sync, req.body), declaredBodyHash))
      fail('ERR_PAYLOAD_HASH_MISMATCH', 'body does not match x-amz-content-sha256');
    return success(prepared.claim, record, declaredBodyHash, req);
  }

  /** The verdict with an asynchronous backend (Web Crypto): the body is hashed while the signature is computed, and compared after it. */
  async function judgeAsync(
    req: SignedRequest,
    headers: ReturnType<typeof headerMap>,
    prepared: Prepared,
    found: KeyRecord | undefined,
    nowMs: number,
  ): Promise<AuthResult> {
    const declaredBodyHash = declaredOf(prepared);
    const checkBody = declaredBodyHash !== undefined && req.body !== undefined;
    let actualBodyHash: string | Promise<string> | undefined;
    if (checkBody) {
      actualBodyHash = bodySha256(crypto, req.body!);
      // Left unawaited when the signature fails: a rejection there must not surface as an unhandled one.
      if (actualBodyHash instanceof Promise) actualBodyHash.catch(() => undefined);
    }
    const record = usable(found, nowMs);
    if (record === undefined) {
      await signatureMatchesAsync(req, prepared, decoy);
      fail('ERR_KEY_NOT_FOUND', SIGNATURE_MISMATCH);
    }
    if (!(await signatureMatchesAsync(req, prepared, record))) fail('ERR_SIGNATURE_INVALID', SIGNATURE_MISMATCH);
    if (!checkSessionToken(headers, prepared.claim, record)) fail('ERR_SIGNATURE_INVALID', 'security token is missing or does not match');
    if (checkBody && !timingSafeEqualString(await actualBodyHash!, declaredBodyHash!))
      fail('ERR_PAYLOAD_HASH_MISMATCH', 'body does not match x-amz-content-sha256');
    return success(prepared.claim, record, declaredBodyHash, req);
  }

  function verifyOrThrow(req: SignedRequest): AuthResult | Promise<AuthResult> {
    const nowMs = clock();
    // NaN compares false both ways, so a broken clock would let every timestamp through: fail closed.
    if (typeof nowMs !== 'number' || !Number.isFinite(nowMs))
      fail('ERR_REQUEST_EXPIRED', 'the verifier has no usable time to check against');
    const headers = headerMap(req.headers);
    const prepared = prepare(req, headers, nowMs);
    if (!prepared) fail('ERR_AUTH_MISSING', 'request is not signed');
    const { claim } = prepared;
    const sync = crypto.sync;
    // On Node with a store that knows the answer now (records in memory, a warm key cache): the whole
    // verification without waiting for a promise of the store's.
    if (sync) {
      const known = peekKey(keys, claim.keyId);
      if (known !== undefined) return judgeSync(sync, req, headers, prepared, known ?? undefined, nowMs);
    }
    let lookup: Promise<KeyRecord | undefined>;
    try {
      lookup = Promise.resolve(keys.get(claim.keyId));
    } catch {
      fail('ERR_KEYSTORE_UNAVAILABLE', 'key store unavailable');
    }
    return lookup.then(
      (found) => (sync ? judgeSync(sync, req, headers, prepared, found, nowMs) : judgeAsync(req, headers, prepared, found, nowMs)),
      () => fail('ERR_KEYSTORE_UNAVAILABLE', 'key store unavailable'),
    );
  }

  return {
    scheme: SIGV4_SCHEME,
    claims: carriesSigV4,
    cacheableAcrossRoutes: false,
    credentials: SIGV4_CREDENTIALS,
    verify: (req) => failureAsResult(() => verifyOrThrow(req)),
    async explain(req) {
      const prepared = prepare(req, headerMap(req.headers), undefined);
      if (!prepared) fail('ERR_AUTH_MISSING', 'request is not signed');
      const bodyHash = needsBodyHash(prepared) ? await bodySha256(crypto, req.body!) : undefined;
      const candidates = canonicals(prepared, bodyHash);
      const alternatives = [];
      for (const c of candidates) {
        const sts = stringToSign(prepared.claim.algorithm, prepared.timestamp, prepared.scope, await crypto.sha256Hex(c.canonical));
        alternatives.push({ canonicalRequest: c.canonical, stringToSign: sts });
      }
      return {
        algorithm: prepared.claim.algorithm,
        mode: prepared.claim.mode,
        scope: prepared.scope,
        signedHeaders: prepared.claim.signedHeaders,
        canonicalRequest: alternatives[0]!.canonicalRequest,
        stringToSign: alternatives[0]!.stringToSign,
        payloadHash: candidates[0]!.payloadHash,
        alternatives,
      };
    },
  };
}
