// API-key verification: one header, one key, looked up by the id it carries. The key's checksum
// refuses a mistyped or made-up key before any store lookup; then the record's live hashes (several
// during a rotation) are each compared in constant time with the SHA-256 of the presented key. The
// store never holds a key, only `sha256:<hex>` of it. An unknown id, a wrong key and a bad checksum
// are all 401 with the same message; only the internal codes differ where the error model has two.
import type { Clock } from '../../core/clock.ts';
import { systemClock } from '../../core/clock.ts';
import type { CryptoBackend } from '../../core/crypto.ts';
import { AuthFailure, authError, fail, failureAsResult } from '../../core/errors.ts';
import type { SignedRequest } from '../../core/request.ts';
import type { AuthFailureResult, AuthResult } from '../../core/result.ts';
import type { CredentialParts } from '../../core/verifier.ts';
import { defaultCrypto } from '#crypto';
import { parseApiKey } from '../../keys/api-key-format.ts';
import { isUsable } from '../../keys/usable.ts';
import type { KeyRecord, KeyStore } from '../../keys/types.ts';
import type { SchemeVerifier } from '../descriptor.ts';
import { API_KEY_MESSAGES, API_KEY_SCHEME, DEFAULT_API_KEY_HEADER } from './constants.ts';
import { carriesHeader, readApiKeyHeader } from './parse.ts';
import { apiKeyRecordIssues, holdsOnlyHashes } from './record.ts';
import { checkHeaderName } from './header-name.ts';

/** Where an API-key verifier finds keys, and which header it reads. */
export interface ApiKeyVerifierOptions {
  /** Records by key id (the id inside each key), each holding `sha256:<hex>` of its key(s). */
  readonly keys: KeyStore;
  readonly clock?: Clock;
  readonly crypto?: CryptoBackend;
  /** The header the key travels in (default `X-Api-Key`), matched case-insensitively. */
  readonly header?: string;
  /**
   * Whether a verified result carries the presented key as `usageIdentifierKey` (default true), which
   * the Lambda authorizer hands to API Gateway on REST APIs so that usage plans with
   * `apiKeySource: AUTHORIZER` count the call. Off: the key never leaves the verifier.
   */
  readonly usageIdentifierKey?: boolean;
}

/** The request parts an API key travels in, for a header name. */
export function apiKeyCredentials(header: string = DEFAULT_API_KEY_HEADER): CredentialParts {
  return { headers: [header.toLowerCase()], query: [] };
}

const SHA256_PREFIX_LENGTH = 'sha256:'.length;

// Whether each record a store handed out holds only hashes: asked once per record object (a cached
// store hands out the same object until the record changes), not with a regular expression per request.
const checked = new WeakMap<KeyRecord, boolean>();

function onlyHashes(record: KeyRecord): boolean {
  let fit = checked.get(record);
  if (fit === undefined) checked.set(record, (fit = holdsOnlyHashes(record)));
  return fit;
}

/**
 * Whether a stored `sha256:<64 hex>` (its form already checked) is `sha256:` and `hex`, in time that
 * depends only on the lengths: the hex digits compared in place, without building the stored form.
 */
function hashEquals(stored: string, hex: string): boolean {
  let diff = (stored.length - SHA256_PREFIX_LENGTH) ^ hex.length;
  for (let i = 0; i < hex.length; i++) diff |= (stored.charCodeAt(SHA256_PREFIX_LENGTH + i) | 0) ^ hex.charCodeAt(i);
  return diff === 0;
}

function asFailure(e: unknown): AuthFailureResult {
  if (e instanceof AuthFailure) return { ok: false, error: e.toAuthError() };
  return { ok: false, error: authError('ERR_AUTH_MALFORMED', 'request could not be parsed') };
}

/**
 * Makes an API-key verifier over a key store of hashed keys.
 *
 * @throws TypeError on invalid options (a header name that is not an HTTP token, or one reserved for
 * other uses such as `Authorization`).
 * @example
 * const { id, key } = generateApiKey();
 * const keys = createMemoryKeyStore([{ id, scheme: 'api-key', secrets: [await apiKeySecretHash(key)], principal: 'svc', permissions: [] }]);
 * const result = await createApiKeyVerifier({ keys }).verify(request); // request carries `X-Api-Key: <key>`
 */
export function createApiKeyVerifier(options: ApiKeyVerifierOptions): SchemeVerifier {
  const { keys } = options;
  if (!keys || typeof keys.get !== 'function') throw new TypeError('keys must be a KeyStore');
  const clock = options.clock ?? systemClock;
  const crypto = options.crypto ?? defaultCrypto;
  const shown = checkHeaderName(options.header ?? DEFAULT_API_KEY_HEADER);
  const lower = shown.toLowerCase();
  const usage = options.usageIdentifierKey ?? true;
  const credentials = apiKeyCredentials(shown);
  // On Node the hash answers at once (node:crypto): no promise for it.
  const syncSha256Hex = crypto.sync?.sha256Hex;

  /** The record's verdict on the key whose SHA-256 is `hex`: every live hash compared, none skipped. Throws AuthFailure. */
  function judge(record: KeyRecord | undefined, id: string, key: string, hex: string, nowMs: number): AuthResult {
    if (!record) fail('ERR_KEY_NOT_FOUND', API_KEY_MESSAGES.invalid);
    if (!onlyHashes(record)) {
      // A store holding a key in clear (or no hash at all) is the operator's fault: refused, and named by field.
      const fields = apiKeyRecordIssues(record)
        .map((i) => i.path)
        .join(', ');
      fail('ERR_KEYSTORE_UNAVAILABLE', `the api-key record is not usable (${fields}): records hold only "sha256:<hex>" hashes of keys`);
    }
    if (!isUsable(record, API_KEY_SCHEME, Math.floor(nowMs / 1000))) fail('ERR_KEY_NOT_FOUND', API_KEY_MESSAGES.invalid);
    let matched = false;
    for (const secret of record.secrets) if (hashEquals(secret, hex)) matched = true;
    if (!matched) fail('ERR_SIGNATURE_INVALID', API_KEY_MESSAGES.invalid);
    const principal = { id: record.principal, permissions: record.permissions };
    return usage
      ? { ok: true, scheme: API_KEY_SCHEME, keyId: id, principal, usageIdentifierKey: key }
      : { ok: true, scheme: API_KEY_SCHEME, keyId: id, principal };
  }

  const unavailable = (): never => fail('ERR_KEYSTORE_UNAVAILABLE', API_KEY_MESSAGES.unavailable);

  /**
   * Everything up to the lookup synchronously, then one promise step: the store's answer, judged at once
   * (on Node the key was hashed before the lookup; with Web Crypto the hash is awaited beside it). Any
   * AuthFailure becomes a failure result; nothing rejects.
   */
  function verify(req: SignedRequest): Promise<AuthResult> {
    let id: string;
    let key: string;
    let nowMs: number;
    let lookup: Promise<KeyRecord | undefined>;
    try {
      nowMs = clock();
      if (typeof nowMs !== 'number' || !Number.isFinite(nowMs))
        fail('ERR_REQUEST_EXPIRED', 'the verifier has no usable time to check against');
      const read = readApiKeyHeader(req, lower, shown);
      if (!read.ok) fail(read.code, read.message);
      key = read.key;
      // The form and checksum first: a typo, a truncated paste or a random string costs no lookup.
      const parsed = parseApiKey(key);
      if (!parsed.ok) fail('ERR_SIGNATURE_INVALID', API_KEY_MESSAGES.invalid);
      id = parsed.id;
      try {
        lookup = keys.get(id);
      } catch {
        fail('ERR_KEYSTORE_UNAVAILABLE', API_KEY_MESSAGES.unavailable);
      }
    } catch (e) {
      return Promise.resolve(asFailure(e));
    }
    if (syncSha256Hex) {
      let hex: string;
      try {
        hex = syncSha256Hex(key);
      } catch (e) {
        return Promise.resolve(asFailure(e));
      }
      // Promise.resolve hands a native promise back as it is (no extra step), and makes a store that
      // answered with something else (a record, undefined) unable to make verify throw.
      return Promise.resolve(lookup).then(
        (record) => {
          try {
            return judge(record, id, key, hex, nowMs);
          } catch (e) {
            return asFailure(e);
          }
        },
        () => asFailure(new AuthFailure('ERR_KEYSTORE_UNAVAILABLE', API_KEY_MESSAGES.unavailable)),
      );
    }
    return failureAsResult(() =>
      Promise.all([Promise.resolve(lookup).catch(unavailable), crypto.sha256Hex(key)]).then(([record, hex]) =>
        judge(record, id, key, hex, nowMs),
      ),
    );
  }

  return {
    scheme: API_KEY_SCHEME,
    claims: (req) => carriesHeader(req, lower),
    // Bearer credentials: an answer may stand for every route the principal is permitted.
    cacheableAcrossRoutes: true,
    credentials,
    verify,
  };
}
