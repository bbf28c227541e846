import fc from 'fast-check';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretsManagerCallError, type SecretsManagerOps, type SecretsManagerTarget } from '../../lib/cli/keys-secrets-manager.ts';
import { parseApiKey } from '../../lib/keys/api-key-format.ts';
import { createMemoryKeyStore } from '../../lib/keys/memory.ts';
import { importedPublicKey } from '../../lib/keys/public-key.ts';
import { createSecretsManagerSource, sdkSecretReader } from '../../lib/keys/secrets-manager.ts';
import { parseKeyRecord } from '../../lib/keys/record.ts';
import { workersKvSource, type KvNamespaceLike } from '../../lib/keys/workers-kv.ts';
import { createSigV4Signer } from '../../lib/schemes/sigv4/signer.ts';
import { createSigV4Verifier } from '../../lib/schemes/sigv4/verifier.ts';
import {
  startSecretsManagerEndpoint,
  TEST_CREDENTIALS,
  TEST_REGION,
  type SecretsManagerEndpoint,
} from '../helpers/secrets-manager-endpoint.ts';
import { ROOT } from '../helpers/workerd.ts';
import { runCli } from '../helpers/cli.ts';

// edge-auth keys new | put | check. main() runs in-process over the real file system (a temporary
// directory); the process entry point and Workers KV (wrangler --local, no network) are spawned.

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
let dir: string;
let n = 0;
/** A fresh path in the test directory. */
const path = (name: string) => join(dir, `${n++}-${name}`);
const mode = (p: string) => statSync(p).mode & 0o777;

function cli(argv: string[], stdin = '') {
  return runCli(argv, { stdin, now: () => NOW });
}
type Run = Awaited<ReturnType<typeof cli>>;

/** The error contract: the exit status and exactly one line of JSON on stderr with that code. */
function errorOf(r: Run, exit: 1 | 2, code: string) {
  expect(r.code, r.stderr).toBe(exit);
  expect(r.stderr.endsWith('\n')).toBe(true);
  expect(r.stderr.slice(0, -1)).not.toContain('\n');
  const error = JSON.parse(r.stderr) as { ok: boolean; code: string; message: string; issues?: string[] };
  expect(error).toMatchObject({ ok: false, code });
  return error;
}

type Rec = { id: string; scheme: string; secrets?: string[]; publicKey?: string; principal: string; permissions?: string[] };

async function newKey(args: string[]) {
  const r = await cli(['keys', 'new', ...args]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout.endsWith('\n')).toBe(true);
  expect(r.stdout.slice(0, -1)).not.toContain('\n');
  const record = JSON.parse(r.stdout) as Rec;
  expect(parseKeyRecord(record).ok).toBe(true);
  return { record, stderr: r.stderr, stdout: r.stdout };
}

const good = (over: Record<string, unknown> = {}) => ({
  id: 'AKIDGOOD0000000001',
  scheme: 'sigv4',
  secrets: ['good-secret-value-0001'],
  principal: 'svc',
  ...over,
});

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'edge-auth-keys-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('keys new: a valid record of the right strength, for each scheme', () => {
  it('sigv4: a 20-character AWS-style key id and a 40-character secret from 240 random bits; nothing on stderr', async () => {
    const { record, stderr } = await newKey(['--scheme', 'sigv4', '--principal', 'svc']);
    expect(stderr).toBe('');
    expect(record.id).toMatch(/^AKEA[A-Z2-7]{16}$/);
    expect(record).toMatchObject({ scheme: 'sigv4', principal: 'svc' });
    expect(record.secrets).toHaveLength(1);
    const secret = record.secrets![0]!;
    expect(secret).toMatch(/^[A-Za-z0-9+/]{40}$/);
    expect(Buffer.from(secret, 'base64')).toHaveLength(30);
    const again = await newKey(['--scheme', 'sigv4', '--principal', 'svc']);
    expect(again.record.id).not.toBe(record.id);
    expect(again.record.secrets![0]).not.toBe(secret);
  });

  it('ustudio-hmac: a 256-bit shared secret (64 hex digits) and a uuid id', async () => {
    const { record, stderr } = await newKey(['--scheme', 'ustudio-hmac', '--principal', 'svc']);
    expect(stderr).toBe('');
    expect(record.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(record.secrets![0]).toMatch(/^[0-9a-f]{64}$/);
    expect(Buffer.from(record.secrets![0]!, 'hex')).toHaveLength(32);
  });

  it.each([
    [[], 2048],
    [['--bits', '4096'], 4096],
  ])(
    'mauth %j: an RSA-%i key pair; the record holds the SPKI public key, the PKCS#1 private key goes only to a 0600 file',
    async (extra, bits) => {
      const out = path('mauth.pem');
      const { record, stdout, stderr } = await newKey(['--scheme', 'mauth', '--principal', 'app', '--private-key-out', out, ...extra]);
      expect(stderr).toBe('');
      expect(record.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(record.secrets).toBeUndefined();
      expect(record.publicKey).toMatch(/^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+\n-----END PUBLIC KEY-----$/);
      const pub = createPublicKey(record.publicKey!);
      expect(pub.asymmetricKeyType).toBe('rsa');
      expect(pub.asymmetricKeyDetails).toMatchObject({ modulusLength: bits, publicExponent: 65537n });
      expect(mode(out)).toBe(0o600);
      const pem = readFileSync(out, 'utf8');
      expect(pem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n/);
      // The file's private key is the record's public key's other half.
      expect(createPublicKey(createPrivateKey(pem)).export({ type: 'spki', format: 'pem' }).toString().trim()).toBe(record.publicKey);
      const body = pem.split('\n')[1]!;
      expect(stdout).not.toContain(body);
      expect(stdout).not.toContain('PRIVATE KEY');
      // MAuth V2's signature (RSASSA-PKCS1-v1_5, SHA-512) made with the private key file verifies under the
      // record's public key as the schemes import it (Web Crypto).
      const parsed = parseKeyRecord(record);
      if (!parsed.ok) throw new Error('record');
      const key = await importedPublicKey(parsed.record, 0, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' });
      const message = new TextEncoder().encode('GET\n/resource\n\nsome-app-uuid\n1790000000');
      const signature = sign('sha512', message, createPrivateKey(pem));
      expect(await crypto.subtle.verify('RSASSA-PKCS1-v1_5', key, signature, message)).toBe(true);
      expect(await crypto.subtle.verify('RSASSA-PKCS1-v1_5', key, signature, new TextEncoder().encode('tampered'))).toBe(false);
    },
  );

  it('api-key: the record holds only sha256:<hex> of the key; the key is shown once on stderr and parses to the record id', async () => {
    const { record, stdout, stderr } = await newKey(['--scheme', 'api-key', '--principal', 'svc', '--permission', 'items:read']);
    expect(record).toMatchObject({ scheme: 'api-key', principal: 'svc', permissions: ['items:read'] });
    expect(record.id).toMatch(/^[a-z0-9]{16}$/);
    const shown = JSON.parse(stderr) as { apiKey: string; note: string };
    expect(stderr.split('\n')).toHaveLength(2);
    expect(parseApiKey(shown.apiKey)).toEqual({ ok: true, id: record.id });
    expect(record.secrets).toEqual([`sha256:${createHash('sha256').update(shown.apiKey).digest('hex')}`]);
    expect(stdout).not.toContain(shown.apiKey.split('_')[2]!);
  });

  it('api-key --key-out: the key goes to a 0600 file and nowhere else', async () => {
    const out = path('api.key');
    const { record, stdout, stderr } = await newKey(['--scheme', 'api-key', '--principal', 'svc', '--id', 'billing01', '--key-out', out]);
    expect(stderr).toBe('');
    expect(mode(out)).toBe(0o600);
    const key = readFileSync(out, 'utf8').trim();
    expect(parseApiKey(key)).toEqual({ ok: true, id: 'billing01' });
    expect(record.id).toBe('billing01');
    expect(record.secrets).toEqual([`sha256:${createHash('sha256').update(key).digest('hex')}`]);
    expect(stdout).not.toContain(key);
  });

  it('--id, --principal and repeated --permission reach the record', async () => {
    const { record } = await newKey([
      '--scheme',
      'sigv4',
      '--id',
      'remoteci/build-7',
      '--principal',
      'ci',
      '--permission',
      'a',
      '--permission',
      'b',
    ]);
    expect(record).toMatchObject({ id: 'remoteci/build-7', principal: 'ci', permissions: ['a', 'b'] });
  });

  it('a generated sigv4 record signs and verifies a request through the library (AWS4 and DCI2)', async () => {
    const { record } = await newKey(['--scheme', 'sigv4', '--principal', 'svc', '--permission', 'items:read']);
    const parsed = parseKeyRecord(record);
    if (!parsed.ok) throw new Error('record');
    const keys = createMemoryKeyStore([parsed.record]);
    for (const algorithm of ['AWS4-HMAC-SHA256', 'DCI2-HMAC-SHA256'] as const) {
      const signer = createSigV4Signer({
        keyId: record.id,
        secret: record.secrets![0]!,
        region: 'us-east-1',
        service: 'execute-api',
        algorithm,
        clock: () => NOW,
      });
      const verifier = createSigV4Verifier({
        keys,
        region: 'us-east-1',
        service: 'execute-api',
        algorithms: ['AWS4-HMAC-SHA256', 'DCI2-HMAC-SHA256'],
        clock: () => NOW,
      });
      const req = {
        method: 'POST',
        path: '/items',
        query: 'a=1',
        headers: [['host', 'api.example.com']] as Array<[string, string]>,
        body: new TextEncoder().encode('{}'),
      };
      const result = await verifier.verify(await signer.sign(req));
      expect(result).toMatchObject({ ok: true, keyId: record.id, principal: { id: 'svc', permissions: ['items:read'] } });
      const wrong = createSigV4Signer({
        keyId: record.id,
        // Another first character: a generated secret may itself start with "x" (one in 64), which made this flaky.
        secret: (record.secrets![0]!.startsWith('x') ? 'y' : 'x') + record.secrets![0]!.slice(1),
        region: 'us-east-1',
        service: 'execute-api',
        algorithm,
        clock: () => NOW,
      });
      expect((await verifier.verify(await wrong.sign(req))).ok).toBe(false);
    }
  });

  it('a generated sigv4 record works in a configuration: edge-auth sign, then verify', async () => {
    const { record } = await newKey(['--scheme', 'sigv4', '--principal', 'svc']);
    const config = path('config.json');
    writeFileSync(config, JSON.stringify({ schemes: { sigv4: { region: 'us-east-1', service: 'execute-api' } }, keys: [record] }));
    const now = String(NOW / 1000);
    const signed = await cli(
      ['sign', '--config', config, '--key', record.id, '--now', now],
      JSON.stringify({ method: 'GET', url: 'https://api.example.com/x' }),
    );
    expect(signed.code, signed.stderr).toBe(0);
    const verified = await cli(['verify', '--config', config, '--now', now], signed.stdout);
    expect(verified.code, verified.stderr).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, keyId: record.id });
  });
});

describe('keys new refuses (exit 2, ERR_USAGE), writing nothing', () => {
  it.each([
    ['no --scheme', ['--principal', 'p']],
    ['an unknown scheme', ['--scheme', 'sigv5', '--principal', 'p']],
    ['jwt (no keys to make)', ['--scheme', 'jwt', '--principal', 'p']],
    ['no --principal', ['--scheme', 'sigv4']],
    ['mauth without --private-key-out', ['--scheme', 'mauth', '--principal', 'p']],
    ['--private-key-out for sigv4', ['--scheme', 'sigv4', '--principal', 'p', '--private-key-out', 'OUT']],
    ['--bits for sigv4', ['--scheme', 'sigv4', '--principal', 'p', '--bits', '4096']],
    ['--bits 1024', ['--scheme', 'mauth', '--principal', 'p', '--private-key-out', 'OUT', '--bits', '1024']],
    ['--key-out for ustudio-hmac', ['--scheme', 'ustudio-hmac', '--principal', 'p', '--key-out', 'OUT']],
    ['an api-key id outside a-z, 0-9', ['--scheme', 'api-key', '--principal', 'p', '--id', 'Billing_01']],
    ['an id with a comma', ['--scheme', 'sigv4', '--principal', 'p', '--id', 'a,b']],
    ['an empty permission', ['--scheme', 'sigv4', '--principal', 'p', '--permission', '']],
    ['an unknown option', ['--scheme', 'sigv4', '--principal', 'p', '--secret', 'x']],
  ])('%s', async (_, args) => {
    const out = path('never');
    const r = await cli(['keys', 'new', ...args.map((a) => (a === 'OUT' ? out : a))]);
    errorOf(r, 2, 'ERR_USAGE');
    expect(r.stdout).toBe('');
    expect(existsSync(out)).toBe(false);
  });

  it('names the bad record field when the options make an invalid record', async () => {
    const error = errorOf(await cli(['keys', 'new', '--scheme', 'sigv4', '--principal', 'p', '--id', 'a,b']), 2, 'ERR_USAGE');
    expect(error.issues).toEqual(['id: must not contain spaces or commas']);
  });

  it.each([
    ['mauth', '--private-key-out'],
    ['api-key', '--key-out'],
  ])('%s: a %s file that exists is never overwritten', async (scheme, flag) => {
    const out = path('exists');
    writeFileSync(out, 'precious');
    const r = await cli(['keys', 'new', '--scheme', scheme, '--principal', 'p', flag, out]);
    expect(errorOf(r, 2, 'ERR_USAGE').message).toMatch(/exists/);
    expect(r.stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toBe('precious');
  });

  it('a stray positional argument or an unknown subcommand is not echoed', async () => {
    for (const argv of [
      ['keys', 'new', '--scheme', 'sigv4', '--principal', 'p', 'pasted-secret-0001'],
      ['keys', 'pasted-secret-0001'],
      ['keys'],
    ]) {
      const r = await cli(argv);
      errorOf(r, 2, 'ERR_USAGE');
      expect(r.stderr).not.toContain('pasted-secret-0001');
    }
  });
});

describe('keys put --to file', () => {
  it.each([
    ['one record', (r: object[]) => JSON.stringify(r[0])],
    ['an array', (r: object[]) => JSON.stringify(r)],
    ['{"keys":[...]}', (r: object[]) => JSON.stringify({ keys: r })],
  ])('creates the key file 0600 from %s on stdin', async (_, format) => {
    const file = path('keys.json');
    const records = [good()];
    const r = await cli(['keys', 'put', '--to', 'file', '--file', file], format(records));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ ok: true, to: 'file', added: 1, replaced: 0 });
    expect(mode(file)).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ keys: records });
  });

  it('adds new ids and replaces existing ones in place; the file ends 0600, with no temporary file left', async () => {
    const sub = path('dir');
    mkdirSync(sub);
    const file = join(sub, 'keys.json');
    const a = good({ id: 'A1', principal: 'a' });
    const b = good({ id: 'B1', principal: 'b', secrets: ['b-secret-00000001'] });
    const c = good({ id: 'C1', principal: 'c', secrets: ['c-secret-00000001'] });
    writeFileSync(file, JSON.stringify({ $comment: 'ours', keys: [a, b] }), { mode: 0o644 });
    chmodSync(file, 0o644);
    const b2 = { ...b, secrets: ['b-secret-00000002', 'b-secret-00000001'] };
    const r = await cli(['keys', 'put', '--to', 'file', '--file', file], JSON.stringify([b2, c]));
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ ok: true, to: 'file', added: 1, replaced: 1 });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ $comment: 'ours', keys: [a, b2, c] });
    expect(mode(file)).toBe(0o600);
    expect(readdirSync(sub)).toEqual(['keys.json']);
    const check = await cli(['keys', 'check', '--from', 'file', '--file', file]);
    expect(check.code, check.stdout).toBe(0);
  });

  it('keeps an array key file an array', async () => {
    const file = path('keys.json');
    writeFileSync(file, JSON.stringify([good({ id: 'A1' })]));
    expect(
      (await cli(['keys', 'put', '--to', 'file', '--file', file], JSON.stringify(good({ id: 'B1', secrets: ['other-secret-01'] })))).code,
    ).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toHaveLength(2);
  });

  it('round trip: keys new | keys put | keys check', async () => {
    const file = path('keys.json');
    for (const scheme of ['sigv4', 'ustudio-hmac', 'api-key']) {
      const { stdout } = await newKey(['--scheme', scheme, '--principal', 'svc']);
      expect((await cli(['keys', 'put', '--to', 'file', '--file', file], stdout)).code).toBe(0);
    }
    const { stdout } = await newKey(['--scheme', 'mauth', '--principal', 'app', '--private-key-out', path('m.pem')]);
    expect((await cli(['keys', 'put', '--to', 'file', '--file', file], stdout)).code).toBe(0);
    const r = await cli(['keys', 'check', '--from', 'file', '--file', file]);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ ok: true, records: 4, invalid: 0 });
  });

  const SECRET = 'do-not-print-0001';
  it.each([
    ['a short secret', [good({ secrets: ['short'] })], /^secrets\[0\]: must be at least 8 characters \(id "AKIDGOOD0000000001"\)$/],
    ['a missing principal', [good({ principal: undefined, secrets: [SECRET] })], /^principal: required/],
    ['an unknown field', [good({ password: SECRET })], /^password: unknown field/],
    ['an unknown scheme', [good({ scheme: 'sigv5', secrets: [SECRET] })], /^scheme: must be one of .*api-key/],
    ['duplicate ids', [good({ secrets: [SECRET] }), good()], /^\[1\]\.id: duplicate key id \(also \[0\]\) \(id "AKIDGOOD0000000001"\)$/],
    [
      'an api-key record holding a clear key',
      [good({ id: 'abcdefgh', scheme: 'api-key', secrets: [SECRET] })],
      /^secrets\[0\]: must be "sha256:" and 64 lower-case hex digits \(the hash of the API key, never the key\)/,
    ],
    [
      'an api-key record with an id no key can carry',
      [good({ id: 'ABC_1', scheme: 'api-key', secrets: [`sha256:${'a'.repeat(64)}`] })],
      /^id: must be 8 to 40/,
    ],
    ['a mauth record holding a secret', [good({ scheme: 'mauth', secrets: [SECRET] })], /^\(record\): a mauth record holds public keys/],
    [
      'a private key as a public key',
      [
        good({
          scheme: 'mauth',
          secrets: undefined,
          publicKey: `-----BEGIN RSA PRIVATE KEY-----\n${SECRET}\n-----END RSA PRIVATE KEY-----`,
        }),
      ],
      /^publicKey: is a private key/,
    ],
    [
      'a sigv4 record holding a public key',
      [good({ secrets: undefined, publicKey: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----' })],
      /^\(record\): a sigv4 record holds shared secrets/,
    ],
  ])('refuses %s: exit 2, the id and field named, no value, nothing written', async (_, records, issue) => {
    const file = path('keys.json');
    const r = await cli(['keys', 'put', '--to', 'file', '--file', file], JSON.stringify(records.length === 1 ? records[0] : records));
    const error = errorOf(r, 2, 'ERR_KEY_RECORDS');
    expect(error.message).toMatch(/nothing was written/);
    expect(error.issues).toEqual(expect.arrayContaining([expect.stringMatching(issue)]));
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toContain(SECRET);
    expect(existsSync(file)).toBe(false);
  });

  it('one bad record among good ones: nothing is written, the bad one named by index and id', async () => {
    const file = path('keys.json');
    writeFileSync(file, JSON.stringify({ keys: [good({ id: 'OLD1' })] }));
    const before = readFileSync(file, 'utf8');
    const r = await cli(
      ['keys', 'put', '--to', 'file', '--file', file],
      JSON.stringify({ keys: [good({ id: 'NEW1', secrets: ['fine-secret-001'] }), good({ id: 'NEW2', secrets: [42] })] }),
    );
    const error = errorOf(r, 2, 'ERR_KEY_RECORDS');
    expect(error.message).toBe('1 of 2 key records on stdin are invalid: nothing was written');
    expect(error.issues).toEqual(['keys[1].secrets[0]: expected a string, got a number (id "NEW2")']);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('an invalid record already in the file blocks the write, unless a record with its id replaces it', async () => {
    const file = path('keys.json');
    writeFileSync(file, JSON.stringify({ keys: [good({ id: 'BAD1', secrets: ['short'] }), good({ id: 'OK1' })] }));
    const before = readFileSync(file, 'utf8');
    const other = await cli(
      ['keys', 'put', '--to', 'file', '--file', file],
      JSON.stringify(good({ id: 'NEW1', secrets: ['fine-secret-001'] })),
    );
    expect(errorOf(other, 2, 'ERR_KEY_RECORDS').issues).toEqual(['keys[0].secrets[0]: must be at least 8 characters (id "BAD1")']);
    expect(readFileSync(file, 'utf8')).toBe(before);
    const fix = await cli(
      ['keys', 'put', '--to', 'file', '--file', file],
      JSON.stringify(good({ id: 'BAD1', secrets: ['fine-secret-002'] })),
    );
    expect(fix.code, fix.stderr).toBe(0);
    expect(JSON.parse(fix.stdout)).toMatchObject({ added: 0, replaced: 1 });
  });

  it.each([
    ['stdin that is not JSON (a position, never the text)', '{"id":"A","secret":do-not-print-0001}', 'ERR_KEY_RECORDS'],
    ['empty stdin', '', 'ERR_USAGE'],
    ['an empty list', '[]', 'ERR_USAGE'],
    ['a document that is no record list', '"do-not-print-0001"', 'ERR_KEY_RECORDS'],
  ])('refuses %s', async (_, stdin, code) => {
    const file = path('keys.json');
    const r = await cli(['keys', 'put', '--to', 'file', '--file', file], stdin);
    errorOf(r, 2, code);
    expect(r.stderr).not.toContain(SECRET);
    expect(existsSync(file)).toBe(false);
  });

  it('refuses a key file that is not JSON, leaving it as it was', async () => {
    const file = path('keys.json');
    writeFileSync(file, `{"keys":[{"secret":${SECRET}}]}`);
    const r = await cli(['keys', 'put', '--to', 'file', '--file', file], JSON.stringify(good()));
    expect(errorOf(r, 2, 'ERR_KEY_RECORDS').message).toMatch(/^the key file is not valid JSON: .*line 1, column/);
    expect(r.stderr).not.toContain(SECRET);
    expect(readFileSync(file, 'utf8')).toContain(SECRET);
  });

  it.each([
    [['--to', 'file'], 'ERR_USAGE'],
    [['--file', 'F'], 'ERR_USAGE'],
    [['--to', 'disk', '--file', 'F'], 'ERR_USAGE'],
    [['--to', 'file', '--file', 'F', '--binding', 'KEYS'], 'ERR_USAGE'],
    [['--to', 'kv', '--binding', 'KEYS'], 'ERR_USAGE'],
    [['--to', 'kv', '--binding', 'KEYS', '--local', '--remote'], 'ERR_USAGE'],
    [['--to', 'kv', '--binding', 'not a binding', '--local'], 'ERR_USAGE'],
    [['--to', 'kv', '--binding', 'KEYS', '--local', '--file', 'F'], 'ERR_USAGE'],
    [['--to', 'kv', '--binding', 'KEYS', '--remote', '--persist-to', 'D'], 'ERR_USAGE'],
    [['--to', 'file', '--file', '/nonexistent-dir/keys.json'], 'ERR_KEY_STORE'],
  ])('%j: %s', async (args, code) => {
    const file = path('keys.json');
    const r = await cli(['keys', 'put', ...args.map((a) => (a === 'F' ? file : a))], JSON.stringify(good()));
    errorOf(r, 2, code);
    expect(existsSync(file)).toBe(false);
  });
});

describe('keys put --to file over arbitrary stdin (property)', () => {
  it('never throws; exit 0 (the file then checks clean) or 2 with one line of JSON, the file untouched and no value on stderr', async () => {
    const secret = 'prop-secret-do-not-print';
    const value = fc.oneof(fc.constant(secret), fc.constant('short'), fc.string(), fc.integer(), fc.constant(null), fc.anything());
    const field = fc.constantFrom('id', 'scheme', 'secret', 'secrets', 'principal', 'permissions', 'publicKey', 'extra');
    // Mostly valid records (sigv4 under three ids, so that puts add and replace), some with one field changed.
    const record = fc.tuple(fc.constantFrom('P1', 'P2', 'P3'), fc.option(fc.tuple(field, value), { freq: 2 })).map(([id, change]) => {
      const r: Record<string, unknown> = { id, scheme: 'sigv4', secrets: [`${id}-good-secret-0001`], principal: 'svc' };
      if (change) r[change[0]] = change[1];
      return r;
    });
    const doc = fc.oneof(
      record,
      fc.array(record, { maxLength: 3 }),
      fc.record({ keys: fc.array(record, { maxLength: 3 }) }),
      fc.jsonValue(),
    );
    const stdin = fc.oneof(
      { weight: 4, arbitrary: doc.map((d) => JSON.stringify(d) ?? '') },
      fc.string(),
      fc.constantFrom('', '{', '[]', '{"keys":7}'),
    );
    const seen = { 0: 0, 2: 0 } as Record<number, number>;
    const file = path('prop.json');
    await fc.assert(
      fc.asyncProperty(stdin, async (input) => {
        const before = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
        const r = await cli(['keys', 'put', '--to', 'file', '--file', file], input);
        expect([0, 2]).toContain(r.code);
        seen[r.code]!++;
        // An invalid record is named by its field and its id (README, "Keys"): the marker may stand there as an id
        // (two records with it as their id are duplicates), never anywhere else. stderr is one line of JSON, so the
        // id's quotes stand escaped in it.
        const namedById = JSON.stringify(`(id ${JSON.stringify(secret)})`).slice(1, -1);
        expect(r.stderr.replaceAll(namedById, '')).not.toContain(secret);
        if (r.code === 0) {
          expect(mode(file)).toBe(0o600);
          expect((await cli(['keys', 'check', '--from', 'file', '--file', file])).code).toBe(0);
          return;
        }
        errorOf(r, 2, r.stderr.includes('"ERR_USAGE"') ? 'ERR_USAGE' : 'ERR_KEY_RECORDS');
        expect(existsSync(file) ? readFileSync(file, 'utf8') : undefined).toBe(before);
      }),
      { numRuns: 400 },
    );
    expect(seen[0]).toBeGreaterThan(40);
    expect(seen[2]).toBeGreaterThan(100);
  }, 60_000);
});

describe('keys check --from file', () => {
  it('a key file that cannot be read is the store that could not be read: ERR_KEY_STORE, exit 2, as the README says', async () => {
    const r = await cli(['keys', 'check', '--from', 'file', '--file', path('no-such-keys.json')]);
    expect(errorOf(r, 2, 'ERR_KEY_STORE').message).toBe('cannot read the key file (ENOENT)');
  });
  it('exit 1: one JSON line per bad field (id, path, message), a summary, and no value anywhere', async () => {
    const file = path('keys.json');
    const secret = 'check-secret-do-not-print';
    writeFileSync(
      file,
      JSON.stringify({
        keys: [
          good({ id: 'OK1', secrets: [secret] }),
          good({ id: 'BAD1', secrets: ['short'], permissions: 'all' }),
          { secret: 'x-do-not-print-0001' },
          good({ id: 'KEY2', scheme: 'api-key', secrets: ['ea_clear_key_do_not_print'] }),
          good({ id: 'OK1', secrets: ['another-secret-01'] }),
        ],
      }),
    );
    const r = await cli(['keys', 'check', '--from', 'file', '--file', file]);
    expect(r.code).toBe(1);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      { id: 'BAD1', path: 'keys[1].secrets[0]', message: 'must be at least 8 characters' },
      { id: 'BAD1', path: 'keys[1].permissions', message: 'expected an array, got a string' },
      { path: 'keys[2].id', message: 'required' },
      { path: 'keys[2].principal', message: 'required' },
      { id: 'KEY2', path: 'keys[3].id', message: expect.stringMatching(/^must be 8 to 40/) },
      { id: 'KEY2', path: 'keys[3].secrets[0]', message: expect.stringMatching(/^must be "sha256:"/) },
      { id: 'OK1', path: 'keys[4].id', message: 'duplicate key id (also keys[0])' },
      { ok: false, records: 5, invalid: 4 },
    ]);
    expect(errorOf(r, 1, 'ERR_KEY_RECORDS').message).toBe('4 of 5 key records are invalid');
    for (const value of [secret, 'short', 'x-do-not-print-0001', 'ea_clear_key_do_not_print', 'another-secret-01'])
      expect(r.stdout + r.stderr).not.toContain(value);
  });

  it.each([
    ['not JSON', `{"keys":[{"secret":do-not-print}]}`, /^not valid JSON: .*line 1, column 20/],
    ['not a record list', '{"secret":"do-not-print"}', /^expected an array of key records/],
  ])('exit 1 for a key file that is %s', async (_, text, message) => {
    const file = path('keys.json');
    writeFileSync(file, text);
    const r = await cli(['keys', 'check', '--from', 'file', '--file', file]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout.split('\n')[0]!)).toEqual({ path: '(document)', message: expect.stringMatching(message) });
    expect(r.stdout + r.stderr).not.toContain('do-not-print');
  });

  it.each([
    [['--from', 'file', '--file', '/nonexistent-dir/keys.json'], 'ERR_KEY_STORE'],
    [['--from', 'file'], 'ERR_USAGE'],
    [['--from', 'sm', '--file', 'x'], 'ERR_USAGE'],
    [['--file', 'x'], 'ERR_USAGE'],
    [['--from', 'kv', '--local'], 'ERR_USAGE'],
  ])('%j: exit 2 %s', async (args, code) => {
    errorOf(await cli(['keys', 'check', ...args]), 2, code);
  });
});

describe('the edge-auth process (spawned)', () => {
  const bin = join(ROOT, 'bin', 'edge-auth.js');
  const spawnCli = (args: string[], input = '', env: NodeJS.ProcessEnv = process.env, cwd = ROOT) => {
    const r = spawnSync(process.execPath, [bin, ...args], { cwd, input, encoding: 'utf8', env });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('keys new --scheme sigv4 | keys put --to file: the README pipe, a 0600 file', () => {
    const file = path('keys.json');
    const made = spawnCli(['keys', 'new', '--scheme', 'sigv4', '--principal', 'svc']);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stderr).toBe('');
    const put = spawnCli(['keys', 'put', '--to', 'file', '--file', file], made.stdout);
    expect(put.code, put.stderr).toBe(0);
    expect(put.stdout + put.stderr).not.toContain((JSON.parse(made.stdout) as Rec).secrets![0]);
    expect(mode(file)).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ keys: [JSON.parse(made.stdout)] });
  }, 60_000);

  it('--help lists the keys commands', () => {
    const r = spawnCli(['keys', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('edge-auth keys new');
    expect(r.stdout).toContain('edge-auth keys put');
    expect(r.stdout).toContain('edge-auth keys check');
  });

  describe('Workers KV through wrangler --local (no network)', () => {
    let project: string;
    let env: NodeJS.ProcessEnv;
    let argvLog: string;
    const wrangler = join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
    const kvGet = (name: string) => {
      const r = spawnSync(process.execPath, [wrangler, 'kv', 'key', 'get', name, '--binding', 'KEYS', '--local'], {
        cwd: project,
        env,
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout;
    };
    const kvPutRaw = (name: string, value: string) => {
      const file = join(project, 'raw.json');
      writeFileSync(file, value);
      const r = spawnSync(process.execPath, [wrangler, 'kv', 'key', 'put', name, '--path', file, '--binding', 'KEYS', '--local'], {
        cwd: project,
        env,
        encoding: 'utf8',
      });
      rmSync(file);
      expect(r.status, r.stderr).toBe(0);
    };

    beforeAll(() => {
      project = path('project');
      mkdirSync(join(project, '.xdg'), { recursive: true });
      writeFileSync(
        join(project, 'wrangler.toml'),
        'name = "keys-test"\ncompatibility_date = "2026-04-01"\nkv_namespaces = [{ binding = "KEYS", id = "local-keys" }]\n',
      );
      argvLog = join(project, 'argv.log');
      // A stand-in that records each wrangler argv and the mode of the --path file, then runs the real wrangler.
      const spy = join(project, 'wrangler-spy.mjs');
      writeFileSync(
        spy,
        `import { spawnSync } from 'node:child_process';
import { appendFileSync, statSync } from 'node:fs';
const args = process.argv.slice(2);
const at = args.indexOf('--path');
const fileMode = at === -1 ? null : (statSync(args[at + 1]).mode & 0o777).toString(8);
appendFileSync(${JSON.stringify(argvLog)}, JSON.stringify({ args, fileMode }) + '\\n');
const r = spawnSync(process.execPath, [${JSON.stringify(wrangler)}, ...args], { stdio: 'inherit' });
process.exit(r.status ?? 1);
`,
      );
      env = {
        ...process.env,
        WRANGLER_SEND_METRICS: 'false',
        CLOUDFLARE_CF_FETCH_ENABLED: 'false',
        XDG_CONFIG_HOME: join(project, '.xdg'),
        WRANGLER_LOG_PATH: join(project, '.wrangler', 'logs'),
        EDGE_AUTH_WRANGLER: spy,
      };
    });

    it('put writes each record under prefix + id, the value through a 0600 file and never on argv; check reads them back', () => {
      const a = spawnCli(['keys', 'new', '--scheme', 'sigv4', '--principal', 'svc'], '', env, project);
      const b = spawnCli(['keys', 'new', '--scheme', 'api-key', '--principal', 'svc'], '', env, project);
      const records = [JSON.parse(a.stdout) as Rec, JSON.parse(b.stdout) as Rec];
      const put = spawnCli(
        ['keys', 'put', '--to', 'kv', '--binding', 'KEYS', '--prefix', 'key:', '--local'],
        JSON.stringify(records),
        env,
        project,
      );
      expect(put.code, put.stderr).toBe(0);
      expect(JSON.parse(put.stdout)).toEqual({ ok: true, to: 'kv', written: 2 });
      for (const r of records) expect(JSON.parse(kvGet(`key:${r.id}`))).toEqual(r);

      const calls = readFileSync(argvLog, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { args: string[]; fileMode: string | null });
      expect(calls.map((c) => c.args.slice(0, 4))).toEqual(records.map((r) => ['kv', 'key', 'put', `key:${r.id}`]));
      for (const c of calls) {
        expect(c.fileMode).toBe('600');
        for (const r of records) expect(c.args.join(' ')).not.toContain(r.secrets![0]);
      }
      // The temporary files are gone.
      for (const c of calls) expect(existsSync(c.args[c.args.indexOf('--path') + 1]!)).toBe(false);

      const check = spawnCli(
        ['keys', 'check', '--from', 'kv', '--binding', 'KEYS', '--prefix', 'key:', '--local', '--config', 'wrangler.toml'],
        '',
        env,
        project,
      );
      expect(check.code, check.stderr).toBe(0);
      expect(JSON.parse(check.stdout)).toEqual({ ok: true, records: 2, invalid: 0 });
      for (const r of records) expect(check.stdout + check.stderr).not.toContain(r.secrets![0]);
      // check listed the prefix and read each key, passing --config on to wrangler.
      const reads = readFileSync(argvLog, 'utf8')
        .trim()
        .split('\n')
        .slice(calls.length)
        .map((l) => (JSON.parse(l) as { args: string[] }).args);
      expect(reads.map((a) => a.slice(0, 3).join(' '))).toEqual(['kv key list', 'kv key get', 'kv key get']);
      for (const a of reads) expect(a.slice(-2)).toEqual(['--config', 'wrangler.toml']);
    }, 120_000);

    it("what keys put wrote, the Worker's KV key source reads, and the new key verifies a signed request", async () => {
      const made = spawnCli(['keys', 'new', '--scheme', 'sigv4', '--principal', 'edge', '--permission', 'items:read'], '', env, project);
      const record = JSON.parse(made.stdout) as Rec;
      const put = spawnCli(['keys', 'put', '--to', 'kv', '--binding', 'KEYS', '--prefix', 'edge/', '--local'], made.stdout, env, project);
      expect(put.code, put.stderr).toBe(0);
      const mf = new Miniflare({
        modules: true,
        script: 'export default { fetch() { return new Response(null) } }',
        kvNamespaces: { KEYS: 'local-keys' },
        kvPersist: join(project, '.wrangler', 'state', 'v3', 'kv'),
      });
      try {
        const source = workersKvSource({ namespace: (await mf.getKVNamespace('KEYS')) as unknown as KvNamespaceLike, prefix: 'edge/' });
        if (source.kind !== 'per-id') throw new Error('per-id');
        const found = await source.lookup(record.id);
        expect(found.record).toMatchObject({ id: record.id, secrets: record.secrets, principal: 'edge' });
        const verifier = createSigV4Verifier({
          keys: { get: async (id) => (await source.lookup(id)).record },
          region: 'us-east-1',
          service: 'execute-api',
          clock: () => NOW,
        });
        const signer = createSigV4Signer({
          keyId: record.id,
          secret: record.secrets![0]!,
          region: 'us-east-1',
          service: 'execute-api',
          clock: () => NOW,
        });
        const req = {
          method: 'GET',
          path: '/items',
          query: '',
          headers: [['host', 'api.example.com']] as Array<[string, string]>,
          body: new Uint8Array(),
        };
        expect(await verifier.verify(await signer.sign(req))).toMatchObject({ ok: true, keyId: record.id, principal: { id: 'edge' } });
      } finally {
        await mf.dispose();
      }
    }, 120_000);

    it('check reports bad values by id and field (exit 1), never the values', () => {
      kvPutRaw('bad:SHORT1', JSON.stringify(good({ id: 'SHORT1', secrets: ['short'] })));
      kvPutRaw('bad:MOVED1', JSON.stringify(good({ id: 'ELSEWHERE1', secrets: ['kv-secret-do-not-print'] })));
      kvPutRaw('bad:TEXT1', 'kv-text-do-not-print');
      const r = spawnCli(['keys', 'check', '--from', 'kv', '--binding', 'KEYS', '--prefix', 'bad:', '--local'], '', env, project);
      expect(r.code, r.stderr).toBe(1);
      const lines = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines).toEqual([
        { id: 'MOVED1', path: 'id', message: 'is not the id its KV key names (prefix + id)' },
        { id: 'SHORT1', path: 'secrets[0]', message: 'must be at least 8 characters' },
        { id: 'TEXT1', path: '(record)', message: expect.stringMatching(/^not valid JSON: /) },
        { ok: false, records: 3, invalid: 3 },
      ]);
      expect(JSON.parse(r.stderr)).toMatchObject({ ok: false, code: 'ERR_KEY_RECORDS' });
      expect(r.stdout + r.stderr).not.toMatch(/do-not-print|short"/);
    }, 120_000);

    it('a wrangler failure (a binding the project does not have) is ERR_KEY_STORE, exit 2, without the value', () => {
      const made = spawnCli(['keys', 'new', '--scheme', 'sigv4', '--principal', 'svc'], '', env, project);
      const secret = (JSON.parse(made.stdout) as Rec).secrets![0]!;
      const r = spawnCli(['keys', 'put', '--to', 'kv', '--binding', 'NOPE', '--local'], made.stdout, env, project);
      expect(r.code).toBe(2);
      const error = JSON.parse(r.stderr) as { code: string; message: string };
      expect(error.code).toBe('ERR_KEY_STORE');
      expect(error.message).toMatch(/^wrangler kv key put failed \(exit \d+\) for id "AKEA[A-Z2-7]{16}"; 0 of 1 records were written/);
      expect(r.stdout + r.stderr).not.toContain(secret);
    }, 60_000);
  });
});

describe('keys put|check with Secrets Manager (an injected stand-in for the SDK client)', () => {
  class FakeSecretsManager implements SecretsManagerOps {
    readonly secrets = new Map<string, string>();
    readonly calls: string[] = [];
    failOn: { op: string; error: unknown } | undefined;
    target: SecretsManagerTarget | undefined;
    private fail(op: string) {
      if (this.failOn?.op === op) throw new SecretsManagerCallError(op, this.failOn.error);
    }
    async get(name: string) {
      this.calls.push(`get ${name}`);
      this.fail('GetSecretValue');
      return this.secrets.get(name);
    }
    async put(name: string, value: string) {
      this.calls.push(`put ${name}`);
      this.fail('PutSecretValue');
      const existed = this.secrets.has(name);
      this.secrets.set(name, value);
      return existed ? ('updated' as const) : ('created' as const);
    }
    async list(prefix: string) {
      this.calls.push(`list ${prefix}`);
      this.fail('ListSecrets');
      return [...this.secrets.keys()].filter((k) => k.startsWith(prefix)).sort();
    }
  }

  function smCli(sm: FakeSecretsManager, argv: string[], stdin = '') {
    return runCli(argv, {
      stdin,
      now: () => NOW,
      secretsManager: async (t) => {
        sm.target = t;
        return sm;
      },
    });
  }

  const a = good({ id: 'SMA1', secrets: ['sm-secret-a-0001'] });
  const b = good({ id: 'SMB1', secrets: ['sm-secret-b-0001'] });

  it('--prefix: one secret per record (prefix + id), created then updated, read back by check', async () => {
    const sm = new FakeSecretsManager();
    const args = ['--prefix', 'edge-auth/keys/', '--region', 'eu-west-1', '--endpoint', 'http://127.0.0.1:1'];
    const r = await smCli(sm, ['keys', 'put', '--to', 'secrets-manager', ...args], JSON.stringify([a, b]));
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ ok: true, to: 'secrets-manager', created: 2, updated: 0 });
    expect(sm.target).toEqual({ prefix: 'edge-auth/keys/', bundle: undefined, region: 'eu-west-1', endpoint: 'http://127.0.0.1:1' });
    expect(JSON.parse(sm.secrets.get('edge-auth/keys/SMA1')!)).toEqual(a);
    const again = await smCli(sm, ['keys', 'put', '--to', 'secrets-manager', ...args], JSON.stringify({ ...a, principal: 'rotated' }));
    expect(JSON.parse(again.stdout)).toEqual({ ok: true, to: 'secrets-manager', created: 0, updated: 1 });
    const check = await smCli(sm, ['keys', 'check', '--from', 'secrets-manager', ...args]);
    expect(check.code, check.stdout).toBe(0);
    expect(JSON.parse(check.stdout)).toEqual({ ok: true, records: 2, invalid: 0 });
    expect(r.stdout + check.stdout + check.stderr).not.toContain('sm-secret');
  });

  it('--bundle: records merged by id into one {"keys":[...]} secret, created when absent', async () => {
    const sm = new FakeSecretsManager();
    expect((await smCli(sm, ['keys', 'put', '--to', 'secrets-manager', '--bundle', 'edge-auth/bundle'], JSON.stringify(a))).code).toBe(0);
    const r = await smCli(
      sm,
      ['keys', 'put', '--to', 'secrets-manager', '--bundle', 'edge-auth/bundle'],
      JSON.stringify([{ ...a, principal: 'p2' }, b]),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ ok: true, to: 'secrets-manager', added: 1, replaced: 1 });
    expect(JSON.parse(sm.secrets.get('edge-auth/bundle')!)).toEqual({ keys: [{ ...a, principal: 'p2' }, b] });
    const check = await smCli(sm, ['keys', 'check', '--from', 'secrets-manager', '--bundle', 'edge-auth/bundle']);
    expect(JSON.parse(check.stdout)).toEqual({ ok: true, records: 2, invalid: 0 });
  });

  it('check --prefix: bad records by id and field, a record under another id, never a value (exit 1)', async () => {
    const sm = new FakeSecretsManager();
    sm.secrets.set('k/GOOD1', JSON.stringify(good({ id: 'GOOD1' })));
    sm.secrets.set('k/SHORT1', JSON.stringify(good({ id: 'SHORT1', secrets: ['short'] })));
    sm.secrets.set('k/MOVED1', JSON.stringify(good({ id: 'OTHER1', secrets: ['sm-moved-do-not-print'] })));
    sm.secrets.set('k/TEXT1', 'sm-text-do-not-print');
    sm.secrets.set('other/X', 'not ours');
    const r = await smCli(sm, ['keys', 'check', '--from', 'secrets-manager', '--prefix', 'k/']);
    expect(r.code).toBe(1);
    expect(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as unknown),
    ).toEqual([
      { id: 'MOVED1', path: 'id', message: 'is not the id its secret name names (prefix + id)' },
      { id: 'SHORT1', path: 'secrets[0]', message: 'must be at least 8 characters' },
      { id: 'TEXT1', path: '(record)', message: expect.stringMatching(/^not valid JSON: /) },
      { ok: false, records: 4, invalid: 3 },
    ]);
    expect(errorOf(r, 1, 'ERR_KEY_RECORDS').message).toBe('3 of 4 key records are invalid');
    expect(r.stdout + r.stderr).not.toMatch(/do-not-print|not ours/);
  });

  it('a failing call is ERR_KEY_STORE (exit 2) by the SDK error name only, saying how many were written', async () => {
    const sm = new FakeSecretsManager();
    sm.failOn = {
      op: 'PutSecretValue',
      error: { name: 'AccessDeniedException', message: 'User x is not authorized on secret sm-secret-a-0001' },
    };
    const r = await smCli(sm, ['keys', 'put', '--to', 'secrets-manager', '--prefix', 'p/'], JSON.stringify([a, b]));
    const error = errorOf(r, 2, 'ERR_KEY_STORE');
    expect(error.message).toBe('Secrets Manager PutSecretValue failed (AccessDeniedException) for id "SMA1"; 0 of 2 records were written');
    expect(r.stderr).not.toMatch(/not authorized|sm-secret/);
    sm.failOn = { op: 'ListSecrets', error: new Error('Region is missing') };
    const list = await smCli(sm, ['keys', 'check', '--from', 'secrets-manager', '--prefix', 'p/']);
    expect(errorOf(list, 2, 'ERR_KEY_STORE').message).toBe(
      'Secrets Manager ListSecrets failed (RegionMissing): give --region or set AWS_REGION',
    );
    sm.failOn = { op: 'GetSecretValue', error: { name: 'Weird name with spaces' } };
    const bundle = await smCli(sm, ['keys', 'put', '--to', 'secrets-manager', '--bundle', 'b'], JSON.stringify(a));
    expect(errorOf(bundle, 2, 'ERR_KEY_STORE').message).toBe(
      'Secrets Manager GetSecretValue failed (Error) for the bundle secret; nothing was written',
    );
    sm.failOn = undefined;
    const missing = await smCli(sm, ['keys', 'check', '--from', 'secrets-manager', '--bundle', 'nope']);
    expect(errorOf(missing, 2, 'ERR_KEY_STORE').message).toBe('the bundle secret does not exist');
  });

  it('an invalid record in the bundle secret blocks the put, and nothing is written', async () => {
    const sm = new FakeSecretsManager();
    sm.secrets.set('b', JSON.stringify({ keys: [good({ id: 'BAD1', secrets: ['short'] })] }));
    const r = await smCli(sm, ['keys', 'put', '--to', 'secrets-manager', '--bundle', 'b'], JSON.stringify(a));
    expect(errorOf(r, 2, 'ERR_KEY_RECORDS').issues).toEqual(['keys[0].secrets[0]: must be at least 8 characters (id "BAD1")']);
    expect(sm.calls).toEqual(['get b']);
  });

  it.each([
    ['both --prefix and --bundle', ['--prefix', 'p/', '--bundle', 'b']],
    ['neither --prefix nor --bundle', []],
    ['a prefix that cannot start a secret name', ['--prefix', 'has space/']],
    ['a bad region', ['--prefix', 'p/', '--region', 'Mars']],
    ['a bad endpoint', ['--prefix', 'p/', '--endpoint', 'file:///etc']],
    ['a kv option', ['--prefix', 'p/', '--binding', 'KEYS']],
    ['--file', ['--prefix', 'p/', '--file', 'x']],
  ])('refuses %s (ERR_USAGE), calling nothing', async (_, args) => {
    const sm = new FakeSecretsManager();
    errorOf(await smCli(sm, ['keys', 'put', '--to', 'secrets-manager', ...args], JSON.stringify(a)), 2, 'ERR_USAGE');
    errorOf(await smCli(sm, ['keys', 'check', '--from', 'secrets-manager', ...args]), 2, 'ERR_USAGE');
    expect(sm.calls).toEqual([]);
  });

  it('refuses an id that cannot be part of a secret name, writing nothing', async () => {
    const sm = new FakeSecretsManager();
    const r = await smCli(
      sm,
      ['keys', 'put', '--to', 'secrets-manager', '--prefix', 'p/'],
      JSON.stringify([a, good({ id: 'with:colon' })]),
    );
    expect(errorOf(r, 2, 'ERR_KEY_RECORDS').issues).toEqual([expect.stringMatching(/^id: prefix \+ id must be .* \(id "with:colon"\)$/)]);
    expect(sm.calls).toEqual([]);
  });
});

describe('keys put|check with Secrets Manager through the AWS SDK (spawned edge-auth, the local endpoint)', () => {
  let sm: SecretsManagerEndpoint;
  let env: NodeJS.ProcessEnv;

  /** The CLI in its own process, asynchronously: the endpoint answers from this one. */
  function spawnCli(args: string[], input = ''): Promise<Run> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [join(ROOT, 'bin', 'edge-auth.js'), ...args], { cwd: dir, env });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
      child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
      child.stdin.end(input);
    });
  }

  beforeAll(async () => {
    sm = await startSecretsManagerEndpoint();
    env = { ...process.env };
    for (const k of Object.keys(env)) if (k.startsWith('AWS_')) delete env[k];
    Object.assign(env, {
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
    });
  });
  afterAll(async () => {
    await sm?.close();
  });

  const at = () => ['--region', TEST_REGION, '--endpoint', sm.url];

  it('--prefix: CreateSecret for a new id, PutSecretValue for an existing one; check lists and reads them; every request signed', async () => {
    const made = await Promise.all([
      spawnCli(['keys', 'new', '--scheme', 'sigv4', '--principal', 'svc']),
      spawnCli(['keys', 'new', '--scheme', 'api-key', '--principal', 'svc']),
    ]);
    const records = made.map((m) => JSON.parse(m.stdout) as Rec);
    const put = await spawnCli(['keys', 'put', '--to', 'secrets-manager', '--prefix', 'edge-auth/keys/', ...at()], JSON.stringify(records));
    expect(put.code, put.stderr).toBe(0);
    // Nothing but the result: not even the SDK's Node version warning (edge-auth's stderr is for its error line).
    expect(put.stderr).toBe('');
    expect(JSON.parse(put.stdout)).toEqual({ ok: true, to: 'secrets-manager', created: 2, updated: 0 });
    for (const r of records) expect(JSON.parse(sm.current(`edge-auth/keys/${r.id}`)!)).toEqual(r);

    const rotated = { ...records[0]!, secrets: ['rotated-secret-0000000001', ...records[0]!.secrets!] };
    const again = await spawnCli(
      ['keys', 'put', '--to', 'secrets-manager', '--prefix', 'edge-auth/keys/', ...at()],
      JSON.stringify(rotated),
    );
    expect(JSON.parse(again.stdout)).toEqual({ ok: true, to: 'secrets-manager', created: 0, updated: 1 });
    expect(JSON.parse(sm.current(`edge-auth/keys/${rotated.id}`)!)).toEqual(rotated);

    sm.listPageSize = 1; // two pages
    const check = await spawnCli(['keys', 'check', '--from', 'secrets-manager', '--prefix', 'edge-auth/keys/', ...at()]);
    sm.listPageSize = undefined;
    expect(check.code, check.stderr).toBe(0);
    expect(JSON.parse(check.stdout)).toEqual({ ok: true, records: 2, invalid: 0 });
    for (const out of [put, again, check])
      for (const r of [...records, rotated]) expect(out.stdout + out.stderr).not.toContain(r.secrets![0]);
    const targets = sm.calls.map((c) => c.target.replace('secretsmanager.', ''));
    expect(targets).toEqual([
      'PutSecretValue',
      'CreateSecret',
      'PutSecretValue',
      'CreateSecret',
      'PutSecretValue',
      'ListSecrets',
      'ListSecrets',
      'GetSecretValue',
      'GetSecretValue',
    ]);
    expect(sm.calls.every((c) => c.signatureOk)).toBe(true);
  }, 60_000);

  it('--bundle: records merged by id into one secret, created when absent; check reads it', async () => {
    const a = good({ id: 'BUNDLEA1', secrets: ['bundle-secret-a-001'] });
    const b = good({ id: 'BUNDLEB1', secrets: ['bundle-secret-b-001'] });
    const first = await spawnCli(['keys', 'put', '--to', 'secrets-manager', '--bundle', 'edge-auth/bundle', ...at()], JSON.stringify(a));
    expect(first.code, first.stderr).toBe(0);
    const second = await spawnCli(
      ['keys', 'put', '--to', 'secrets-manager', '--bundle', 'edge-auth/bundle', ...at()],
      JSON.stringify([{ ...a, principal: 'p2' }, b]),
    );
    expect(JSON.parse(second.stdout)).toEqual({ ok: true, to: 'secrets-manager', added: 1, replaced: 1 });
    expect(JSON.parse(sm.current('edge-auth/bundle')!)).toEqual({ keys: [{ ...a, principal: 'p2' }, b] });
    const check = await spawnCli(['keys', 'check', '--from', 'secrets-manager', '--bundle', 'edge-auth/bundle', ...at()]);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stderr).toBe('');
    expect(JSON.parse(check.stdout)).toEqual({ ok: true, records: 2, invalid: 0 });
  }, 60_000);

  it("what keys put wrote (prefix and bundle), the Lambda authorizer's Secrets Manager key source reads, and the key verifies", async () => {
    const made = await spawnCli(['keys', 'new', '--scheme', 'sigv4', '--principal', 'lambda', '--permission', 'items:read']);
    const record = JSON.parse(made.stdout) as Rec;
    for (const where of [
      ['--prefix', 'e2e/'],
      ['--bundle', 'e2e-bundle'],
    ]) {
      const put = await spawnCli(['keys', 'put', '--to', 'secrets-manager', ...where, ...at()], made.stdout);
      expect(put.code, put.stderr).toBe(0);
    }
    const read = sdkSecretReader({ region: TEST_REGION, endpoint: sm.url, credentials: TEST_CREDENTIALS });
    const fromPrefix = createSecretsManagerSource({ read, prefix: 'e2e/', pending: false });
    const fromBundle = createSecretsManagerSource({ read, bundle: 'e2e-bundle', pending: false });
    const found = [
      fromPrefix.kind === 'per-id' ? (await fromPrefix.lookup(record.id)).record : undefined,
      fromBundle.kind === 'complete' ? (await fromBundle.listAll()).find((r) => r.id === record.id) : undefined,
    ];
    for (const r of found) {
      expect(r).toMatchObject({ id: record.id, secrets: record.secrets, principal: 'lambda', permissions: ['items:read'] });
      const verifier = createSigV4Verifier({
        keys: createMemoryKeyStore([r!]),
        region: 'us-east-1',
        service: 'execute-api',
        clock: () => NOW,
      });
      const signer = createSigV4Signer({
        keyId: record.id,
        secret: record.secrets![0]!,
        region: 'us-east-1',
        service: 'execute-api',
        clock: () => NOW,
      });
      const req = {
        method: 'GET',
        path: '/items',
        query: '',
        headers: [['host', 'api.example.com']] as Array<[string, string]>,
        body: new Uint8Array(),
      };
      expect(await verifier.verify(await signer.sign(req))).toMatchObject({ ok: true, keyId: record.id });
    }
  }, 60_000);

  it('check names bad secrets by id and field (exit 1), never a value', async () => {
    sm.put('bad/SHORT1', [{ versionId: 'v1', stages: ['AWSCURRENT'], string: JSON.stringify(good({ id: 'SHORT1', secrets: ['short'] })) }]);
    sm.put('bad/TEXT1', [{ versionId: 'v1', stages: ['AWSCURRENT'], string: 'sm-text-do-not-print' }]);
    const r = await spawnCli(['keys', 'check', '--from', 'secrets-manager', '--prefix', 'bad/', ...at()]);
    expect(r.code).toBe(1);
    expect(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as unknown),
    ).toEqual([
      { id: 'SHORT1', path: 'secrets[0]', message: 'must be at least 8 characters' },
      { id: 'TEXT1', path: '(record)', message: expect.stringMatching(/^not valid JSON: /) },
      { ok: false, records: 2, invalid: 2 },
    ]);
    expect(r.stdout + r.stderr).not.toMatch(/do-not-print|short"/);
  }, 60_000);

  it('a refused call is ERR_KEY_STORE by the SDK error name only (exit 2), and nothing is written', async () => {
    sm.fault = { kind: 'access-denied' };
    const made = await spawnCli(['keys', 'new', '--scheme', 'sigv4', '--principal', 'svc']);
    const record = JSON.parse(made.stdout) as Rec;
    const r = await spawnCli(['keys', 'put', '--to', 'secrets-manager', '--prefix', 'denied/', ...at()], made.stdout);
    sm.fault = { kind: 'none' };
    const error = errorOf(r, 2, 'ERR_KEY_STORE');
    expect(error.message).toBe(
      `Secrets Manager PutSecretValue failed (AccessDeniedException) for id "${record.id}"; 0 of 1 records were written`,
    );
    expect(r.stderr).not.toMatch(/not authorized/);
    expect(r.stderr + r.stdout).not.toContain(record.secrets![0]);
    expect(sm.current(`denied/${record.id}`)).toBeUndefined();
  }, 60_000);
});
