// What the Hono middleware logs: every rejection always; accepted requests only when asked (all, or a
// sampled share), and never a credential.
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../authenticator.ts';
import { loadConfig } from '../../config/load.ts';
import type { SignedRequest } from '../../core/request.ts';
import { KeyStoreError, type KeyStore } from '../../keys/types.ts';
import { createSigV4Signer } from '../../schemes/sigv4/signer.ts';
import { edgeAuth, type AuthLogEntry, type EdgeAuthOptions, type EdgeAuthVariables } from './middleware.ts';

const SECRET = 'middleware-test-secret-0001';
const SESSION_TOKEN = 'middleware-test-session-token';
const config = loadConfig(
  JSON.stringify({
    schemes: { sigv4: { region: 'us-east-1', service: 'execute-api' } },
    routes: [{ path: '/health', methods: ['GET'], public: true }, { path: '/admin/*', permissions: ['admin'] }, { path: '*' }],
    keys: [
      { id: 'AKIDMIDDLEWARE', secret: SECRET, principal: 'alice', permissions: ['items:read'] },
      { id: 'AKIDSESSIONED', secret: 'middleware-test-secret-0002', principal: 'temp', sessionToken: SESSION_TOKEN },
    ],
  }),
);
const authenticator = createAuthenticator(config);
const signer = createSigV4Signer({ keyId: 'AKIDMIDDLEWARE', secret: SECRET, region: 'us-east-1', service: 'execute-api' });
const sessioned = createSigV4Signer({
  keyId: 'AKIDSESSIONED',
  secret: 'middleware-test-secret-0002',
  sessionToken: SESSION_TOKEN,
  region: 'us-east-1',
  service: 'execute-api',
});
const wrongSecret = createSigV4Signer({
  keyId: 'AKIDMIDDLEWARE',
  secret: 'not-the-secret-0001',
  region: 'us-east-1',
  service: 'execute-api',
});

function draft(path: string): SignedRequest {
  const q = path.indexOf('?');
  return {
    method: 'GET',
    path: q === -1 ? path : path.slice(0, q),
    query: q === -1 ? '' : path.slice(q + 1),
    headers: [['host', 'api.example.com']],
  };
}

/** An app behind edgeAuth with these options, and the entries it logged. */
function appWith(options: Omit<EdgeAuthOptions, 'authenticator' | 'log'>) {
  const logged: AuthLogEntry[] = [];
  const app = new Hono<{ Variables: EdgeAuthVariables }>();
  app.use('*', edgeAuth({ authenticator, log: (e) => logged.push(e), ...options }));
  app.all('*', (c) => c.json({ principal: c.get('auth')?.principal.id ?? null }));
  const send = (r: SignedRequest) =>
    app.request(`https://api.example.com${r.path}${r.query ? '?' + r.query : ''}`, {
      method: r.method,
      headers: r.headers.map(([n, v]): [string, string] => [n, v]),
    });
  return { logged, send };
}

const accepted = (logged: readonly AuthLogEntry[]) => logged.filter((e) => e.event === 'auth.accepted');
const rejected = (logged: readonly AuthLogEntry[]) => logged.filter((e) => e.event === 'auth.rejected');

/** A random source that returns `values` in turn and counts its calls. */
function sequence(values: readonly number[]) {
  let i = 0;
  const random = () => {
    const v = values[i % values.length]!;
    i++;
    return v;
  };
  return { random, calls: () => i };
}

describe('edgeAuth logging', () => {
  it('logs no accepted request by default, and the request still goes through', async () => {
    const { logged, send } = appWith({});
    for (let i = 0; i < 5; i++) {
      const res = await send(await signer.sign(draft(`/items/${i}`)));
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ principal: 'alice' });
    }
    expect(logged).toEqual([]);
  });

  it.each([false, 0])('logs no accepted request with logAccepted: %s, and never asks the random source', async (logAccepted) => {
    const source = sequence([0]);
    const { logged, send } = appWith({ logAccepted, random: source.random });
    for (let i = 0; i < 5; i++) expect((await send(await signer.sign(draft('/items')))).status).toBe(200);
    expect(logged).toEqual([]);
    expect(source.calls()).toBe(0);
  });

  it.each([true, 1])('logs every accepted request with logAccepted: %s (method, path and scheme only)', async (logAccepted) => {
    // A random source that would refuse every sample: `true` and 1 must not sample at all.
    const source = sequence([0.999999]);
    const { logged, send } = appWith({ logAccepted, random: source.random });
    for (let i = 0; i < 4; i++) expect((await send(await signer.sign(draft(`/items/${i}?limit=10`)))).status).toBe(200);
    expect(accepted(logged)).toEqual(
      [0, 1, 2, 3].map((i) => ({ event: 'auth.accepted', method: 'GET', path: `/items/${i}`, scheme: 'sigv4' })),
    );
    expect(source.calls()).toBe(0);
  });

  it('logs a sampled share of accepted requests: those whose draw falls below the rate', async () => {
    const draws = [0.05, 0.5, 0.24999, 0.25, 0.9, 0.1, 0.75, 0.3];
    const rate = 0.25;
    const source = sequence(draws);
    const { logged, send } = appWith({ logAccepted: rate, random: source.random });
    for (let i = 0; i < draws.length; i++) expect((await send(await signer.sign(draft(`/items/${i}`)))).status).toBe(200);
    expect(source.calls()).toBe(draws.length);
    const expected = draws.flatMap((d, i) => (d < rate ? [`/items/${i}`] : []));
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(draws.length);
    expect(accepted(logged).map((e) => e.path)).toEqual(expected);
  });

  it('samples at its rate over many requests', async () => {
    // Draws from a deterministic uniform generator (a linear congruential one), so the count is exact.
    let state = 12345;
    const draws = Array.from({ length: 2000 }, () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state / 2 ** 32;
    });
    const rate = 0.1;
    const source = sequence(draws);
    const { logged, send } = appWith({ logAccepted: rate, random: source.random });
    const signed = await signer.sign(draft('/items'));
    for (let i = 0; i < draws.length; i++) expect((await send(signed)).status).toBe(200);
    const expected = draws.filter((d) => d < rate).length;
    expect(accepted(logged)).toHaveLength(expected);
    // Close to the rate: within 3 standard deviations of n * rate.
    const n = draws.length;
    expect(Math.abs(expected - n * rate)).toBeLessThan(3 * Math.sqrt(n * rate * (1 - rate)));
  });

  it.each([
    ['unsigned (401)', async () => draft('/items'), 401, 'ERR_AUTH_MISSING'],
    ['bad signature (401)', async () => wrongSecret.sign(draft('/items')), 401, 'ERR_SIGNATURE_INVALID'],
    ['no permission (403)', async () => signer.sign(draft('/admin/users')), 403, 'ERR_FORBIDDEN'],
    ['a path with no safe reading (400)', async () => signer.sign(draft('/items/%00')), 400, 'ERR_PATH_REJECTED'],
  ] as const)('logs every rejection whatever logAccepted says: %s', async (_name, make, status, code) => {
    for (const logAccepted of [undefined, false, 0, 0.5, 1, true]) {
      const source = sequence([0.99]);
      const { logged, send } = appWith({ logAccepted, random: source.random });
      const req = await make();
      for (let i = 0; i < 3; i++) expect((await send(req)).status).toBe(status);
      expect(rejected(logged)).toHaveLength(3);
      expect(accepted(logged)).toEqual([]);
      expect(rejected(logged)[0]).toMatchObject({ event: 'auth.rejected', code, status, method: 'GET' });
    }
  });

  it('takes logAccepted as a function of the request, asked per accepted request', async () => {
    let setting: boolean | number = false;
    const asked: string[] = [];
    const { logged, send } = appWith({
      logAccepted: (c) => {
        asked.push(c.req.path);
        return setting;
      },
      random: sequence([0.3, 0.7]).random,
    });
    expect((await send(await signer.sign(draft('/items/a')))).status).toBe(200);
    setting = true;
    expect((await send(await signer.sign(draft('/items/b')))).status).toBe(200);
    setting = 0.5;
    expect((await send(await signer.sign(draft('/items/c')))).status).toBe(200); // draw 0.3: logged
    expect((await send(await signer.sign(draft('/items/d')))).status).toBe(200); // draw 0.7: not
    expect((await send(draft('/items/e'))).status).toBe(401);
    expect(asked).toEqual(['/items/a', '/items/b', '/items/c', '/items/d']);
    expect(accepted(logged).map((e) => e.path)).toEqual(['/items/b', '/items/c']);
    expect(rejected(logged).map((e) => e.path)).toEqual(['/items/e']);
  });

  it('fails the request (500) when a logAccepted function answers something else', async () => {
    const logged: AuthLogEntry[] = [];
    const app = new Hono<{ Variables: EdgeAuthVariables }>();
    app.onError((err, c) => c.json({ error: err.name }, 500));
    app.use('*', edgeAuth({ authenticator, log: (e) => logged.push(e), logAccepted: () => 2 }));
    app.all('*', (c) => c.text('reached'));
    const r = await signer.sign(draft('/items'));
    const res = await app.request('https://api.example.com/items', { headers: r.headers.map(([n, v]): [string, string] => [n, v]) });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: 'TypeError' });
    expect(logged).toEqual([]);
  });

  it('logs no public request, accepted or not', async () => {
    const { logged, send } = appWith({ logAccepted: true });
    expect((await send(draft('/health'))).status).toBe(200);
    expect(logged).toEqual([]);
  });

  it('puts no credential, signature, key id or session token in any entry', async () => {
    const { logged, send } = appWith({ logAccepted: true });
    const requests = [
      await signer.sign(draft('/items?limit=1')),
      await sessioned.sign(draft('/items')),
      await wrongSecret.sign(draft('/items')),
      await signer.sign(draft('/admin/x')),
    ];
    for (const r of requests) await send(r);
    expect(accepted(logged)).toHaveLength(2);
    expect(rejected(logged)).toHaveLength(2);
    const text = JSON.stringify(logged);
    for (const r of requests) {
      const authorization = r.headers.find(([n]) => n.toLowerCase() === 'authorization')![1];
      expect(text).not.toContain(/Signature=(\w+)/.exec(authorization)![1]);
    }
    for (const secret of [SECRET, SESSION_TOKEN, 'AKIDMIDDLEWARE', 'AKIDSESSIONED', 'limit=1']) expect(text).not.toContain(secret);
    for (const e of logged)
      expect(Object.keys(e).every((k) => ['event', 'code', 'status', 'method', 'path', 'scheme'].includes(k))).toBe(true);
  });

  it('answers and logs a body that fails mid-read as a malformed request (400), and a body past the cap as 413', async () => {
    const { logged } = appWith({});
    const app = new Hono<{ Variables: EdgeAuthVariables }>();
    app.use('*', edgeAuth({ authenticator, log: (e) => logged.push(e) }));
    app.all('*', (c) => c.json({ reached: true }));
    let pulls = 0;
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulls++ === 0) controller.enqueue(new Uint8Array([1, 2, 3]));
        else controller.error(new Error('connection reset'));
      },
    });
    const broken = await app.request('https://api.example.com/items', { method: 'POST', body: failing, duplex: 'half' } as RequestInit);
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ error: 'ERR_AUTH_MALFORMED', message: 'request body could not be read' });
    const large = await app.request('https://api.example.com/items', {
      method: 'POST',
      body: new Uint8Array(config.limits.maxBodyBytes + 1),
    });
    expect(large.status).toBe(413);
    expect(rejected(logged).map((e) => [e.code, e.status, e.path])).toEqual([
      ['ERR_AUTH_MALFORMED', 400, '/items'],
      ['ERR_BODY_TOO_LARGE', 413, '/items'],
    ]);
  });

  it.each([-0.1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '0.5', null])('throws TypeError at once for logAccepted: %s', (logAccepted) => {
    expect(() => edgeAuth({ authenticator, logAccepted: logAccepted as unknown as number })).toThrow(TypeError);
  });
});

describe('edgeAuth and a failing key store', () => {
  it.each([
    ['a KeyStoreError', () => Promise.reject(new KeyStoreError('network', 'key source failed'))],
    ['any other rejection', () => Promise.reject(new Error(`store said AKIDMIDDLEWARE ${SECRET}`))],
    [
      'a synchronous throw',
      () => {
        throw new Error(`store said AKIDMIDDLEWARE ${SECRET}`);
      },
    ],
  ])(
    'answers 503 ERR_KEYSTORE_UNAVAILABLE for %s: never an accept, no challenge, nothing from the store in the answer or the log',
    async (_what, get) => {
      const failing = createAuthenticator(config, { keys: { get } as KeyStore });
      const logged: AuthLogEntry[] = [];
      const app = new Hono<{ Variables: EdgeAuthVariables }>();
      app.use('*', edgeAuth({ authenticator: failing, log: (e) => logged.push(e) }));
      app.all('*', (c) => c.json({ reached: true }));
      const r = await signer.sign(draft('/items/1'));
      const res = await app.request(`https://api.example.com${r.path}`, { headers: r.headers.map(([n, v]): [string, string] => [n, v]) });
      expect(res.status).toBe(503);
      expect(res.headers.get('www-authenticate')).toBeNull();
      expect(res.headers.get('cache-control')).toBe('no-store');
      const body = await res.text();
      expect(JSON.parse(body)).toEqual({
        error: 'ERR_KEYSTORE_UNAVAILABLE',
        message: 'key store unavailable',
        status: 503,
        reason: 'Service Unavailable',
      });
      expect(logged).toEqual([{ event: 'auth.rejected', code: 'ERR_KEYSTORE_UNAVAILABLE', status: 503, method: 'GET', path: '/items/1' }]);
      expect(body + JSON.stringify(logged)).not.toMatch(new RegExp(`AKIDMIDDLEWARE|${SECRET}`));
    },
  );
});

describe('edgeAuth and the method', () => {
  it('verifies the method as the origin gets it: a signature over PATCH does not pass as patch, nor the other way', async () => {
    const { send } = appWith({});
    const at = async (method: string, signedAs: string) => {
      const signed = await signer.sign({ ...draft('/items'), method: signedAs });
      return (await send({ ...signed, method })).status;
    };
    expect(await at('PATCH', 'PATCH')).toBe(200);
    expect(await at('patch', 'patch')).toBe(200);
    expect(await at('patch', 'PATCH')).toBe(401);
    expect(await at('Patch', 'PATCH')).toBe(401);
    expect(await at('PATCH', 'patch')).toBe(401);
    // fetch upper-cases the six standard methods, so a client that sends "get" has GET verified.
    expect(await at('get', 'GET')).toBe(200);
  });
});
