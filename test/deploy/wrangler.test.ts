// `wrangler deploy --dry-run`: wrangler.toml and functions/worker.ts bundle into a deployable Worker.
// Offline: no Cloudflare account or API call; the bundle is then loaded here and answers requests.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSigV4Signer } from '../../lib/schemes/sigv4/index.ts';
import { ROOT, toolEnv } from './artifacts.ts';

const run = promisify(execFile);
const demoConfig = readFileSync(join(ROOT, 'infra', 'demo-config.json'), 'utf8');

interface WorkerModule {
  default: { fetch(request: Request, env: Record<string, string>, ctx?: unknown): Promise<Response> };
}

describe('wrangler deploy --dry-run', () => {
  let out: string;
  let log = '';
  let bundle = '';
  let sources: string[] = [];

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'edge-auth-wrangler-'));
    const env = toolEnv.wrangler();
    delete env.CLOUDFLARE_API_TOKEN;
    delete env.CLOUDFLARE_ACCOUNT_ID;
    const r = await run(
      process.execPath,
      [join(ROOT, 'node_modules', 'wrangler', 'bin', 'wrangler.js'), 'deploy', '--dry-run', '--outdir', out],
      {
        cwd: ROOT,
        env,
        timeout: 60_000,
      },
    );
    log = r.stdout + r.stderr;
    bundle = readFileSync(join(out, 'worker.js'), 'utf8');
    sources = (JSON.parse(readFileSync(join(out, 'worker.js.map'), 'utf8')) as { sources: string[] }).sources;
  }, 90_000);

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('succeeds without an account and writes the bundle', () => {
    expect(log).toContain('--dry-run: exiting now');
    expect(bundle.length).toBeGreaterThan(10_000);
  });

  it('bundles the Worker entry and the Hono middleware, with the Web Crypto backend', () => {
    const ours = sources.map((s) => s.replace(/\\/g, '/'));
    expect(ours.some((s) => s.endsWith('functions/worker.ts'))).toBe(true);
    expect(ours.some((s) => s.endsWith('lib/adapters/hono/middleware.ts'))).toBe(true);
    expect(ours.some((s) => s.endsWith('lib/core/crypto-web.ts'))).toBe(true);
    expect(ours.some((s) => s.endsWith('lib/core/crypto-node.ts'))).toBe(false);
    expect(bundle).toMatch(/export\s*{[^}]*\b\w+ as default\b[^}]*}/);
  });

  it('contains neither the AWS SDK nor Node built-ins', () => {
    expect(sources.filter((s) => s.includes('@aws-sdk') || s.includes('@smithy') || s.includes('aws-sdk'))).toEqual([]);
    expect(bundle).not.toContain('@aws-sdk/');
    expect(bundle).not.toMatch(/from\s*["']node:/);
  });

  describe('the bundle, loaded as workerd would', () => {
    let worker: WorkerModule['default'];
    const env = { AUTH_CONFIG: demoConfig };
    beforeAll(async () => {
      vi.spyOn(console, 'log').mockImplementation(() => undefined); // the Worker logs one line per request
      worker = ((await import(pathToFileURL(join(out, 'worker.js')).href)) as WorkerModule).default;
    });

    it('exports a fetch handler', () => {
      expect(typeof worker.fetch).toBe('function');
    });

    it('answers a public route, refuses an unsigned request and accepts a signed one', async () => {
      expect((await worker.fetch(new Request('https://edge.example/health'), env)).status).toBe(200);

      const unsigned = await worker.fetch(new Request('https://edge.example/hello'), env);
      expect(unsigned.status).toBe(401);
      expect(unsigned.headers.get('www-authenticate')).toContain('AWS4-HMAC-SHA256');

      const signer = createSigV4Signer({
        keyId: 'AKIDEMO00000000000001',
        secret: 'demo-only-secret-do-not-use-in-production-1',
        region: 'us-east-1',
        service: 'execute-api',
      });
      const signed = await signer.sign({ method: 'GET', path: '/hello', query: 'name=world', headers: [['host', 'edge.example']] });
      const ok = await worker.fetch(
        new Request('https://edge.example/hello?name=world', { headers: signed.headers.map(([n, v]) => [n, v] as [string, string]) }),
        env,
      );
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({ ok: true, principal: 'demo-user', scheme: 'sigv4' });
    });
  });
});
