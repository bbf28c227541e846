// JWT at API Gateway, in process: the REST authorizer answers a bearer token with a policy covering
// every route when every route admits it (an answer API Gateway may cache by the token), else with a
// policy of the call alone; the HTTP API
// authorizer with a simple response; the in-function check accepts the same token. Nothing logged
// names the token, its signature or its kid.
import { describe, expect, it } from 'vitest';
import {
  createAuthorizerHandler,
  type RestAuthorizerResult,
  type SimpleAuthorizerResult,
} from '../../lib/adapters/aws-lambda/authorizer.ts';
import { withAuthentication } from '../../lib/adapters/aws-lambda/in-function.ts';
import { createAuthenticator } from '../../lib/authenticator.ts';
import { loadConfig } from '../../lib/config/load.ts';
import type { SignedRequest } from '../../lib/core/request.ts';
import { createJwtSigner } from '../../lib/schemes/jwt/index.ts';
import { httpAuthorizerEvent, httpProxyEvent, iamAllows, restAuthorizerEvent } from '../fixtures/apigw.ts';
import { JWT_AUDIENCE, JWT_ISSUER, JWT_KID, JWT_PRIVATE_KEY, jwtConfig } from '../fixtures/jwt-app.ts';

const auth = createAuthenticator(loadConfig(jwtConfig()));
const logs: unknown[] = [];
const authorizer = createAuthorizerHandler({ authenticator: () => auth, log: (e) => logs.push(e) });
const signerFor = (scope: string, o: { audience?: string; ttlSeconds?: number; clock?: () => number } = {}) =>
  createJwtSigner({
    keyId: JWT_KID,
    secret: JWT_PRIVATE_KEY,
    issuer: JWT_ISSUER,
    audience: o.audience ?? JWT_AUDIENCE,
    subject: 'jwt-user',
    claims: { scope },
    ...(o.ttlSeconds ? { ttlSeconds: o.ttlSeconds } : {}),
    ...(o.clock ? { clock: o.clock } : {}),
  });
const draft = (method: string, path: string, body = ''): SignedRequest => ({
  method,
  path,
  query: '',
  headers: [['Host', 'api.example.com']],
  body: new TextEncoder().encode(body),
});
const arn = (method: string, path: string) => `arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/${method}${path}`;
const allows = iamAllows;
const tokenOf = (r: SignedRequest) => r.headers.find(([n]) => n === 'Authorization')![1].slice(7);

describe('the Lambda REST authorizer with JWT', () => {
  it('allows a token that every route admits with a policy over every route (cacheable by token)', async () => {
    const signed = await signerFor('orders:read admin').sign(draft('GET', '/prod/orders/42'));
    const r = (await authorizer(restAuthorizerEvent(signed))) as RestAuthorizerResult;
    expect(r.principalId).toBe('jwt-user');
    expect(r.context).toMatchObject({ principal: 'jwt-user', scheme: 'jwt', verification: 'complete' });
    expect(allows(r, arn('GET', '/orders/42'))).toBe(true);
    expect(allows(r, arn('DELETE', '/orders/7'))).toBe(true); // what a cached answer may serve
    expect(allows(r, arn('GET', '/items/1'))).toBe(true);
    expect(allows(r, arn('GET', '/admin/users'))).toBe(true);
  });

  it('allows a token that some route refuses for its call alone (a cached copy serves nothing else)', async () => {
    const signed = await signerFor('orders:read').sign(draft('GET', '/prod/orders/42'));
    const r = (await authorizer(restAuthorizerEvent(signed))) as RestAuthorizerResult;
    expect(r.principalId).toBe('jwt-user');
    expect(allows(r, arn('GET', '/orders/42'))).toBe(true);
    for (const other of ['/orders/7', '/items/1', '/admin/users', '/Admin/users', '/admin'])
      expect(allows(r, arn('GET', other))).toBe(false); // lacks `admin`: no route-wide answer
  });

  it('a body does not matter: the token does not sign it', async () => {
    const signed = await signerFor('orders:read').sign(draft('POST', '/prod/orders', '{"n":1}'));
    const r = (await authorizer(restAuthorizerEvent(signed))) as RestAuthorizerResult;
    expect(r.context).toMatchObject({ scheme: 'jwt', verification: 'complete' });
  });

  it('denies a route the permissions do not reach, refuses bad tokens with Unauthorized, logs no token or kid', async () => {
    const signed = await signerFor('orders:read').sign(draft('GET', '/prod/admin/users'));
    const denied = (await authorizer(restAuthorizerEvent(signed))) as RestAuthorizerResult;
    expect(allows(denied, arn('GET', '/admin/users'))).toBe(false);
    const token = tokenOf(signed);
    const forged = { ...signed, headers: [['Authorization', `Bearer ${token.slice(0, -4)}AAAA`]] as Array<[string, string]> };
    await expect(authorizer(restAuthorizerEvent(forged))).rejects.toThrow('Unauthorized');
    // An authentic token meant for another audience is a Deny (403), not a 401.
    const wrongAudience = await signerFor('orders:read', { audience: 'billing' }).sign(draft('GET', '/prod/orders/1'));
    const misaddressed = (await authorizer(restAuthorizerEvent(wrongAudience))) as RestAuthorizerResult;
    expect(allows(misaddressed, arn('GET', '/orders/1'))).toBe(false);
    expect(misaddressed.principalId).toBe('anonymous');
    const expired = await signerFor('orders:read', { clock: () => Date.now() - 3_600_000 }).sign(draft('GET', '/prod/orders/1'));
    await expect(authorizer(restAuthorizerEvent(expired))).rejects.toThrow('Unauthorized');
    await expect(authorizer(restAuthorizerEvent(draft('GET', '/prod/orders/1')))).rejects.toThrow('Unauthorized');
    const text = JSON.stringify(logs);
    expect(text).not.toContain(token.split('.')[2]!);
    expect(text).not.toContain(token.split('.')[1]!);
    expect(text).not.toContain(JWT_KID);
  });
});

describe('the Lambda HTTP API authorizer with JWT', () => {
  it('authorizes with a simple response, and refuses a missing permission and a bad token', async () => {
    const ok = (await authorizer(
      httpAuthorizerEvent(await signerFor('orders:read').sign(draft('GET', '/orders/1'))),
    )) as SimpleAuthorizerResult;
    expect(ok).toMatchObject({ isAuthorized: true, context: { principal: 'jwt-user', scheme: 'jwt' } });
    const admin = (await authorizer(
      httpAuthorizerEvent(await signerFor('orders:read').sign(draft('GET', '/admin/x'))),
    )) as SimpleAuthorizerResult;
    expect(admin.isAuthorized).toBe(false);
    const withAdmin = (await authorizer(
      httpAuthorizerEvent(await signerFor('orders:read admin').sign(draft('GET', '/admin/x'))),
    )) as SimpleAuthorizerResult;
    expect(withAdmin.isAuthorized).toBe(true);
    const bad = {
      ...draft('GET', '/orders/1'),
      headers: [['Authorization', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.']] as Array<[string, string]>,
    };
    await expect(authorizer(httpAuthorizerEvent(bad))).rejects.toThrow('Unauthorized');
  });
});

describe('the in-function check with JWT', () => {
  it('accepts the token in the integration, refuses a forged one with 401 and no token in the body', async () => {
    const integration = withAuthentication(auth, (_event, _context, principal) => ({ statusCode: 200, body: principal.id }));
    const signed = await signerFor('orders:read').sign(draft('POST', '/orders/9', '{"a":1}'));
    expect(await integration(httpProxyEvent(signed) as never, {})).toMatchObject({ statusCode: 200, body: 'jwt-user' });
    const token = tokenOf(signed);
    const forged = { ...signed, headers: [['Authorization', `Bearer ${token.slice(0, -4)}AAAA`]] as Array<[string, string]> };
    const res = await integration(httpProxyEvent(forged) as never, {});
    expect(res.statusCode).toBe(401);
    expect(res.body).not.toContain(token.split('.')[2]!);
    expect(JSON.stringify(res.headers ?? {})).toContain('Bearer');
  });
});
