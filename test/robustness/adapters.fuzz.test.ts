/**
 * No input makes an adapter throw: arbitrary event and request shapes (10,000 per adapter) get a
 * 401 (`Unauthorized`), a 400 or a Deny, never any other error. Only key-store and configuration
 * failures are 5xx, and none happens here.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAuthorizerHandler } from '../../lib/adapters/aws-lambda/authorizer.ts';
import { authenticate, withAuthentication } from '../../lib/adapters/aws-lambda/in-function.ts';
import { createAuthenticator } from '../../lib/authenticator.ts';
import { loadConfig } from '../../lib/config/load.ts';
import worker from '../../functions/worker.ts';
import { JWT_AUDIENCE, JWT_ISSUER, JWT_PUBLIC_KEY } from '../fixtures/jwt-app.ts';

const CONFIG = {
  schemes: {
    sigv4: { region: 'us-east-1', service: 'execute-api' },
    'ustudio-hmac': { freshness: true },
    // A bearer scheme beside it: JWT-shaped Authorization values, auth-token and ?jwt= reach a verifier too.
    jwt: {
      issuers: [{ issuer: JWT_ISSUER, audience: JWT_AUDIENCE, algorithms: ['RS256', 'ES256'], publicKeys: [JWT_PUBLIC_KEY] }],
      authTokenHeader: true,
      queryParameter: true,
    },
  },
  routes: [
    { path: '/public/*', public: true },
    { path: '/admin/*', permissions: ['admin'] },
    { path: '/upload', verifyInFunction: true },
    { path: '*' },
  ],
  keys: [
    { id: 'AKIDFUZZ', scheme: 'sigv4', secret: 'fuzz-secret-000001', principal: 'fuzz', permissions: [] },
    { id: 'ufuzz', scheme: 'ustudio-hmac', secret: 'fuzz-secret-000002', principal: 'ufuzz', permissions: [] },
  ],
};
const auth = createAuthenticator(loadConfig(CONFIG));
const RUNS = 10_000;

// Values that broke adapters before: wrong types where strings, maps or arrays belong.
const oddValue = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.string(),
  fc.constantFrom('/', '//', '/a%ff', '/%00', 'GET', 'POST', '2.0', 'aGVsbG8=', '!!notbase64', '$default', 'dev'),
  fc.array(fc.oneof(fc.string(), fc.integer(), fc.constant(null)), { maxLength: 3 }),
  fc.dictionary(
    fc.string({ maxLength: 8 }),
    fc.oneof(fc.string(), fc.array(fc.oneof(fc.string(), fc.integer())), fc.integer(), fc.constant(null)),
    {
      maxKeys: 4,
    },
  ),
);
const method = fc.oneof(fc.constantFrom('GET', 'POST', 'HEAD', 'get', 'DELETE'), oddValue);
const path = fc.oneof(fc.constantFrom('/items', '/admin/x', '/public/..%2Fadmin', '/upload', '/dev/items'), fc.string(), oddValue);
const headers = fc.oneof(
  oddValue,
  fc.record(
    {
      Authorization: fc.oneof(
        fc.constantFrom(
          'AWS4-HMAC-SHA256 Credential=a/20261124/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=00',
          'USTUDIO-HMAC-V2 ufuzz 93f69cd384865a62b56efcdd6b63266da6e4ffb6287d5e75a3a7d1df4e2255b0',
          'USTUDIO-HMAC-V2 ufuzz',
          'Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.AAAA',
          'bearer  eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
          'Bearer a.b.c.d',
        ),
        fc.string().map((x) => `Bearer ${x}.${x}`),
        fc.string(),
        oddValue,
      ),
      'content-length': fc.oneof(fc.constantFrom('0', '10', '-1', 'x'), oddValue),
      'auth-token': fc.oneof(fc.constantFrom('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.AAAA', 'a.b'), oddValue),
      host: oddValue,
      'x-amz-date': fc.oneof(fc.constantFrom('20261124T120000Z', '20261324T120000Z'), oddValue),
      'x-ustudio-timestamp': fc.oneof(fc.constantFrom('1790000000', '-1', '1e9'), oddValue),
    },
    { requiredKeys: [] },
  ),
);
const restEvent = fc.record(
  {
    type: fc.constant('REQUEST'),
    methodArn: fc.oneof(fc.constant('arn:aws:execute-api:us-east-1:123456789012:abc/prod/GET/items'), oddValue),
    httpMethod: method,
    path,
    resource: oddValue,
    headers,
    multiValueHeaders: oddValue,
    queryStringParameters: oddValue,
    multiValueQueryStringParameters: oddValue,
    requestContext: fc.oneof(oddValue, fc.record({ path, stage: oddValue, authorizer: oddValue }, { requiredKeys: [] })),
    body: oddValue,
    isBase64Encoded: oddValue,
  },
  { requiredKeys: [] },
);
const httpEvent = fc.record(
  {
    version: fc.constant('2.0'),
    type: fc.constant('REQUEST'),
    routeArn: fc.oneof(fc.constant('arn:aws:execute-api:us-east-1:123456789012:abc/$default/GET/items'), oddValue),
    rawPath: path,
    rawQueryString: fc.oneof(fc.string(), oddValue),
    cookies: oddValue,
    headers,
    requestContext: fc.oneof(
      oddValue,
      fc.record(
        { http: fc.oneof(oddValue, fc.record({ method }, { requiredKeys: [] })), stage: oddValue, authorizer: oddValue },
        { requiredKeys: [] },
      ),
    ),
    body: oddValue,
    isBase64Encoded: oddValue,
  },
  { requiredKeys: [] },
);
const anyEvent = fc.oneof(restEvent, httpEvent, fc.anything({ maxDepth: 3 }));

describe('the Lambda authorizer', () => {
  it(`answers ${RUNS} arbitrary events with a decision or Unauthorized, never another error`, async () => {
    for (const simple of [true, false]) {
      const a = createAuthenticator(loadConfig({ ...CONFIG, lambda: { httpApiSimpleResponses: simple } }));
      const handler = createAuthorizerHandler({ authenticator: () => a });
      await fc.assert(
        fc.asyncProperty(anyEvent, async (event) => {
          try {
            const r = (await handler(event as never)) as unknown as Record<string, unknown>;
            expect('isAuthorized' in r || 'policyDocument' in r).toBe(true);
          } catch (e) {
            expect((e as Error).message).toBe('Unauthorized');
          }
        }),
        { numRuns: RUNS / 2 },
      );
    }
  }, 60_000);
});

describe('the in-function check', () => {
  it(`answers ${RUNS} arbitrary inputs with 400, 401 or 403, never throwing`, async () => {
    const input = fc.oneof(
      fc.record({ method, url: fc.oneof(path, fc.webUrl(), oddValue), headers, body: oddValue, stage: oddValue }, { requiredKeys: [] }),
      fc.anything({ maxDepth: 3 }),
    );
    await fc.assert(
      fc.asyncProperty(input, async (i) => {
        const r = await authenticate(auth, i as never);
        expect(r.authentic).toBe(false);
        expect([400, 401, 403]).toContain(r.status);
      }),
      { numRuns: RUNS },
    );
  }, 60_000);

  it(`withAuthentication answers ${RUNS} arbitrary proxy events with 400, 401 or 403, never throwing`, async () => {
    let called = 0;
    const handler = withAuthentication(auth, () => {
      called++;
      return { statusCode: 200, body: '' };
    });
    await fc.assert(
      fc.asyncProperty(anyEvent, async (event) => {
        const r = await handler(event as never, {});
        expect([400, 401, 403]).toContain(r.statusCode);
      }),
      { numRuns: RUNS },
    );
    expect(called).toBe(0);
  }, 60_000);
});

describe('the Worker (Hono app, in process)', () => {
  it(`answers ${RUNS} arbitrary requests with 200 (public), 400, 401, 403 or 413, never 5xx`, async () => {
    const env = { AUTH_CONFIG: JSON.stringify(CONFIG) };
    const headerValue = fc.string({ maxLength: 40 }).filter((v) => !/[\0\r\n]/.test(v));
    const request = fc.record({
      method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'PROPFIND'),
      path: fc.oneof(
        path.filter((p): p is string => typeof p === 'string'),
        fc.stringMatching(/^\/[\w%;.\\/:@!$&'()*+,=~-]{0,40}$/),
      ),
      query: fc.oneof(
        fc.constant(''),
        fc.string({ maxLength: 30 }),
        fc.constantFrom(
          'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=zz',
          'a=%ff',
          'jwt=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.AAAA',
          'jwt=&JWT=x',
        ),
      ),
      headers: fc.array(
        fc.tuple(
          fc.constantFrom(
            'authorization',
            'x-amz-date',
            'x-amz-content-sha256',
            'x-amz-security-token',
            'content-type',
            'x-other',
            'auth-token',
          ),
          headerValue,
        ),
        { maxLength: 5 },
      ),
      body: fc.oneof(fc.constant(null), fc.string({ maxLength: 64 })),
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        let req: Request;
        try {
          const init: RequestInit = { method: r.method, headers: r.headers };
          if (r.body !== null && r.method !== 'GET' && r.method !== 'HEAD') init.body = r.body;
          req = new Request(`http://edge.test${r.path.startsWith('/') ? r.path : '/' + r.path}${r.query ? '?' + r.query : ''}`, init);
        } catch {
          return; // not a request a client could send (the platform refuses it before any Worker runs)
        }
        const res = await worker.fetch(req, env);
        expect([200, 400, 401, 403, 413]).toContain(res.status);
        if (res.status === 200) expect(new URL(req.url).pathname.startsWith('/public')).toBe(true);
      }),
      { numRuns: RUNS },
    );
  }, 60_000);
});
