/**
 * Issue 7: schemes plug in through the registry. A test-only toy scheme, unknown to lib/, is
 * registered here and must be configured, routed to, challenged, stripped, cached and signed like a
 * built-in one, by code that names no scheme.
 */
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../lib/authenticator.ts';
import { ConfigError, loadConfig } from '../../lib/config/load.ts';
import type { SignedRequest } from '../../lib/core/request.ts';
import { createAuthorizerHandler, type RestAuthorizerResult } from '../../lib/adapters/aws-lambda/authorizer.ts';
import { withAuthentication } from '../../lib/adapters/aws-lambda/in-function.ts';
import { main, type CliIo } from '../../lib/cli/main.ts';
import { challengeHeader } from '../../lib/schemes/descriptor.ts';
import { builtInSchemes, createSchemeRegistry } from '../../lib/schemes/registry.ts';
import { sigv4Scheme } from '../../lib/schemes/sigv4/scheme.ts';
import { ustudioScheme } from '../../lib/schemes/ustudio-hmac/scheme.ts';
import { jwtScheme } from '../../lib/schemes/jwt/scheme.ts';
import { createSigV4Signer } from '../../lib/schemes/sigv4/signer.ts';
import { createWorker } from '../../functions/worker.ts';
import { httpProxyEvent, iamAllows, restAuthorizerEvent } from '../fixtures/apigw.ts';
import { makeToyScheme, toyBodyScheme, toyScheme } from '../fixtures/toy-scheme.ts';

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const registry = builtInSchemes.with(toyScheme, toyBodyScheme);
const doc = {
  schemes: {
    sigv4: { region: 'us-east-1', service: 'execute-api' },
    toy: { realm: 'toys' },
    'toy-body': { realm: 'signed toys' },
  },
  routes: [{ path: '/health', methods: ['GET'], public: true }, { path: '/admin/*', permissions: ['admin'] }, { path: '*' }],
  keys: [
    { id: 'AKIDSIG', scheme: 'sigv4', secret: 'registry-secret-1', principal: 'sig-user', permissions: ['items:read'] },
    { id: 'toy-1', scheme: 'toy', secret: 'registry-secret-2', principal: 'toy-user', permissions: ['items:read'] },
    { id: 'toy-2', scheme: 'toy-body', secret: 'registry-secret-3', principal: 'toy-body-user', permissions: [] },
  ],
};
const config = loadConfig(doc, registry);
const auth = createAuthenticator(config, { registry, clock: () => NOW });
const sig = createSigV4Signer({
  keyId: 'AKIDSIG',
  secret: 'registry-secret-1',
  region: 'us-east-1',
  service: 'execute-api',
  clock: () => NOW,
});
const toy = toyScheme.createSigner({ realm: 'toys', maxKeyIdLength: 64 }, { id: 'toy-1', secret: 'registry-secret-2' });
const toyBody = toyBodyScheme.createSigner({ realm: 'signed toys', maxKeyIdLength: 64 }, { id: 'toy-2', secret: 'registry-secret-3' });

const req = (method: string, pathAndQuery: string, body = '', headers: Array<[string, string]> = []): SignedRequest => {
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

describe('the registry', () => {
  it('lists the built-in schemes, and finds only registered ids (never an inherited property)', () => {
    expect(builtInSchemes.ids).toEqual(['sigv4', 'mauth', 'ustudio-hmac', 'api-key', 'jwt']);
    expect(builtInSchemes.get('sigv4')).toBe(sigv4Scheme);
    for (const id of ['toy', 'constructor', '__proto__', 'toString', '']) expect(builtInSchemes.get(id)).toBeUndefined();
    expect(registry.ids).toEqual(['sigv4', 'mauth', 'ustudio-hmac', 'api-key', 'jwt', 'toy', 'toy-body']);
    expect(builtInSchemes.ids).toEqual(['sigv4', 'mauth', 'ustudio-hmac', 'api-key', 'jwt']); // with() leaves the original alone
  });
  it('refuses a second scheme with an id already registered', () => {
    expect(() => createSchemeRegistry([sigv4Scheme, sigv4Scheme])).toThrow(TypeError);
    expect(() => registry.with(toyScheme)).toThrow(/registered twice/);
  });
  it('describes SigV4: header-hash body, not cacheable across routes, its credential parts, a challenge per algorithm', () => {
    expect(sigv4Scheme).toMatchObject({ id: 'sigv4', body: 'header-hash', cacheableAcrossRoutes: false });
    expect(sigv4Scheme.credentials.headers).toEqual(['authorization', 'x-amz-security-token']);
    expect(sigv4Scheme.credentials.query).toContain('X-Amz-Signature');
    const options = config.schemes['sigv4'] as Parameters<typeof sigv4Scheme.challenges>[0];
    expect(challengeHeader(sigv4Scheme.challenges({ ...options, algorithms: ['AWS4-HMAC-SHA256', 'DCI2-HMAC-SHA256'] }))).toBe(
      'AWS4-HMAC-SHA256 realm="execute-api", DCI2-HMAC-SHA256 realm="execute-api"',
    );
  });
  it('describes USTUDIO-HMAC-V2: raw-body, not cacheable, Authorization and the freshness headers, its challenge, freshness off', async () => {
    expect(ustudioScheme).toMatchObject({ id: 'ustudio-hmac', body: 'raw-body', cacheableAcrossRoutes: false });
    expect(ustudioScheme.failureBody).toBeUndefined();
    expect(ustudioScheme.credentials).toEqual({ headers: ['authorization', 'x-ustudio-timestamp', 'x-ustudio-nonce'], query: [] });
    const options = v.parse(ustudioScheme.options, {});
    expect(options).toEqual({ freshness: false, timeSkewSeconds: 300, requireNonce: false, replayCacheSize: 10_000 });
    expect(challengeHeader(ustudioScheme.challenges(options))).toBe('USTUDIO-HMAC-V2');
    for (const bad of [{ freshness: 'yes' }, { timeSkewSeconds: 0 }, { replayCacheSize: -1 }, { other: 1 }])
      expect(v.safeParse(ustudioScheme.options, bad).success).toBe(false);
    // It and SigV4 share the Authorization header; neither claims the other's requests.
    const signedU = await ustudioScheme.createSigner(options, { id: 'u-1', secret: 'registry-secret-4' }).sign(req('GET', '/items'));
    const signedS = await sig.sign(req('GET', '/items'));
    expect([ustudioScheme.claims(signedU), sigv4Scheme.claims(signedU)]).toEqual([true, false]);
    expect([ustudioScheme.claims(signedS), sigv4Scheme.claims(signedS)]).toEqual([false, true]);
    const both = loadConfig(
      {
        ...doc,
        schemes: { ...doc.schemes, 'ustudio-hmac': {} },
        keys: [
          ...doc.keys,
          { id: 'u-1', scheme: 'ustudio-hmac', secret: 'registry-secret-4', principal: 'u-user', permissions: ['items:read'] },
        ],
      },
      registry,
    );
    const a = createAuthenticator(both, { registry, clock: () => NOW });
    expect(await a.authenticate(signedU)).toMatchObject({ ok: true, scheme: 'ustudio-hmac', principal: { id: 'u-user' } });
    expect(await a.authenticate(signedS)).toMatchObject({ ok: true, scheme: 'sigv4' });
  });

  it('describes JWT: a bearer scheme (no body, cacheable across routes), its credential parts, a Bearer challenge, strict options', () => {
    expect(jwtScheme).toMatchObject({ id: 'jwt', body: 'none', cacheableAcrossRoutes: true });
    expect(jwtScheme.credentials).toEqual({ headers: ['authorization', 'auth-token'], query: ['jwt'] });
    const issuer = { issuer: 'https://auth.example', audience: 'api', algorithms: ['RS256'], keyStore: true };
    const jwtIssues = (schemes: Record<string, unknown>): string[] => {
      try {
        loadConfig({ schemes: { jwt: schemes }, routes: [{ path: '*' }] }, builtInSchemes);
      } catch (e) {
        return (e as ConfigError).issues.map((i) => i.replace(/:.*/, ''));
      }
      return [];
    };
    const ok = loadConfig({ schemes: { jwt: { issuers: [issuer] } }, routes: [{ path: '*' }] }, builtInSchemes).schemes['jwt'];
    expect(ok).toMatchObject({
      authTokenHeader: false,
      queryParameter: false,
      maxTokenBytes: 8192,
      tokenCacheSize: 1000,
      minRsaBits: 2048,
    });
    expect(challengeHeader(jwtScheme.challenges(ok as Parameters<typeof jwtScheme.challenges>[0]))).toBe('Bearer');
    const { audience: _a, ...noAudience } = issuer;
    const { issuer: _i, ...noIssuer } = issuer;
    expect(jwtIssues({ issuers: [noAudience] })).toEqual(['schemes.jwt.issuers[0].audience']);
    expect(jwtIssues({ issuers: [noIssuer] })).toEqual(['schemes.jwt.issuers[0].issuer']);
    expect(jwtIssues({ issuers: [{ ...issuer, algorithms: ['HS256'] }] })).toEqual(['schemes.jwt.issuers[0].algorithms[0]']);
    expect(jwtIssues({ issuers: [{ ...issuer, algorithms: ['none'] }] })).toEqual(['schemes.jwt.issuers[0].algorithms[0]']);
    expect(jwtIssues({ issuers: [{ ...issuer, algorithms: [] }] })).toEqual(['schemes.jwt.issuers[0].algorithms']);
    expect(jwtIssues({ issuers: [{ ...issuer, keyStore: false }] })).toHaveLength(1);
    expect(jwtIssues({ issuers: [{ ...issuer, jwksUrl: 'http://auth.example/jwks' }] })).toEqual(['schemes.jwt.issuers[0].jwksUrl']);
    expect(
      jwtIssues({
        issuers: [
          { ...issuer, issuer: null },
          { ...issuer, issuer: null },
        ],
      }),
    ).toEqual(['schemes.jwt', 'schemes.jwt']); // two null issuers (and, here, two readers of the key store)
    // Configured twice (and so, here, two readers of the key store).
    expect(jwtIssues({ issuers: [issuer, issuer] })).toEqual(['schemes.jwt', 'schemes.jwt']);
    // Two issuers reading the key store would share its keys (records name no issuer).
    expect(jwtIssues({ issuers: [issuer, { ...issuer, issuer: 'https://other.example' }] })).toEqual(['schemes.jwt']);
    expect(jwtIssues({ issuers: [issuer], maxTokenBytes: 10 })).toEqual(['schemes.jwt.maxTokenBytes']);
  });
});

describe('the api-key descriptor', () => {
  it('is a bearer scheme: no body covered, answers cacheable across routes, X-Api-Key, a challenge naming the header', () => {
    const d = builtInSchemes.get('api-key')!;
    expect(d).toMatchObject({ id: 'api-key', body: 'none', cacheableAcrossRoutes: true });
    expect(d.credentials).toEqual({ headers: ['x-api-key'], query: [] });
    const options = loadConfig({ schemes: { 'api-key': {} } }).schemes['api-key'] as Parameters<typeof d.challenges>[0];
    expect(options).toEqual({ header: 'X-Api-Key', usageIdentifierKey: true });
    expect(challengeHeader(d.challenges(options))).toBe('ApiKey header="X-Api-Key"');
    expect(typeof d.failureBody).toBe('function');
    expect(typeof d.recordIssues).toBe('function');
  });
  it("routes by the configured header: the authenticator asks the verifier, which knows the scheme's options", async () => {
    const a = createAuthenticator(loadConfig({ schemes: { sigv4: doc.schemes.sigv4, 'api-key': { header: 'X-Service-Key' } } }));
    const withHeader = (name: string) => req('GET', '/items', '', [[name, 'ea_x']]);
    expect(a.select(withHeader('x-service-key'))).toMatchObject({ ok: true, scheme: { descriptor: { id: 'api-key' } } });
    expect(a.select(withHeader('X-Api-Key'))).toMatchObject({ ok: false, error: { code: 'ERR_AUTH_MISSING' } });
    expect(a.credentials.headers).toEqual(['authorization', 'x-amz-security-token', 'x-service-key']);
  });
});

describe('configuration built from the registry', () => {
  const issuesOf = (d: unknown, r = registry) => {
    try {
      loadConfig(d, r);
    } catch (e) {
      return (e as ConfigError).issues;
    }
    return [];
  };
  it("validates a registered scheme's options with its schema, defaults included", () => {
    expect(config.schemes['toy']).toEqual({ realm: 'toys', maxKeyIdLength: 64 });
    expect(issuesOf({ ...doc, schemes: { ...doc.schemes, toy: { realm: '' } } })).toEqual(['schemes.toy.realm: must not be empty']);
    expect(issuesOf({ ...doc, schemes: { ...doc.schemes, toy: { realm: 'r', extra: 1 } } })[0]).toMatch(/^schemes\.toy\.extra/);
  });
  it('knows only the schemes of the registry it is given', () => {
    expect(issuesOf(doc, builtInSchemes).some((i) => i.startsWith('schemes.toy'))).toBe(true);
    expect(issuesOf({ ...doc, keys: [{ ...doc.keys[1], scheme: 'nope' }] }).some((i) => i.startsWith('keys[0].scheme'))).toBe(true);
  });
  it('refuses a key bound to a scheme that is not configured, and a key without a scheme once several are on', () => {
    expect(issuesOf({ ...doc, schemes: { sigv4: doc.schemes.sigv4 }, keys: [doc.keys[0], doc.keys[1]] })).toEqual([
      'keys[1].scheme: scheme "toy" is not configured',
    ]);
    const { scheme: _drop, ...unbound } = doc.keys[1]!;
    expect(issuesOf({ ...doc, keys: [unbound] })).toEqual(['keys[0].scheme: required when more than one scheme is configured']);
  });
  it('createAuthenticator refuses a configuration naming a scheme its registry lacks', () => {
    expect(() => createAuthenticator(config)).toThrow(/schemes\.toy: no such scheme is registered/);
  });
});

describe('the router', () => {
  it('routes each request to the scheme it speaks', async () => {
    expect(await auth.authenticate(await toy.sign(req('GET', '/items')))).toMatchObject({ ok: true, scheme: 'toy', keyId: 'toy-1' });
    expect(await auth.authenticate(await sig.sign(req('GET', '/items')))).toMatchObject({ ok: true, scheme: 'sigv4', keyId: 'AKIDSIG' });
    expect(await auth.authenticate(await toyBody.sign(req('POST', '/items', 'x')))).toMatchObject({ ok: true, scheme: 'toy-body' });
  });
  it('does not let a key of one scheme sign for another', async () => {
    const wrong = toyScheme.createSigner({ realm: 'toys', maxKeyIdLength: 64 }, { id: 'AKIDSIG', secret: 'registry-secret-1' });
    expect(await auth.authenticate(await wrong.sign(req('GET', '/items')))).toMatchObject({
      ok: false,
      error: { code: 'ERR_KEY_NOT_FOUND' },
    });
  });
  it.each([
    ['SigV4 then toy', async (r: SignedRequest) => toy.sign(await sig.sign(r))],
    ['toy then SigV4', async (r: SignedRequest) => sig.sign(await toy.sign(r))],
    ['toy and toy-body', async (r: SignedRequest) => toyBody.sign(await toy.sign(r))],
  ])('refuses credentials of more than one scheme (%s), whichever would verify', async (_l, both) => {
    const r = await both(req('GET', '/items'));
    expect(auth.select(r)).toMatchObject({ ok: false, error: { code: 'ERR_AUTH_MALFORMED' } });
    expect(await auth.authenticate(r)).toEqual({
      ok: false,
      error: { code: 'ERR_AUTH_MALFORMED', status: 400, message: 'credentials of more than one scheme' },
    });
  });
  it('answers ERR_AUTH_MISSING with no credentials, and reads cacheability from the descriptors', async () => {
    expect(await auth.authenticate(req('GET', '/items'))).toMatchObject({ ok: false, error: { code: 'ERR_AUTH_MISSING' } });
    expect([auth.cacheableAcrossRoutes('toy'), auth.cacheableAcrossRoutes('sigv4'), auth.cacheableAcrossRoutes('toy-body')]).toEqual([
      true,
      false,
      false,
    ]);
    expect(auth.credentials.headers).toEqual(['authorization', 'x-amz-security-token', 'x-toy-key', 'x-toy-sig']);
  });
});

describe('the Worker (Hono middleware and proxy) with a registered scheme', () => {
  const sent: Array<{ url: string; headers: Headers }> = [];
  const app = createWorker({
    registry,
    fetch: async (url, init) => {
      sent.push({ url, headers: new Headers(init.headers) });
      return new Response('from origin');
    },
  });
  const env = { AUTH_CONFIG: JSON.stringify(doc), ORIGIN_URL: 'https://origin.test' };
  const call = async (r: SignedRequest) =>
    app.request(
      `https://api.example.com${r.path}${r.query ? '?' + r.query : ''}`,
      { method: r.method, headers: r.headers.map(([n, v]): [string, string] => [n, v]) },
      env,
    );

  it("answers 401 with every configured scheme's challenge, the toy's included", async () => {
    const res = await call(req('GET', '/items'));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('AWS4-HMAC-SHA256 realm="execute-api", Toy realm="toys", Toy realm="signed toys"');
  });
  it('verifies a toy request and strips its credential header before proxying', async () => {
    sent.length = 0;
    const res = await call(await toy.sign(req('GET', '/items', '', [['X-Other', 'kept']])));
    expect(res.status).toBe(200);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.headers.has('x-toy-key')).toBe(false);
    expect(sent[0]!.headers.get('x-other')).toBe('kept');
    expect(sent[0]!.headers.get('x-auth-principal')).toBe('toy-user');
  });
  it("strips a toy credential on a public route too, but leaves an origin's own Authorization there", async () => {
    sent.length = 0;
    const r = await toy.sign(req('GET', '/health', '', [['Authorization', 'Bearer origin-token']]));
    expect((await call(r)).status).toBe(200);
    expect(sent[0]!.headers.has('x-toy-key')).toBe(false);
    expect(sent[0]!.headers.get('authorization')).toBe('Bearer origin-token');
  });
  it('refuses (400) a request with SigV4 and toy credentials', async () => {
    sent.length = 0;
    const res = await call(await toy.sign(await sig.sign(req('GET', '/items'))));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'ERR_AUTH_MALFORMED', message: 'credentials of more than one scheme' });
    expect(sent).toHaveLength(0);
  });
});

describe('the Lambda authorizer applies the descriptor body and cache rules', () => {
  const handler = createAuthorizerHandler({ authenticator: () => auth });
  const arn = (method: string, path: string) => `arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/${method}${path}`;
  const allows = iamAllows;

  it('gives a bearer scheme (cacheableAcrossRoutes) a route-wide REST policy only when every route admits the principal', async () => {
    // toy-user lacks `admin`: the answer names the call alone (IAM cannot deny /admin/* as the route table reads it).
    const r = (await handler(restAuthorizerEvent(await toy.sign(req('GET', '/prod/items/42'))))) as RestAuthorizerResult;
    expect(r.context).toMatchObject({ principal: 'toy-user', scheme: 'toy', verification: 'complete' });
    expect(r.policyDocument.Statement).toEqual([{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [arn('GET', '/items/42')] }]);
    const everywhere = createAuthenticator(
      loadConfig({ ...doc, routes: [{ path: '/items/*', permissions: ['items:read'] }, { path: '*' }] }, registry),
      {
        registry,
        clock: () => NOW,
      },
    );
    const wide = (await createAuthorizerHandler({ authenticator: () => everywhere })(
      restAuthorizerEvent(await toy.sign(req('GET', '/prod/items/42'))),
    )) as RestAuthorizerResult;
    expect(allows(wide, arn('GET', '/items/42'))).toBe(true);
    expect(allows(wide, arn('DELETE', '/items/other'))).toBe(true); // what a cached answer may serve
    expect(allows(wide, arn('GET', '/admin/users'))).toBe(true);
  });
  it("keeps SigV4's REST policy to the single called ARN", async () => {
    const r = (await handler(restAuthorizerEvent(await sig.sign(req('GET', '/prod/items/42'))))) as RestAuthorizerResult;
    expect(r.context).toMatchObject({ scheme: 'sigv4' });
    expect(r.policyDocument.Statement).toEqual([{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [arn('GET', '/items/42')] }]);
  });
  it('verifies a bearer request with a body completely (its body is not signed)', async () => {
    const r = (await handler(restAuthorizerEvent(await toy.sign(req('POST', '/prod/items', '{"a":1}'))))) as RestAuthorizerResult;
    expect(r.context).toMatchObject({ scheme: 'toy', verification: 'complete' });
    expect(r.context['bodySha256']).toBeUndefined();
  });
  it('refuses a raw-body request with a body (the authorizer cannot see it), and verifies one without as bodyless', async () => {
    await expect(handler(restAuthorizerEvent(await toyBody.sign(req('POST', '/prod/items', '{"a":1}'))))).rejects.toThrow('Unauthorized');
    const r = (await handler(restAuthorizerEvent(await toyBody.sign(req('GET', '/prod/items'))))) as RestAuthorizerResult;
    expect(r.context).toMatchObject({
      scheme: 'toy-body',
      verification: 'body-hash',
      bodySha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    });
    expect(r.policyDocument.Statement).toEqual([{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [arn('GET', '/items')] }]);
  });
  it('refuses credentials of two schemes', async () => {
    await expect(handler(restAuthorizerEvent(await toy.sign(await sig.sign(req('GET', '/prod/items')))))).rejects.toThrow('Unauthorized');
  });
  it("withAuthentication's 401 names every configured scheme's auth-scheme", async () => {
    const wrapped = withAuthentication(auth, async () => ({ statusCode: 200, body: 'ok' }));
    const res = await wrapped(httpProxyEvent(req('GET', '/items')) as never, {});
    expect(res.statusCode).toBe(401);
    expect(res.headers?.['www-authenticate']).toBe('AWS4-HMAC-SHA256, Toy');
    expect((await wrapped(httpProxyEvent(await toy.sign(req('GET', '/items'))) as never, {})).statusCode).toBe(200);
  });
});

describe('the CLI with a registry', () => {
  const run = async (argv: string[], stdin = '', r = registry) => {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = {
      stdin: async () => new TextEncoder().encode(stdin),
      stdout: (t) => void out.push(t),
      stderr: (t) => void err.push(t),
      readFile: () => JSON.stringify(doc),
      now: () => NOW,
    };
    const code = await main(argv, io, { registry: r });
    return { code, stdout: out.join(''), stderr: err.join('') };
  };
  const request = JSON.stringify({ method: 'GET', url: 'https://api.example.com/items', headers: {} });

  it('signs and verifies with the toy scheme', async () => {
    const signed = await run(['sign', '--config', 'c.json', '--key', 'toy-1'], request);
    expect(signed.stderr).toBe('');
    expect(JSON.parse(signed.stdout).headers.some(([n]: [string]) => n === 'X-Toy-Key')).toBe(true);
    const verified = await run(['verify', '--config', 'c.json'], signed.stdout);
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, scheme: 'toy', keyId: 'toy-1', principal: { id: 'toy-user' } });
  });
  it('validates --scheme against the registry, and the key against its scheme', async () => {
    const unknown = await run(['sign', '--config', 'c.json', '--key', 'toy-1', '--scheme', 'nope'], request);
    expect(unknown.code).toBe(2);
    expect(JSON.parse(unknown.stderr)).toMatchObject({
      code: 'ERR_USAGE',
      message: expect.stringContaining('sigv4, mauth, ustudio-hmac, api-key, jwt, toy, toy-body'),
    });
    const mismatched = await run(['sign', '--config', 'c.json', '--key', 'toy-1', '--scheme', 'sigv4'], request);
    expect(JSON.parse(mismatched.stderr)).toMatchObject({ code: 'ERR_USAGE', message: expect.stringContaining('belongs to scheme "toy"') });
    const noVariants = await run(['sign', '--config', 'c.json', '--key', 'toy-1', '--algorithm', 'AWS4-HMAC-SHA256'], request);
    expect(JSON.parse(noVariants.stderr)).toMatchObject({ code: 'ERR_USAGE' });
    const noPresign = await run(['sign', '--config', 'c.json', '--key', 'toy-1', '--presign'], request);
    expect(JSON.parse(noPresign.stderr)).toMatchObject({ code: 'ERR_USAGE', message: expect.stringContaining('cannot presign') });
  });
  it('lists the registry in --help and in check-config', async () => {
    expect((await run(['--help'])).stdout).toContain('sigv4, mauth, ustudio-hmac, api-key, jwt, toy, toy-body');
    expect(JSON.parse((await run(['check-config', '--config', 'c.json'])).stdout)).toMatchObject({ schemes: ['sigv4', 'toy', 'toy-body'] });
  });
  it('explains by the scheme the request speaks, and refuses two', async () => {
    const signed = await run(['sign', '--config', 'c.json', '--key', 'AKIDSIG'], request);
    expect((await run(['explain', '--config', 'c.json'], signed.stdout)).stdout).toContain('canonical request');
    const toySigned = await run(['sign', '--config', 'c.json', '--key', 'toy-1'], request);
    expect(JSON.parse((await run(['explain', '--config', 'c.json'], toySigned.stdout)).stderr)).toMatchObject({ code: 'ERR_USAGE' });
    const both = JSON.parse(signed.stdout);
    both.headers.push(...JSON.parse(toySigned.stdout).headers.filter(([n]: [string]) => n === 'X-Toy-Key'));
    const r = await run(['verify', '--config', 'c.json'], JSON.stringify(both));
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, code: 'ERR_AUTH_MALFORMED', message: 'credentials of more than one scheme' });
  });
  it('without the toy in its registry, the CLI refuses its configuration', async () => {
    const r = await run(['check-config', '--config', 'c.json'], '', builtInSchemes);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr)).toMatchObject({ code: 'ERR_CONFIG' });
  });
});

describe('verifiers that fetch documents themselves', () => {
  it('get the fetch and shared cache the authenticator was given, and are hydrated by its hydrate() (a rejecting one too)', async () => {
    const seen: Array<{ fetch: unknown; sharedCache: unknown }> = [];
    let hydrated = 0;
    const hydrating = (id: string, rejects: boolean): typeof toyScheme => ({
      ...makeToyScheme({ id, header: `x-${id}`, body: 'none', cacheableAcrossRoutes: true }),
      createVerifier(o, deps) {
        seen.push({ fetch: deps.fetch, sharedCache: deps.sharedCache });
        const verifier = toyScheme.createVerifier(o, deps);
        return {
          ...verifier,
          hydrate: async () => {
            hydrated++;
            if (rejects) throw new Error('down');
          },
        };
      },
    });
    const reg = builtInSchemes.with(hydrating('fetching', false), hydrating('failing', true));
    const cfg = loadConfig({ schemes: { fetching: { realm: 'r' }, failing: { realm: 'r' } }, routes: [{ path: '*' }] }, reg);
    const fetch = async () => new Response('{}');
    const sharedCache = { get: async () => undefined, put: async () => {} };
    const a = createAuthenticator(cfg, { registry: reg, fetch, sharedCache });
    expect(seen).toEqual([
      { fetch, sharedCache },
      { fetch, sharedCache },
    ]);
    await expect(a.hydrate()).resolves.toBeUndefined();
    expect(hydrated).toBe(2);
  });
});
