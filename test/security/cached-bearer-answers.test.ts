// API Gateway caches a bearer scheme's REST answer under the credential (the identity source) and
// reuses it for the credential's next calls, whatever their path. A cached answer must never allow a
// call that the authorizer, asked directly, refuses: the route table reads a path as an origin may
// route it (case folded, dot segments removed, ";" parameters dropped, "/admin" under "/admin/*"),
// while IAM matches a Resource as case-sensitive text. Property: for any two calls by the same key,
// the first call's answer allows the second only if the direct answer to the second does too (or the
// route table refuses the second path as malformed for everyone, and every route admits the key).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAuthorizerHandler, type RestAuthorizerResult } from '../../lib/adapters/aws-lambda/authorizer.ts';
import { createAuthenticator } from '../../lib/authenticator.ts';
import { loadConfig } from '../../lib/config/load.ts';
import type { SignedRequest } from '../../lib/core/request.ts';
import { generateApiKey } from '../../lib/keys/api-key-format.ts';
import { ACCOUNT, API_ID, iamAllows, REGION, restAuthorizerEvent } from '../fixtures/apigw.ts';
import { API_KEY, apiKeyConfig, apiKeyRecords, hashOf, READONLY_KEY } from '../fixtures/api-key-app.ts';

const ROOT_KEY = generateApiKey({ id: 'root000001' }).key;
const doc = apiKeyConfig({
  keys: [
    ...apiKeyRecords(),
    { id: 'root000001', scheme: 'api-key', secret: hashOf(ROOT_KEY), principal: 'root', permissions: ['admin', 'items:read'] },
  ],
});
const auth = createAuthenticator(loadConfig(doc));
const authorizer = createAuthorizerHandler({ authenticator: () => auth, log: () => undefined });

// Segments that spell the refused route (/admin/*) in ways an origin may route to it, and others.
const SEGMENTS = ['admin', 'Admin', 'ADMIN', 'admin;v=1', 'admin.', 'items', 'Items', 'health', 'other', '..', '.', '%2e%2e', '', 'users'];
const METHODS = ['GET', 'POST', 'DELETE', 'HEAD'];
const KEYS = { main: API_KEY, reader: READONLY_KEY, root: ROOT_KEY } as const;

const pathOf = (segments: readonly string[]) => '/' + segments.join('/');
const call = (method: string, path: string, key: string): SignedRequest => ({
  method,
  path: '/prod' + path,
  query: '',
  headers: [
    ['Host', 'api.example.com'],
    ['X-Api-Key', key],
  ],
  body: new Uint8Array(),
});
const arnOf = (answer: RestAuthorizerResult | undefined, method: string, path: string) =>
  // The ARN the event carries (the fixture builds it as API Gateway does, from the decoded path).
  answer ? `arn:aws:execute-api:${REGION}:${ACCOUNT}:${API_ID}/prod/${method}${decodeURIComponent(path)}` : '';

async function answer(method: string, path: string, key: string): Promise<RestAuthorizerResult | undefined> {
  try {
    return (await authorizer(restAuthorizerEvent(call(method, path, key)))) as RestAuthorizerResult;
  } catch {
    return undefined; // Unauthorized: nothing is cached that allows anything
  }
}

const arbCall = fc.record({
  method: fc.constantFrom(...METHODS),
  path: fc.array(fc.constantFrom(...SEGMENTS), { minLength: 1, maxLength: 4 }).map(pathOf),
});

describe('a cached bearer answer (REST policy) allows nothing the authorizer would refuse', () => {
  it('holds for any two calls by the same key', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...(Object.keys(KEYS) as Array<keyof typeof KEYS>)),
        arbCall,
        arbCall,
        async (who, first, second) => {
          const key = KEYS[who];
          const cached = await answer(first.method, first.path, key);
          if (!cached) return;
          const resource = arnOf(cached, second.method, second.path);
          if (!iamAllows(cached, resource)) return;
          const direct = await answer(second.method, second.path, key);
          const directAllows = direct !== undefined && iamAllows(direct, resource);
          const malformed = !auth.decide(second.method, second.path).ok;
          expect(
            directAllows || (malformed && who === 'root'),
            `${who}: ${first.method} ${first.path} then ${second.method} ${second.path}`,
          ).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it.each([
    ['/admin'],
    ['/Admin/users'],
    ['/ADMIN/users'],
    ['/admin;v=1/users'],
    ['/admin./users'],
    ['/items/../admin/users'],
    ['/admin/users'],
  ])('a key without `admin`: the answer to GET /items/1 does not allow GET %s', async (path) => {
    const cached = (await answer('GET', '/items/1', READONLY_KEY))!;
    expect(iamAllows(cached, arnOf(cached, 'GET', '/items/1'))).toBe(true);
    expect(iamAllows(cached, arnOf(cached, 'GET', path))).toBe(false);
  });
});
