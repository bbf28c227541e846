// Key records in one Cloudflare secret (or var) binding: `{"keys":[...]}` or an array, the bundle
// format parseKeyRecords reads. The whole bundle is the source's answer, so an id not in it is unknown
// without asking again.
import type { KeySource } from './cache.ts';
import { parseJsonSafe } from '../config/json.ts';
import { parseKeyRecords, type KeyRecordIssue } from './record.ts';
import { KeyStoreError, type KeyRecord } from './types.ts';

/** What {@link secretBindingSource} reads: the binding's value, the schemes a record may name, and where bad records are told. */
export interface SecretBindingSourceOptions {
  /**
   * The binding's value, or how to read it when the cache needs it (a Worker reads its `env` per
   * request; the store outlives the request). Anything but a string is a `misconfigured` fault.
   */
  readonly value: string | (() => unknown);
  /** The scheme ids a record may name (a record naming another is left out as invalid); default any. */
  readonly schemes?: readonly string[];
  /**
   * Told once per distinct binding text what was wrong with its bad records (log-safe: field paths and
   * what is wrong, no ids, no values; see `recordIssueLines`). Their ids answer a store fault.
   */
  readonly onIssues?: (issues: readonly KeyRecordIssue[]) => void;
}

/**
 * A complete key source over a secret binding holding every key record. Wrap it in
 * `createCachedKeyStore`.
 *
 * A bad record is left out, and a lookup of its id (or of an id two records share) rejects with a
 * `KeyStoreError` (`invalid-record`), while every other key stays usable. A binding that is missing or
 * not a string rejects with `misconfigured`; text that is not a bundle at all (not JSON, not an array
 * or `{"keys":[...]}`) with `invalid-record`. Errors never quote the text.
 *
 * @example
 * const keys = createCachedKeyStore(secretBindingSource({ value: () => env.AUTH_KEYS }), { ttlSeconds: 300 });
 */
export function secretBindingSource(options: SecretBindingSourceOptions): KeySource {
  const { value, schemes, onIssues } = options;
  const parseOptions = schemes ? { schemes } : {};
  // The binding rarely changes within an isolate: its text is parsed once, and again only when it differs.
  let last: { text: string; records: readonly KeyRecord[]; invalid: ReadonlySet<string> } | undefined;
  let invalid: ReadonlySet<string> = new Set();

  function read(text: string): { records: readonly KeyRecord[]; invalid: ReadonlySet<string> } {
    if (last?.text === text) return last;
    let doc: unknown;
    try {
      doc = parseJsonSafe(text);
    } catch {
      throw new KeyStoreError('invalid-record', 'the secret binding is not valid JSON');
    }
    const bundle = parseKeyRecords(doc, parseOptions);
    if (bundle.issues.some((i) => i.path === '(document)'))
      throw new KeyStoreError('invalid-record', 'the secret binding is not a key bundle');
    if (bundle.issues.length > 0) onIssues?.(bundle.issues);
    last = { text, records: bundle.records, invalid: bundle.invalidIds };
    return last;
  }

  return {
    kind: 'complete',
    listAll(): Promise<readonly KeyRecord[]> {
      try {
        const text: unknown = typeof value === 'function' ? value() : value;
        if (typeof text !== 'string') throw new KeyStoreError('misconfigured', 'the secret binding is missing or not text');
        const got = read(text);
        invalid = got.invalid;
        return Promise.resolve(got.records);
      } catch (e) {
        return Promise.reject(e instanceof KeyStoreError ? e : new KeyStoreError('invalid-record', 'the secret binding could not be read'));
      }
    },
    invalidIds: () => invalid,
  };
}
