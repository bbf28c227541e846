// wrangler.token-service.toml: read by wrangler's own config reader, its bindings are exactly what
// functions/token-service.ts reads (TokenServiceEnv), its commented example configuration is valid, and
// `wrangler deploy --dry-run -c wrangler.token-service.toml` bundles offline into a Worker that, under
// workerd with those bindings, serves its JWKS.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unstable_readConfig } from 'wrangler';
import { startOAuthStandin } from '../../infra/oauth-standin.ts';
import { localConfig, localSecrets, startTokenServiceWorker } from '../../infra/token-service-local.ts';
import { loadTokenServiceConfig } from '../../lib/token-service/config.ts';
import { freePort } from '../helpers/net.ts';
import { ROOT, toolEnv } from './artifacts.ts';

const run = promisify(execFile);
const TOML = join(ROOT, 'wrangler.token-service.toml');
const tomlText = readFileSync(TOML, 'utf8');

/** The members of `interface TokenServiceEnv` in lib/token-service/worker.ts (what functions/token-service.ts runs). */
function envMembers(): string[] {
  const source = readFileSync(join(ROOT, 'lib', 'token-service', 'worker.ts'), 'utf8');
  const body = /export interface TokenServiceEnv \{([\s\S]*?)\n\}/.exec(source)![1]!;
  return [...body.matchAll(/^\s*([A-Z][A-Z0-9_]*)\??:/gm)].map((m) => m[1]!);
}

/** What these tests read of wrangler's normalised configuration. */
interface WranglerConfig {
  readonly name: string | undefined;
  readonly main: string | undefined;
  readonly alias: Record<string, string> | undefined;
  readonly vars: Record<string, unknown>;
  readonly d1_databases: readonly { readonly binding: string }[];
  readonly ratelimits: readonly {
    readonly name: string;
    readonly namespace_id: string;
    readonly simple: { limit: number; period: number };
  }[];
}

const readConfig = (path: string) => unstable_readConfig({ config: path }) as unknown as WranglerConfig;

describe('wrangler.token-service.toml', () => {
  const config = readConfig(TOML);

  it('runs functions/token-service.ts with the Web Crypto backend, as wrangler.toml does the edge', () => {
    expect(config.main).toBe(join(ROOT, 'functions', 'token-service.ts'));
    expect(config.alias).toEqual({ '#crypto': './lib/core/crypto-web.ts' });
    expect(config.name).not.toBe(readConfig(join(ROOT, 'wrangler.toml')).name);
  });

  it('binds D1 as DB and both rate limiters, with a period Cloudflare accepts', () => {
    expect(config.d1_databases.map((d) => d.binding)).toEqual(['DB']);
    expect(config.ratelimits.map((r) => r.name).sort()).toEqual(['API_RATE_LIMITER', 'LOGIN_RATE_LIMITER']);
    for (const r of config.ratelimits) {
      expect(r.namespace_id).toMatch(/^\d+$/);
      expect([10, 60]).toContain(r.simple.period);
      expect(r.simple.limit).toBeGreaterThan(0);
    }
    expect(new Set(config.ratelimits.map((r) => r.namespace_id)).size).toBe(2);
  });

  it('accounts for every member of TokenServiceEnv: a binding, the config var, or a secret to put', () => {
    const members = envMembers();
    expect(members).toContain('TOKEN_SIGNING_KEYS');
    const bound = [...config.d1_databases.map((d) => d.binding), ...config.ratelimits.map((r) => r.name)];
    const secrets = [...tomlText.matchAll(/wrangler secret put ([A-Z_]+)/g)].map((m) => m[1]!);
    const vars = [...tomlText.matchAll(/^# ([A-Z_]+) = '''/gm)].map((m) => m[1]!);
    expect([...bound, ...secrets, ...vars].sort()).toEqual([...members].sort());
    // No secret is given a value in the file itself.
    expect(Object.keys(config.vars)).toEqual([]);
    expect(tomlText).not.toContain('PRIVATE KEY');
  });

  it('shows an example TOKEN_SERVICE_CONFIG that the token service accepts', () => {
    const example = /^# TOKEN_SERVICE_CONFIG = '''\n((?:#.*\n)*?)# '''/m.exec(tomlText)![1]!.replace(/^# ?/gm, '');
    const parsed = loadTokenServiceConfig(example);
    expect(parsed.publicUrl).toBe('https://auth.example.com');
  });
});

describe('wrangler deploy --dry-run -c wrangler.token-service.toml', () => {
  let out: string;
  let log = '';
  let bundle = '';
  let sources: string[] = [];

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'edge-auth-token-service-'));
    const env = toolEnv.wrangler();
    delete env.CLOUDFLARE_API_TOKEN;
    delete env.CLOUDFLARE_ACCOUNT_ID;
    const r = await run(
      process.execPath,
      [join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js'), 'deploy', '--dry-run', '-c', TOML, '--outdir', out],
      { cwd: ROOT, env, timeout: 60_000 },
    );
    log = r.stdout + r.stderr;
    bundle = readFileSync(join(out, 'token-service.js'), 'utf8');
    sources = (JSON.parse(readFileSync(join(out, 'token-service.js.map'), 'utf8')) as { sources: string[] }).sources.map((s) =>
      s.replace(/\\/g, '/'),
    );
  }, 90_000);

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('succeeds without an account, listing the D1 and rate-limit bindings', () => {
    expect(log).toContain('--dry-run: exiting now');
    expect(log).toMatch(/env\.DB\b.*D1 Database/);
    expect(log).toMatch(/env\.LOGIN_RATE_LIMITER\b.*Rate Limit/);
    expect(log).toMatch(/env\.API_RATE_LIMITER\b.*Rate Limit/);
  });

  it('bundles the token service with the Web Crypto backend, D1 store and no Node or PostgreSQL code', () => {
    expect(sources.some((s) => s.endsWith('functions/token-service.ts'))).toBe(true);
    expect(sources.some((s) => s.endsWith('lib/token-service/store/d1.ts'))).toBe(true);
    expect(sources.some((s) => s.endsWith('lib/core/crypto-node.ts'))).toBe(false);
    expect(sources.filter((s) => /\/(pg|pg-pool|@aws-sdk|@smithy)\//.test(s))).toEqual([]);
    // Import statements only (kysely's doc comments show `import … from 'node:fs'` examples).
    expect(bundle).not.toMatch(/^\s*(import|export)\b[^\n]*from\s*["']node:/m);
  });

  it('runs under workerd with those bindings and serves its JWKS', async () => {
    const standin = await startOAuthStandin();
    const port = await freePort();
    const worker = await startTokenServiceWorker({
      port,
      script: bundle,
      config: localConfig({ publicUrl: `http://127.0.0.1:${port}`, standin, allowedOrigins: ['http://127.0.0.1:1'] }),
      secrets: await localSecrets(standin),
    });
    try {
      const res = await fetch(`${worker.url}/.well-known/jwks.json`);
      expect(res.status).toBe(200);
      const jwks = (await res.json()) as { keys: { kty: string; alg: string; d?: string }[] };
      expect(jwks.keys).toHaveLength(1);
      expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256' });
      expect(jwks.keys[0]!.d).toBeUndefined();
    } finally {
      await worker.close();
      await standin.close();
    }
  }, 30_000);
});
