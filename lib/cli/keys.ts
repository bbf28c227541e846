// `edge-auth keys new | put | check`: makes key records (lib/keys/record.ts, the one format every store
// holds), writes them to a key file or Workers KV, and checks what a store holds. Secrets and private
// keys never reach argv (ours or wrangler's), errors or logs: a value travels on stdin/stdout, in a
// 0600 file, or nowhere. The one exception is documented: a new API key is shown once on stderr.
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdtempSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { isJsonObject, JsonTextError, parseJsonSafe } from '../config/json.ts';
import { apiKeySecretHash, generateApiKey, isApiKeyId } from '../keys/api-key-format.ts';
import { apiKeyRecordIssues } from '../schemes/api-key/record.ts';
import { parseKeyRecord, parseKeyRecords, type KeyRecordIssue } from '../keys/record.ts';
import type { KeyRecord } from '../keys/types.ts';
import type { SchemeRegistry } from '../schemes/registry.ts';
import { CliError, usageError } from './errors.ts';
import { openSecretsManager, SecretsManagerCallError, type SecretsManagerOps, type SecretsManagerTarget } from './keys-secrets-manager.ts';
import type { CliIo } from './main.ts';

const MAX_STDIN_BYTES = 10 * 1024 * 1024;

/** The schemes `keys new` makes keys for; records may name these even before the scheme is registered. */
export const KEY_SCHEMES = ['sigv4', 'ustudio-hmac', 'mauth', 'api-key'] as const;
type KeyScheme = (typeof KEY_SCHEMES)[number];

const BINDING_RE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The `keys` part of `edge-auth --help`. */
export const keysUsage = `  edge-auth keys new   --scheme sigv4|ustudio-hmac|mauth|api-key --principal P [--id ID] [--permission X]...
                       [--private-key-out FILE] [--bits 2048|3072|4096] [--key-out FILE]
  edge-auth keys put   --to file --file PATH < records.json
  edge-auth keys put   --to kv --binding NAME [--prefix P] --local|--remote [--config wrangler.toml] [--persist-to DIR] < records.json
  edge-auth keys put   --to secrets-manager --prefix P|--bundle NAME [--region R] [--endpoint URL] < records.json
  edge-auth keys check --from file --file PATH
  edge-auth keys check --from kv --binding NAME [--prefix P] --local|--remote [--config wrangler.toml] [--persist-to DIR]
  edge-auth keys check --from secrets-manager --prefix P|--bundle NAME [--region R] [--endpoint URL]

keys new prints one key record (JSON) on stdout. mauth: the private key (PKCS#1 PEM) goes only to
--private-key-out (created 0600, never overwritten). api-key: the record keeps only the key's SHA-256;
the key itself is shown once on stderr, or written to --key-out (created 0600). keys put reads one
record, an array or {"keys":[...]} on stdin and adds or replaces records by id (nothing is written
if any is invalid); keys check prints one JSON line per invalid record field (id, path, message) and
exits 1 if there is any. Neither ever prints a secret or a key.`;

// ---------------------------------------------------------------------------------------------------
// Reading and judging records

/** The schemes a record may name: the registered ones and those `keys new` makes keys for. */
function knownSchemes(registry: SchemeRegistry): string[] {
  return [...new Set([...registry.ids, ...KEY_SCHEMES])];
}

/** What a scheme needs of its records beyond the common format (a hashed API key, a public key for MAuth). */
function schemeIssues(record: KeyRecord, prefix: string): KeyRecordIssue[] {
  const issues: KeyRecordIssue[] = [];
  const bad = (path: string, message: string) =>
    issues.push({ path: path === '(record)' ? prefix.replace(/\.$/, '') || '(record)' : prefix + path, message, id: record.id });
  switch (record.scheme) {
    case 'api-key':
      // The rule loadConfig and the verifier apply too (lib/schemes/api-key/record.ts).
      for (const issue of apiKeyRecordIssues(record)) bad(issue.path, issue.message);
      break;
    case 'mauth':
      if (record.secrets.length > 0) bad('(record)', 'a mauth record holds public keys, not shared secrets');
      break;
    case 'sigv4':
    case 'ustudio-hmac':
      if (record.publicKeys) bad('(record)', `a ${record.scheme} record holds shared secrets, not public keys`);
      break;
  }
  return issues;
}

/** Issues as lines for a CliError: `keys[1].secrets[0]: must be ... (id "AKID1")`; never a value. */
function issueLines(issues: readonly KeyRecordIssue[]): string[] {
  return issues.map((i) => `${i.path}: ${i.message}${i.id !== undefined ? ` (id ${JSON.stringify(i.id)})` : ''}`);
}

/** Records read from a document, each beside the JSON object it came from (written out as given). */
interface ReadRecords {
  readonly items: ReadonlyArray<{ readonly raw: Record<string, unknown>; readonly record: KeyRecord }>;
  readonly issues: readonly KeyRecordIssue[];
  readonly count: number;
}

/**
 * Reads one record, an array of records or `{"keys":[...]}`, with parseKeyRecord/parseKeyRecords and the
 * schemes' own rules. `single` allows a lone record (stdin of `keys put`); key files and stores hold lists.
 */
function readRecords(doc: unknown, registry: SchemeRegistry, single: boolean): ReadRecords {
  const schemes = knownSchemes(registry);
  if (single && isJsonObject(doc) && !Object.hasOwn(doc, 'keys')) {
    const r = parseKeyRecord(doc, { schemes });
    if (!r.ok) return { items: [], issues: r.issues, count: 1 };
    const extra = schemeIssues(r.record, '');
    return extra.length > 0 ? { items: [], issues: extra, count: 1 } : { items: [{ raw: doc, record: r.record }], issues: [], count: 1 };
  }
  const bundle = parseKeyRecords(doc, { schemes });
  const list = Array.isArray(doc) ? doc : isJsonObject(doc) && Array.isArray(doc.keys) ? (doc.keys as unknown[]) : undefined;
  if (list === undefined) return { items: [], issues: bundle.issues, count: 0 };
  const base = Array.isArray(doc) ? '' : 'keys';
  // parseKeyRecords keeps the good records in order, each id once: find each one's place in the list.
  const at = new Map<string, number>();
  list.forEach((item, i) => {
    if (isJsonObject(item) && typeof item.id === 'string' && !at.has(item.id)) at.set(item.id, i);
  });
  const items: Array<{ raw: Record<string, unknown>; record: KeyRecord }> = [];
  const issues = [...bundle.issues];
  for (const record of bundle.records) {
    const i = at.get(record.id)!;
    issues.push(...schemeIssues(record, `${base}[${i}].`));
    items.push({ raw: list[i] as Record<string, unknown>, record });
  }
  // In document order: the issues of record 0, then record 1, ...
  const index = (issue: KeyRecordIssue) => Number(/^(?:keys)?\[(\d+)\]/.exec(issue.path)?.[1] ?? -1);
  issues.sort((a, b) => index(a) - index(b));
  return { items: issues.length === 0 ? items : [], issues, count: list.length };
}

function parseDocument(text: string, what: string): unknown {
  try {
    return parseJsonSafe(text);
  } catch (e) {
    if (!(e instanceof JsonTextError)) throw e;
    // JsonTextError messages give a line, a column and a kind, never the text.
    throw new CliError('ERR_KEY_RECORDS', `${what} is not valid JSON: ${e.message}`);
  }
}

async function readStdinText(io: CliIo): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = await io.stdin();
  } catch (e) {
    throw new CliError('ERR_KEY_RECORDS', `cannot read key records from stdin (${errorCode(e)})`);
  }
  if (bytes.length > MAX_STDIN_BYTES) throw new CliError('ERR_KEY_RECORDS', 'key records on stdin are larger than 10 MiB');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new CliError('ERR_KEY_RECORDS', 'key records on stdin are not valid UTF-8');
  }
}

function errorCode(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code) ? code : 'error';
}

// ---------------------------------------------------------------------------------------------------
// Files

/** Creates `path` with mode 0600 and `text`, refusing one that exists (never follows or replaces it). */
export function createPrivateFile(path: string, text: string): void {
  const fd = openSync(path, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Replaces `path` atomically: a 0600 file beside it, flushed, then renamed over it. */
function replaceFileAtomically(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    createPrivateFile(tmp, text);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** A 0600 file in a fresh 0700 directory, holding `text` while `use` runs; removed afterwards. */
async function withTempFile<T>(text: string, use: (path: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'edge-auth-'));
  try {
    const path = join(dir, 'value.json');
    createPrivateFile(path, text);
    return await use(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------
// keys new

function randomBase32(length: number): string {
  let out = '';
  for (const b of randomBytes(length)) out += BASE32[b & 31];
  return out;
}

interface NewKey {
  readonly record: Record<string, unknown>;
  /** The private key (mauth) or the API key (api-key): never in the record. */
  readonly privateText?: string;
}

async function makeKey(scheme: KeyScheme, id: string | undefined, bits: number): Promise<NewKey> {
  switch (scheme) {
    case 'sigv4':
      // AWS-shaped: a 20-character upper-case access key id ("AKEA": not an AWS prefix, so scanners do
      // not report it to AWS) and a 40-character secret from 240 random bits.
      return { record: { id: id ?? `AKEA${randomBase32(16)}`, scheme, secrets: [randomBytes(30).toString('base64')] } };
    case 'ustudio-hmac':
      return { record: { id: id ?? randomUUID(), scheme, secrets: [randomBytes(32).toString('hex')] } };
    case 'mauth': {
      const pair = generateKeyPairSync('rsa', {
        modulusLength: bits,
        publicExponent: 0x10001,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      });
      return { record: { id: id ?? randomUUID(), scheme, publicKey: pair.publicKey.trim() }, privateText: pair.privateKey };
    }
    case 'api-key': {
      if (id !== undefined && !isApiKeyId(id)) throw usageError('--id of an api-key must be 8 to 40 of a-z, 0-9');
      const generated = generateApiKey(id !== undefined ? { id } : {});
      return { record: { id: generated.id, scheme, secrets: [await apiKeySecretHash(generated.key)] }, privateText: generated.key + '\n' };
    }
  }
}

async function keysNew(args: string[], io: CliIo, registry: SchemeRegistry): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      scheme: { type: 'string' },
      id: { type: 'string' },
      principal: { type: 'string' },
      permission: { type: 'string', multiple: true },
      'private-key-out': { type: 'string' },
      'key-out': { type: 'string' },
      bits: { type: 'string' },
    },
    strict: true,
  });
  const scheme = values.scheme;
  if (scheme === undefined) throw usageError(`--scheme is required (${KEY_SCHEMES.join(', ')})`);
  if (!(KEY_SCHEMES as readonly string[]).includes(scheme)) throw usageError(`--scheme must be one of ${KEY_SCHEMES.join(', ')}`);
  if (values.principal === undefined) throw usageError('--principal is required (who the key speaks for)');
  if (scheme === 'mauth' && !values['private-key-out'])
    throw usageError('--private-key-out FILE is required for mauth (the private key goes only there)');
  if (scheme !== 'mauth' && values['private-key-out'] !== undefined) throw usageError('--private-key-out is for mauth only');
  if (scheme !== 'mauth' && values.bits !== undefined) throw usageError('--bits is for mauth only');
  if (scheme !== 'api-key' && values['key-out'] !== undefined) throw usageError('--key-out is for api-key only');
  const bits = values.bits === undefined ? 2048 : ['2048', '3072', '4096'].includes(values.bits) ? Number(values.bits) : NaN;
  if (Number.isNaN(bits)) throw usageError('--bits must be 2048, 3072 or 4096');

  const out = scheme === 'mauth' ? values['private-key-out'] : values['key-out'];
  const flag = scheme === 'mauth' ? '--private-key-out' : '--key-out';
  // Refused before any key is made; creating the file (exclusively) below is what guarantees it.
  if (out !== undefined && existsSync(out)) throw usageError(`${flag} names a file that exists: a key file is never overwritten`);

  const made = await makeKey(scheme as KeyScheme, values.id, bits);
  const record = { ...made.record, principal: values.principal, ...(values.permission ? { permissions: values.permission } : {}) };
  // The command checks its own output: a record it prints is one every store reads.
  const checked = readRecords(record, registry, true);
  if (checked.issues.length > 0) {
    throw new CliError('ERR_USAGE', 'the options make an invalid key record (edge-auth --help for usage)', {
      issues: issueLines(checked.issues),
    });
  }

  if (out !== undefined) {
    try {
      createPrivateFile(out, made.privateText!);
    } catch (e) {
      const code = errorCode(e);
      throw usageError(
        code === 'EEXIST'
          ? `${flag} names a file that exists: a key file is never overwritten`
          : `cannot create the ${flag} file (${code})`,
      );
    }
  }
  io.stdout(JSON.stringify(record) + '\n');
  if (scheme === 'api-key' && out === undefined) {
    io.stderr(JSON.stringify({ apiKey: made.privateText!.trim(), note: 'shown once: the record keeps only its SHA-256' }) + '\n');
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------------
// Stores

interface KvTarget {
  readonly binding: string;
  readonly prefix: string;
  readonly where: '--local' | '--remote';
  readonly config?: string | undefined;
  readonly persistTo?: string | undefined;
}

const STORE_OPTIONS = {
  file: { type: 'string' },
  binding: { type: 'string' },
  prefix: { type: 'string' },
  local: { type: 'boolean' },
  remote: { type: 'boolean' },
  config: { type: 'string' },
  'persist-to': { type: 'string' },
  bundle: { type: 'string' },
  region: { type: 'string' },
  endpoint: { type: 'string' },
} as const;

type StoreValues = { [K in keyof typeof STORE_OPTIONS]?: (typeof STORE_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

function refuseOptions(values: StoreValues, names: ReadonlyArray<keyof StoreValues>, store: string): void {
  for (const n of names) if (values[n] !== undefined) throw usageError(`--${n} does not apply to ${store}`);
}

function kvTarget(values: StoreValues): KvTarget {
  refuseOptions(values, ['file', 'bundle', 'region', 'endpoint'], 'kv');
  if (!values.binding) throw usageError('--binding NAME is required for kv');
  if (!BINDING_RE.test(values.binding)) throw usageError('--binding must be a binding name (letters, digits, "_")');
  const prefix = values.prefix ?? '';
  if (prefix.length > 256) throw usageError('--prefix must be at most 256 characters');
  if (values.local === values.remote) throw usageError('kv needs exactly one of --local or --remote');
  if (values.remote && values['persist-to'] !== undefined) throw usageError('--persist-to is for --local only');
  return {
    binding: values.binding,
    prefix,
    where: values.local ? '--local' : '--remote',
    config: values.config,
    persistTo: values['persist-to'],
  };
}

function fileTarget(values: StoreValues): string {
  refuseOptions(values, ['binding', 'prefix', 'local', 'remote', 'config', 'persist-to', 'bundle', 'region', 'endpoint'], 'file');
  if (!values.file) throw usageError('--file PATH is required');
  return values.file;
}

// The same rules as keyStores[] of type secrets-manager (lib/config/schema.ts).
const SECRET_PREFIX_RE = /^[A-Za-z0-9/_+=.@-]{1,256}$/;
const SECRET_NAME_RE = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const SECRET_ID_RE = /^[A-Za-z0-9/_+=.@:-]{1,2048}$/;
const REGION_RE = /^[a-z]{2}(-[a-z]+)+-\d+$/;

function smTarget(values: StoreValues): SecretsManagerTarget {
  refuseOptions(values, ['file', 'binding', 'local', 'remote', 'config', 'persist-to'], 'secrets-manager');
  if ((values.prefix === undefined) === (values.bundle === undefined))
    throw usageError('secrets-manager needs exactly one of --prefix or --bundle');
  if (values.prefix !== undefined && !SECRET_PREFIX_RE.test(values.prefix))
    throw usageError('--prefix must be a secret name prefix (A-Z a-z 0-9 /_+=.@-)');
  if (values.bundle !== undefined && !SECRET_ID_RE.test(values.bundle)) throw usageError('--bundle must be a secret name or ARN');
  if (values.region !== undefined && !REGION_RE.test(values.region)) throw usageError('--region must be an AWS region such as us-east-1');
  if (values.endpoint !== undefined && !/^https?:\/\/[^\s]+$/.test(values.endpoint)) throw usageError('--endpoint must be an http(s) URL');
  return { prefix: values.prefix, bundle: values.bundle, region: values.region, endpoint: values.endpoint };
}

/** The Secrets Manager the command talks to: the injected one, else the SDK's. */
async function secretsManager(t: SecretsManagerTarget, io: CliIo): Promise<SecretsManagerOps> {
  try {
    return await (io.secretsManager ?? openSecretsManager)(t);
  } catch (e) {
    if (errorCode(e) === 'ERR_SDK_MISSING')
      throw new CliError(
        'ERR_CONFIG',
        '@aws-sdk/client-secrets-manager is not installed: npm install --save-dev @aws-sdk/client-secrets-manager',
      );
    throw e;
  }
}

/** A failed Secrets Manager call as the CLI reports it: the operation and the SDK error's name only. */
function smFailure(e: unknown, context: string): CliError {
  if (e instanceof SecretsManagerCallError) {
    const hint = e.errorName === 'RegionMissing' ? ': give --region or set AWS_REGION' : '';
    return new CliError('ERR_KEY_STORE', `${e.message}${context}${hint}`);
  }
  return new CliError(
    'ERR_KEY_STORE',
    `Secrets Manager failed (${(e as { name?: unknown } | null)?.name === 'TypeError' ? 'TypeError' : 'error'})${context}`,
  );
}

/** wrangler's CLI: EDGE_AUTH_WRANGLER, else the project's (from the working directory), else ours. */
function wranglerPath(): string {
  const given = process.env['EDGE_AUTH_WRANGLER'];
  if (given) return given;
  for (const from of [join(process.cwd(), 'package.json'), import.meta.url]) {
    try {
      return join(dirname(createRequire(from).resolve('wrangler/package.json')), 'bin', 'wrangler.js');
    } catch {
      /* next */
    }
  }
  throw new CliError('ERR_CONFIG', 'wrangler is not installed: npm install --save-dev wrangler (or set EDGE_AUTH_WRANGLER)');
}

/** Runs wrangler with argv that carries names only; its output is kept here, never passed on. */
function runWrangler(args: readonly string[]): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  const cli = wranglerPath();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    const keep = (into: Buffer[]) => (b: Buffer) => {
      size += b.length;
      if (size <= 2 * MAX_STDIN_BYTES) into.push(b);
    };
    child.stdout.on('data', keep(out));
    child.stderr.on('data', keep(err));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

/** wrangler's own "[ERROR]" line, which names what was wrong (a binding, a namespace, a login), bounded. */
function wranglerError(stderr: string): string {
  // eslint-disable-next-line no-control-regex
  const plain = stderr.replace(/\u001b\[[0-9;]*m/g, '');
  const line = plain.split('\n').find((l) => l.includes('[ERROR]'));
  return line
    ? `: ${line
        .replace(/^.*\[ERROR\]\s*/, '')
        .trim()
        .slice(0, 300)}`
    : '';
}

function kvArgs(t: KvTarget): string[] {
  return [
    '--binding',
    t.binding,
    t.where,
    ...(t.config ? ['--config', t.config] : []),
    ...(t.persistTo ? ['--persist-to', t.persistTo] : []),
  ];
}

/**
 * wrangler reads a key name that starts with "-" as an option (`--help` even answers and exits 0, so
 * the record would silently not be written, or another key read back): such names never reach it.
 */
const readAsOption = (name: string) => name.startsWith('-');

async function kvPut(t: KvTarget, items: ReadRecords['items'], io: CliIo): Promise<number> {
  // Checked before anything is written; the id is not quoted (the records may come from elsewhere).
  const dashed = items.findIndex(({ record }) => readAsOption(t.prefix + record.id));
  if (dashed !== -1)
    throw usageError(
      `record ${dashed + 1} of ${items.length} has a KV key name (prefix + id) that starts with "-", which wrangler would read as an option: give --prefix`,
    );
  let written = 0;
  for (const { raw, record } of items) {
    const name = t.prefix + record.id;
    // The value reaches wrangler through a 0600 file (--path), never its argv.
    const r = await withTempFile(JSON.stringify(raw), (path) => runWrangler(['kv', 'key', 'put', name, '--path', path, ...kvArgs(t)]));
    if (r.code !== 0) {
      throw new CliError(
        'ERR_KEY_STORE',
        `wrangler kv key put failed (exit ${r.code}) for id ${JSON.stringify(record.id)}; ${written} of ${items.length} records were written${wranglerError(r.stderr)}`,
      );
    }
    written++;
  }
  io.stdout(JSON.stringify({ ok: true, to: 'kv', written }) + '\n');
  return 0;
}

/** Every record under the prefix, as text, with the id its KV key names. */
async function kvRead(t: KvTarget): Promise<Array<{ id: string; text: string }>> {
  const list = await runWrangler(['kv', 'key', 'list', '--prefix', t.prefix, ...kvArgs(t)]);
  if (list.code !== 0) throw new CliError('ERR_KEY_STORE', `wrangler kv key list failed (exit ${list.code})${wranglerError(list.stderr)}`);
  let names: string[];
  try {
    const doc = parseJsonSafe(list.stdout.toString('utf8'));
    if (!Array.isArray(doc) || !doc.every((k) => isJsonObject(k) && typeof k.name === 'string')) throw new TypeError('shape');
    names = doc.map((k) => (k as { name: string }).name);
  } catch {
    throw new CliError('ERR_KEY_STORE', 'wrangler kv key list gave something other than a list of keys');
  }
  if (names.some(readAsOption))
    throw new CliError(
      'ERR_KEY_STORE',
      'a KV key under the prefix starts with "-", which wrangler would read as an option: rename it, or give --prefix',
    );
  const out: Array<{ id: string; text: string }> = [];
  for (const name of names) {
    const got = await runWrangler(['kv', 'key', 'get', name, ...kvArgs(t)]);
    if (got.code !== 0) throw new CliError('ERR_KEY_STORE', `wrangler kv key get failed (exit ${got.code})${wranglerError(got.stderr)}`);
    out.push({ id: name.slice(t.prefix.length), text: got.stdout.toString('utf8') });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// keys put

function readKeyFile(path: string, io: CliIo): string | undefined {
  try {
    return io.readFile(path);
  } catch (e) {
    if (errorCode(e) === 'ENOENT') return undefined;
    throw new CliError('ERR_KEY_STORE', `cannot read the key file (${errorCode(e)})`);
  }
}

/**
 * Adds or replaces `incoming` by id in a stored document (a key file, a bundle secret), keeping its shape
 * (an array, or an object with `keys`) and its other records as they were. A bad record already stored
 * blocks the write, unless a record with its id replaces it.
 */
function mergeRecords(
  text: string | undefined,
  what: string,
  incoming: ReadRecords['items'],
  registry: SchemeRegistry,
): { text: string; added: number; replaced: number } {
  let doc: Record<string, unknown> | unknown[] = { keys: [] };
  let list: unknown[] = [];
  const ids = new Set(incoming.map((i) => i.record.id));
  if (text !== undefined) {
    const existing = parseDocument(text, what);
    const read = readRecords(existing, registry, false);
    const blocking = read.issues.filter((i) => i.id === undefined || !ids.has(i.id));
    if (blocking.length > 0) {
      throw new CliError(
        'ERR_KEY_RECORDS',
        `${what} holds invalid records (fix them, or put records with their ids): nothing was written`,
        {
          issues: issueLines(blocking),
        },
      );
    }
    doc = existing as Record<string, unknown> | unknown[];
    list = Array.isArray(existing) ? existing : ((existing as { keys: unknown[] }).keys ?? []);
  }
  const byId = new Map(incoming.map((i) => [i.record.id, i.raw]));
  const next: unknown[] = [];
  let replaced = 0;
  for (const item of list) {
    const id = isJsonObject(item) && typeof item.id === 'string' ? item.id : undefined;
    if (id === undefined || !ids.has(id)) next.push(item);
    else if (byId.has(id)) {
      next.push(byId.get(id));
      byId.delete(id);
      replaced++;
    }
    // else: a second record with an id already replaced is dropped (ids are unique in a document).
  }
  next.push(...byId.values());
  const out = Array.isArray(doc) ? next : { ...doc, keys: next };
  return { text: JSON.stringify(out, null, 2) + '\n', added: incoming.length - replaced, replaced };
}

function filePut(path: string, incoming: ReadRecords['items'], io: CliIo, registry: SchemeRegistry): number {
  const merged = mergeRecords(readKeyFile(path, io), 'the key file', incoming, registry);
  try {
    replaceFileAtomically(path, merged.text);
  } catch (e) {
    throw new CliError('ERR_KEY_STORE', `cannot write the key file (${errorCode(e)})`);
  }
  io.stdout(JSON.stringify({ ok: true, to: 'file', added: merged.added, replaced: merged.replaced }) + '\n');
  return 0;
}

async function smPut(t: SecretsManagerTarget, incoming: ReadRecords['items'], io: CliIo, registry: SchemeRegistry): Promise<number> {
  if (t.prefix !== undefined) {
    const bad = incoming.filter((i) => !SECRET_NAME_RE.test(t.prefix + i.record.id));
    if (bad.length > 0) {
      throw new CliError('ERR_KEY_RECORDS', 'some ids cannot be part of a Secrets Manager secret name: nothing was written', {
        issues: bad.map((i) => `id: prefix + id must be 1 to 512 of A-Z a-z 0-9 /_+=.@- (id ${JSON.stringify(i.record.id)})`),
      });
    }
  }
  const sm = await secretsManager(t, io);
  if (t.bundle !== undefined) {
    let merged;
    try {
      merged = mergeRecords(await sm.get(t.bundle), 'the bundle secret', incoming, registry);
      await sm.put(t.bundle, merged.text);
    } catch (e) {
      if (e instanceof CliError) throw e;
      throw smFailure(e, ' for the bundle secret; nothing was written');
    }
    io.stdout(JSON.stringify({ ok: true, to: 'secrets-manager', added: merged.added, replaced: merged.replaced }) + '\n');
    return 0;
  }
  let created = 0;
  let updated = 0;
  for (const { raw, record } of incoming) {
    try {
      if ((await sm.put(t.prefix + record.id, JSON.stringify(raw))) === 'created') created++;
      else updated++;
    } catch (e) {
      throw smFailure(e, ` for id ${JSON.stringify(record.id)}; ${created + updated} of ${incoming.length} records were written`);
    }
  }
  io.stdout(JSON.stringify({ ok: true, to: 'secrets-manager', created, updated }) + '\n');
  return 0;
}

async function keysPut(args: string[], io: CliIo, registry: SchemeRegistry): Promise<number> {
  const { values } = parseArgs({ args, options: { to: { type: 'string' }, ...STORE_OPTIONS }, strict: true });
  const { to, ...store } = values;
  if (to !== 'file' && to !== 'kv' && to !== 'secrets-manager') throw usageError('--to must be file, kv or secrets-manager');
  const path = to === 'file' ? fileTarget(store) : undefined;
  const kv = to === 'kv' ? kvTarget(store) : undefined;
  const sm = to === 'secrets-manager' ? smTarget(store) : undefined;
  const text = await readStdinText(io);
  if (text.trim() === '') throw usageError('no key records on stdin');
  const read = readRecords(parseDocument(text, 'key records on stdin'), registry, true);
  if (read.issues.length > 0) {
    const bad = new Set(read.issues.map((i) => i.path.replace(/^((?:keys)?\[\d+\]).*$/, '$1')));
    throw new CliError(
      'ERR_KEY_RECORDS',
      `${read.count === 1 ? 'the key record' : `${bad.size} of ${read.count} key records`} on stdin ${read.count === 1 ? 'is' : 'are'} invalid: nothing was written`,
      {
        issues: issueLines(read.issues),
      },
    );
  }
  if (read.items.length === 0) throw usageError('no key records on stdin');
  if (path !== undefined) return filePut(path, read.items, io, registry);
  if (sm !== undefined) return smPut(sm, read.items, io, registry);
  return kvPut(kv!, read.items, io);
}

// ---------------------------------------------------------------------------------------------------
// keys check

/** Issues of a whole document (a key file, a bundle secret): not JSON, not a list, or its records' own. */
function documentIssues(text: string, registry: SchemeRegistry): { issues: KeyRecordIssue[]; count: number } {
  let doc: unknown;
  try {
    doc = parseJsonSafe(text);
  } catch (e) {
    if (!(e instanceof JsonTextError)) throw e;
    // A document that is not JSON fails the check like any bad record (position and kind only).
    return { issues: [{ path: '(document)', message: `not valid JSON: ${e.message}` }], count: 0 };
  }
  const read = readRecords(doc, registry, false);
  return { issues: [...read.issues], count: read.count };
}

/** Issues of records stored one per name (KV keys, secrets): each must be a record with the id its name gives. */
function storedRecordIssues(
  entries: ReadonlyArray<{ id: string; text: string }>,
  registry: SchemeRegistry,
  names: string,
): KeyRecordIssue[] {
  const issues: KeyRecordIssue[] = [];
  for (const { id, text } of entries) {
    let doc: unknown;
    try {
      doc = parseJsonSafe(text);
    } catch (e) {
      issues.push({ path: '(record)', message: `not valid JSON: ${e instanceof JsonTextError ? e.message : 'unreadable'}`, id });
      continue;
    }
    const r = parseKeyRecord(doc, { schemes: knownSchemes(registry) });
    if (!r.ok) {
      issues.push(...r.issues.map((i) => ({ ...i, id })));
      continue;
    }
    issues.push(...schemeIssues(r.record, ''));
    if (r.record.id !== id) issues.push({ path: 'id', message: `is not the id its ${names} names (prefix + id)`, id });
  }
  return issues;
}

async function smCheck(t: SecretsManagerTarget, io: CliIo, registry: SchemeRegistry): Promise<{ issues: KeyRecordIssue[]; count: number }> {
  const sm = await secretsManager(t, io);
  if (t.bundle !== undefined) {
    let text;
    try {
      text = await sm.get(t.bundle);
    } catch (e) {
      throw smFailure(e, ' for the bundle secret');
    }
    if (text === undefined) throw new CliError('ERR_KEY_STORE', 'the bundle secret does not exist');
    return documentIssues(text, registry);
  }
  const prefix = t.prefix!;
  const entries: Array<{ id: string; text: string }> = [];
  let names: string[];
  try {
    names = await sm.list(prefix);
  } catch (e) {
    throw smFailure(e, '');
  }
  for (const name of names) {
    let text;
    try {
      text = await sm.get(name);
    } catch (e) {
      throw smFailure(e, ` for id ${JSON.stringify(name.slice(prefix.length))}`);
    }
    // Deleted between the listing and the read: no longer there to check.
    if (text !== undefined) entries.push({ id: name.slice(prefix.length), text });
  }
  return { issues: storedRecordIssues(entries, registry, 'secret name'), count: entries.length };
}

async function keysCheck(args: string[], io: CliIo, registry: SchemeRegistry): Promise<number> {
  const { values } = parseArgs({ args, options: { from: { type: 'string' }, ...STORE_OPTIONS }, strict: true });
  const { from, ...store } = values;
  if (from !== 'file' && from !== 'kv' && from !== 'secrets-manager') throw usageError('--from must be file, kv or secrets-manager');
  let result: { issues: KeyRecordIssue[]; count: number };
  if (from === 'file') {
    const path = fileTarget(store);
    const text = readKeyFile(path, io);
    if (text === undefined) throw new CliError('ERR_KEY_STORE', 'cannot read the key file (ENOENT)');
    result = documentIssues(text, registry);
  } else if (from === 'kv') {
    const entries = await kvRead(kvTarget(store));
    result = { issues: storedRecordIssues(entries, registry, 'KV key'), count: entries.length };
  } else {
    result = await smCheck(smTarget(store), io, registry);
  }
  const { issues, count } = result;
  for (const i of issues)
    io.stdout(JSON.stringify({ ...(i.id !== undefined ? { id: i.id } : {}), path: i.path, message: i.message }) + '\n');
  const bad = new Set(issues.map((i) => i.id ?? i.path.replace(/^((?:keys)?\[\d+\]).*$/, '$1'))).size;
  io.stdout(JSON.stringify({ ok: issues.length === 0, records: count, invalid: bad }) + '\n');
  if (issues.length === 0) return 0;
  io.stderr(new CliError('ERR_KEY_RECORDS', `${bad} of ${count} key records are invalid`, { exitCode: 1 }).toLine());
  return 1;
}

const SUBCOMMANDS: Readonly<Record<string, (args: string[], io: CliIo, registry: SchemeRegistry) => Promise<number>>> = {
  new: keysNew,
  put: keysPut,
  check: keysCheck,
};

/** `edge-auth keys new|put|check ...` */
export async function keys(args: string[], io: CliIo, registry: SchemeRegistry): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined) throw usageError('keys needs a subcommand: new, put or check');
  const run = Object.hasOwn(SUBCOMMANDS, sub) ? SUBCOMMANDS[sub] : undefined;
  // Not echoed: a stray word may be a secret pasted by mistake.
  if (!run) throw usageError('unknown keys subcommand (new, put or check)');
  return run(rest, io, registry);
}
