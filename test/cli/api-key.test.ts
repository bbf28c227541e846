// edge-auth sign|verify|explain with API keys: the configuration holds only hashes, so the key to sign
// with comes from a file (--private-key) or an environment variable (--secret-env), never argv; verify
// checks it against the hashes; explain has nothing to explain and prints nothing secret. In-process
// (main with real files), plus one spawned run with the key in the real environment.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALL_KEYS, API_KEY, apiKeyConfig, hashOf, KEY_ID, NEXT_API_KEY, PRINCIPAL, UNKNOWN_KEY } from '../fixtures/api-key-app.ts';
import { ROOT } from '../helpers/workerd.ts';
import { runCli } from '../helpers/cli.ts';

let dir: string;
let configPath: string;
let keyPath: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'edge-auth-api-key-'));
  configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(apiKeyConfig()));
  keyPath = join(dir, 'api.key');
  // As `edge-auth keys new --scheme api-key --key-out` writes it: the key and a newline.
  writeFileSync(keyPath, API_KEY + '\n', { mode: 0o600 });
});

function cli(argv: string[], stdin = '', env: Record<string, string> = {}) {
  return runCli(argv, { stdin, env });
}

const request = JSON.stringify({ method: 'GET', url: 'https://api.example.com/items/42?b=2', headers: [['Accept', 'application/json']] });
const noSecret = (text: string) => {
  for (const key of ALL_KEYS) expect(text).not.toContain(key);
  for (const key of ALL_KEYS) expect(text).not.toContain(hashOf(key).slice(7));
};

describe('edge-auth sign --scheme api-key', () => {
  it('signs with the key from --private-key FILE; verify accepts it; the output holds the key only in its header', async () => {
    const s = await cli(['sign', '--config', configPath, '--key', KEY_ID, '--private-key', keyPath], request);
    expect(s.stderr).toBe('');
    expect(s.code).toBe(0);
    const signed = JSON.parse(s.stdout) as { headers: Array<[string, string]> };
    expect(signed.headers).toContainEqual(['X-Api-Key', API_KEY]);
    const v = await cli(['verify', '--config', configPath], s.stdout);
    expect(v.code).toBe(0);
    expect(JSON.parse(v.stdout)).toEqual({
      ok: true,
      scheme: 'api-key',
      keyId: KEY_ID,
      principal: { id: PRINCIPAL, permissions: ['items:read', 'items:write'] },
    });
    noSecret(v.stdout + v.stderr);
  });

  it('signs with the key from --secret-env NAME (the next key of a rotation), which verify accepts too', async () => {
    const s = await cli(
      ['sign', '--config', configPath, '--key', KEY_ID, '--secret-env', 'EDGE_AUTH_API_KEY', '--scheme', 'api-key'],
      request,
      {
        EDGE_AUTH_API_KEY: NEXT_API_KEY,
      },
    );
    expect(s.stderr).toBe('');
    expect(JSON.parse(s.stdout).headers).toContainEqual(['X-Api-Key', NEXT_API_KEY]);
    expect((await cli(['verify', '--config', configPath], s.stdout)).code).toBe(0);
  });

  it('refuses to sign with the hash the configuration holds, a key of another id, a missing variable, or both sources; never printing a key', async () => {
    const cases: Array<[string[], Record<string, string>, string]> = [
      [['--key', KEY_ID], {}, 'ERR_CONFIG'],
      [['--key', 'readonly01', '--private-key', keyPath], {}, 'ERR_CONFIG'],
      [['--key', KEY_ID, '--secret-env', 'EDGE_AUTH_API_KEY'], {}, 'ERR_USAGE'],
      [['--key', KEY_ID, '--secret-env', 'not a name'], {}, 'ERR_USAGE'],
      [['--key', KEY_ID, '--secret-env', 'K', '--private-key', keyPath], { K: API_KEY }, 'ERR_USAGE'],
      [['--key', KEY_ID, '--secret-env', 'K'], { K: 'not-an-api-key' }, 'ERR_CONFIG'],
    ];
    for (const [args, env, code] of cases) {
      const r = await cli(['sign', '--config', configPath, ...args], request, env);
      expect(r.code, args.join(' ')).toBe(2);
      expect(JSON.parse(r.stderr)).toMatchObject({ ok: false, code });
      noSecret(r.stdout + r.stderr);
    }
  });

  it('verify refuses a wrong key with 401 and exit 1, naming no key; explain prints nothing secret', async () => {
    const wrong = JSON.stringify({ ...JSON.parse(request), headers: [['X-Api-Key', UNKNOWN_KEY]] });
    const v = await cli(['verify', '--config', configPath], wrong);
    expect(v.code).toBe(1);
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: false, status: 401 });
    noSecret(v.stdout + v.stderr);
    const good = (await cli(['sign', '--config', configPath, '--key', KEY_ID, '--private-key', keyPath], request)).stdout;
    for (const argv of [['explain'], ['explain', '--json']]) {
      const e = await cli([...argv, '--config', configPath], good);
      expect(e.code).toBe(2);
      expect(JSON.parse(e.stderr)).toMatchObject({ code: 'ERR_USAGE', message: expect.stringContaining('nothing to explain') });
      noSecret(e.stdout + e.stderr);
    }
  });

  it('runs as a process with the key in the environment, never in argv', () => {
    const run = (args: string[], input: string) => {
      for (const a of args) for (const key of ALL_KEYS) expect(a).not.toContain(key);
      return spawnSync(process.execPath, [join(ROOT, 'bin', 'edge-auth.js'), ...args], {
        cwd: ROOT,
        input,
        encoding: 'utf8',
        env: { ...process.env, EDGE_AUTH_API_KEY: API_KEY },
      });
    };
    const s = run(['sign', '--config', configPath, '--key', KEY_ID, '--secret-env', 'EDGE_AUTH_API_KEY'], request);
    expect(s.stderr).toBe('');
    expect(s.status).toBe(0);
    const v = run(['verify', '--config', configPath], s.stdout);
    expect(v.status).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: true, scheme: 'api-key', principal: { id: PRINCIPAL } });
    noSecret(v.stdout + v.stderr);
  }, 60_000);
  it('end to end: keys new --key-out makes a record the configuration accepts and a key file sign uses; verify accepts it', async () => {
    const keyOut = join(dir, 'made.key');
    const made = await cli([
      'keys',
      'new',
      '--scheme',
      'api-key',
      '--principal',
      'made-svc',
      '--permission',
      'items:read',
      '--key-out',
      keyOut,
    ]);
    expect(made.code, made.stderr).toBe(0);
    const record = JSON.parse(made.stdout) as { id: string };
    const config = join(dir, 'made-config.json');
    writeFileSync(config, JSON.stringify({ ...apiKeyConfig(), keys: [record] }));
    const s = await cli(['sign', '--config', config, '--key', record.id, '--private-key', keyOut], request);
    expect(s.stderr).toBe('');
    const key = readFileSync(keyOut, 'utf8').trim();
    expect(made.stdout + made.stderr).not.toContain(key);
    const v = await cli(['verify', '--config', config], s.stdout);
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: true, scheme: 'api-key', keyId: record.id, principal: { id: 'made-svc' } });
    expect(v.stdout).not.toContain(key);
  });
});
