// API keys at API Gateway, in process: the REST answer is a policy over every route when every route
// admits the principal (bearer credentials: API Gateway may cache it by the key header for other
// routes), else a policy of the call alone (IAM cannot deny a refused route as the route table reads it); it
// carries the presented key as usageIdentifierKey, for usage plans with apiKeySource AUTHORIZER; an
// HTTP API answer never carries it, and neither does a REST one with usageIdentifierKey off. The key
// (and its hash) never reach the authorizer's logs. The in-function check answers in the original's body.
import { describe, expect, it } from 'vitest';
import {
  createAuthorizerHandler,
  type AuthorizerLogEntry,
  type RestAuthorizerResult,
  type SimpleAuthorizerResult,
} from '../../lib/adapters/aws-lambda/authorizer.ts';
import { authenticate, withAuthentication } from '../../lib/adapters/aws-lambda/in-function.ts';
import { createAuthenticator } from '../../lib/authenticator.ts';
import { loadConfig } from '../../lib/config/load.ts';
import type { SignedRequest } from '../../lib/core/request.ts';
import { KeyStoreError } from '../../lib/keys/types.ts';
import { API_KEY_MESSAGES } from '../../lib/schemes/api-key/constants.ts';
import { ACCOUNT, API_ID, httpAuthorizerEvent, httpProxyEvent, iamAllows, REGION, restAuthorizerEvent } from '../fixtures/apigw.ts';
import { generateApiKey } from '../../lib/keys/api-key-format.ts';
import {
  ALL_KEYS,
  API_KEY,
  apiKeyConfig,
  apiKeyRecords,
  hashOf,
  KEY_ID,
  NEXT_API_KEY,
  PRINCIPAL,
  READONLY_KEY,
  UNKNOWN_KEY,
} from '../fixtures/api-key-app.ts';

const doc = apiKeyConfig();
const auth = createAuthenticator(loadConfig(doc));
const logs: AuthorizerLogEntry[] = [];
const handlerFor = (a = auth) => createAuthorizerHandler({ authenticator: () => a, log: (e) => logs.push(e), logAccepted: true });
const authorizer = handlerFor();

const draft = (method: string, path: string, key?: string, body = ''): SignedRequest => ({
  method,
  path,
  query: 'q=1',
  headers: [
    ['Host', 'api.example.com'],
    ...(key !== undefined ? ([['X-Api-Key', key]] as Array<[string, string]>) : []),
    ...(body ? ([['Content-Length', String(body.length)]] as Array<[string, string]>) : []),
  ],
  body: new TextEncoder().encode(body),
});
const arn = (method: string, path: string) => `arn:aws:execute-api:${REGION}:${ACCOUNT}:${API_ID}/prod/${method}${path}`;
const allows = iamAllows;

describe('the Lambda authorizer with API keys', () => {
  it('REST: an Allow of the call alone for a key that some route refuses, and the key as usageIdentifierKey', async () => {
    const r = (await authorizer(restAuthorizerEvent(draft('GET', '/prod/items/1', API_KEY)))) as RestAuthorizerResult;
    expect(r.principalId).toBe(PRINCIPAL);
    expect(r.usageIdentifierKey).toBe(API_KEY);
    expect(r.context).toMatchObject({
      principal: PRINCIPAL,
      scheme: 'api-key',
      permissions: 'items:read,items:write',
      verification: 'complete',
    });
    // The key lacks `admin`: a cached copy of a route-wide policy would serve "/Admin/users" or
    // "/admin;v=1/users", which the route table refuses it, so the answer names this call only.
    expect(r.policyDocument.Statement).toEqual([{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [arn('GET', '/items/1')] }]);
    expect(allows(r, arn('GET', '/items/1'))).toBe(true);
    for (const other of ['/items/2', '/other', '/admin/users', '/Admin/users', '/admin;v=1/users', '/admin'])
      expect(allows(r, arn('GET', other))).toBe(false);
    // The key being rotated in is its own usage identifier.
    const next = (await authorizer(restAuthorizerEvent(draft('GET', '/prod/items/1', NEXT_API_KEY)))) as RestAuthorizerResult;
    expect(next.usageIdentifierKey).toBe(NEXT_API_KEY);
  });

  it('REST: a call to a route the key may not call is a Deny of that call alone', async () => {
    const r = (await authorizer(restAuthorizerEvent(draft('GET', '/prod/admin/users', READONLY_KEY)))) as RestAuthorizerResult;
    expect(r.principalId).toBe('reader');
    expect(r.policyDocument.Statement).toEqual([{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: [arn('GET', '/admin/users')] }]);
    expect(r.usageIdentifierKey).toBe(READONLY_KEY);
  });

  it('REST: a key that every route admits gets a policy over every route (what a cached copy may serve)', async () => {
    const root = generateApiKey({ id: 'root000001' }).key;
    const rooted = createAuthenticator(
      loadConfig({
        ...doc,
        keys: [
          ...apiKeyRecords(),
          { id: 'root000001', scheme: 'api-key', secret: hashOf(root), principal: 'root', permissions: ['admin', 'items:read'] },
        ],
      }),
    );
    const r = (await handlerFor(rooted)(restAuthorizerEvent(draft('GET', '/prod/items/1', root)))) as RestAuthorizerResult;
    expect(r.principalId).toBe('root');
    expect(r.policyDocument.Statement.map((s) => s.Effect)).toEqual(['Allow']);
    for (const [method, path] of [
      ['GET', '/items/1'],
      ['DELETE', '/items/2'],
      ['GET', '/other'],
      ['GET', '/admin/users'],
      ['GET', '/health'],
    ])
      expect(allows(r, arn(method!, path!))).toBe(true);
    // A call IAM cannot name (a "*" in its path) is a Deny of that call, logged as such, as for any other key.
    logs.length = 0;
    const star = (await handlerFor(rooted)(restAuthorizerEvent(draft('GET', '/prod/other/a*b', root)))) as RestAuthorizerResult;
    expect(star.policyDocument.Statement).toEqual([{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: [arn('GET', '/other/a*b')] }]);
    expect(logs).toContainEqual(expect.objectContaining({ event: 'authorizer.deny', code: 'ERR_PATH_REJECTED' }));
  });

  it('a request with a body is verified completely (the body is not covered by an API key)', async () => {
    const r = (await authorizer(restAuthorizerEvent(draft('POST', '/prod/items', API_KEY, '{"a":1}')))) as RestAuthorizerResult;
    expect(r.context).toMatchObject({ verification: 'complete' });
    expect(r.context['bodySha256']).toBeUndefined();
  });

  it('HTTP API: simple responses and policies alike never carry usageIdentifierKey', async () => {
    const simple = (await authorizer(httpAuthorizerEvent(draft('GET', '/items/1', API_KEY)))) as SimpleAuthorizerResult;
    expect(simple).toEqual({
      isAuthorized: true,
      context: { principal: PRINCIPAL, scheme: 'api-key', permissions: 'items:read,items:write', verification: 'complete' },
    });
    const policyAuth = createAuthenticator(loadConfig({ ...doc, lambda: { httpApiSimpleResponses: false } }));
    const policy = await handlerFor(policyAuth)(httpAuthorizerEvent(draft('GET', '/items/1', API_KEY)));
    expect(policy).toMatchObject({ principalId: PRINCIPAL });
    expect(policy).not.toHaveProperty('usageIdentifierKey');
    expect(JSON.stringify([simple, policy])).not.toContain(API_KEY);
  });

  it('usageIdentifierKey: false keeps the key out of the REST answer', async () => {
    const off = createAuthenticator(loadConfig({ ...doc, schemes: { 'api-key': { usageIdentifierKey: false } } }));
    const r = await handlerFor(off)(restAuthorizerEvent(draft('GET', '/prod/items/1', API_KEY)));
    expect(r).toMatchObject({ principalId: PRINCIPAL });
    expect(r).not.toHaveProperty('usageIdentifierKey');
    expect(JSON.stringify(r)).not.toContain(API_KEY);
  });

  it('answers refused keys Unauthorized, a store that is down a server fault, and logs codes, never a key or its hash', async () => {
    logs.length = 0;
    for (const key of [UNKNOWN_KEY, API_KEY.slice(0, -1) + (API_KEY.endsWith('0') ? '1' : '0'), 'letmein', ''])
      await expect(authorizer(restAuthorizerEvent(draft('GET', '/prod/items/1', key)))).rejects.toThrow('Unauthorized');
    await expect(authorizer(restAuthorizerEvent(draft('GET', '/prod/items/1')))).rejects.toThrow('Unauthorized');
    const down = createAuthenticator(loadConfig(doc), { keys: { get: () => Promise.reject(new KeyStoreError('timeout', 'down')) } });
    const answer = handlerFor(down)(restAuthorizerEvent(draft('GET', '/prod/items/1', API_KEY)));
    await expect(answer).rejects.toThrow();
    await expect(answer).rejects.not.toThrow('Unauthorized');
    await authorizer(restAuthorizerEvent(draft('GET', '/prod/items/1', API_KEY)));
    await authorizer(httpAuthorizerEvent(draft('GET', '/items/1', API_KEY)));
    const text = JSON.stringify(logs);
    expect(text).toContain('ERR_KEY_NOT_FOUND');
    expect(text).toContain('ERR_SIGNATURE_INVALID');
    expect(text).toContain('ERR_KEYSTORE_UNAVAILABLE');
    expect(text).toContain('authorizer.allow');
    for (const key of ALL_KEYS) {
      expect(text).not.toContain(key);
      expect(text).not.toContain(hashOf(key).slice(7));
    }
    expect(text).not.toContain(KEY_ID);
  });
});

describe('the in-function check with API keys', () => {
  it("authenticates the request, and answers failures in the original's body", async () => {
    const url = 'https://api.example.com/items/1';
    expect(await authenticate(auth, { method: 'GET', url, headers: [['X-Api-Key', API_KEY]], body: null })).toMatchObject({
      authentic: true,
      status: 200,
      principal: { id: PRINCIPAL },
    });
    const bad = await authenticate(auth, { method: 'GET', url, headers: [['X-Api-Key', UNKNOWN_KEY]], body: null });
    expect(bad).toMatchObject({ authentic: false, status: 401, code: 'ERR_SIGNATURE_INVALID' });
    expect(bad.body).toEqual({ error: 'Not Authorized', message: API_KEY_MESSAGES.invalid, status: 401 });
    expect(JSON.stringify(bad)).not.toContain(UNKNOWN_KEY);

    const handler = withAuthentication(auth, (_event, _context, principal) => ({ statusCode: 200, body: principal.id }));
    expect(await handler(httpProxyEvent(draft('GET', '/items/1', API_KEY)) as never, {})).toMatchObject({
      statusCode: 200,
      body: PRINCIPAL,
    });
    const missing = await handler(httpProxyEvent(draft('GET', '/items/1')) as never, {});
    expect(missing.statusCode).toBe(401);
    expect(JSON.parse(missing.body)).toEqual({ error: 'Not Authorized', message: API_KEY_MESSAGES.missing('X-Api-Key'), status: 401 });
    expect(missing.headers?.['www-authenticate']).toBe('ApiKey');
  });
});
