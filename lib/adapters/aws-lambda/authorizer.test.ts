import { describe, expect, it } from 'vitest';
import { createAuthenticator, type Authenticator } from '../../authenticator.ts';
import { EMPTY_SHA256_HEX } from '../../core/crypto.ts';
import type { SignedRequest } from '../../core/request.ts';
import { loadConfig } from '../../config/load.ts';
import { createSigV4Signer } from '../../schemes/sigv4/signer.ts';
import { httpAuthorizerEvent, restAuthorizerEvent } from '../../../test/fixtures/apigw.ts';
import { createAuthorizerHandler, type AuthorizerResult, type RestAuthorizerResult, type SimpleAuthorizerResult } from './authorizer.ts';

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const doc = {
  schemes: { sigv4: { region: 'us-east-1', service: 'execute-api' } },
  routes: [
    { path: '/health', methods: ['GET'], public: true },
    { path: '/admin/*', permissions: ['admin'] },
    { path: '/upload', methods: ['POST'], verifyInFunction: true },
    { path: '*' },
  ],
  keys: [
    { id: 'AKIDUSER', secret: 'authorizer-secret-1', principal: 'user-1', permissions: ['items:read', 'items:write'] },
    { id: 'AKIDADMIN', secret: 'authorizer-secret-2', principal: 'admin-1', permissions: ['admin'] },
  ],
};
const auth = createAuthenticator(loadConfig(doc), { clock: () => NOW });
const policyAuth = createAuthenticator(loadConfig({ ...doc, lambda: { httpApiSimpleResponses: false } }), { clock: () => NOW });
const logs: unknown[] = [];
const handler = (a: Authenticator = auth) => createAuthorizerHandler({ authenticator: () => a, log: (e) => logs.push(e) });

const user = createSigV4Signer({
  keyId: 'AKIDUSER',
  secret: 'authorizer-secret-1',
  region: 'us-east-1',
  service: 'execute-api',
  clock: () => NOW,
});
const userHashed = createSigV4Signer({
  keyId: 'AKIDUSER',
  secret: 'authorizer-secret-1',
  region: 'us-east-1',
  service: 'execute-api',
  clock: () => NOW,
  signContentSha256: true,
});

const req = (method: string, pathAndQuery: string, headers: Array<[string, string]> = [], body = ''): SignedRequest => {
  const q = pathAndQuery.indexOf('?');
  return {
    method,
    path: q === -1 ? pathAndQuery : pathAndQuery.slice(0, q),
    query: q === -1 ? '' : pathAndQuery.slice(q + 1),
    headers: [
      ['Host', 'api.example.com'],
      ...headers,
      ...(body ? ([['Content-Length', String(body.length)]] as Array<[string, string]>) : []),
    ],
    body: new TextEncoder().encode(body),
  };
};

const isRest = (r: AuthorizerResult): r is RestAuthorizerResult => 'policyDocument' in r;
const effectFor = (r: RestAuthorizerResult, resource: string) =>
  r.policyDocument.Statement.filter((s) =>
    s.Resource.some((x) => new RegExp('^' + x.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*') + '$').test(resource)),
  ).map((s) => s.Effect);
/** What IAM would decide: explicit Deny wins, else Allow, else implicit deny. */
const decide = (r: RestAuthorizerResult, resource: string) => {
  const effects = effectFor(r, resource);
  return effects.includes('Deny') ? 'Deny' : effects.includes('Allow') ? 'Allow' : 'Deny';
};
const arn = (stage: string, method: string, path: string) =>
  `arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/${stage}/${method}${path}`;

describe('REST API REQUEST authorizer', () => {
  it('allows a signed request with a policy naming exactly the called ARN (a cached answer cannot serve another route)', async () => {
    const signed = await user.sign(
      req('GET', '/prod/items/42?limit=10&tag=a&tag=b', [
        ['X-Trace', 'one'],
        ['X-Trace', 'two'],
      ]),
    );
    const result = await handler()(restAuthorizerEvent(signed));
    expect(isRest(result)).toBe(true);
    const r = result as RestAuthorizerResult;
    expect(r.principalId).toBe('user-1');
    expect(r.context).toEqual({
      principal: 'user-1',
      scheme: 'sigv4',
      permissions: 'items:read,items:write',
      // No Content-Length: verified as a request without a body, and the integration is told so.
      verification: 'body-hash',
      bodySha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    });
    for (const v of Object.values(r.context)) expect(['string', 'number', 'boolean']).toContain(typeof v);
    // A signature proves one request: a cached copy of this answer must authorize nothing else.
    expect(r.policyDocument.Statement).toEqual([
      { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [arn('prod', 'GET', '/items/42')] },
    ]);
    expect(decide(r, arn('prod', 'GET', '/items/42'))).toBe('Allow');
    expect(decide(r, arn('prod', 'GET', '/items/43'))).toBe('Deny');
    expect(decide(r, arn('prod', 'DELETE', '/items/42'))).toBe('Deny');
    expect(decide(r, arn('prod', 'DELETE', '/other/thing'))).toBe('Deny');
    expect(decide(r, arn('prod', 'GET', '/health'))).toBe('Deny');
  });

  it('denies (403) an authenticated principal on a route it lacks the permission for', async () => {
    const signed = await user.sign(req('GET', '/prod/admin/users'));
    const r = (await handler()(restAuthorizerEvent(signed))) as RestAuthorizerResult;
    expect(r.principalId).toBe('user-1');
    expect(decide(r, arn('prod', 'GET', '/admin/users'))).toBe('Deny');
  });

  it('verifies with a custom-domain base path, or none', async () => {
    const based = await user.sign(req('GET', '/v1/items'));
    expect((await handler()(restAuthorizerEvent(based, { stage: 'prod', prefix: '/v1' }))) as RestAuthorizerResult).toMatchObject({
      principalId: 'user-1',
    });
    const bare = await user.sign(req('GET', '/items'));
    expect((await handler()(restAuthorizerEvent(bare, { stage: 'prod', prefix: '' }))) as RestAuthorizerResult).toMatchObject({
      principalId: 'user-1',
    });
  });

  it.each(["/prod/items/a:b@c!$()'*", '/prod/items/a:b/c%20d', '/prod/items/x;y=1,2&z+w'])(
    'verifies a path sent with sub-delimiters left literal, as curl sends them: %s',
    async (path) => {
      const signed = await user.sign(req('GET', path));
      expect(await handler()(restAuthorizerEvent(signed))).toMatchObject({ principalId: 'user-1' });
    },
  );

  it('re-encodes decoded paths and query values as a canonical client sent them', async () => {
    const signed = await user.sign(req('GET', '/prod/files/a%20b%2Bc?q=x%20y&z=%E2%9C%93'));
    expect(await handler()(restAuthorizerEvent(signed))).toMatchObject({ principalId: 'user-1' });
  });

  it.each([
    ['unsigned', async () => req('GET', '/prod/items')],
    ['tampered path', async () => ({ ...(await user.sign(req('GET', '/prod/items/1'))), path: '/prod/items/2' })],
    ['tampered query', async () => ({ ...(await user.sign(req('GET', '/prod/items?a=1'))), query: 'a=2' })],
    [
      'unknown key',
      async () =>
        createSigV4Signer({
          keyId: 'AKIDNOPE',
          secret: 'authorizer-secret-1',
          region: 'us-east-1',
          service: 'execute-api',
          clock: () => NOW,
        }).sign(req('GET', '/prod/items')),
    ],
    ['malformed', async () => req('GET', '/prod/items', [['Authorization', 'AWS4-HMAC-SHA256 nonsense']])],
  ])('throws Unauthorized (401) for a request that is %s', async (_l, make) => {
    await expect(handler()(restAuthorizerEvent(await make()))).rejects.toThrow(/^Unauthorized$/);
  });

  it('never allows a body-signing request with a body it cannot see', async () => {
    const signed = await user.sign(req('POST', '/prod/items', [['Content-Type', 'application/json']], '{"a":1}'));
    logs.length = 0;
    await expect(handler()(restAuthorizerEvent(signed))).rejects.toThrow(/^Unauthorized$/);
    // botocore's and curl's default: the log names what to do about it.
    expect(logs).toEqual([expect.objectContaining({ event: 'authorizer.unauthorized', code: 'ERR_PAYLOAD_HASH_REQUIRED' })]);
  });

  it.each([
    ['Content-Length: 0', [['Content-Length', '0']], true],
    ['content-length: 0 (any case)', [['content-length', ' 0']], true],
    ['Content-Length: 7', [['Content-Length', '7']], false],
    ['Transfer-Encoding: chunked', [['Transfer-Encoding', 'chunked']], false],
    [
      'TRANSFER-ENCODING beside Content-Length: 0',
      [
        ['Content-Length', '0'],
        ['TRANSFER-ENCODING', 'chunked'],
      ],
      false,
    ],
  ] as const)('a POST that declares %s is verified as bodyless: %s', async (_l, headers, bodyless) => {
    const signed = await user.sign(
      req(
        'POST',
        '/prod/items',
        headers.map(([n, v]) => [n, v] as [string, string]),
      ),
    );
    logs.length = 0;
    if (bodyless) {
      const r = (await handler()(restAuthorizerEvent(signed))) as RestAuthorizerResult;
      expect(r.context).toMatchObject({ principal: 'user-1', verification: 'body-hash', bodySha256: EMPTY_SHA256_HEX });
    } else {
      await expect(handler()(restAuthorizerEvent(signed))).rejects.toThrow(/^Unauthorized$/);
      expect(logs).toEqual([expect.objectContaining({ code: 'ERR_PAYLOAD_HASH_REQUIRED' })]);
    }
  });

  it('verifies a signed x-amz-content-sha256 and hands the hash on for the in-function check', async () => {
    const signed = await userHashed.sign(req('POST', '/prod/items', [['Content-Type', 'application/json']], '{"a":1}'));
    const r = (await handler()(restAuthorizerEvent(signed))) as RestAuthorizerResult;
    expect(r.context).toMatchObject({
      verification: 'body-hash',
      bodySha256: signed.headers.find(([n]) => n === 'x-amz-content-sha256')![1],
    });
  });

  describe('a request without a body: how often the scheme is asked', () => {
    /** The authenticator, noting the body of each request it is asked to authenticate. */
    const counting = () => {
      const bodies: Array<Uint8Array | undefined> = [];
      const a: Authenticator = {
        ...auth,
        authenticate: (r) => {
          bodies.push(r.body);
          return auth.authenticate(r);
        },
      };
      return { a, bodies };
    };
    const old = createSigV4Signer({
      keyId: 'AKIDUSER',
      secret: 'authorizer-secret-1',
      region: 'us-east-1',
      service: 'execute-api',
      clock: () => NOW - 3_600_000,
    });

    it('asks once, as bodyless, when the request declares neither a body nor its hash (most SigV4 GETs)', async () => {
      const { a, bodies } = counting();
      const r = (await handler(a)(restAuthorizerEvent(await user.sign(req('GET', '/prod/items/42'))))) as RestAuthorizerResult;
      expect(r.context).toMatchObject({ principal: 'user-1', verification: 'body-hash', bodySha256: EMPTY_SHA256_HEX });
      expect(bodies).toEqual([new Uint8Array()]);
    });
    it('asks once, without the body, when the request declares its hash', async () => {
      const { a, bodies } = counting();
      const signed = await userHashed.sign(req('GET', '/prod/items/42'));
      const r = (await handler(a)(restAuthorizerEvent(signed))) as RestAuthorizerResult;
      expect(r.context).toMatchObject({ principal: 'user-1', verification: 'body-hash', bodySha256: EMPTY_SHA256_HEX });
      expect(bodies).toEqual([undefined]);
    });
    it.each([
      ['expired', async () => old.sign(req('GET', '/prod/items/42')), 'ERR_REQUEST_EXPIRED'],
      ['tampered', async () => ({ ...(await user.sign(req('GET', '/prod/items/42'))), path: '/prod/items/43' }), 'ERR_SIGNATURE_INVALID'],
      ['malformed', async () => req('GET', '/prod/items', [['Authorization', 'AWS4-HMAC-SHA256 nonsense']]), 'ERR_AUTH_MALFORMED'],
    ])('still refuses a bodyless request that is %s, with its code, asked only as bodyless', async (_l, make, code) => {
      const { a, bodies } = counting();
      logs.length = 0;
      await expect(handler(a)(restAuthorizerEvent(await make()))).rejects.toThrow(/^Unauthorized$/);
      expect(logs).toEqual([expect.objectContaining({ event: 'authorizer.unauthorized', code })]);
      // Once per path the signature may cover (REST tries the path as sent, then as a canonical client encodes it).
      expect(bodies.length).toBeGreaterThan(0);
      expect(bodies.every((b) => b !== undefined && b.length === 0)).toBe(true);
    });
  });

  it('passes an in-function route on, unverified, for this one call only', async () => {
    const signed = await user.sign(req('POST', '/prod/upload', [], 'payload'));
    const event = restAuthorizerEvent(signed);
    const r = (await handler()(event)) as RestAuthorizerResult;
    expect(r.context).toMatchObject({ verification: 'in-function', principal: '' });
    expect(r.policyDocument.Statement).toEqual([{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [event.methodArn] }]);
  });

  it('allows a public route without credentials', async () => {
    const r = (await handler()(restAuthorizerEvent(req('GET', '/prod/health')))) as RestAuthorizerResult;
    expect(r).toMatchObject({ principalId: 'anonymous', context: { verification: 'none' } });
  });

  it('throws a non-401 error (500) when the key store fails, and when the configuration does', async () => {
    const down = createAuthenticator(loadConfig(doc), { clock: () => NOW, keys: { get: () => Promise.reject(new Error('timeout')) } });
    const signed = await user.sign(req('GET', '/prod/items'));
    await expect(handler(down)(restAuthorizerEvent(signed))).rejects.toThrow('key store unavailable');
    const broken = createAuthorizerHandler({
      authenticator: () => {
        throw new Error('bad config');
      },
    });
    await expect(broken(restAuthorizerEvent(signed))).rejects.toThrow('authorizer configuration error');
  });

  it('passes a usage identifier key on for usage plans (REST only)', async () => {
    const withUsage: Authenticator = {
      ...auth,
      authenticate: async (r) => {
        const result = await auth.authenticate(r);
        return result.ok ? { ...result, usageIdentifierKey: 'usage-plan-key' } : result;
      },
    };
    const signed = await user.sign(req('GET', '/prod/items'));
    expect(await handler(withUsage)(restAuthorizerEvent(signed))).toMatchObject({
      principalId: 'user-1',
      usageIdentifierKey: 'usage-plan-key',
    });
    expect(await handler()(restAuthorizerEvent(signed))).not.toHaveProperty('usageIdentifierKey');
  });

  it('logs codes, never key ids, signatures or headers', async () => {
    logs.length = 0;
    const signed = await user.sign(req('GET', '/prod/items'));
    await handler()(restAuthorizerEvent(signed));
    await handler()(restAuthorizerEvent({ ...signed, path: '/prod/x' })).catch(() => undefined);
    const text = JSON.stringify(logs);
    expect(text).toContain('ERR_SIGNATURE_INVALID');
    expect(text).not.toMatch(/AKIDUSER|Signature=|[0-9a-f]{64}/);
  });

  describe('logging allows (LOG_ACCEPTED)', () => {
    const run = async (options: { logAccepted?: boolean | number; random?: () => number }, calls: number) => {
      const entries: Array<{ event: string }> = [];
      const h = createAuthorizerHandler({ authenticator: () => auth, log: (e) => entries.push(e), ...options });
      const signed = await user.sign(req('GET', '/prod/items'));
      for (let i = 0; i < calls; i++) await h(restAuthorizerEvent(signed));
      await h(restAuthorizerEvent({ ...signed, path: '/prod/x' })).catch(() => undefined);
      await h(restAuthorizerEvent(await user.sign(req('GET', '/prod/items/*')))).catch(() => undefined);
      return entries.map((e) => e.event);
    };

    it('logs no allow by default, and every deny and 401', async () => {
      expect(await run({}, 3)).toEqual(['authorizer.unauthorized', 'authorizer.deny']);
    });

    it('logs every allow with logAccepted: true', async () => {
      expect(await run({ logAccepted: true }, 3)).toEqual([
        'authorizer.allow',
        'authorizer.allow',
        'authorizer.allow',
        'authorizer.unauthorized',
        'authorizer.deny',
      ]);
    });

    it('samples allows at a rate with the random source it is given; denies and 401s are never sampled away', async () => {
      const draws = [0.05, 0.5, 0.09, 0.99];
      let i = 0;
      const events = await run({ logAccepted: 0.1, random: () => draws[i++ % draws.length]! }, 4);
      expect(events).toEqual(['authorizer.allow', 'authorizer.allow', 'authorizer.unauthorized', 'authorizer.deny']);
      expect(i).toBe(4);
    });

    it.each([[-0.1], [1.5], [Number.NaN], ['yes' as unknown as number]])('refuses logAccepted %j when it is built', (logAccepted) => {
      expect(() => createAuthorizerHandler({ authenticator: () => auth, logAccepted })).toThrow(TypeError);
    });
  });

  it('denies a signed call whose ARN IAM would read as a wildcard (a cached copy would cover other routes)', async () => {
    logs.length = 0;
    const r = (await handler()(restAuthorizerEvent(await user.sign(req('GET', '/prod/items/*'))))) as RestAuthorizerResult;
    expect(r.policyDocument.Statement.map((s) => s.Effect)).toEqual(['Deny']);
    expect(logs).toEqual([expect.objectContaining({ event: 'authorizer.deny', code: 'ERR_PATH_REJECTED' })]);
  });

  it('hands the integration the principal, never the key id', async () => {
    const r = (await handler()(restAuthorizerEvent(await user.sign(req('GET', '/prod/items'))))) as RestAuthorizerResult;
    expect(r.context.principal).toBe('user-1');
    expect(JSON.stringify(r)).not.toContain('AKIDUSER');
  });
});

describe('HTTP API (payload 2.0) authorizer', () => {
  it('answers a simple response with the context', async () => {
    const signed = await user.sign(req('GET', '/items?x=%2Fy&x=z', [['Cookie', 'a=1; b=2']]));
    const r = (await handler()(httpAuthorizerEvent(signed))) as SimpleAuthorizerResult;
    expect(r).toEqual({
      isAuthorized: true,
      context: {
        principal: 'user-1',
        scheme: 'sigv4',
        permissions: 'items:read,items:write',
        verification: 'body-hash',
        bodySha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      },
    });
  });

  it('routes a named stage in rawPath by the path without it', async () => {
    const signed = await user.sign(req('GET', '/beta/admin/users'));
    expect(await handler()(httpAuthorizerEvent(signed, 'beta'))).toMatchObject({ isAuthorized: false });
    const ok = await user.sign(req('GET', '/beta/items'));
    expect(await handler()(httpAuthorizerEvent(ok, 'beta'))).toMatchObject({ isAuthorized: true });
  });

  it('answers a policy when simple responses are off', async () => {
    const signed = await user.sign(req('GET', '/admin/users'));
    const r = (await handler(policyAuth)(httpAuthorizerEvent(signed))) as RestAuthorizerResult;
    expect(decide(r, arn('$default', 'GET', '/admin/users'))).toBe('Deny');
    const ok = await user.sign(req('GET', '/items'));
    const allowed = (await handler(policyAuth)(httpAuthorizerEvent(ok))) as RestAuthorizerResult;
    expect(decide(allowed, arn('$default', 'GET', '/items'))).toBe('Allow');
    // Like REST, a signature's policy names only the called route.
    expect(decide(allowed, arn('$default', 'GET', '/items/other'))).toBe('Deny');
  });

  it('throws Unauthorized for a tampered request', async () => {
    const signed = await user.sign(req('GET', '/items'));
    await expect(handler()(httpAuthorizerEvent({ ...signed, query: 'x=1' }))).rejects.toThrow(/^Unauthorized$/);
  });
});

describe('the method as the event gives it', () => {
  // API Gateway hands the Lambda the method as the client sent it; the originals sign it so. A signature over PATCH
  // is not one over patch, whatever the case of either (the Worker's fetch adapter verifies it as sent too).
  const cases = [
    ['PATCH', 'PATCH', true],
    ['patch', 'patch', true],
    ['patch', 'PATCH', false],
    ['Patch', 'PATCH', false],
    ['PATCH', 'patch', false],
  ] as const;
  it('REST: verifies the method as sent, and routes it upper-cased', async () => {
    for (const [sent, signedAs, allowed] of cases) {
      const signed = await user.sign(req(signedAs, '/prod/items'));
      const answer = handler()(restAuthorizerEvent({ ...signed, method: sent }));
      if (allowed)
        expect(decide((await answer) as RestAuthorizerResult, arn('prod', sent, '/items')), `${sent} signed as ${signedAs}`).toBe('Allow');
      else await expect(answer, `${sent} signed as ${signedAs}`).rejects.toThrow(/^Unauthorized$/);
    }
    // The public rule for GET covers an unsigned get (the route table compares methods upper-cased), and only GET.
    const health = restAuthorizerEvent(req('get', '/prod/health'));
    expect(decide((await handler()(health)) as RestAuthorizerResult, arn('prod', 'get', '/health'))).toBe('Allow');
    await expect(handler()(restAuthorizerEvent(req('post', '/prod/health')))).rejects.toThrow(/^Unauthorized$/);
  });
  it('HTTP API: verifies the method as sent', async () => {
    for (const [sent, signedAs, allowed] of cases) {
      const signed = await user.sign(req(signedAs, '/items'));
      const answer = handler()(httpAuthorizerEvent({ ...signed, method: sent }));
      if (allowed) expect(await answer, `${sent} signed as ${signedAs}`).toMatchObject({ isAuthorized: true });
      else await expect(answer, `${sent} signed as ${signedAs}`).rejects.toThrow(/^Unauthorized$/);
    }
  });
});

describe('custom domains: route rules see the path without the base path', () => {
  const customEvent = (signed: SignedRequest, extra: Record<string, unknown>) => {
    const e = restAuthorizerEvent(signed, { stage: 'prod', prefix: '' }) as unknown as Record<string, unknown>;
    // API Gateway leaves a custom domain's base path in `path` and `requestContext.path`.
    return { ...e, path: signed.path, requestContext: { ...(e['requestContext'] as object), path: signed.path }, ...extra };
  };
  it.each([
    ['/v1/admin/users', { resource: '/{proxy+}', pathParameters: { proxy: 'admin/users' } }],
    ['/v1/admin/users', { resource: '/admin/{proxy+}', pathParameters: { proxy: 'users' } }],
    ['/orders/v2/admin/users', { resource: '/admin/{rest+}', pathParameters: { rest: 'users' } }],
  ])('REST %s with its resource template %j: Deny for a key without admin', async (path, extra) => {
    const r = (await handler()(customEvent(await user.sign(req('GET', path)), extra) as never)) as RestAuthorizerResult;
    expect(r.policyDocument.Statement.map((s) => s.Effect)).toEqual(['Deny']);
  });
  it('keeps a public route public on a custom domain (from the template, or from lambda.basePaths)', async () => {
    const health = (extra: Record<string, unknown>) => customEvent(req('GET', '/v1/health'), extra);
    const viaTemplate = (await handler()(health({ resource: '/health', pathParameters: null }) as never)) as RestAuthorizerResult;
    expect(viaTemplate.policyDocument.Statement.map((s) => s.Effect)).toEqual(['Allow']);
    const based = createAuthenticator(loadConfig({ ...doc, lambda: { basePaths: ['/v1'] } }), { clock: () => NOW });
    const viaConfig = (await handler(based)(health({}) as never)) as RestAuthorizerResult;
    expect(viaConfig.policyDocument.Statement.map((s) => s.Effect)).toEqual(['Allow']);
    // Without either, the base-path form is all there is, and it is guarded.
    await expect(handler()(health({}) as never)).rejects.toThrow(/^Unauthorized$/);
  });
  it('REST without a template: the configured lambda.basePaths are stripped', async () => {
    const based = createAuthenticator(loadConfig({ ...doc, lambda: { basePaths: ['/v1', '/orders/v2'] } }), { clock: () => NOW });
    for (const path of ['/v1/admin/users', '/orders/v2/admin/users']) {
      const r = (await handler(based)(customEvent(await user.sign(req('GET', path)), {}) as never)) as RestAuthorizerResult;
      expect(r.policyDocument.Statement.map((s) => s.Effect)).toEqual(['Deny']);
    }
    const ok = (await handler(based)(customEvent(await user.sign(req('GET', '/v1/items')), {}) as never)) as RestAuthorizerResult;
    expect(ok.policyDocument.Statement.map((s) => s.Effect)).toEqual(['Allow']);
  });
  it('HTTP API: the route key and path parameters give the path without an API mapping key', async () => {
    const signed = await user.sign(req('GET', '/v1/admin/users'));
    const event = { ...httpAuthorizerEvent(signed), routeKey: 'ANY /admin/{proxy+}', pathParameters: { proxy: 'users' } };
    expect(await handler()(event)).toMatchObject({ isAuthorized: false });
    const fine = await user.sign(req('GET', '/v1/items/1'));
    expect(await handler()({ ...httpAuthorizerEvent(fine), routeKey: 'GET /items/{id}', pathParameters: { id: '1' } })).toMatchObject({
      isAuthorized: true,
    });
  });
});
