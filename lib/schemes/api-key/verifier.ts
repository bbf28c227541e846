// API-key verification: one header, one key, looked up by the id it carries. The key's checksum
// refuses a mistyped or made-up key before any store lookup; then the record's live hashes (several
// during a rotation) are each compared in constant time with the SHA-256 of the presented key. The
// store never holds a key, only `sha256:<hex>` of it. An unknown id, a wrong key and a bad checksum
// are all 401 with the same message; only the internal codes differ where the error model has two.
import type { Clock } from '../../core/clock.ts';
import { systemClock } from '../../core/clock.ts';
import type { CryptoBackend } from '../../core/crypto.ts';
import { AuthFailure, asFailureResult, fail, failureAsResult } from '../../core/errors.ts';
import { timingSafeEqualString } from '../../core/compare.ts';
import type { SignedRequest } from '../../core/request.ts';
import type { AuthResult, Principal } from '../../core/result.ts';
import type { CredentialParts } from '../../core/verifier.ts';
import { defaultCrypto } from '#crypto';
import { API_KEY_PREFIX, apiKeyIdEnd } from '../../keys/api-key-format.ts';
import { isUsable, peekKey } from '../../keys/usable.ts';
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

/** What the verifier learnt of a record once: whether it holds only hashes, their hex digits, and the principal it names. */
interface RecordState {
  readonly fit: boolean;
  /** The hex digits of each `sha256:` secret, copied once into strings that read fast (see `sequential`). */
  readonly hashes: readonly string[];
  readonly principal: Principal;
}

// Per record object (a cached store hands out the same object until the record changes): its form is
// checked once, not with a regular expression per request, and its principal is built once.
const states = new WeakMap<KeyRecord, RecordState>();

function stateOf(record: KeyRecord): RecordState {
  let state = states.get(record);
  if (state === undefined) {
    const fit = holdsOnlyHashes(record);
    state = {
      fit,
      hashes: fit ? record.secrets.map((s) => sequential(s.slice(SHA256_PREFIX_LENGTH))) : [],
      principal: { id: record.principal, permissions: record.permissions },
    };
    states.set(record, state);
  }
  return state;
}

/**
 * A copy of `text` laid out in memory as a string of its own: a slice is a view into its parent, and a
 * string built by concatenation a tree, both slower to read character by character on every request.
 */
function sequential(text: string): string {
  return String.fromCharCode(...Array.from(text, (c) => c.charCodeAt(0)));
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
  function judge(record: KeyRecord | undefined, id: string, key: string, hex: string): AuthResult {
    if (!record) fail('ERR_KEY_NOT_FOUND', API_KEY_MESSAGES.invalid);
    // A record of another scheme is not an API key's: unknown, like an id no store holds (it must not
    // read as a broken store, which would tell a caller that the id exists and let anyone cause 5xx).
    if (record.scheme !== undefined && record.scheme !== API_KEY_SCHEME) fail('ERR_KEY_NOT_FOUND', API_KEY_MESSAGES.invalid);
    const state = stateOf(record);
    if (!state.fit) {
      // A store holding a key in clear (or no hash at all) is the operator's fault: refused, and named by field.
      const fields = apiKeyRecordIssues(record)
        .map((i) => i.path)
        .join(', ');
      fail('ERR_KEYSTORE_UNAVAILABLE', `the api-key record is not usable (${fields}): records hold only "sha256:<hex>" hashes of keys`);
    }
    // The clock is read only for a record with a validity window (the others are valid at any time).
    const windowed = record.notBefore !== undefined || record.expiresAt !== undefined;
    if (!isUsable(record, API_KEY_SCHEME, windowed ? nowSeconds() : 0)) fail('ERR_KEY_NOT_FOUND', API_KEY_MESSAGES.invalid);
    let matched = false;
    for (const hash of state.hashes) if (timingSafeEqualString(hash, hex)) matched = true;
    if (!matched) fail('ERR_SIGNATURE_INVALID', API_KEY_MESSAGES.invalid);
    const { principal } = state;
    return usage
      ? { ok: true, scheme: API_KEY_SCHEME, keyId: id, principal, usageIdentifierKey: key }
      : { ok: true, scheme: API_KEY_SCHEME, keyId: id, principal };
  }

  /** Now, in epoch seconds. @throws AuthFailure when the clock gives no usable time (fail closed). */
  function nowSeconds(): number {
    const ms = clock();
    if (typeof ms !== 'number' || !Number.isFinite(ms)) fail('ERR_REQUEST_EXPIRED', 'the verifier has no usable time to check against');
    return Math.floor(ms / 1000);
  }

  const unavailable = (): never => fail('ERR_KEYSTORE_UNAVAILABLE', API_KEY_MESSAGES.unavailable);

  /**
   * Everything up to the lookup synchronously, then one promise step: the store's answer, judged at once
   * (on Node the key was hashed before the lookup; with Web Crypto the hash is awaited beside it). On
   * Node with a store that can `peek` (records in memory), no promise step at all. Any AuthFailure
   * becomes a failure result; nothing rejects.
   */
  function verify(req: SignedRequest): Promise<AuthResult> {
    let id: string;
    let key: string;
    let lookup: Promise<KeyRecord | undefined>;
    try {
      const read = readApiKeyHeader(req, lower, shown);
      if (typeof read !== 'string') fail(read.code, read.message);
      key = read;
      // The form and checksum first: a typo, a truncated paste or a random string costs no lookup.
      const idEnd = apiKeyIdEnd(key);
      if (idEnd < 0) fail('ERR_SIGNATURE_INVALID', API_KEY_MESSAGES.invalid);
      id = key.slice(API_KEY_PREFIX.length, idEnd);
      // A store that knows the answer now (records in memory), on a backend that hashes at once:
      // the whole verification without a promise step of its own.
      if (syncSha256Hex) {
        const known = peekKey(keys, id);
        if (known !== undefined) return Promise.resolve(judge(known ?? undefined, id, key, syncSha256Hex(key)));
      }
      try {
        lookup = keys.get(id);
      } catch {
        fail('ERR_KEYSTORE_UNAVAILABLE', API_KEY_MESSAGES.unavailable);
      }
    } catch (e) {
      return Promise.resolve(asFailureResult(e));
    }
    if (syncSha256Hex) {
      let hex: string;
      try {
        hex = syncSha256Hex(key);
      } catch (e) {
        return Promise.resolve(asFailureResult(e));
      }
      // Promise.resolve hands a native promise back as it is (no extra step), and makes a store that
      // answered with something else (a record, undefined) unable to make verify throw.
      return Promise.resolve(lookup).then(
        (record) => {
          try {
            return judge(record, id, key, hex);
          } catch (e) {
            return asFailureResult(e);
          }
        },
        () => asFailureResult(new AuthFailure('ERR_KEYSTORE_UNAVAILABLE', API_KEY_MESSAGES.unavailable)),
      );
    }
    return failureAsResult(() =>
      Promise.all([Promise.resolve(lookup).catch(unavailable), crypto.sha256Hex(key)]).then(([record, hex]) => judge(record, id, key, hex)),
    );
  }

  return {
    scheme: API_KEY_SCHEME,
    claims: (req) => carriesHeader(req, lower),
    // Bearer credentials: an answer may stand for every route when every route admits the principal (lib/policy/iam.ts).
    cacheableAcrossRoutes: true,
    credentials,
    verify,
  };
}
