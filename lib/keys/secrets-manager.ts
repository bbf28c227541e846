// Key records in AWS Secrets Manager, read through the official SDK (@aws-sdk/client-secrets-manager,
// an optional peer dependency). The SDK is imported when the first key is looked up, never before:
// a deployment without a Secrets Manager store loads none of it, and Lambda's Node runtimes ship it.
// Errors and reports name fault words and record fields only: never a secret's value, its name (which
// holds the key id) or the SDK's own message (which quotes the name).
import type { KeyLookup, KeySource } from './cache.ts';
import { parseKeyRecordJson, parseKeyRecords, recordIssueLines, type KeyRecordIssue } from './record.ts';
import { KeyStoreError, type KeyRecord, type KeyStoreFault } from './types.ts';
import { parseJsonSafe } from '../config/json.ts';

/** The stage of the live version of a secret. */
export const CURRENT_STAGE = 'AWSCURRENT';
/** The stage of the version a rotation is putting in place (read when `pending` is on). */
export const PENDING_STAGE = 'AWSPENDING';

/** One secret version as GetSecretValue answers it (the fields read here). */
export interface SecretValue {
  readonly VersionId?: string | undefined;
  readonly SecretString?: string | undefined;
  readonly SecretBinary?: Uint8Array | undefined;
}

/**
 * Reads one version of one secret: the SDK's GetSecretValue. Rejects with the SDK's error (mapped
 * to a fault by {@link secretsManagerFault}); `signal` aborts it.
 */
export type SecretReader = (secretId: string, stage: string, signal: AbortSignal) => Promise<SecretValue>;

/** What the SDK client is built with (a subset of SecretsManagerClientConfig, so that no SDK type leaks into this package's declarations). */
export interface SecretsManagerClientSettings {
  readonly region: string;
  /** A VPC or local endpoint. */
  readonly endpoint?: string | undefined;
  /** Attempts per call, the first included (the SDK's standard retry strategy). */
  readonly maxAttempts?: number | undefined;
  /** Bounds each HTTP attempt (connect and response); the whole call is bounded by the source's `timeoutMs`. */
  readonly timeoutMs?: number | undefined;
  /** Fixed credentials (tests, embedders); default: the SDK's provider chain (the Lambda role). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string } | undefined;
}

/**
 * A {@link SecretReader} over the real SDK client, imported and built on the first read (a failed
 * import is a `misconfigured` store fault, and is tried again on the next read).
 *
 * @example
 * const read = sdkSecretReader({ region: 'eu-west-1', maxAttempts: 2, timeoutMs: 2000 });
 */
export function sdkSecretReader(settings: SecretsManagerClientSettings): SecretReader {
  let ready: Promise<SecretReader> | undefined;
  const load = async (): Promise<SecretReader> => {
    let sdk: typeof import('@aws-sdk/client-secrets-manager');
    try {
      sdk = await import('@aws-sdk/client-secrets-manager');
    } catch {
      throw new KeyStoreError('misconfigured', 'Secrets Manager: @aws-sdk/client-secrets-manager cannot be loaded');
    }
    const client = new sdk.SecretsManagerClient({
      region: settings.region,
      ...(settings.endpoint !== undefined ? { endpoint: settings.endpoint } : {}),
      ...(settings.maxAttempts !== undefined ? { maxAttempts: settings.maxAttempts } : {}),
      ...(settings.credentials !== undefined ? { credentials: { ...settings.credentials } } : {}),
      ...(settings.timeoutMs !== undefined
        ? { requestHandler: { requestTimeout: settings.timeoutMs, connectionTimeout: settings.timeoutMs } }
        : {}),
    });
    return (secretId, stage, signal) =>
      client.send(new sdk.GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }), { abortSignal: signal });
  };
  return (secretId, stage, signal) => {
    ready ??= load().catch((e: unknown) => {
      ready = undefined;
      throw e;
    });
    return ready.then((read) => read(secretId, stage, signal));
  };
}

const NOT_FOUND = new Set(['ResourceNotFoundException']);
const THROTTLED = new Set(['ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded', 'LimitExceededException']);
const DENIED = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'InvalidClientTokenId',
  'ExpiredTokenException',
  'ExpiredToken',
  // KMS refused to decrypt the secret for this role.
  'DecryptionFailure',
]);
const TIMEOUT_NAMES = new Set(['AbortError', 'TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'ECONNABORTED']);
// The SDK's Node handler names a reset or refused connection a TimeoutError (so that it is retried); its code says what it was.
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN']);
const CONFIG_NAMES = new Set(['CredentialsProviderError', 'InvalidParameterException', 'ValidationException']);

interface SdkErrorLike {
  name?: unknown;
  code?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $response?: unknown;
}

/**
 * What an SDK rejection means: `'not-found'` (no such secret, or no version in that stage),
 * `'deleted'` (the secret is scheduled for deletion: InvalidRequestException), or the store fault.
 * Reads the error's name, code and HTTP status, never its message.
 */
export function secretsManagerFault(e: unknown): KeyStoreFault | 'not-found' | 'deleted' {
  if (e instanceof KeyStoreError) return e.fault;
  const err = (typeof e === 'object' && e !== null ? e : {}) as SdkErrorLike;
  const name = typeof err.name === 'string' ? err.name : '';
  const code = typeof err.code === 'string' ? err.code : '';
  const status = typeof err.$metadata?.httpStatusCode === 'number' ? err.$metadata.httpStatusCode : undefined;
  if (NOT_FOUND.has(name)) return 'not-found';
  // GetSecretValue answers InvalidRequestException for a secret marked for deletion: a revoked key.
  if (name === 'InvalidRequestException') return 'deleted';
  if (NETWORK_CODES.has(code)) return 'network';
  if (TIMEOUT_NAMES.has(name) || TIMEOUT_CODES.has(code)) return 'timeout';
  if (THROTTLED.has(name) || status === 429) return 'throttled';
  if (DENIED.has(name) || status === 401 || status === 403) return 'access-denied';
  if (CONFIG_NAMES.has(name)) return 'misconfigured';
  if (err.$fault === 'server' || (status !== undefined && status >= 500)) return 'server-error';
  // A 2xx answer the SDK could not read (not JSON, not the shape): the endpoint is not Secrets Manager, or broken.
  if (name === 'SyntaxError' || (status !== undefined && status < 300)) return 'malformed-response';
  if (status !== undefined && status >= 400) return 'misconfigured';
  return 'network';
}

const FAULT_TEXT: Record<KeyStoreFault, string> = {
  timeout: 'Secrets Manager did not answer in time',
  throttled: 'Secrets Manager throttled the request',
  'server-error': 'Secrets Manager failed',
  'access-denied': 'Secrets Manager refused the request (permissions or credentials)',
  network: 'Secrets Manager could not be reached',
  'malformed-response': 'Secrets Manager gave an answer that cannot be read',
  'invalid-record': 'a secret in Secrets Manager is not a valid key record',
  misconfigured: 'the Secrets Manager store is misconfigured',
};

function storeError(fault: KeyStoreFault): KeyStoreError {
  return new KeyStoreError(fault, FAULT_TEXT[fault]);
}

/** A report of records the source left out or refused: field paths and messages, never ids or values. */
export interface SecretsManagerIssueReport {
  /** `current` or `pending`: which version of the secret the record was in. */
  readonly stage: 'current' | 'pending';
  /** `prefix` (one key's secret) or `bundle`. */
  readonly mode: 'prefix' | 'bundle';
  readonly issues: readonly string[];
}

/** What {@link createSecretsManagerSource} reads from, and how. */
export interface SecretsManagerSourceOptions {
  /** Reads a secret version: {@link sdkSecretReader}, or your own over a client you built. */
  readonly read: SecretReader;
  /** One secret per key id, named prefix + id. Give exactly one of `prefix` and `bundle`. */
  readonly prefix?: string | undefined;
  /** One secret, by name or ARN, holding every record as `{"keys": [...]}`. */
  readonly bundle?: string | undefined;
  /** Also read AWSPENDING, so that a secret being rotated verifies during the rotation (default true). */
  readonly pending?: boolean | undefined;
  /** The longest one GetSecretValue call may take, retries included (default 2,000 ms). */
  readonly timeoutMs?: number | undefined;
  /** Scheme ids a record may name (default: any). */
  readonly schemes?: readonly string[] | undefined;
  /** Told of records left out (a bad record in a bundle, a pending version that cannot be merged). */
  readonly onIssue?: ((report: SecretsManagerIssueReport) => void) | undefined;
}

/** How long a current record read without its pending version (that read failed) is kept. */
const PENDING_FAULT_MAX_AGE_SECONDS = 30;

// Secret ids are bounded by Secrets Manager (512 characters for a name); a key id that cannot name a
// secret is unknown without asking.
const SECRET_NAME_RE = /^[A-Za-z0-9/_+=.@-]+$/;
const MAX_SECRET_NAME = 512;

/** The UTF-8 text of a secret version; undefined when it has neither form or is not UTF-8. */
function secretText(value: SecretValue): string | undefined {
  if (typeof value.SecretString === 'string') return value.SecretString;
  if (value.SecretBinary instanceof Uint8Array) {
    try {
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(value.SecretBinary);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * The pending version's secrets or public keys added after the current ones (which stay first), the
 * current version's id, principal, permissions and validity kept. A pending record of another kind
 * (public keys for a secret record), another scheme or disabled adds nothing.
 */
export function mergePending(current: KeyRecord, pending: KeyRecord): KeyRecord | undefined {
  if (pending.id !== current.id || pending.disabled) return undefined;
  if (pending.scheme !== undefined && pending.scheme !== current.scheme) return undefined;
  const currentKind = current.publicKeys !== undefined ? 'public' : 'secret';
  const pendingKind = pending.publicKeys !== undefined ? 'public' : 'secret';
  if (currentKind !== pendingKind) return undefined;
  if (currentKind === 'secret') {
    const secrets = [...current.secrets, ...pending.secrets.filter((s) => !current.secrets.includes(s))];
    return secrets.length === current.secrets.length ? current : { ...current, secrets };
  }
  const seen = new Set(current.publicKeys!.map((k) => JSON.stringify(k)));
  const added = pending.publicKeys!.filter((k) => !seen.has(JSON.stringify(k)));
  return added.length === 0 ? current : { ...current, publicKeys: [...current.publicKeys!, ...added] };
}

/**
 * A key source over Secrets Manager, for `createCachedKeyStore`. With `prefix`, a per-id source: key
 * `id` is the secret `prefix + id` (AWSCURRENT, then AWSPENDING when the current one exists), whose
 * value is one key record (SecretString, or SecretBinary as UTF-8 JSON) with that very id. With
 * `bundle`, a complete source: one secret holding `{"keys": [...]}`; a bad record in it is reported
 * and left out, and its id answers a store fault. An unknown or deleted secret is an unknown key; a
 * value that is not a record is an `invalid-record` store fault; anything else the SDK throws is a
 * store fault named by {@link secretsManagerFault}.
 *
 * @throws TypeError unless exactly one of `prefix` and `bundle` is given.
 * @example
 * const source = createSecretsManagerSource({ read: sdkSecretReader({ region: 'eu-west-1' }), prefix: 'edge-authorizer/keys/' });
 * const keys = createCachedKeyStore(source, { ttlSeconds: 300 });
 */
export function createSecretsManagerSource(options: SecretsManagerSourceOptions): KeySource {
  if ((options.prefix === undefined) === (options.bundle === undefined)) throw new TypeError('give exactly one of "prefix" and "bundle"');
  const read = options.read;
  const pending = options.pending ?? true;
  const timeoutMs = options.timeoutMs ?? 2_000;
  const recordOptions = options.schemes ? { schemes: options.schemes } : {};
  const report = (r: SecretsManagerIssueReport) => {
    try {
      options.onIssue?.(r);
    } catch {
      // A report that cannot be made must not change the answer.
    }
  };

  /** One version, or undefined when there is no such secret or version; deleted secrets as `deleted`. */
  async function version(secretId: string, stage: string): Promise<SecretValue | 'deleted' | undefined> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    try {
      return await read(secretId, stage, abort.signal);
    } catch (e) {
      const fault = abort.signal.aborted ? 'timeout' : secretsManagerFault(e);
      if (fault === 'not-found') return undefined;
      if (fault === 'deleted') return 'deleted';
      throw storeError(fault);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The AWSPENDING version, or `unreadable` (reported) when reading it failed. The pending version is
   * optional: a failed read of it (throttled, timed out) must not throw away the current version just
   * read, or the cache would go on serving its last answer, which the current version may have
   * revoked a key from. The caller keeps the current version alone, briefly
   * (PENDING_FAULT_MAX_AGE_SECONDS), so a key being rotated in is asked for again soon.
   */
  async function pendingVersion(secretId: string, mode: 'prefix' | 'bundle'): Promise<SecretValue | 'deleted' | 'unreadable' | undefined> {
    try {
      return await version(secretId, PENDING_STAGE);
    } catch (e) {
      report({
        stage: 'pending',
        mode,
        issues: [`(read): the pending version could not be read (${e instanceof KeyStoreError ? e.fault : 'error'})`],
      });
      return 'unreadable';
    }
  }

  if (options.prefix !== undefined) {
    const prefix = options.prefix;
    const lookup = async (id: string): Promise<KeyLookup> => {
      const name = prefix + id;
      if (name.length > MAX_SECRET_NAME || !SECRET_NAME_RE.test(name)) return { record: undefined };
      const current = await version(name, CURRENT_STAGE);
      if (current === undefined || current === 'deleted') return { record: undefined };
      const record = readRecord(current, id, 'current');
      if (!pending) return { record };
      const next = await pendingVersion(name, 'prefix');
      if (next === 'unreadable') return { record, maxAgeSeconds: PENDING_FAULT_MAX_AGE_SECONDS };
      if (next === undefined || next === 'deleted' || (next.VersionId !== undefined && next.VersionId === current.VersionId))
        return { record };
      let pendingRecord: KeyRecord;
      try {
        pendingRecord = readRecord(next, id, 'pending');
      } catch {
        // A broken pending version is the rotation's problem: the current key still verifies.
        return { record };
      }
      const merged = mergePending(record, pendingRecord);
      if (!merged)
        report({
          stage: 'pending',
          mode: 'prefix',
          issues: ['(record): the pending version cannot be merged into the current one (another kind, scheme, or disabled)'],
        });
      return { record: merged ?? record };
    };
    return { kind: 'per-id', lookup };
  }

  function readRecord(value: SecretValue, id: string, stage: 'current' | 'pending'): KeyRecord {
    const text = secretText(value);
    if (text === undefined) {
      report({ stage, mode: 'prefix', issues: ['(record): the secret holds neither a string nor UTF-8 binary'] });
      throw storeError('invalid-record');
    }
    const parsed = parseKeyRecordJson(text, recordOptions);
    if (!parsed.ok) {
      report({ stage, mode: 'prefix', issues: recordIssueLines(parsed.issues) });
      throw storeError('invalid-record');
    }
    if (parsed.record.id !== id) {
      report({ stage, mode: 'prefix', issues: ['id: does not match the secret name'] });
      throw storeError('invalid-record');
    }
    return parsed.record;
  }

  const bundle = options.bundle!;
  let invalid: ReadonlySet<string> = new Set();
  /** Set by a listAll whose pending read failed: its snapshot is kept briefly. */
  let maxAge: number | undefined;

  function readBundle(
    value: SecretValue,
    stage: 'current' | 'pending',
  ): { records: readonly KeyRecord[]; invalidIds: ReadonlySet<string> } {
    const text = secretText(value);
    let doc: unknown;
    try {
      if (text === undefined) throw new Error('not text');
      doc = parseJsonSafe(text);
    } catch {
      report({ stage, mode: 'bundle', issues: ['(document): not valid JSON text'] });
      throw storeError('invalid-record');
    }
    const parsed = parseKeyRecords(doc, recordOptions);
    if (parsed.issues.some((i: KeyRecordIssue) => i.path === '(document)')) {
      report({ stage, mode: 'bundle', issues: recordIssueLines(parsed.issues) });
      throw storeError('invalid-record');
    }
    if (parsed.issues.length > 0) report({ stage, mode: 'bundle', issues: recordIssueLines(parsed.issues) });
    return { records: parsed.records, invalidIds: parsed.invalidIds };
  }

  const listAll = async (): Promise<readonly KeyRecord[]> => {
    const current = await version(bundle, CURRENT_STAGE);
    // The store's one secret missing or deleted is the deployment's mistake, not an unknown key.
    if (current === undefined || current === 'deleted') throw storeError('misconfigured');
    const now = readBundle(current, 'current');
    let records = now.records;
    maxAge = undefined;
    if (pending) {
      const next = await pendingVersion(bundle, 'bundle');
      if (next === 'unreadable') maxAge = PENDING_FAULT_MAX_AGE_SECONDS;
      else if (next !== undefined && next !== 'deleted' && !(next.VersionId !== undefined && next.VersionId === current.VersionId)) {
        let nextRecords: readonly KeyRecord[] = [];
        try {
          nextRecords = readBundle(next, 'pending').records;
        } catch {
          // As for one key: a broken pending bundle leaves the current one in force.
        }
        const byId = new Map(nextRecords.map((r) => [r.id, r]));
        records = records.map((r) => {
          const p = byId.get(r.id);
          return p ? (mergePending(r, p) ?? r) : r;
        });
      }
    }
    invalid = now.invalidIds;
    return records;
  };
  return { kind: 'complete', listAll, invalidIds: () => invalid, maxAgeSeconds: () => maxAge };
}
