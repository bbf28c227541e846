// End to end, on loopback: log in through the stand-in GitHub, take the `jwt` from the redirect, ask
// /auth/authorize?service=x for a service token, and present it to the edge Worker (workerd) and to the
// Lambda authorizer, which trust the token service through its JWKS (and, dhq-auth style, through the
// PEM /auth/public-key serves). Permissions in the token decide the route; a token for another service
// or without the permission is 403, a tampered or expired one 401. The token service runs both ways:
// the Worker with D1, and Node with PostgreSQL.
import { importPKCS8, importJWK, SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Miniflare } from 'miniflare';
import { startOAuthStandin, type OAuthStandin } from '../../infra/oauth-standin.ts';
import { localConfig, localSecrets, loginThrough, startTokenServiceWorker, type LocalSecrets } from '../../infra/token-service-local.ts';
import { startNodeTokenService } from '../../functions/token-service-node.ts';
import {
  createAuthorizerHandler,
  type RestAuthorizerResult,
  type SimpleAuthorizerResult,
} from '../../lib/adapters/aws-lambda/authorizer.ts';
import { createAuthenticator } from '../../lib/authenticator.ts';
import { loadConfig } from '../../lib/config/load.ts';
import type { SignedRequest } from '../../lib/core/request.ts';
import { httpAuthorizerEvent, iamAllows, restAuthorizerEvent } from '../fixtures/apigw.ts';
import { freePort } from '../helpers/net.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { bundleWorker, sendRaw, startWorker } from '../helpers/workerd.ts';

const APP = 'http://app.test';
const SERVICES = {
  x: { static: { read: true, admin: false } },
  'x-admin': { static: { read: true, admin: true } },
  y: { static: { read: true, admin: true } },
};

interface Running {
  readonly url: string;
  close(): Promise<void>;
}

const deployments: ReadonlyArray<{
  label: string;
  start(config: Record<string, unknown>, secrets: LocalSecrets, port: number): Promise<Running>;
}> = [
  {
    label: 'the token service Worker (D1)',
    start: (config, secrets, port) => startTokenServiceWorker({ port, config, secrets }),
  },
  {
    label: 'the token service on Node (PostgreSQL)',
    async start(config, secrets, port) {
      const db: TestDatabase = await createTestDatabase();
      const s = await startNodeTokenService({
        env: { TOKEN_SERVICE_CONFIG: JSON.stringify(config), DATABASE_URL: db.url, ...secrets },
        port,
        log: () => undefined,
      });
      return {
        url: s.url,
        async close() {
          await s.close();
          await db.drop();
        },
      };
    },
  },
];

/** The edge's `jwt` scheme trusting the token service for `service`: by its JWKS, or by its PEM (dhq-auth's way). */
function edgeConfig(issuer: string, service: string, keys: { jwksUrl: string } | { publicKeys: string[] }) {
  return {
    schemes: {
      jwt: {
        issuers: [
          {
            issuer,
            audience: service,
            service,
            algorithms: ['RS256'],
            principalClaim: 'userid',
            permissionClaims: ['permissions'],
            ...keys,
          },
        ],
      },
    },
    routes: [
      { path: '/public', public: true },
      { path: '/reports/*', permissions: ['read'] },
      { path: '/admin/*', permissions: ['admin'] },
      { path: '*' },
    ],
    keys: [],
  };
}

const get = (host: string, path: string, token?: string): SignedRequest => ({
  method: 'GET',
  path,
  query: '',
  headers: [['host', host], ...(token === undefined ? [] : ([['authorization', `Bearer ${token}`]] as Array<[string, string]>))],
});

function tampered(token: string): string {
  const [h, p, s] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
  claims.permissions = { read: true, admin: true };
  return `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
}

describe.each(deployments)('$label', ({ start }) => {
  let standin: OAuthStandin;
  let service: Running;
  let secrets: LocalSecrets;
  let edgeScript: string;
  const edges: Miniflare[] = [];

  beforeAll(async () => {
    standin = await startOAuthStandin();
    secrets = await localSecrets(standin);
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    service = await start(localConfig({ publicUrl, standin, allowedOrigins: [APP], services: SERVICES }), secrets, port);
    edgeScript = await bundleWorker('functions/worker.ts');
  }, 60_000);
  afterAll(async () => {
    for (const mf of edges) await mf.dispose();
    await service?.close();
    await standin?.close();
  });

  async function loginAndAuthorize(svc: string): Promise<{ jwt: string; token: string; body: Record<string, unknown> }> {
    const login = await loginThrough({ serviceUrl: service.url, next: `${APP}/after-login` });
    expect(login.landing.pathname).toBe('/after-login');
    const jwt = login.jwt!;
    expect(jwt).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const res = await fetch(`${service.url}/auth/authorize?service=${svc}`, { headers: { 'auth-token': jwt } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    return { jwt, token: body.token as string, body };
  }

  /** A service token signed with the service's own current key but already expired (the service cannot be asked for one). */
  async function expiredLike(token: string): Promise<string> {
    const { keys } = JSON.parse(secrets.TOKEN_SIGNING_KEYS) as { keys: Array<{ kid: string; privateKey: string | object }> };
    const current = keys[0]!;
    const key =
      typeof current.privateKey === 'string'
        ? await importPKCS8(current.privateKey, 'RS256')
        : await importJWK(current.privateKey as never, 'RS256');
    const claims = decodeJwt(token);
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ ...claims, iat: now - 7200, exp: now - 3600 })
      .setProtectedHeader({ ...decodeProtectedHeader(token), alg: 'RS256' })
      .sign(key);
  }

  it('a service token from the login flow is accepted by the edge Worker, its permissions deciding the route', async () => {
    const { token, body } = await loginAndAuthorize('x');
    expect(body).toMatchObject({ service: 'x', permissions: { read: true, admin: false } });
    const mf = await startWorker(edgeScript, {
      AUTH_CONFIG: JSON.stringify(edgeConfig(service.url, 'x', { jwksUrl: `${service.url}/.well-known/jwks.json` })),
    });
    edges.push(mf);
    const base = await mf.ready;
    const ok = await sendRaw(base, get(base.host, '/reports/q1', token));
    expect(ok.status, ok.body).toBe(200);
    expect(ok.body).toContain(body.userid as string);
    // The permission the route needs is not in the token: 403.
    expect((await sendRaw(base, get(base.host, '/admin/users', token))).status).toBe(403);
    // A token for another service, authentic as it is: 403 (ERR_AUDIENCE_MISMATCH), never a pass.
    const other = await loginAndAuthorize('y');
    const wrongService = await sendRaw(base, get(base.host, '/reports/q1', other.token));
    expect(wrongService.status).toBe(403);
    expect(wrongService.body).toContain('ERR_AUDIENCE_MISMATCH');
    // The user token itself is no service token.
    expect((await sendRaw(base, get(base.host, '/reports/q1', other.jwt))).status).toBe(403);
    // Tampered (admin granted by hand) or expired: 401.
    expect((await sendRaw(base, get(base.host, '/admin/users', tampered(token)))).status).toBe(401);
    expect((await sendRaw(base, get(base.host, '/reports/q1', await expiredLike(token)))).status).toBe(401);
    // No token at all: 401; the public route needs none.
    expect((await sendRaw(base, get(base.host, '/reports/q1'))).status).toBe(401);
    expect((await sendRaw(base, get(base.host, '/public'))).status).toBe(200);
    // A service token with the permission opens /admin.
    const admin = await loginAndAuthorize('x-admin');
    const mfAdmin = await startWorker(edgeScript, {
      AUTH_CONFIG: JSON.stringify(edgeConfig(service.url, 'x-admin', { jwksUrl: `${service.url}/.well-known/jwks.json` })),
    });
    edges.push(mfAdmin);
    const adminBase = await mfAdmin.ready;
    expect((await sendRaw(adminBase, get(adminBase.host, '/admin/users', admin.token))).status).toBe(200);
  });

  it('the same token at the Lambda authorizer: an Allow for a call the permissions reach, a Deny for one they do not and for another service, Unauthorized when tampered or expired', async () => {
    const { token } = await loginAndAuthorize('x');
    const other = await loginAndAuthorize('y');
    // The edge trusts the PEM /auth/public-key serves, as dhq-auth's own verifier did.
    const pem = await (await fetch(`${service.url}/auth/public-key`)).text();
    expect(pem).toContain('BEGIN PUBLIC KEY');
    for (const keys of [{ jwksUrl: `${service.url}/.well-known/jwks.json` }, { publicKeys: [pem.trim()] }]) {
      const auth = createAuthenticator(loadConfig(edgeConfig(service.url, 'x', keys)));
      const authorizer = createAuthorizerHandler({ authenticator: () => auth, log: () => undefined });
      const arn = (method: string, path: string) => `arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/${method}${path}`;
      const allows = iamAllows;

      const ok = (await authorizer(restAuthorizerEvent(get('api.example.com', '/prod/reports/q1', token)))) as RestAuthorizerResult;
      expect(allows(ok, arn('GET', '/reports/q1'))).toBe(true);
      expect(ok.context).toMatchObject({ scheme: 'jwt' });
      const admin = (await authorizer(restAuthorizerEvent(get('api.example.com', '/prod/admin/users', token)))) as RestAuthorizerResult;
      expect(allows(admin, arn('GET', '/admin/users'))).toBe(false);
      const wrong = (await authorizer(
        restAuthorizerEvent(get('api.example.com', '/prod/reports/q1', other.token)),
      )) as RestAuthorizerResult;
      expect(allows(wrong, arn('GET', '/reports/q1'))).toBe(false);
      await expect(authorizer(restAuthorizerEvent(get('api.example.com', '/prod/admin/users', tampered(token))))).rejects.toThrow(
        'Unauthorized',
      );
      await expect(authorizer(restAuthorizerEvent(get('api.example.com', '/prod/reports/q1', await expiredLike(token))))).rejects.toThrow(
        'Unauthorized',
      );
      // HTTP API simple responses say the same.
      const simple = createAuthorizerHandler({
        authenticator: () =>
          createAuthenticator(loadConfig({ ...edgeConfig(service.url, 'x', keys), lambda: { httpApiSimpleResponses: true } })),
        log: () => undefined,
      });
      expect(
        ((await simple(httpAuthorizerEvent(get('api.example.com', '/reports/q1', token)))) as SimpleAuthorizerResult).isAuthorized,
      ).toBe(true);
      expect(
        ((await simple(httpAuthorizerEvent(get('api.example.com', '/admin/users', token)))) as SimpleAuthorizerResult).isAuthorized,
      ).toBe(false);
      expect(
        ((await simple(httpAuthorizerEvent(get('api.example.com', '/reports/q1', other.token)))) as SimpleAuthorizerResult).isAuthorized,
      ).toBe(false);
    }
  });
});
