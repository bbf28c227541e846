// API Gateway caches a bearer scheme's REST answer under the credential (the identity source) and
// reuses it for the credential's next calls, whatever their path. A cached answer must never allow a
// call that the authorizer, asked directly, refuses: the route table reads a path as an origin may
// route it (case folded, dot segments removed, ";" parameters dropped, "/admin" under "/admin/*"),
// while IAM matches a Resource as case-sensitive text. Property: for any two calls by the same key,
// the first call's answer allows the second only if the direct answer to the second does too (or the
// route table refuses the second path as malformed for everyone, and every route admits the key).
// And an answer that allows names its own call. Two configurations: the fixture's (a catch-all) and
// one with a public route, an in-function route and no catch-all.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAuthorizerHandler, type RestAuthorizerResult } from '../../lib/adapters/aws-lambda/authorizer.ts';
import { createAuthenticator } from '../../lib/authenticator.ts';
import { loadConfig } from '../../lib/config/load.ts';
import type { SignedRequest } from '../../lib/core/request.ts';
import { generateApiKey } from '../../lib/keys/api-key-format.ts';
import { ACCOUNT, API_ID, iamAllows, REGION, restAuthorizerEvent } from '../fixtures/apigw.ts';
import { API_KEY, apiKeyConfig, apiKeyRecords, hashOf, READONLY_KEY, UNKNOWN_KEY } from '../fixtures/api-key-app.ts';

const ROOT_KEY = generateApiKey({ id: 'root000001' }).key;
const records = [
  ...apiKeyRecords(),
  { id: 'root000001', scheme: 'api-key', secret: hashOf(ROOT_KEY), principal: 'root', permissions: ['admin', 'items:read'] },
];
// The fixture's routes (a catch-all last), and routes without one: a public route, an in-function
// route, a GET-only rule, so a key that every route admits still meets paths no rule names.
const CONFIGS = {
  'catch-all': apiKeyConfig({ keys: records }),
  'no catch-all': apiKeyConfig({
    keys: records,
    routes: [
      { path: '/health', methods: ['GET'], public: true },
      { path: '/upload/*', verifyInFunction: true, permissions: ['admin'] },
      { path: '/admin/*', permissions: ['admin'] },
      { path: '/items/*', methods: ['GET'], permissions: ['items:read'] },
    ],
  }),
};
const authorizers = Object.fromEntries(
  Object.entries(CONFIGS).map(([name, doc]) => {
    const auth = createAuthenticator(loadConfig(doc));
    return [name, { auth, handler: createAuthorizerHandler({ authenticator: () => auth, log: () => undefined }) }];
  }),
) as Record<keyof typeof CONFIGS, { auth: ReturnType<typeof createAuthenticator>; handler: ReturnType<typeof createAuthorizerHandler> }>;

// Segments that spell the refused route (/admin/*) in ways an origin may route to it, others, and
// escapes the route table refuses to everyone (a control character, one that is not UTF-8).
const SEGMENTS = [
  'admin',
  'Admin',
  'ADMIN',
  'admin;v=1',
  'admin.',
  'items',
  'Items',
  'health',
  'upload',
  'other',
  '..',
  '.',
  '%2e%2e',
  '',
  'users',
  '%00',
  '%ff',
];
const METHODS = ['GET', 'POST', 'DELETE', 'HEAD'];
// A key no record has, and a value that is no key at all, are cached under their values too.
const KEYS = { main: API_KEY, reader: READONLY_KEY, root: ROOT_KEY, unknown: UNKNOWN_KEY, garbage: 'letmein' } as const;

const pathOf = (segments: readonly string[]) => '/' + segments.join('/');
const call = (method: string, path: string, key: string, body: boolean): SignedRequest => ({
  method,
  path: '/prod' + path,
  query: '',
  headers: [['Host', 'api.example.com'], ['X-Api-Key', key], ...(body ? ([['Content-Length', '2']] as Array<[string, string]>) : [])],
  body: body ? new TextEncoder().encode('{}') : new Uint8Array(),
});
/** The ARN the event carries (the fixture builds it as API Gateway does, from the decoded path). */
const arnOf = (method: string, path: string) => {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    decoded = unescape(path); // not UTF-8: byte by byte, as the fixture's percentDecode reads it
  }
  return `arn:aws:execute-api:${REGION}:${ACCOUNT}:${API_ID}/prod/${method}${decoded}`;
};

interface Call {
  readonly method: string;
  readonly path: string;
  readonly body: boolean;
}

async function answer(config: keyof typeof CONFIGS, c: Call, key: string): Promise<RestAuthorizerResult | undefined> {
  try {
    return (await authorizers[config].handler(restAuthorizerEvent(call(c.method, c.path, key, c.body)))) as RestAuthorizerResult;
  } catch {
    return undefined; // Unauthorized: nothing is cached that allows anything
  }
}

const arbCall = fc.record({
  method: fc.constantFrom(...METHODS),
  path: fc.array(fc.constantFrom(...SEGMENTS), { minLength: 1, maxLength: 4 }).map(pathOf),
  body: fc.boolean(),
});
const arbConfig = fc.constantFrom(...(Object.keys(CONFIGS) as Array<keyof typeof CONFIGS>));
const arbWho = fc.constantFrom(...(Object.keys(KEYS) as Array<keyof typeof KEYS>));

describe('a cached bearer answer (REST policy) allows nothing the authorizer would refuse', () => {
  /**
   * Whether the cached answer to `first` may allow `second` where the direct answer refuses it: the
   * two exceptions lib/policy/iam.ts documents, neither a permission the key lacks.
   */
  function excepted(config: keyof typeof CONFIGS, who: keyof typeof KEYS, cached: RestAuthorizerResult, second: Call): boolean {
    // A request refused to everyone for its form, under the answer of a key that every route admits.
    if (who === 'root' && !authorizers[config].auth.decide(second.method, second.path).ok) return true;
    // An in-function route's unverified answer: the same call without a body, still marked in-function.
    return cached.context['verification'] === 'in-function';
  }

  async function check(config: keyof typeof CONFIGS, who: keyof typeof KEYS, first: Call, second: Call): Promise<boolean> {
    const key = KEYS[who];
    const cached = await answer(config, first, key);
    if (!cached) return false;
    const resource = arnOf(second.method, second.path);
    if (!iamAllows(cached, resource)) return false;
    const direct = await answer(config, second, key);
    const directAllows = direct !== undefined && iamAllows(direct, resource);
    expect(
      directAllows || excepted(config, who, cached, second),
      `${config}, ${who}: ${JSON.stringify(first)} then ${JSON.stringify(second)}`,
    ).toBe(true);
    return true;
  }

  it('holds for any two calls by the same key', async () => {
    let reached = 0;
    await fc.assert(
      fc.asyncProperty(arbConfig, arbWho, arbCall, arbCall, async (config, who, first, second) => {
        if (await check(config, who, first, second)) reached++;
      }),
      { numRuns: 6000 },
    );
    expect(reached).toBeGreaterThan(300); // the property was asserted, not skipped
  });

  it('holds for a call and the same call with or without a body (the in-function case)', async () => {
    let reached = 0;
    await fc.assert(
      fc.asyncProperty(arbConfig, arbWho, arbCall, async (config, who, first) => {
        if (await check(config, who, first, { ...first, body: !first.body })) reached++;
      }),
      { numRuns: 2000 },
    );
    expect(reached).toBeGreaterThan(100);
  });

  it('an answer that allows names its own call, whatever the spelling (HEAD, case, a path no rule names)', async () => {
    await fc.assert(
      fc.asyncProperty(arbConfig, arbWho, arbCall, async (config, who, c) => {
        const r = await answer(config, c, KEYS[who]);
        if (!r || !r.policyDocument.Statement.some((s) => s.Effect === 'Allow')) return;
        expect(iamAllows(r, arnOf(c.method, c.path)), `${config}, ${who}: ${JSON.stringify(c)}`).toBe(true);
      }),
      { numRuns: 2000 },
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
    const cached = (await answer('catch-all', { method: 'GET', path: '/items/1', body: false }, READONLY_KEY))!;
    expect(iamAllows(cached, arnOf('GET', '/items/1'))).toBe(true);
    expect(iamAllows(cached, arnOf('GET', path))).toBe(false);
  });
});
