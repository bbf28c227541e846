// edge-auth sign|verify|explain --scheme mauth: the private key from a file (--private-key), never argv
// or the configuration; verify with the app's public key from the configuration; explain with the app
// uuid redacted and no signature printed. In-process (main with real files), plus one spawned run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAUTH_MESSAGES } from '../../lib/schemes/mauth/index.ts';
import { APP_UUID, mauthConfig, PRIVATE_KEY } from '../fixtures/mauth-app.ts';
import { ROOT } from '../helpers/workerd.ts';
import { runCli } from '../helpers/cli.ts';

const NOW = 1_790_000_000;
let dir: string;
let configPath: string;
let keyPath: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'edge-auth-mauth-'));
  configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(mauthConfig({ schemes: { mauth: { signVersions: ['v2', 'v1', 'v1,v2'] } } })));
  keyPath = join(dir, 'private.key');
  writeFileSync(keyPath, PRIVATE_KEY, { mode: 0o600 });
});

function cli(argv: string[], stdin = '') {
  return runCli(argv, { stdin, now: () => NOW * 1000 });
}

const request = JSON.stringify({
  method: 'POST',
  url: 'https://api.example.com/items/42?b=2&a=1',
  headers: [['Content-Type', 'application/json']],
  body: '{"name":"widget"}',
});

async function signed(extra: string[] = []) {
  const r = await cli(
    ['sign', '--config', configPath, '--key', APP_UUID, '--private-key', keyPath, '--now', String(NOW), ...extra],
    request,
  );
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

describe('edge-auth sign --scheme mauth', () => {
  it('signs v2 by default with the key from --private-key, and verify accepts it', async () => {
    const out = await signed(['--scheme', 'mauth']);
    const doc = JSON.parse(out) as { headers: Array<[string, string]> };
    const names = doc.headers.map(([n]) => n);
    expect(names).toEqual(expect.arrayContaining(['MCC-Authentication', 'MCC-Time']));
    expect(names).not.toContain('X-MWS-Authentication');
    expect(out).not.toContain('PRIVATE KEY');
    const v = await cli(['verify', '--config', configPath, '--now', String(NOW)], out);
    expect(v.code).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: true, scheme: 'mauth', principal: { id: 'mauth-app' } });
  });

  it('signs v1 and v1,v2 through --algorithm (schemes.mauth.signVersions)', async () => {
    for (const [variant, headers] of [
      ['v1', ['X-MWS-Authentication', 'X-MWS-Time']],
      ['v1,v2', ['X-MWS-Authentication', 'MCC-Authentication']],
    ] as const) {
      const out = await signed(['--algorithm', variant]);
      expect((JSON.parse(out) as { headers: Array<[string, string]> }).headers.map(([n]) => n)).toEqual(
        expect.arrayContaining([...headers]),
      );
      expect((await cli(['verify', '--config', configPath, '--now', String(NOW)], out)).code).toBe(0);
    }
  });

  it('verify refuses a tampered body with the code, the original message and no app uuid', async () => {
    const doc = JSON.parse(await signed()) as Record<string, unknown>;
    const v = await cli(['verify', '--config', configPath, '--now', String(NOW)], JSON.stringify({ ...doc, body: '{"name":"gadget"}' }));
    expect(v.code).toBe(1);
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: false, code: 'ERR_SIGNATURE_INVALID', message: MAUTH_MESSAGES.signature });
    expect(v.stdout + v.stderr).not.toContain(APP_UUID);
  });

  it('needs a private key: a public-key-only record says so; a missing file names its error code only', async () => {
    const r = await cli(['sign', '--config', configPath, '--key', APP_UUID, '--now', String(NOW)], request);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr)).toMatchObject({ ok: false, code: 'ERR_USAGE', message: expect.stringContaining('--private-key FILE') });
    const missing = await cli(['sign', '--config', configPath, '--key', APP_UUID, '--private-key', join(dir, 'nope.key')], request);
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stderr)).toMatchObject({ code: 'ERR_CONFIG', message: 'cannot read the private key file (ENOENT)' });
    // A file that is no key: refused without quoting it.
    const junk = join(dir, 'junk.key');
    writeFileSync(junk, 'hunter2-not-a-key');
    const bad = await cli(['sign', '--config', configPath, '--key', APP_UUID, '--private-key', junk], request);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).not.toContain('hunter2');
    expect(bad.stderr + bad.stdout).not.toContain(APP_UUID);
  });
});

describe('edge-auth explain --scheme mauth', () => {
  it('shows the string to sign with the app uuid redacted and no signature, in text and JSON', async () => {
    const out = await signed(['--algorithm', 'v1,v2']);
    const signature = /MWSV2 [^:]+:([^;]+);/.exec(out)![1]!;
    const text = await cli(['explain', '--config', configPath], out);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('MWSV2');
    expect(text.stdout).toContain('POST\n/items/42\n');
    expect(text.stdout).toContain('a=1&b=2');
    expect(text.stdout).toMatch(/<redacted 36 chars sha256:[0-9a-f]{8}>/);
    expect(text.stdout).toContain('the app uuid');
    const json = await cli(['explain', '--config', configPath, '--json'], out);
    expect(JSON.parse(json.stdout)).toMatchObject({ algorithm: 'MWSV2', redacted: [{ where: 'the app uuid', length: 36 }] });
    expect(JSON.parse(json.stdout)).not.toHaveProperty('redact');
    for (const shown of [text.stdout, json.stdout]) {
      expect(shown).not.toContain(APP_UUID);
      expect(shown).not.toContain(signature);
      expect(shown).not.toContain(signature.slice(0, 24));
    }
  });

  it('explains a v1-only request (MWS) the same way', async () => {
    const out = await signed(['--algorithm', 'v1']);
    const r = await cli(['explain', '--config', configPath, '--json'], out);
    expect(JSON.parse(r.stdout)).toMatchObject({ algorithm: 'MWS' });
    expect(r.stdout).not.toContain(APP_UUID);
  });
});

describe('the edge-auth binary', () => {
  it('signs as APP_UUID from the environment with the key from a file (neither in argv), and verifies', () => {
    const run = (args: string[], input: string) => {
      for (const a of args) expect(a).not.toContain(APP_UUID);
      return spawnSync(process.execPath, [join(ROOT, 'bin', 'edge-auth.js'), ...args], {
        cwd: ROOT,
        input,
        encoding: 'utf8',
        env: { ...process.env, APP_UUID },
      });
    };
    const s = run(['sign', '--config', configPath, '--private-key', keyPath, '--scheme', 'mauth'], request);
    expect(s.stderr).toBe('');
    expect(s.status).toBe(0);
    expect(s.stdout).not.toContain('PRIVATE KEY');
    expect(s.stdout).toContain(`MWSV2 ${APP_UUID}:`);
    const v = run(['verify', '--config', configPath], s.stdout);
    expect(v.status).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: true, scheme: 'mauth' });
  }, 60_000);
});
