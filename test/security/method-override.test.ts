// An origin may act on another method than the one on the wire: X-HTTP-Method-Override (Express's
// method-override, Google's APIs), X-HTTP-Method (OData, ASP.NET), X-Method-Override, or a `_method`
// query parameter (Rails, Laravel). Route rules are judged on every method the origin could act on,
// the strictest winning, in each adapter: the Hono middleware, the Lambda authorizer and the
// in-function check. A request naming more than eight methods is refused.
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createAuthorizerHandler, type RestAuthorizerResult } from '../../lib/adapters/aws-lambda/authorizer.ts';
import { authenticate } from '../../lib/adapters/aws-lambda/in-function.ts';
import { edgeAuth, type EdgeAuthVariables } from '../../lib/adapters/hono/middleware.ts';
import { createAuthenticator } from '../../lib/authenticator.ts';
import { loadConfig } from '../../lib/config/load.ts';
import type { SignedRequest } from '../../lib/core/request.ts';
import { methodReadings } from '../../lib/policy/routes.ts';
import { iamAllows, restAuthorizerEvent, ACCOUNT, API_ID, REGION } from '../fixtures/apigw.ts';
import { API_KEY, apiKeyConfig } from '../fixtures/api-key-app.ts';

// API_KEY's principal holds items:read and items:write, not admin.
const auth = createAuthenticator(
  loadConfig(
    apiKeyConfig({
      routes: [
        { path: '/items/*', methods: ['DELETE'], permissions: ['admin'] },
        { path: '/docs/*', methods: ['GET'], public: true },
        { path: '*' },
      ],
    }),
  ),
);

const app = new Hono<{ Variables: EdgeAuthVariables }>();
app.use('*', edgeAuth({ authenticator: auth }));
app.all('*', (c) => c.json({ principal: c.get('auth')?.principal.id ?? null }));
const authorizer = createAuthorizerHandler({ authenticator: () => auth, log: () => undefined });

type Headers = Array<[string, string]>;
const withKey = (headers: Headers = []): Headers => [['x-api-key', API_KEY], ...headers];

/** The status each adapter answers: the middleware's, the authorizer's (200 Allow, 403 Deny, 401, 400 for a refusal by the route table) and the in-function check's. */
async function statuses(method: string, pathAndQuery: string, headers: Headers): Promise<[number, number, number]> {
  const q = pathAndQuery.indexOf('?');
  const path = q === -1 ? pathAndQuery : pathAndQuery.slice(0, q);
  const query = q === -1 ? '' : pathAndQuery.slice(q + 1);
  const edge = await app.request('http://api.example.com' + pathAndQuery, { method, headers });
  const req: SignedRequest = { method, path: '/prod' + path, query, headers: [['Host', 'api.example.com'], ...headers] };
  let lambda: number;
  try {
    const r = (await authorizer(restAuthorizerEvent(req))) as RestAuthorizerResult;
    lambda = iamAllows(r, `arn:aws:execute-api:${REGION}:${ACCOUNT}:${API_ID}/prod/${method}${decodeURIComponent(path)}`) ? 200 : 403;
  } catch {
    lambda = 401;
  }
  const inFunction = await authenticate(auth, {
    method,
    url: 'https://api.example.com' + pathAndQuery,
    headers: Object.fromEntries(headers),
    stage: '',
  });
  return [edge.status, lambda, inFunction.authentic ? 200 : inFunction.status];
}

describe('method overrides', () => {
  it('a GET that names DELETE is judged as a DELETE too: the admin rule applies (403 for a key without admin)', async () => {
    expect(await statuses('GET', '/items/1', withKey())).toEqual([200, 200, 200]);
    expect(await statuses('DELETE', '/items/1', withKey())).toEqual([403, 403, 403]);
    for (const headers of [
      [['X-HTTP-Method-Override', 'DELETE']],
      [['x-http-method', 'delete']],
      [['X-Method-Override', ' Delete ']],
      [['X-HTTP-Method-Override', 'PUT, DELETE']],
      [
        ['X-HTTP-Method-Override', 'PUT'],
        ['X-HTTP-Method-Override', 'DELETE'],
      ],
      // CGI, WSGI, Rack and PHP read "_" in a header name as "-".
      [['X_HTTP_Method_Override', 'DELETE']],
      [['X-HTTP_Method-Override', 'DELETE']],
      [['x_method_override', 'DELETE']],
    ] as Headers[])
      expect(await statuses('GET', '/items/1', withKey(headers)), JSON.stringify(headers)).toEqual([403, 403, 403]);
    // PHP (Laravel, Symfony) also reads ".method", " _method" and "_method\0x" as "_method" ("[method" is refused too).
    for (const query of [
      '_method=DELETE',
      'a=1&_method=delete',
      '%5Fmethod=DELETE',
      '_method=%44ELETE',
      '.method=DELETE',
      '%2Emethod=DELETE',
      '[method=DELETE',
      '+_method=DELETE',
      '%20_method=DELETE',
      '_method%00x=DELETE',
    ])
      expect(await statuses('POST', '/items/1?' + query, withKey()), query).toEqual([403, 403, 403]);
    // A bad escape after the NUL: PHP decodes the good ones and still cuts at the NUL. (A REST event's
    // query comes decoded by API Gateway; the fixture's event for an escape that is not UTF-8 is refused, 401.)
    for (const query of ['_method%00%=DELETE', '_method%00%FF=DELETE', '%2Emethod%00%zz=DELETE', '%5Bmethod%00%C0=DELETE']) {
      const [edge, lambda, inFunction] = await statuses('POST', '/items/1?' + query, withKey());
      expect([edge, inFunction], query).toEqual([403, 403]);
      expect([401, 403], query).toContain(lambda);
    }
  });

  it('a public route stays public only when every method named is one its rule makes public', async () => {
    // (The in-function check always asks for credentials: it runs where a route chose to verify.)
    expect(await statuses('GET', '/docs/a', [])).toEqual([200, 200, 401]);
    // POST /docs/a falls to the guarded catch-all: without credentials, 401.
    expect(await statuses('GET', '/docs/a', [['X-HTTP-Method-Override', 'POST']])).toEqual([401, 401, 401]);
    expect(await statuses('GET', '/docs/a?_method=POST', [])).toEqual([401, 401, 401]);
  });

  it('refuses a request that names more than eight methods (400), rather than judge it on some', async () => {
    const many = 'A,B,C,D,E,F,G,H';
    expect(await statuses('GET', '/items/1', withKey([['X-HTTP-Method-Override', many]]))).toEqual([400, 403, 400]);
    // However long the list: it stops reading at the ninth method.
    const huge = Array.from({ length: 20_000 }, (_, i) => `M${i}`).join(',');
    expect(methodReadings('GET', [huge], '')).toBeUndefined();
    expect(methodReadings('GET', [], Array.from({ length: 5_000 }, (_, i) => `_method=M${i}`).join('&'))).toBeUndefined();
  });

  it('methodReadings: the wire method first, then each override once, upper-cased', () => {
    expect(methodReadings('get', [], '')).toEqual(['GET']);
    expect(methodReadings('GET', ['delete, PUT', 'DELETE'], '_method=patch&x=1&_method=')).toEqual(['GET', 'DELETE', 'PUT', 'PATCH']);
    expect(methodReadings('GET', [], '_methodx=DELETE&x_method=PUT')).toEqual(['GET']);
    expect(methodReadings('GET', [], '%ZZ=1&_method=%E0')).toEqual(['GET', '%E0']);
    expect(methodReadings('GET', ['A,B,C,D,E,F,G'], '')).toHaveLength(8);
    expect(methodReadings('GET', ['A,B,C,D,E,F,G,H'], '')).toBeUndefined();
  });
});
