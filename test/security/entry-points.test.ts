// An API behind API Gateway is often reachable two ways: its execute-api endpoint (the stage first in
// the path) and a custom domain (a base path first). Route rules speak of the API's resource paths,
// so whichever way a request comes, a rule must be judged on the resource it names:
// - the in-function check given `stage`, for a URL under the other prefix (the execute-api stage when
//   `stage` names a base path, or the other way round), or a URL under no configured base path;
// - a path under a configured `lambda.basePaths` entry is judged without it, whichever endpoint was
//   called (an app may strip the base path itself, exactly), so a rule may not overlap a base path;
// - a path is also judged as apps that strip a base path in their own way make of it: serverless-http
//   after its first occurrence anywhere, Lambda Web Adapter as often as it repeats, Express in any case.
import { describe, expect, it } from 'vitest';
import { createAuthorizerHandler, type RestAuthorizerResult } from '../../lib/adapters/aws-lambda/authorizer.ts';
import { authenticate } from '../../lib/adapters/aws-lambda/in-function.ts';
import { createAuthenticator } from '../../lib/authenticator.ts';
import { loadConfig } from '../../lib/config/load.ts';
import { createUStudioSigner } from '../../lib/schemes/ustudio-hmac/signer.ts';
import { httpAuthorizerEvent, restAuthorizerEvent } from '../fixtures/apigw.ts';

const SECRET = 'ustudio-secret-entry-points-0001';
const signer = createUStudioSigner({ keyId: 'reports', secret: SECRET });

/** An authenticator whose only key holds no `admin`; `/admin/*` (or `adminPath`) needs it. */
function authWith(basePaths: string[], adminPath = '/admin/*') {
  return createAuthenticator(
    loadConfig({
      schemes: { 'ustudio-hmac': {} },
      routes: [{ path: adminPath, permissions: ['admin'] }, { path: '*' }],
      lambda: { basePaths },
      keys: [{ id: 'reports', secret: SECRET, principal: 'reports', permissions: ['items:read'] }],
    }),
  );
}

async function inFunction(basePaths: string[], url: string, stage?: string) {
  const path = url.replace(/^https:\/\/[^/]+/, '');
  const headers = Object.fromEntries(
    (await signer.sign({ method: 'DELETE', path, query: '', headers: [], body: new Uint8Array() })).headers,
  );
  const r = await authenticate(authWith(basePaths), {
    method: 'DELETE',
    url,
    headers,
    body: '',
    ...(stage !== undefined ? { stage } : {}),
  });
  return r.status;
}

describe('the in-function check judges the resource path whichever entry point was called', () => {
  it.each([
    // [basePaths, URL, stage]: the resource path is /admin/users in every row.
    [[], 'https://abc.execute-api.us-east-1.amazonaws.com/dev/admin/users', 'dev'],
    [[], 'https://abc.execute-api.us-east-1.amazonaws.com/dev/admin/users', undefined],
    [[], 'https://api.example.com/v1/admin/users', 'v1'],
    [[], 'https://api.example.com/v1/admin/users', undefined],
    // `stage` names one entry point, the request came through the other.
    [[], 'https://abc.execute-api.us-east-1.amazonaws.com/dev/admin/users', 'v1'],
    [['/v1'], 'https://abc.execute-api.us-east-1.amazonaws.com/dev/admin/users', 'v1'],
    [[], 'https://api.example.com/v1/admin/users', 'dev'],
    [['/v1'], 'https://api.example.com/v1/admin/users', 'dev'],
    [['/orders/v2'], 'https://api.example.com/orders/v2/admin/users', 'dev'],
    // base paths configured, no stage: the execute-api URL is judged without its stage too.
    [['/v1'], 'https://abc.execute-api.us-east-1.amazonaws.com/prod/v1/admin/users', 'prod'],
    [['/v1', '/v1/beta'], 'https://api.example.com/v1/beta/admin/users', undefined],
    [['/v1'], 'https://api.example.com/v1/admin/users', undefined],
    [['/v1'], 'https://abc.execute-api.us-east-1.amazonaws.com/dev/admin/users', undefined],
  ] as Array<[string[], string, string | undefined]>)('basePaths %j, %s, stage %s: 403', async (basePaths, url, stage) => {
    expect(await inFunction(basePaths, url, stage)).toBe(403);
  });

  // On a custom domain the app gets the whole path, base path and all, and resolves its dot segments
  // before it strips a base path: /v1/x/y/../../beta/admin/users is /v1/beta/admin/users there, which an
  // app mounted on /v1/beta routes to /admin/users; without the base path the dots stop at the root
  // (/beta/admin/users). Found by real-apps.property.test.ts (Hono routed under /v1/beta).
  it.each([
    'https://api.example.com/v1/x/y/../../beta/admin/users',
    'https://api.example.com/v1/x/y/..%2F../beta/admin/users',
    'https://api.example.com/v1/orders/V2/..%2F../beta/admin',
  ])('%s, stage v1, base paths /v1 and /v1/beta: 403', async (url) => {
    expect(await inFunction(['/v1', '/v1/beta'], url, 'v1')).toBe(403);
  });

  // What is left after the stage is no path, and url.parse reads " x:admin/v1" as host "admin", path "/v1";
  // Express mounted on /v1 then cuts req.url where that pathname does not start, and routes /admin (ninth review).
  it('a URL whose stage is followed by what URL parsers split (/prod x:admin/v1, stage prod): 400', async () => {
    expect(await inFunction(['/v1'], 'https://abc.execute-api.us-east-1.amazonaws.com/prod x:admin/v1', 'prod')).toBe(400);
    // A stage followed by other letters is an ordinary path (tenth review): judged, not refused.
    expect(await inFunction([], 'https://api.example.com/products:search', 'prod')).toBe(200);
    expect(await inFunction([], 'https://api.example.com/v1beta:run', 'v1')).toBe(200);
  });

  it('a route the key holds is still allowed, whichever entry point', async () => {
    expect(await inFunction([], 'https://abc.execute-api.us-east-1.amazonaws.com/dev/items/1', 'dev')).toBe(200);
    expect(await inFunction([], 'https://api.example.com/v1/items/1', 'dev')).toBe(200);
    expect(await inFunction(['/v1'], 'https://api.example.com/v1/items/1', undefined)).toBe(200);
    expect(await inFunction(['/v1'], 'https://abc.execute-api.us-east-1.amazonaws.com/dev/items/1', 'v1')).toBe(200);
  });
});

describe('the authorizer judges a path under a base path as its resource, whichever endpoint was called', () => {
  const effect = async (basePaths: string[], adminPath: string, path: string, resource: string, pathParameters: Record<string, string>) => {
    const signed = await signer.sign({ method: 'GET', path, query: '', headers: [], body: new Uint8Array() });
    const event = { ...restAuthorizerEvent(signed), resource, pathParameters };
    const r = (await createAuthorizerHandler({ authenticator: () => authWith(basePaths, adminPath), log: () => undefined })(
      event,
    )) as RestAuthorizerResult;
    return r.policyDocument.Statement.map((s) => s.Effect).join(',');
  };

  it('an app that strips the base path itself, called on execute-api (/prod/v1/admin/users routed to /{proxy+}): Deny', async () => {
    expect(await effect(['/v1'], '/admin/*', '/prod/v1/admin/users', '/{proxy+}', { proxy: 'v1/admin/users' })).toBe('Deny');
    expect(await effect(['/v1'], '/admin/*', '/prod/v1/items/1', '/{proxy+}', { proxy: 'v1/items/1' })).toBe('Allow');
  });

  it('an API whose own resources start with /v1 and no base path configured: its rules apply as written', async () => {
    expect(await effect([], '/v1/admin/*', '/prod/v1/admin/users', '/v1/admin/{proxy+}', { proxy: 'users' })).toBe('Deny');
  });

  it('a custom domain has its base path stripped: /v1/admin/users routed to /admin/{proxy+} is Deny, /v1/items/1 Allow', async () => {
    expect(await effect(['/v1'], '/admin/*', '/prod/v1/admin/users', '/admin/{proxy+}', { proxy: 'users' })).toBe('Deny');
    expect(await effect(['/v1'], '/admin/*', '/prod/v1/items/1', '/items/{id}', { id: '1' })).toBe('Allow');
  });

  it('nested base paths: the path is judged without each, whatever their order', async () => {
    // An HTTP API $default route has no template: the raw path is all there is.
    for (const bases of [
      ['/v1', '/v1/beta'],
      ['/v1/beta', '/v1'],
    ]) {
      const signed = await signer.sign({ method: 'GET', path: '/v1/beta/admin/users', query: '', headers: [], body: new Uint8Array() });
      const answer = await createAuthorizerHandler({ authenticator: () => authWith(bases), log: () => undefined })({
        ...httpAuthorizerEvent(signed),
        routeKey: '$default',
      });
      expect(answer, bases.join(',')).toMatchObject({ isAuthorized: false });
    }
  });

  it('a path that merely holds the base path text in a segment is judged as it is', async () => {
    for (const path of ['/v10/admin/users', '/items/v1x/admin', '/assets/v1-logo.png'])
      expect(await effect(['/v1'], '/items/*', '/prod' + path, '/{proxy+}', { proxy: path.slice(1) }), path).toBe(
        path.startsWith('/items/') ? 'Deny' : 'Allow',
      );
  });

  it('a rule under a configured base path is refused at load: it would never be judged as written', () => {
    for (const [adminPath, basePaths] of [
      ['/v1/admin/*', ['/v1']],
      ['/v1', ['/v1']],
      ['/v*', ['/v1']],
      ['/orders/v2/admin/*', ['/v1', '/orders/v2']],
      ['/V1/admin/*', ['/v1']],
      ['/%761/admin/*', ['/v1']],
      ['/orders/*', ['/orders/v2']],
      ['//v1/admin/*', ['/v1']],
      ['/./v1/admin/*', ['/v1']],
      ['/vı/admin/*', ['/vi']],
    ] as Array<[string, string[]]>)
      expect(() => authWith(basePaths, adminPath), adminPath).toThrow(/routes\[0\]\.path: overlaps lambda\.basePaths\[\d\]/);
    // Rules beside a base path are fine (each alone: a catch-all before authWith's own would hide it).
    for (const adminPath of ['/v10/*', '/admin/*', '/*', '*', '/v2*'])
      expect(
        () =>
          loadConfig({
            schemes: { 'ustudio-hmac': {} },
            routes: [{ path: adminPath, permissions: ['admin'] }],
            lambda: { basePaths: ['/v1'] },
          }),
        adminPath,
      ).not.toThrow();
  });
});

describe('every entry point judges a path as apps that strip the base path their own way route it', () => {
  // Each path reaches /admin/users at an app that takes /v1 off as serverless-http (after its first
  // occurrence), Lambda Web Adapter (as often as it repeats) or Express (in any case) do.
  // Lambda Web Adapter also puts a "/" in front of what is left: /v1admin/users becomes /admin/users.
  const LOOSE = [
    '/x/v1/admin/users',
    '/v1/v1/admin/users',
    '/V1/admin/users',
    '/x/%761/admin/users',
    '/1/v1/../admin/users',
    '/v1admin/users',
    '/v1/v1admin/users',
    // serverless-http cuts the text as it reaches it: after the escape-free /v1, not the decoded v1x.
    '/public/%761x/v1/admin/users',
  ];
  const sign = (path: string) => signer.sign({ method: 'GET', path, query: '', headers: [], body: new Uint8Array() });

  // REST hands the authorizer a decoded path, which an escape the client signed no longer matches (a
  // 401 before any route decision), so the escaped spelling is left to the other entry points here.
  it.each(LOOSE.filter((p) => !p.includes('%')))('REST on execute-api, /prod%s routed to /{proxy+}: Deny', async (path) => {
    const event = { ...restAuthorizerEvent(await sign('/prod' + path)), resource: '/{proxy+}', pathParameters: { proxy: path.slice(1) } };
    const r = (await createAuthorizerHandler({ authenticator: () => authWith(['/v1']), log: () => undefined })(
      event,
    )) as RestAuthorizerResult;
    expect(r.policyDocument.Statement.map((st) => st.Effect)).toEqual(['Deny']);
  });

  it.each(LOOSE)('HTTP API $default, %s: not authorized', async (path) => {
    const answer = await createAuthorizerHandler({ authenticator: () => authWith(['/v1']), log: () => undefined })({
      ...httpAuthorizerEvent(await sign(path)),
      routeKey: '$default',
    });
    expect(answer).toMatchObject({ isAuthorized: false });
  });

  it.each(LOOSE)('the in-function check, %s: 403', async (path) => {
    expect(await inFunction(['/v1'], `https://abc.execute-api.us-east-1.amazonaws.com/prod${path}`, 'prod')).toBe(403);
  });

  it('REST hands over a decoded path, in which a "#" or "?" behind base paths is refused: /prod/public%23/v1/admin/users is Deny', async () => {
    const path = '/public%23/v1/admin/users';
    const event = {
      ...restAuthorizerEvent(await sign('/prod' + path)),
      resource: '/{proxy+}',
      pathParameters: { proxy: 'public#/v1/admin/users' },
    };
    expect((event as { path: string }).path).toBe('/public#/v1/admin/users');
    const r = (await createAuthorizerHandler({ authenticator: () => authWith(['/v1']), log: () => undefined })(
      event,
    )) as RestAuthorizerResult;
    expect(r.policyDocument.Statement.map((st) => st.Effect)).toEqual(['Deny']);
  });

  it('an anonymous REST request on a custom domain cannot reach a guarded exact route through an escaped "#" (/v1/x%23/%2E%2E/admin)', async () => {
    const open = createAuthenticator(
      loadConfig({
        schemes: { 'ustudio-hmac': {} },
        routes: [
          { path: '/admin', permissions: ['admin'] },
          { path: '*', public: true },
        ],
        lambda: { basePaths: ['/v1'] },
      }),
    );
    const unsigned = {
      method: 'GET',
      path: '/v1/x%23/%2E%2E/admin',
      query: '',
      headers: [] as Array<[string, string]>,
      body: new Uint8Array(),
    };
    const event = { ...restAuthorizerEvent(unsigned, { prefix: '/v1' }), resource: '/{proxy+}', pathParameters: { proxy: 'x#/../admin' } };
    expect((event as { path: string }).path).toBe('/v1/x#/../admin');
    const r = (await createAuthorizerHandler({ authenticator: () => open, log: () => undefined })(event)) as RestAuthorizerResult;
    expect(r.policyDocument.Statement.map((st) => st.Effect)).toEqual(['Deny']);
  });

  it('REST on a custom domain mapped at /v1 with /v1/beta configured too: /v1/beta/admin/users is judged without /v1/beta as well', async () => {
    // The event's path keeps the base path (/v1/beta/admin/users); the template names beta/admin/users.
    const event = {
      ...restAuthorizerEvent(await sign('/v1/beta/admin/users'), { prefix: '/v1' }),
      resource: '/{proxy+}',
      pathParameters: { proxy: 'beta/admin/users' },
    };
    for (const bases of [
      ['/v1', '/v1/beta'],
      ['/v1/beta', '/v1'],
    ]) {
      const r = (await createAuthorizerHandler({ authenticator: () => authWith(bases), log: () => undefined })(
        event,
      )) as RestAuthorizerResult;
      expect(
        r.policyDocument.Statement.map((st) => st.Effect),
        bases.join(','),
      ).toEqual(['Deny']);
    }
  });

  // The app gets the path whole and strips it its own way, from the text as it arrives or from the
  // path a URL front (Lambda Web Adapter) makes of it; each reaches /admin/... (fifth review).
  const WHOLE: Array<[string, string[]]> = [
    // Lambda Web Adapter stripping /v1/beta forwards /admin/users; exact stripping of /v1 gives /betaadmin/users.
    ['/v1/betaadmin/users', ['/v1', '/v1/beta']],
    // Express mounted at /v1/beta matches /v1/BETA.
    ['/v1/BETA/admin/users', ['/v1', '/v1/beta']],
    // Lambda Web Adapter resolves /x/.. after trimming /v1: /admin%252F..%252F..%252Fitems, which a double decoder routes under /admin.
    ['/v1/x/%2e%2e/admin%252F..%252F..%252Fitems', ['/v1']],
    // A URL path setter keeps %2F as text while it resolves the dots around it: /admin%2F..%2F..%2Fitems.
    ['/v1/x/%2e%2e/admin%2F..%2F..%2Fitems', ['/v1']],
  ];

  it.each(WHOLE.filter(([p]) => !p.includes('%')))(
    'REST on execute-api, /prod%s routed to /{proxy+} (base paths %j): Deny',
    async (path, bases) => {
      const event = { ...restAuthorizerEvent(await sign('/prod' + path)), resource: '/{proxy+}', pathParameters: { proxy: path.slice(1) } };
      const r = (await createAuthorizerHandler({ authenticator: () => authWith(bases), log: () => undefined })(
        event,
      )) as RestAuthorizerResult;
      expect(r.policyDocument.Statement.map((st) => st.Effect)).toEqual(['Deny']);
    },
  );

  it.each(WHOLE)('HTTP API $default, %s (base paths %j): not authorized', async (path, bases) => {
    const answer = await createAuthorizerHandler({ authenticator: () => authWith(bases), log: () => undefined })({
      ...httpAuthorizerEvent(await sign(path)),
      routeKey: '$default',
    });
    expect(answer).toMatchObject({ isAuthorized: false });
  });

  it.each(WHOLE)('the in-function check, %s (base paths %j): 403', async (path, bases) => {
    expect(await inFunction(bases, `https://abc.execute-api.us-east-1.amazonaws.com/prod${path}`, 'prod')).toBe(403);
  });

  it('an anonymous REST request on a custom domain cannot reach /admin/* through a %2F a URL path setter keeps (/v1/x/%2e%2e/admin%2F..%2F..%2Fitems)', async () => {
    const open = createAuthenticator(
      loadConfig({
        schemes: { 'ustudio-hmac': {} },
        routes: [
          { path: '/admin/*', permissions: ['admin'] },
          { path: '*', public: true },
        ],
        lambda: { basePaths: ['/v1'] },
      }),
    );
    // The client sent %252F and %252e: REST decodes them once into the event's path.
    const path = '/v1/x/%2e%2e/admin%2F..%2F..%2Fitems';
    const wire = path.replace(/%/g, '%25');
    const unsigned = { method: 'GET', path: wire, query: '', headers: [] as Array<[string, string]>, body: new Uint8Array() };
    const event = { ...restAuthorizerEvent(unsigned, { prefix: '/v1' }), resource: '/{proxy+}', pathParameters: { proxy: path.slice(4) } };
    expect((event as { path: string }).path).toBe(path);
    await expect(createAuthorizerHandler({ authenticator: () => open, log: () => undefined })(event)).rejects.toThrow('Unauthorized');
  });

  it('paths that hold the base path text only within a segment, and paths under no base path, are allowed as before', async () => {
    for (const path of ['/v10/admin/users', '/items/v1x/admin', '/items/1', '/x/v1.json', '/x/V1/admin/users'])
      expect(await inFunction(['/v1'], `https://abc.execute-api.us-east-1.amazonaws.com/prod${path}`, 'prod'), path).toBe(200);
  });
});
