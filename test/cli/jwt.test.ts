// edge-auth sign|verify|explain --scheme jwt: a token minted from the private key in a file
// (--private-key), or a ready-made token from a file attached as it is; verify with the issuer's public
// key from the configuration; explain shows header and claim names and the issuer/audience, never the
// token, its signature or its kid.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createJwtSigner } from '../../lib/schemes/jwt/index.ts';
import { JWT_AUDIENCE, JWT_ISSUER, JWT_KID, JWT_PRIVATE_KEY, jwtConfig } from '../fixtures/jwt-app.ts';
import { ROOT } from '../helpers/workerd.ts';
import { runCli } from '../helpers/cli.ts';

const NOW = 1_790_000_000;
let dir: string;
let configPath: string;
let keyPath: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'edge-auth-jwt-'));
  configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(jwtConfig()));
  keyPath = join(dir, 'private.key');
  writeFileSync(keyPath, JWT_PRIVATE_KEY, { mode: 0o600 });
});

function cli(argv: string[], stdin = '') {
  return runCli(argv, { stdin, now: () => NOW * 1000 });
}

const request = JSON.stringify({ method: 'GET', url: 'https://api.example.com/orders/42', headers: [['Accept', 'application/json']] });
const tokenIn = (out: string) =>
  (JSON.parse(out) as { headers: Array<[string, string]> }).headers.find(([n]) => n === 'Authorization')![1].slice(7);

async function signed(extra: string[] = [], key = keyPath) {
  const r = await cli(
    ['sign', '--config', configPath, '--scheme', 'jwt', '--key', JWT_KID, '--private-key', key, '--now', String(NOW), ...extra],
    request,
  );
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

describe('edge-auth sign --scheme jwt', () => {
  it('mints a token from the private key file as schemes.jwt.signer says, and verify accepts it', async () => {
    const out = await signed();
    expect(out).not.toContain('PRIVATE KEY');
    const [header, payload] = tokenIn(out)
      .split('.')
      .slice(0, 2)
      .map((s) => JSON.parse(Buffer.from(s, 'base64url').toString()) as Record<string, unknown>);
    expect(header).toEqual({ alg: 'RS256', typ: 'JWT', kid: JWT_KID });
    expect(payload).toEqual({ iss: JWT_ISSUER, aud: JWT_AUDIENCE, sub: 'jwt-user', scope: 'orders:read', iat: NOW, exp: NOW + 300 });
    const v = await cli(['verify', '--config', configPath, '--now', String(NOW)], out);
    expect(v.code).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: true, scheme: 'jwt', principal: { id: 'jwt-user', permissions: ['orders:read'] } });
    const late = await cli(['verify', '--config', configPath, '--now', String(NOW + 400)], out);
    expect(late.code).toBe(1);
    expect(JSON.parse(late.stdout)).toMatchObject({ ok: false, code: 'ERR_REQUEST_EXPIRED' });
  });

  it('--algorithm picks the algorithm (PS256 with the same RSA key); one the key cannot sign fails without quoting it', async () => {
    const out = await signed(['--algorithm', 'PS256']);
    expect(JSON.parse(Buffer.from(tokenIn(out).split('.')[0]!, 'base64url').toString())).toMatchObject({ alg: 'PS256' });
    const bad = await cli(
      ['sign', '--config', configPath, '--scheme', 'jwt', '--key', JWT_KID, '--private-key', keyPath, '--algorithm', 'ES256'],
      request,
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr + bad.stdout).not.toContain('PRIVATE KEY');
    const none = await cli(
      ['sign', '--config', configPath, '--scheme', 'jwt', '--key', JWT_KID, '--private-key', keyPath, '--algorithm', 'HS256'],
      request,
    );
    expect(none.code).toBe(2);
  });

  it('attaches a ready-made token from the file as it is', async () => {
    const ready = await createJwtSigner({
      keyId: 'other-kid',
      secret: JWT_PRIVATE_KEY,
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      clock: () => NOW * 1000,
    })
      .sign({ method: 'GET', path: '/', query: '', headers: [] })
      .then((r) => r.headers[0]![1].slice(7));
    const tokenPath = join(dir, 'token.jwt');
    writeFileSync(tokenPath, ready + '\n', { mode: 0o600 });
    const out = await signed([], tokenPath);
    expect(tokenIn(out)).toBe(ready);
    expect((await cli(['verify', '--config', configPath, '--now', String(NOW)], out)).code).toBe(0);
  });

  it('verify refuses a token with its signature changed, and no token or kid is printed', async () => {
    const out = await signed();
    const token = tokenIn(out);
    const forged = out.replace(token, token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBA' : 'AAAA'));
    const v = await cli(['verify', '--config', configPath, '--now', String(NOW)], forged);
    expect(v.code).toBe(1);
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: false });
    for (const part of token.split('.')) expect(v.stdout + v.stderr).not.toContain(part);
    expect(v.stdout + v.stderr).not.toContain(JWT_KID);
  });

  it('a file that is no key nor token is refused without quoting it', async () => {
    const junk = join(dir, 'junk.key');
    writeFileSync(junk, 'hunter2-not-a-key');
    const bad = await cli(['sign', '--config', configPath, '--scheme', 'jwt', '--key', JWT_KID, '--private-key', junk], request);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr + bad.stdout).not.toContain('hunter2');
  });
});

describe('edge-auth explain --scheme jwt', () => {
  it('shows the algorithm, header and claim names, issuer and audience; never the token, signature or kid', async () => {
    const out = await signed();
    const token = tokenIn(out);
    const text = await cli(['explain', '--config', configPath], out);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('RS256');
    expect(text.stdout).toContain('header: alg, kid, typ');
    expect(text.stdout).toContain('claims: aud, exp, iat, iss, scope, sub');
    expect(text.stdout).toContain(`iss=${JWT_ISSUER} aud=${JWT_AUDIENCE}`);
    const json = await cli(['explain', '--config', configPath, '--json'], out);
    expect(JSON.parse(json.stdout)).toMatchObject({ algorithm: 'RS256' });
    for (const shown of [text.stdout, json.stdout]) {
      for (const part of token.split('.')) expect(shown).not.toContain(part);
      expect(shown).not.toContain(JWT_KID);
      expect(shown).not.toContain('jwt-user');
    }
  });
});

describe('the edge-auth binary', () => {
  it('signs with the key from a file and verifies', () => {
    const run = (args: string[], input: string) =>
      spawnSync(process.execPath, [join(ROOT, 'bin', 'edge-auth.js'), ...args], { cwd: ROOT, input, encoding: 'utf8' });
    const s = run(['sign', '--config', configPath, '--scheme', 'jwt', '--key', JWT_KID, '--private-key', keyPath], request);
    expect(s.stderr).toBe('');
    expect(s.status).toBe(0);
    expect(s.stdout).toContain('Bearer ey');
    const v = run(['verify', '--config', configPath], s.stdout);
    expect(v.status).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: true, scheme: 'jwt' });
  }, 60_000);
});
