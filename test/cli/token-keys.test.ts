// edge-auth token-keys new | rotate: the token service's signing key set made and rotated without
// hand-editing PEMs. main() runs in-process over a temporary directory; the installed entry once.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey, parseSigningKeySet, type SigningKeyEntry } from '../../lib/token-service/signing-keys.ts';
import { maxTokenLifetimeSeconds } from '../../lib/token-service/tokens.ts';
import { ROOT } from '../helpers/workerd.ts';
import { runCli } from '../helpers/cli.ts';

const NOW = Date.UTC(2026, 11, 3, 12, 0, 0);
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
let dir: string;
let n = 0;
const path = (name: string) => join(dir, `${n++}-${name}`);

function cli(argv: string[], stdin = '') {
  return runCli(argv, { stdin, now: () => NOW });
}

const setIn = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as { keys: SigningKeyEntry[] };
/** No PEM armour and no private JWK member (an error may name the format "BEGIN PRIVATE KEY", in quotes). */
const noPrivateKey = (text: string) => expect(text).not.toMatch(/-----BEGIN|"d":/);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'edge-auth-token-keys-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('token-keys new', () => {
  it('writes a set of one RS256 key to a new 0600 file, printing only its kid', async () => {
    const out = path('keys.json');
    const r = await cli(['token-keys', 'new', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const set = setIn(out);
    expect(set.keys).toHaveLength(1);
    expect(set.keys[0]).toMatchObject({ alg: 'RS256' });
    expect(set.keys[0]!.retiredAt).toBeUndefined();
    expect(JSON.parse(r.stdout)).toEqual({ ok: true, current: set.keys[0]!.kid, alg: 'RS256', retired: [], dropped: [] });
    noPrivateKey(r.stdout + r.stderr);
    const parsed = await parseSigningKeySet(readFileSync(out, 'utf8'), new Date(NOW), maxTokenLifetimeSeconds());
    expect(parsed.current.kid).toBe(set.keys[0]!.kid);
  });

  it('takes --alg and --kid', async () => {
    const out = path('ed.json');
    expect((await cli(['token-keys', 'new', '--out', out, '--alg', 'EdDSA', '--kid', '2026-12'])).code).toBe(0);
    expect(setIn(out).keys[0]).toMatchObject({ kid: '2026-12', alg: 'EdDSA' });
  });

  it('writes the private key to stdout only when asked with --out -, the summary then going to stderr', async () => {
    const r = await cli(['token-keys', 'new', '--out', '-', '--alg', 'ES256']);
    expect(r.code).toBe(0);
    const set = JSON.parse(r.stdout) as { keys: SigningKeyEntry[] };
    expect(set.keys[0]!.privateKey).toMatch(/BEGIN PRIVATE KEY/);
    expect(JSON.parse(r.stderr)).toMatchObject({ ok: true, current: set.keys[0]!.kid, alg: 'ES256' });
  });

  it('refuses without --out, with a bad --alg or --kid, and never overwrites a file', async () => {
    for (const argv of [
      ['token-keys', 'new'],
      ['token-keys', 'new', '--out', path('x.json'), '--alg', 'HS256'],
      ['token-keys', 'new', '--out', path('x.json'), '--kid', 'a b'],
      ['token-keys', 'new', '--out', path('x.json'), 'stray'],
      ['token-keys', 'renew', '--out', path('x.json')],
      ['token-keys'],
    ]) {
      const r = await cli(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(JSON.parse(r.stderr)).toMatchObject({ ok: false, code: 'ERR_USAGE' });
      expect(r.stdout).toBe('');
    }
    const existing = path('existing.json');
    writeFileSync(existing, 'keep me');
    const r = await cli(['token-keys', 'new', '--out', existing]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr)).toMatchObject({ code: 'ERR_KEY_STORE' });
    expect(readFileSync(existing, 'utf8')).toBe('keep me');
  });
});

describe('token-keys rotate', () => {
  let old: SigningKeyEntry;
  let recent: SigningKeyEntry;
  let ancient: SigningKeyEntry;
  beforeAll(async () => {
    old = await generateSigningKey('RS256', 'current-1');
    recent = { ...(await generateSigningKey('ES256', 'retired-2d')), retiredAt: iso(NOW - 2 * DAY) };
    ancient = { ...(await generateSigningKey('EdDSA', 'retired-40d')), retiredAt: iso(NOW - 40 * DAY) };
  });

  it('retires the current key now, adds a new current key, keeps live retired keys and drops finished ones', async () => {
    const out = path('rotated.json');
    const r = await cli(['token-keys', 'rotate', '--out', out], JSON.stringify({ keys: [old, recent, ancient] }));
    expect(r.code, r.stderr).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const set = setIn(out);
    expect(set.keys.map((k) => k.kid)).toEqual([set.keys[0]!.kid, 'current-1', 'retired-2d']);
    expect(set.keys[0]!.retiredAt).toBeUndefined();
    expect(set.keys[0]!.alg).toBe('RS256');
    expect(set.keys[1]).toEqual({ ...old, retiredAt: iso(NOW) });
    expect(set.keys[2]).toEqual(recent);
    expect(JSON.parse(r.stdout)).toEqual({
      ok: true,
      current: set.keys[0]!.kid,
      alg: 'RS256',
      retired: ['current-1', 'retired-2d'],
      dropped: ['retired-40d'],
    });
    noPrivateKey(r.stdout + r.stderr);
    // The service publishes the new key and both retired ones (their tokens may still be live).
    const parsed = await parseSigningKeySet(readFileSync(out, 'utf8'), new Date(NOW), maxTokenLifetimeSeconds());
    expect(parsed.current.kid).toBe(set.keys[0]!.kid);
    expect(parsed.published.map((k) => k.kid)).toEqual([set.keys[0]!.kid, 'current-1', 'retired-2d']);
  });

  it('with --config, keeps retired keys only as long as that configuration lets tokens live', async () => {
    const config = path('config.json');
    writeFileSync(
      config,
      JSON.stringify({
        publicUrl: 'https://auth.example.com',
        allowedOrigins: ['https://app.example.com'],
        providers: { github: { clientId: 'x' } },
        userTokenTtlSeconds: 86_400,
      }),
    );
    const out = path('short.json');
    const r = await cli(['token-keys', 'rotate', '--out', out, '--config', config], JSON.stringify({ keys: [old, recent] }));
    expect(r.code, r.stderr).toBe(0);
    expect(
      setIn(out)
        .keys.map((k) => k.kid)
        .slice(1),
    ).toEqual(['current-1']);
    expect(JSON.parse(r.stdout)).toMatchObject({ dropped: ['retired-2d'] });
  });

  it('refuses an invalid set on stdin naming fields only, and writes nothing', async () => {
    const out = path('never.json');
    const broken = { keys: [{ ...old, privateKey: old.privateKey.toString().replace('BEGIN PRIVATE KEY', 'BEGIN RSA PRIVATE KEY') }] };
    for (const stdin of [JSON.stringify(broken), '{"keys":[', JSON.stringify({ keys: [old, { ...recent, retiredAt: undefined }] })]) {
      const r = await cli(['token-keys', 'rotate', '--out', out], stdin);
      expect(r.code).toBe(2);
      const error = JSON.parse(r.stderr) as { code: string; issues?: string[] };
      expect(error.code).toBe('ERR_KEY_RECORDS');
      noPrivateKey(r.stderr);
      expect(existsSync(out)).toBe(false);
    }
    const empty = await cli(['token-keys', 'rotate', '--out', out], '');
    expect(JSON.parse(empty.stderr)).toMatchObject({ code: 'ERR_USAGE' });
  });

  it('makes a new kid even when asked for one the set holds', async () => {
    const r = await cli(['token-keys', 'rotate', '--out', path('dup.json'), '--kid', 'current-1'], JSON.stringify({ keys: [old] }));
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr)).toMatchObject({ code: 'ERR_USAGE' });
  });
});

describe('the edge-auth entry', () => {
  it('runs token-keys new and rotate as a process, listed in --help', () => {
    const first = path('first.json');
    const second = path('second.json');
    const bin = join(ROOT, 'bin', 'edge-auth.js');
    const a = spawnSync(process.execPath, [bin, 'token-keys', 'new', '--out', first], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(a.status, a.stderr).toBe(0);
    const b = spawnSync(process.execPath, [bin, 'token-keys', 'rotate', '--out', second], {
      cwd: ROOT,
      input: readFileSync(first),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(b.status, b.stderr).toBe(0);
    expect(setIn(second).keys[1]!.kid).toBe(setIn(first).keys[0]!.kid);
    const help = spawnSync(process.execPath, [bin, '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(help.stdout).toContain('edge-auth token-keys rotate');
  }, 90_000);
});
