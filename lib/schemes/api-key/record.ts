// What an API-key record must hold beyond the common record format: the id a key can carry, and only
// hashes of keys (`sha256:<hex>`), never a key. The configuration (loadConfig, through the
// descriptor's `recordIssues`) and the verifier (for records read from a store at run time) both
// refuse a record that breaks this; `edge-auth keys` refuses it when it writes or checks records.
import { API_KEY_SECRET_HASH_PATTERN, isApiKeyId } from '../../keys/api-key-format.ts';
import type { KeyRecord } from '../../keys/types.ts';

/** One thing wrong with an API-key record: the field (`secrets[1]`) and what is wrong, never its value. */
export interface ApiKeyRecordIssue {
  readonly path: string;
  readonly message: string;
}

/** The message for a secret that is not a key's hash. */
export const NOT_A_HASH = 'must be "sha256:" and 64 lower-case hex digits (the hash of the API key, never the key)';

/**
 * The fields of `record` an API-key record may not hold as they are: an id no API key can carry, a
 * public key, a secret that is not `sha256:<64 hex>`. Empty when the record is fit. Names fields only.
 *
 * @example
 * apiKeyRecordIssues({ id: 'billing01', secrets: ['ea_...'], principal: 'p', permissions: [] });
 * // [{ path: 'secrets[0]', message: 'must be "sha256:" and 64 lower-case hex digits (...)' }]
 */
export function apiKeyRecordIssues(record: KeyRecord): ApiKeyRecordIssue[] {
  const issues: ApiKeyRecordIssue[] = [];
  if (!isApiKeyId(record.id))
    issues.push({ path: 'id', message: 'must be 8 to 40 of a-z, 0-9 for an api-key record (the id inside the key)' });
  if (record.publicKeys !== undefined)
    issues.push({ path: '(record)', message: 'an api-key record holds the hash of its key, not public keys' });
  record.secrets.forEach((s, i) => {
    if (typeof s !== 'string' || !API_KEY_SECRET_HASH_PATTERN.test(s)) issues.push({ path: `secrets[${i}]`, message: NOT_A_HASH });
  });
  return issues;
}

/** Whether every secret of the record is a key's hash (what the verifier asks of a record a store returned). */
export function holdsOnlyHashes(record: KeyRecord): boolean {
  for (const s of record.secrets) if (typeof s !== 'string' || !API_KEY_SECRET_HASH_PATTERN.test(s)) return false;
  return record.publicKeys === undefined;
}
