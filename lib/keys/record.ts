// The key-record format, read the same way from every store: the configuration's `keys[]`, a Secrets
// Manager secret, a Workers KV value, a secret binding. Hand-written rather than a valibot schema so
// that bundles which read records at run time (the Lambda authorizer) carry no schema library. Issues
// name a field and what is wrong with it, never a value: records hold secrets.
import { isJsonObject, parseJsonSafe } from '../config/json.ts';
import type { KeyRecord, PublicKeyMaterial } from './types.ts';

/** One thing wrong with a record: the field (`secrets[1]`, `publicKeys[0].kty`) and what is wrong, never the value. */
export interface KeyRecordIssue {
  /** The field, relative to the record (or `keys[3].secret` in a bundle); `(record)` for the whole. */
  readonly path: string;
  readonly message: string;
  /** The record's id when it had a readable one: for operators' tools (`edge-auth keys check`), never for logs. */
  readonly id?: string;
}

/** A record read by {@link parseKeyRecord}, or the issues that kept it from being one. */
export type KeyRecordResult =
  { readonly ok: true; readonly record: KeyRecord } | { readonly ok: false; readonly issues: readonly KeyRecordIssue[] };

/** What {@link parseKeyRecord} checks beyond the format, and how it names fields. */
export interface ParseKeyRecordOptions {
  /** The scheme ids a record may name; a record naming another is refused (default: any name). */
  readonly schemes?: readonly string[];
  /** Prefix for every issue's path (`keys[3].`). */
  readonly pathPrefix?: string;
}

/** Bounds on a record's parts; a record past them is refused rather than read. */
export const KEY_RECORD_LIMITS = {
  idLength: 256,
  secretMinLength: 8,
  secretMaxLength: 4096,
  secretsPerKey: 8,
  publicKeyMaxLength: 16384,
  principalLength: 256,
  permissions: 256,
  permissionLength: 256,
  sessionTokenLength: 4096,
} as const;

const FIELDS = new Set([
  '$comment',
  'id',
  'scheme',
  'secret',
  'secrets',
  'publicKey',
  'publicKeys',
  'principal',
  'permissions',
  'sessionToken',
  'notBefore',
  'expiresAt',
  'disabled',
]);

const ID_RE = /^[^\s,]+$/;
const PEM_RE = /^-----BEGIN (RSA PUBLIC KEY|PUBLIC KEY)-----\r?\n([A-Za-z0-9+/=\r\n]+?)\r?\n?-----END \1-----\s*$/;
const PRIVATE_PEM_RE = /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/;
const JWK_PUBLIC_MEMBERS: Readonly<Record<string, readonly string[]>> = { RSA: ['n', 'e'], EC: ['crv', 'x', 'y'], OKP: ['crv', 'x'] };
const JWK_PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const JWK_STRING_MEMBERS = ['kty', 'n', 'e', 'crv', 'x', 'y', 'kid', 'alg', 'use'];

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/**
 * Reads one key record (already-parsed JSON) into a {@link KeyRecord}, or says which fields are wrong.
 * `secret`/`secrets` and `publicKey`/`publicKeys` are the single and list forms of one field; a record
 * holds shared secrets or public keys, not both. Never throws.
 *
 * @example
 * const r = parseKeyRecord({ id: 'AKID1', scheme: 'sigv4', secret: s, principal: 'svc' }, { schemes: ['sigv4'] });
 * if (!r.ok) console.error(r.issues.map((i) => `${i.path}: ${i.message}`));
 */
export function parseKeyRecord(input: unknown, options: ParseKeyRecordOptions = {}): KeyRecordResult {
  const prefix = options.pathPrefix ?? '';
  const issues: Array<{ path: string; message: string }> = [];
  const whole = prefix === '' ? '(record)' : prefix.replace(/\.$/, '');
  const bad = (path: string, message: string) => issues.push({ path: path === '(record)' ? whole : prefix + path, message });
  if (!isJsonObject(input)) return { ok: false, issues: [{ path: whole, message: `expected an object, got ${kindOf(input)}` }] };

  for (const field of Object.keys(input)) if (!FIELDS.has(field)) bad(field, 'unknown field');

  const str = (field: string, min: number, max: number, required: boolean): string | undefined => {
    const v = input[field];
    if (v === undefined) {
      if (required) bad(field, 'required');
      return undefined;
    }
    if (typeof v !== 'string') return void bad(field, `expected a string, got ${kindOf(v)}`);
    if (v.length < min) return void bad(field, min === 1 ? 'must not be empty' : `must be at least ${min} characters`);
    if (v.length > max) return void bad(field, `must be at most ${max} characters`);
    return v;
  };

  const id = str('id', 1, KEY_RECORD_LIMITS.idLength, true);
  if (id !== undefined && !ID_RE.test(id)) bad('id', 'must not contain spaces or commas');
  const scheme = str('scheme', 1, 64, false);
  if (scheme !== undefined && options.schemes && !options.schemes.includes(scheme))
    bad('scheme', `must be one of ${options.schemes.join(', ')}`);
  const principal = str('principal', 1, KEY_RECORD_LIMITS.principalLength, true);
  const sessionToken = str('sessionToken', 1, KEY_RECORD_LIMITS.sessionTokenLength, false);

  const secrets = listOf(input, 'secret', 'secrets', bad, (v, path) => {
    if (typeof v !== 'string') return void bad(path, `expected a string, got ${kindOf(v)}`);
    if (v.length < KEY_RECORD_LIMITS.secretMinLength)
      return void bad(path, `must be at least ${KEY_RECORD_LIMITS.secretMinLength} characters`);
    if (v.length > KEY_RECORD_LIMITS.secretMaxLength)
      return void bad(path, `must be at most ${KEY_RECORD_LIMITS.secretMaxLength} characters`);
    return v;
  });
  const publicKeys = listOf(input, 'publicKey', 'publicKeys', bad, (v, path) => readPublicKey(v, path, bad));
  if (secrets === undefined && publicKeys === undefined && !issues.some((i) => /secret|publicKey/.test(i.path)))
    bad('(record)', 'a key needs "secret", "secrets", "publicKey" or "publicKeys"');
  if (secrets !== undefined && publicKeys !== undefined) bad('(record)', 'a key holds shared secrets or public keys, not both');

  const permissions: string[] = [];
  if (input.permissions !== undefined) {
    const p = input.permissions;
    if (!Array.isArray(p)) bad('permissions', `expected an array, got ${kindOf(p)}`);
    else if (p.length > KEY_RECORD_LIMITS.permissions) bad('permissions', `must be at most ${KEY_RECORD_LIMITS.permissions} items`);
    else
      p.forEach((x, i) => {
        if (typeof x !== 'string' || x.length === 0 || x.length > KEY_RECORD_LIMITS.permissionLength)
          bad(`permissions[${i}]`, `must be a string of 1 to ${KEY_RECORD_LIMITS.permissionLength} characters`);
        else permissions.push(x);
      });
  }

  const seconds = (field: string): number | undefined => {
    const v = input[field];
    if (v === undefined) return undefined;
    if (typeof v !== 'number') return void bad(field, `expected a number, got ${kindOf(v)}`);
    if (!Number.isSafeInteger(v) || v < 0) return void bad(field, 'must be a whole number of seconds since the epoch');
    return v;
  };
  const notBefore = seconds('notBefore');
  const expiresAt = seconds('expiresAt');
  if (notBefore !== undefined && expiresAt !== undefined && expiresAt <= notBefore) bad('expiresAt', 'must be later than notBefore');
  const disabled = input.disabled;
  if (disabled !== undefined && typeof disabled !== 'boolean') bad('disabled', `expected a boolean, got ${kindOf(disabled)}`);
  if (input.$comment !== undefined && typeof input.$comment !== 'string')
    bad('$comment', `expected a string, got ${kindOf(input.$comment)}`);

  if (issues.length > 0) {
    const named = id !== undefined && ID_RE.test(id) ? { id } : {};
    return { ok: false, issues: issues.map((i) => ({ ...i, ...named })) };
  }
  const record: KeyRecord = {
    id: id!,
    ...(scheme !== undefined ? { scheme } : {}),
    secrets: secrets ?? [],
    ...(publicKeys !== undefined ? { publicKeys } : {}),
    principal: principal!,
    permissions,
    ...(sessionToken !== undefined ? { sessionToken } : {}),
    ...(notBefore !== undefined ? { notBefore } : {}),
    ...(expiresAt !== undefined ? { expiresAt } : {}),
    ...(disabled === true ? { disabled } : {}),
  };
  return { ok: true, record };
}

/** The single (`secret`) or list (`secrets`) form of one field, each item read by `item`; undefined when neither is given or an item is bad. */
function listOf<T>(
  input: Record<string, unknown>,
  single: string,
  plural: string,
  bad: (path: string, message: string) => void,
  item: (v: unknown, path: string) => T | undefined,
): T[] | undefined {
  const one = input[single];
  const many = input[plural];
  if (one !== undefined && many !== undefined) return void bad(plural, `give "${single}" or "${plural}", not both`);
  if (one !== undefined) {
    const v = item(one, single);
    return v === undefined ? undefined : [v];
  }
  if (many === undefined) return undefined;
  if (!Array.isArray(many)) return void bad(plural, `expected an array, got ${kindOf(many)}`);
  if (many.length === 0) return void bad(plural, 'must not be empty');
  if (many.length > KEY_RECORD_LIMITS.secretsPerKey) return void bad(plural, `must be at most ${KEY_RECORD_LIMITS.secretsPerKey} items`);
  const out: T[] = [];
  let ok = true;
  many.forEach((m, i) => {
    const v = item(m, `${plural}[${i}]`);
    if (v === undefined) ok = false;
    else out.push(v);
  });
  return ok ? out : undefined;
}

function readPublicKey(v: unknown, path: string, bad: (path: string, message: string) => void): PublicKeyMaterial | undefined {
  if (typeof v === 'string') {
    if (v.length > KEY_RECORD_LIMITS.publicKeyMaxLength)
      return void bad(path, `must be at most ${KEY_RECORD_LIMITS.publicKeyMaxLength} characters`);
    if (PRIVATE_PEM_RE.test(v)) return void bad(path, 'is a private key: records hold public keys only');
    const m = PEM_RE.exec(v.trim() + '\n');
    if (!m) return void bad(path, 'must be PEM text: "-----BEGIN PUBLIC KEY-----" (SPKI) or "-----BEGIN RSA PUBLIC KEY-----" (PKCS#1)');
    const body = m[2]!.replace(/[\r\n]/g, '');
    if (body.length === 0 || body.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return void bad(path, 'PEM body is not base64');
    return { format: m[1] === 'PUBLIC KEY' ? 'spki' : 'pkcs1', pem: v.trim() };
  }
  if (!isJsonObject(v)) return void bad(path, `expected PEM text or a JWK object, got ${kindOf(v)}`);
  const kty = v.kty;
  if (typeof kty !== 'string' || !(kty in JWK_PUBLIC_MEMBERS)) return void bad(`${path}.kty`, 'must be "RSA", "EC" or "OKP"');
  let ok = true;
  for (const m of JWK_PRIVATE_MEMBERS)
    if (v[m] !== undefined) {
      bad(`${path}.${m}`, 'is a private key member: records hold public keys only');
      ok = false;
    }
  for (const m of JWK_PUBLIC_MEMBERS[kty]!)
    if (typeof v[m] !== 'string' || (v[m] as string).length === 0) {
      bad(`${path}.${m}`, 'required');
      ok = false;
    }
  const jwk: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(v)) {
    if (JWK_STRING_MEMBERS.includes(k)) {
      if (typeof val !== 'string' || val.length > KEY_RECORD_LIMITS.publicKeyMaxLength) {
        bad(`${path}.${k}`, 'must be a string');
        ok = false;
      } else jwk[k] = val;
    } else if (k === 'key_ops') {
      if (!Array.isArray(val) || !val.every((x) => typeof x === 'string')) {
        bad(`${path}.key_ops`, 'must be an array of strings');
        ok = false;
      } else jwk[k] = [...val];
    } else if (k === 'ext') {
      if (typeof val !== 'boolean') {
        bad(`${path}.ext`, 'must be a boolean');
        ok = false;
      } else jwk[k] = val;
    } else if (!JWK_PRIVATE_MEMBERS.includes(k)) {
      bad(`${path}.${k}`, 'unknown JWK member');
      ok = false;
    }
  }
  return ok ? { format: 'jwk', jwk } : undefined;
}

/** What {@link parseKeyRecords} found in a bundle: the good records, what was wrong with the rest, and which ids the bad ones had. */
export interface KeyRecordBundle {
  readonly records: readonly KeyRecord[];
  readonly issues: readonly KeyRecordIssue[];
  /**
   * Ids named by a bad record or by more than one record. A store answers them with a store fault
   * rather than a key: which record was meant is unknown, and no guess may verify.
   */
  readonly invalidIds: ReadonlySet<string>;
}

/**
 * Reads many records: a JSON array, or an object with a `keys` array (a bundle secret, a secret
 * binding, a key file). A bad record is reported and left out; it never makes another record unusable.
 * A document that is not a bundle at all gives one issue at `(document)`. Never throws.
 */
export function parseKeyRecords(input: unknown, options: ParseKeyRecordOptions = {}): KeyRecordBundle {
  let list: unknown = input;
  let base = '';
  if (isJsonObject(input)) {
    list = input.keys;
    base = 'keys';
    const extra = Object.keys(input).filter((k) => k !== 'keys' && k !== '$schema' && k !== '$comment');
    if (extra.length > 0 || !Array.isArray(list))
      return {
        records: [],
        issues: [{ path: '(document)', message: 'expected an array of key records or an object with a "keys" array' }],
        invalidIds: new Set(),
      };
  } else if (!Array.isArray(input)) {
    return {
      records: [],
      issues: [{ path: '(document)', message: `expected an array of key records, got ${kindOf(input)}` }],
      invalidIds: new Set(),
    };
  }
  const records: KeyRecord[] = [];
  const issues: KeyRecordIssue[] = [];
  const invalidIds = new Set<string>();
  const seen = new Map<string, number>();
  (list as unknown[]).forEach((item, i) => {
    const r = parseKeyRecord(item, { ...options, pathPrefix: `${base}[${i}].` });
    if (!r.ok) {
      issues.push(...r.issues);
      const id = r.issues[0]?.id;
      if (id !== undefined) invalidIds.add(id);
      return;
    }
    const first = seen.get(r.record.id);
    if (first !== undefined) {
      issues.push({ path: `${base}[${i}].id`, message: `duplicate key id (also ${base}[${first}])`, id: r.record.id });
      invalidIds.add(r.record.id);
      return;
    }
    seen.set(r.record.id, i);
    records.push(r.record);
  });
  return { records: records.filter((r) => !invalidIds.has(r.id)), issues, invalidIds };
}

/**
 * A record from JSON text (a secret's value), prototype-safely. Text that is not JSON gives one issue
 * naming the position and kind, never the text.
 */
export function parseKeyRecordJson(text: string, options: ParseKeyRecordOptions = {}): KeyRecordResult {
  let doc: unknown;
  try {
    doc = parseJsonSafe(text);
  } catch (e) {
    return { ok: false, issues: [{ path: '(record)', message: `not valid JSON: ${(e as Error).message}` }] };
  }
  return parseKeyRecord(doc, options);
}

/** Issues as log-safe lines (`secrets[0]: must be at least 8 characters`): no id, no value. */
export function recordIssueLines(issues: readonly KeyRecordIssue[]): string[] {
  return issues.map((i) => `${i.path}: ${i.message}`);
}
