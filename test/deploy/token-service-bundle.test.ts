// `node infra/build.mjs token-service`: the token service's Lambda bundle (functions/token-service-lambda.ts)
// builds into a folder of its own with nothing beside it, leaves the AWS SDK to the runtime, and its
// handler, loaded as Lambda would, answers 503 (not a crash) while it has no database to start with.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { build } from '../../infra/build.mjs';
import { generateSigningKey } from '../../lib/token-service/signing-keys.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';

type Handler = (event: unknown, context: unknown) => Promise<{ statusCode: number; body: string }>;

/** An API Gateway HTTP API (payload 2.0) GET. */
function httpApiGet(path: string, query = '') {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: query,
    headers: { host: 'auth.example.com' },
    requestContext: { http: { method: 'GET', path, sourceIp: '192.0.2.1' } },
    isBase64Encoded: false,
  };
}

describe('the token service Lambda bundle', () => {
  let out: string;
  let dir: string;
  let text: string;
  let inputs: string[];

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'edge-auth-token-service-lambda-'));
    const meta = (await build(['token-service'], { outDir: out })) as { 'token-service': { inputs: Record<string, unknown> } };
    inputs = Object.keys(meta['token-service'].inputs).map((s) => s.replace(/\\/g, '/'));
    dir = join(out, 'lambda', 'token-service');
    text = readFileSync(join(dir, 'index.mjs'), 'utf8');
  }, 60_000);

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('is one file in its own folder, built from the Lambda entry with PostgreSQL and the Node crypto backend', () => {
    expect(readdirSync(dir)).toEqual(['index.mjs']);
    expect(inputs.some((s) => s.endsWith('functions/token-service-lambda.ts'))).toBe(true);
    expect(inputs.some((s) => s.endsWith('lib/token-service/store/postgres.ts'))).toBe(true);
    expect(inputs.some((s) => /(^|\/)node_modules\/pg\//.test(s))).toBe(true);
    expect(inputs.filter((s) => s.includes('@aws-sdk/'))).toEqual([]);
    // Left to the runtime's SDK, imported only when a secret comes from Secrets Manager.
    expect(text).toMatch(/import\(\s*["']@aws-sdk\/client-secrets-manager["']\s*\)/);
  });

  it('exports a handler that answers 503 while the service cannot start (no DATABASE_URL)', async () => {
    const saved = { config: process.env.TOKEN_SERVICE_CONFIG, db: process.env.DATABASE_URL };
    delete process.env.DATABASE_URL;
    delete process.env.TOKEN_SERVICE_CONFIG;
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const { handler } = (await import(pathToFileURL(join(dir, 'index.mjs')).href)) as { handler: Handler };
      const res = await handler(httpApiGet('/.well-known/jwks.json'), {});
      expect(res.statusCode).toBe(503);
      expect(JSON.parse(res.body)).toEqual({ error: 'service unavailable' });
      const lines = logged.mock.calls.map((c) => String(c[0])).join('\n');
      expect(lines).toContain('token-service.start-failed');
      // It says what is missing.
      expect(lines).toContain('TOKEN_SERVICE_CONFIG');
    } finally {
      logged.mockRestore();
      if (saved.config !== undefined) process.env.TOKEN_SERVICE_CONFIG = saved.config;
      if (saved.db !== undefined) process.env.DATABASE_URL = saved.db;
    }
  });

  describe('with PostgreSQL and its secrets in the environment', () => {
    let db: TestDatabase;
    const names = ['DATABASE_URL', 'TOKEN_SERVICE_CONFIG', 'TOKEN_SIGNING_KEYS', 'STATE_SECRET', 'GITHUB_CLIENT_SECRET'] as const;
    const saved: Record<string, string | undefined> = {};
    beforeAll(async () => {
      db = await createTestDatabase();
      for (const n of names) saved[n] = process.env[n];
      Object.assign(process.env, {
        DATABASE_URL: db.url,
        TOKEN_SERVICE_CONFIG: JSON.stringify({
          publicUrl: 'https://auth.example.com',
          allowedOrigins: ['https://app.example.com'],
          providers: { github: { clientId: 'Iv1.example' } },
          services: { 'orders-api': { static: { read: true } } },
        }),
        TOKEN_SIGNING_KEYS: JSON.stringify({ keys: [await generateSigningKey('ES256', 'lambda-1')] }),
        STATE_SECRET: 'c'.repeat(43),
        GITHUB_CLIENT_SECRET: 'github-secret',
      });
    });
    afterAll(async () => {
      for (const n of names)
        if (saved[n] === undefined) delete process.env[n];
        else process.env[n] = saved[n];
      await db.drop();
    });

    it('starts after the failed start (a new invocation tries again) and serves the JWKS and /auth/check', async () => {
      const { handler } = (await import(pathToFileURL(join(dir, 'index.mjs')).href)) as { handler: Handler };
      const jwks = await handler(httpApiGet('/.well-known/jwks.json'), {});
      expect(jwks.statusCode).toBe(200);
      expect(JSON.parse(jwks.body)).toMatchObject({ keys: [{ kid: 'lambda-1', alg: 'ES256', kty: 'EC' }] });
      const check = await handler(httpApiGet('/auth/check', 'next=https%3A%2F%2Fapp.example.com%2F'), {});
      expect(check.statusCode).toBe(200);
      const body = JSON.parse(check.body) as { authenticated: boolean; providers: { github: { url: string } } };
      expect(body.authenticated).toBe(false);
      expect(body.providers.github.url).toMatch(/^https:\/\/auth\.example\.com\/auth\/login\/github\?next=/);
    });
  });
});
