// edge-auth sign|verify|explain --scheme ustudio-hmac: sign with the key's secret from the configuration,
// verify, refuse a tampered request by code only, explain with the key id redacted and no digest
// printed; with the freshness extension on, sign stamps the time (--now) and verify checks it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { USTUDIO_KEY_ID, USTUDIO_SECRET, ustudioConfig } from '../fixtures/ustudio-app.ts';
import { runCli } from '../helpers/cli.ts';

const NOW = 1_790_000_000;
let dir: string;
let configPath: string;
let freshPath: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'edge-auth-ustudio-'));
  configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(ustudioConfig()));
  freshPath = join(dir, 'fresh.json');
  writeFileSync(freshPath, JSON.stringify(ustudioConfig({ schemes: { 'ustudio-hmac': { freshness: true } } })));
});

function cli(argv: string[], stdin = '') {
  return runCli(argv, { stdin, now: () => NOW * 1000 });
}

const request = JSON.stringify({
  method: 'POST',
  url: 'https://api.example.com/items/42?b=2&a=1&blank',
  headers: [['Content-Type', 'application/json']],
  body: '{"name":"widget"}',
});

async function signed(config = configPath, now = NOW) {
  const r = await cli(['sign', '--config', config, '--key', USTUDIO_KEY_ID, '--scheme', 'ustudio-hmac', '--now', String(now)], request);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}
const digestIn = (out: string) => /USTUDIO-HMAC-V2 \S+ ([0-9a-f]{64})/.exec(out)![1]!;

describe('edge-auth sign|verify --scheme ustudio-hmac', () => {
  it('signs with the key from the configuration, and verify accepts it', async () => {
    const out = await signed();
    const doc = JSON.parse(out) as { headers: Array<[string, string]> };
    expect(doc.headers).toContainEqual(['Authorization', `USTUDIO-HMAC-V2 ${USTUDIO_KEY_ID} ${digestIn(out)}`]);
    expect(out).not.toContain(USTUDIO_SECRET);
    const v = await cli(['verify', '--config', configPath, '--now', String(NOW)], out);
    expect(v.code).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: true, scheme: 'ustudio-hmac', principal: { id: 'ustudio-app' } });
  });

  it('verify refuses a tampered body or query with the code only, naming no key id, digest or secret', async () => {
    const out = await signed();
    const doc = JSON.parse(out) as Record<string, unknown>;
    for (const change of [{ body: '{"name":"gadget"}' }, { url: 'https://api.example.com/items/42?b=2&a=2&blank' }]) {
      const v = await cli(['verify', '--config', configPath, '--now', String(NOW)], JSON.stringify({ ...doc, ...change }));
      expect(v.code).toBe(1);
      expect(JSON.parse(v.stdout)).toMatchObject({ ok: false, code: 'ERR_SIGNATURE_INVALID' });
      for (const secret of [USTUDIO_KEY_ID, digestIn(out), USTUDIO_SECRET]) expect(v.stdout + v.stderr).not.toContain(secret);
    }
  });

  it('with freshness on, stamps the time and verify checks it (stale by more than 300 s: expired)', async () => {
    const out = await signed(freshPath);
    const doc = JSON.parse(out) as { headers: Array<[string, string]> };
    expect(doc.headers).toContainEqual(['X-UStudio-Timestamp', String(NOW)]);
    expect(doc.headers.find(([n]) => n === 'X-UStudio-Nonce')?.[1]).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect((await cli(['verify', '--config', freshPath, '--now', String(NOW + 10)], out)).code).toBe(0);
    const stale = await cli(['verify', '--config', freshPath, '--now', String(NOW + 301)], out);
    expect(stale.code).toBe(1);
    expect(JSON.parse(stale.stdout)).toMatchObject({ code: 'ERR_REQUEST_EXPIRED' });
    // Without the extension the stamped request's string differs: refused.
    expect((await cli(['verify', '--config', configPath, '--now', String(NOW)], out)).code).toBe(1);
  });
});

describe('edge-auth explain --scheme ustudio-hmac', () => {
  it('shows the canonical query and the string to sign, no key id and no digest, in text and JSON', async () => {
    const out = await signed();
    const digest = digestIn(out);
    const text = await cli(['explain', '--config', configPath], out);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('USTUDIO-HMAC-V2');
    expect(text.stdout).toContain('POST\n/items/42\na=1&b=2&blank=\n{"name":"widget"}');
    const json = await cli(['explain', '--config', configPath, '--json'], out);
    // The key id is not part of the signed string, so there is nothing to redact in it.
    expect(JSON.parse(json.stdout)).toMatchObject({ algorithm: 'USTUDIO-HMAC-V2', canonicalRequest: 'a=1&b=2&blank=', redacted: [] });
    for (const shown of [text.stdout, json.stdout]) {
      expect(shown).not.toContain(USTUDIO_KEY_ID);
      expect(shown).not.toContain(digest);
      expect(shown).not.toContain(digest.slice(0, 16));
      expect(shown).not.toContain(USTUDIO_SECRET);
    }
  });

  it('redacts the key id where the signed request itself carries it (a query value, the body)', async () => {
    const req = JSON.stringify({
      method: 'POST',
      url: `https://api.example.com/items?owner=${USTUDIO_KEY_ID}`,
      headers: [],
      body: `{"key":"${USTUDIO_KEY_ID}"}`,
    });
    const s = await cli(['sign', '--config', configPath, '--key', USTUDIO_KEY_ID, '--scheme', 'ustudio-hmac'], req);
    expect(s.code).toBe(0);
    for (const flags of [[], ['--json']]) {
      const e = await cli(['explain', '--config', configPath, ...flags], s.stdout);
      expect(e.code).toBe(0);
      expect(e.stdout).not.toContain(USTUDIO_KEY_ID);
      expect(e.stdout).toContain(`<redacted ${USTUDIO_KEY_ID.length} chars sha256:`);
      expect(e.stdout).toContain('the key id');
    }
  });
});
