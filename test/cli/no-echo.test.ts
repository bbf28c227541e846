// What a user pastes in the wrong place may be a secret: the CLI never quotes it back (review
// findings). And a record id that wrangler would read as an option never reaches wrangler.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_KEY, apiKeyConfig, KEY_ID } from '../fixtures/api-key-app.ts';
import { runCli } from '../helpers/cli.ts';

// Shaped like the secrets people paste: an API key (API_KEY, which also has an environment variable
// name's shape) and an AWS-style secret.
const PASTED = 'wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY0123';

describe('the CLI does not echo what may be a pasted secret', () => {
  it('--secret-env given the key itself instead of a variable name: the message names neither', async () => {
    expect(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(API_KEY)).toBe(true);
    const configPath = join(mkdtempSync(join(tmpdir(), 'edge-auth-no-echo-')), 'config.json');
    writeFileSync(configPath, JSON.stringify(apiKeyConfig()));
    const request = JSON.stringify({ method: 'GET', url: 'https://api.example.com/items' });
    const r = await runCli(['sign', '--config', configPath, '--key', KEY_ID, '--secret-env', API_KEY], { stdin: request, env: {} });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr)).toMatchObject({ ok: false, code: 'ERR_USAGE', message: expect.stringContaining('--secret-env') });
    expect(r.stdout + r.stderr).not.toContain(API_KEY);
  });

  it.each([
    ['in the command position', [PASTED]],
    ['as an unknown option', ['sign', `--${PASTED}`]],
    ['as an unknown option with a value', ['verify', `--${PASTED}=x`]],
    ['as a short option', ['keys', 'new', `-${PASTED}`]],
  ])('a secret %s is not quoted', async (_, argv) => {
    const r = await runCli(argv, { stdin: '' });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr)).toMatchObject({ ok: false, code: 'ERR_USAGE' });
    expect(r.stdout + r.stderr).not.toContain(PASTED.slice(0, 12));
  });
});

describe('keys put --to kv: a KV key name that starts with "-" never reaches wrangler', () => {
  it.each(['--help', '-h', '--version', '--path'])('a record id %j is refused before anything is written', async (id) => {
    const made = await runCli(['keys', 'new', '--scheme', 'sigv4', '--principal', 'svc']);
    expect(made.code, made.stderr).toBe(0);
    const record = { ...(JSON.parse(made.stdout) as Record<string, unknown>), id };
    const r = await runCli(['keys', 'put', '--to', 'kv', '--binding', 'KEYS', '--local', '--persist-to', '/nonexistent-edge-auth-kv'], {
      stdin: JSON.stringify(record),
    });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr)).toMatchObject({ ok: false, code: 'ERR_USAGE', message: expect.stringContaining('starts with "-"') });
    expect(r.stdout).not.toContain('written');
  });
});
