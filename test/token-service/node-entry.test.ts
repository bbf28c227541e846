// functions/token-service-node.ts reading its secrets from AWS Secrets Manager (the real SDK against the
// local endpoint, every request SigV4-checked by our verifier), the database URL included, and
// TRUST_PROXY from the environment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOAuthStandin, type OAuthStandin } from '../../infra/oauth-standin.ts';
import { localConfig, localSecrets, loginThrough } from '../../infra/token-service-local.ts';
import { startFailure, startNodeTokenService } from '../../functions/token-service-node.ts';
import { freePort } from '../helpers/net.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import {
  startSecretsManagerEndpoint,
  TEST_CREDENTIALS,
  TEST_REGION,
  type SecretsManagerEndpoint,
} from '../helpers/secrets-manager-endpoint.ts';

let standin: OAuthStandin;
let sm: SecretsManagerEndpoint;
let db: TestDatabase;

beforeAll(async () => {
  standin = await startOAuthStandin();
  sm = await startSecretsManagerEndpoint();
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
  await sm?.close();
  await standin?.close();
});

const clientConfig = () => ({ region: TEST_REGION, endpoint: sm.url, credentials: { ...TEST_CREDENTIALS } });

describe('the Node token service with its secrets in Secrets Manager', () => {
  it('reads every secret and DATABASE_URL through <NAME>_SECRET_ID, logs a user in, and names no secret when one is missing', async () => {
    const secrets = await localSecrets(standin);
    const names = { ...secrets, DATABASE_URL: db.url };
    for (const [name, value] of Object.entries(names))
      sm.put(`ts/${name}`, [{ versionId: `v-${name}`, stages: ['AWSCURRENT'], string: value }]);
    const port = await freePort();
    const env: Record<string, string> = {
      TOKEN_SERVICE_CONFIG: JSON.stringify(
        localConfig({ publicUrl: `http://127.0.0.1:${port}`, standin, allowedOrigins: ['http://app.test'] }),
      ),
    };
    for (const name of Object.keys(names)) env[`${name}_SECRET_ID`] = `ts/${name}`;
    const s = await startNodeTokenService({ env, port, secretsManager: clientConfig(), log: () => undefined });
    try {
      const login = await loginThrough({ serviceUrl: s.url, next: 'http://app.test/x' });
      expect(login.jwt).toBeDefined();
      const check = (await (await fetch(`${s.url}/auth/check`, { headers: { 'auth-token': login.jwt! } })).json()) as {
        authenticated: boolean;
      };
      expect(check.authenticated).toBe(true);
      // Each secret was read from its own secret, with requests our SigV4 verifier accepted.
      for (const name of Object.keys(names)) expect(sm.count(`ts/${name}`), name).toBeGreaterThanOrEqual(1);
      expect(sm.calls.every((c) => c.signatureOk)).toBe(true);
    } finally {
      await s.close();
    }

    sm.remove('ts/STATE_SECRET');
    const failed = await startNodeTokenService({ env, port, secretsManager: clientConfig(), log: () => undefined }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(failed).toBeInstanceOf(Error);
    const text = `${failed!.message} ${JSON.stringify((failed as { issues?: unknown }).issues ?? '')}`;
    for (const value of Object.values(names)) expect(text).not.toContain(value);
  });
});

describe('TRUST_PROXY from the environment', () => {
  it('counts by the address the proxy appended when TRUST_PROXY=1, by the socket otherwise', async () => {
    const secrets = await localSecrets(standin);
    const statuses = async (
      trust: string | undefined,
      via: (client: string, i: number) => string = (client, i) => `10.0.0.${i}, ${client}`,
    ) => {
      const port = await freePort();
      const config = localConfig({
        publicUrl: `http://127.0.0.1:${port}`,
        standin,
        allowedOrigins: ['http://app.test'],
        extra: { rateLimits: { api: { limit: 2, windowSeconds: 60 } } },
      });
      const database = await createTestDatabase();
      const s = await startNodeTokenService({
        env: {
          TOKEN_SERVICE_CONFIG: JSON.stringify(config),
          DATABASE_URL: database.url,
          ...secrets,
          ...(trust ? { TRUST_PROXY: trust } : {}),
        },
        port,
        log: () => undefined,
      });
      try {
        const out = [];
        for (let i = 0; i < 4; i++) {
          // Two clients behind one proxy, each sending a forged first entry.
          const client = `198.51.100.${i % 2}`;
          out.push((await fetch(`${s.url}/auth/check`, { headers: { 'x-forwarded-for': via(client, i) } })).status);
        }
        return out;
      } finally {
        await s.close();
        await database.drop();
      }
    };
    // Trusted: two clients, two calls each, within the limit of 2.
    expect(await statuses('1')).toEqual([200, 200, 200, 200]);
    // Not trusted: one socket address for all of them.
    expect(await statuses(undefined)).toEqual([200, 200, 429, 429]);
    // Two proxies (a CDN, then a load balancer that appends the CDN's address): the client is second from the end.
    expect(await statuses('2', (client, i) => `10.0.0.${i}, ${client}, 203.0.113.9`)).toEqual([200, 200, 200, 200]);
    // The same chain read with one hop: every client is the CDN.
    expect(await statuses('1', (client, i) => `10.0.0.${i}, ${client}, 203.0.113.9`)).toEqual([200, 200, 429, 429]);
  });
});

describe('a start that fails says why, never with a value', () => {
  it('names a missing TOKEN_SERVICE_CONFIG or DATABASE_URL, and gives a refused database its code only', async () => {
    const secrets = await localSecrets(standin);
    const why = (env: Record<string, string>) =>
      startNodeTokenService({ env, port: 1, log: () => undefined }).then(
        () => ({}),
        (e: unknown) => startFailure(e),
      );
    expect(await why({ ...secrets })).toEqual({
      event: 'token-service.start-failed',
      issues: ['(document): missing (is TOKEN_SERVICE_CONFIG set?)'],
    });
    const config = JSON.stringify(localConfig({ publicUrl: 'http://127.0.0.1:1', standin, allowedOrigins: ['http://app.test'] }));
    expect(await why({ TOKEN_SERVICE_CONFIG: config, ...secrets })).toEqual({
      event: 'token-service.start-failed',
      issues: ['DATABASE_URL: not set (nor DATABASE_URL_SECRET_ID)'],
    });
    const dead = `postgres://edge:pa55word-x@127.0.0.1:${await freePort()}/nothing`;
    const refused = await why({ TOKEN_SERVICE_CONFIG: config, DATABASE_URL: dead, ...secrets });
    expect(refused).toMatchObject({ event: 'token-service.start-failed', code: 'ECONNREFUSED' });
    expect(JSON.stringify(refused)).not.toContain('pa55word');
  });
});
