import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenOnLoopback, type LoopbackServer } from '../../test/helpers/net.ts';
import { createPermissionProviders, PermissionProviderError, type PermissionProviderErrorCode } from './permissions.ts';
import type { User } from './types.ts';

const user: User = {
  id: '5f4dcc3b5aa765d61d8327deb882cf99',
  providerId: 'github:42',
  username: 'ada',
  name: 'Ada',
  email: 'ada@example.org',
  avatarUrl: null,
  joinDate: new Date('2026-01-01T00:00:00Z'),
  usernameChosen: false,
};

async function codeOf(p: Promise<unknown>): Promise<PermissionProviderErrorCode> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(PermissionProviderError);
  return (e as PermissionProviderError).code;
}

describe('function and static providers', () => {
  it('answers through the function with the service and the user; static answers the same for everyone', async () => {
    const seen: Array<[string, string]> = [];
    const providers = createPermissionProviders({
      'datapackage-upload': async (service, u) => {
        seen.push([service, u.id]);
        return { 'datapackage-upload': true, 'max-size': 10 };
      },
      demo: { static: { read: true } },
    });
    expect(providers.has('datapackage-upload')).toBe(true);
    expect(providers.has('demo')).toBe(true);
    expect(providers.has('other')).toBe(false);
    expect(providers.has('constructor')).toBe(false);
    expect(providers.has('__proto__')).toBe(false);
    expect(await providers.get('datapackage-upload', user)).toEqual({ 'datapackage-upload': true, 'max-size': 10 });
    expect(seen).toEqual([['datapackage-upload', user.id]]);
    const a = await providers.get('demo', user);
    expect(a).toEqual({ read: true });
    expect(Object.isFrozen(a)).toBe(true);
    expect(await codeOf(providers.get('other', user))).toBe('unknown-service');
    expect(await codeOf(providers.get('constructor', user))).toBe('unknown-service');
  });

  it('a function that throws or answers badly rejects with a code, never its text', async () => {
    const providers = createPermissionProviders({
      throws: () => {
        throw new Error('db password is hunter2');
      },
      array: () => [] as never,
      nul: () => null as never,
      many: () => Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`p${i}`, true])),
      longKey: () => ({ ['k'.repeat(129)]: true }),
      emptyKey: () => ({ '': true }),
      bigint: () => ({ n: 1n }),
      huge: () => ({ p: 'x'.repeat(70 * 1024) }),
      cls: () =>
        new (class Quota {
          a = true;
        })() as unknown as Record<string, unknown>,
      proto: () => JSON.parse('{"__proto__": {"admin": true}}') as never,
    });
    for (const s of ['throws']) {
      const e = await providers.get(s, user).catch((x: unknown) => x);
      expect((e as PermissionProviderError).code).toBe('provider-failed');
      expect((e as Error).message).not.toContain('hunter2');
    }
    for (const s of ['array', 'nul', 'many', 'longKey', 'emptyKey', 'bigint', 'huge', 'cls', 'proto']) {
      expect([s, await codeOf(providers.get(s, user))]).toEqual([s, 'provider-bad-answer']);
    }
  });

  it('a full answer of 256 entries passes', async () => {
    const providers = createPermissionProviders({ s: () => Object.fromEntries(Array.from({ length: 256 }, (_, i) => [`p${i}`, i])) });
    expect(Object.keys(await providers.get('s', user))).toHaveLength(256);
  });

  it('refuses bad configuration as TypeErrors', () => {
    const bad: unknown[] = [
      { 'a b': { static: {} } },
      { ['x'.repeat(129)]: { static: {} } },
      { s_1: { static: {} } },
      { s: { static: [] } },
      { s: { static: {}, extra: 1 } },
      { s: { url: 'http://example.org/p' } },
      { s: { url: 'ftp://example.org/p' } },
      { s: { url: 'https://user@example.org/p' } },
      { s: { url: 'https://example.org/p', timeoutMs: 0 } },
      { s: { url: 'https://example.org/p', timeoutMs: 60_000 } },
      { s: { url: 'https://example.org/p', other: 1 } },
      { s: 'nope' },
    ];
    for (const config of bad) expect(() => createPermissionProviders(config as never), JSON.stringify(config)).toThrow(TypeError);
    expect(() => createPermissionProviders({ s: { url: 'https://perms.example.org/p', timeoutMs: 1000 } })).not.toThrow();
  });
});

describe('HTTP providers (loopback server)', () => {
  let server: LoopbackServer;
  const received: Array<{ method: string; type: string | undefined; body: string }> = [];

  const send = (res: ServerResponse, status: number, body: string, type = 'application/json') => {
    res.writeHead(status, { 'content-type': type });
    res.end(body);
  };
  async function handle(req: IncomingMessage, res: ServerResponse) {
    let body = '';
    for await (const c of req) body += String(c);
    received.push({ method: req.method ?? '', type: req.headers['content-type'], body });
    switch (req.url) {
      case '/ok':
        return send(res, 200, '{"datapackage-upload": true, "max-size": 10}');
      case '/500':
        return send(res, 500, '{"error": "secret detail"}');
      case '/redirect':
        res.writeHead(302, { location: '/ok' });
        return void res.end();
      case '/slow':
        await new Promise((r) => setTimeout(r, 1000));
        return send(res, 200, '{}');
      case '/slow-body':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"a":');
        await new Promise((r) => setTimeout(r, 1000));
        return void res.end('1}');
      case '/bad-json':
        return send(res, 200, '{"a": tru');
      case '/array':
        return send(res, 200, '[1,2]');
      case '/proto':
        return send(res, 200, '{"__proto__": {"admin": true}}');
      case '/latin1':
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x3a, 0x31, 0x7d]));
      case '/big': {
        // Chunked, no content-length: the bound is counted while reading.
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"p":"');
        for (let i = 0; i < 70; i++) res.write('x'.repeat(1024));
        return void res.end('"}');
      }
      case '/big-declared':
        return send(res, 200, `{"p":"${'x'.repeat(70 * 1024)}"}`);
      default:
        return send(res, 404, '{}');
    }
  }

  beforeAll(async () => {
    server = await listenOnLoopback(handle, (res) => send(res, 500, '{}'));
  });
  afterAll(() => server.close());

  const at = (path: string, timeoutMs = 300) => createPermissionProviders({ svc: { url: `${server.url}${path}`, timeoutMs } });

  it('POSTs {service, userid} as JSON and answers the object', async () => {
    received.length = 0;
    expect(await at('/ok').get('svc', user)).toEqual({ 'datapackage-upload': true, 'max-size': 10 });
    expect(received).toEqual([{ method: 'POST', type: 'application/json', body: JSON.stringify({ service: 'svc', userid: user.id }) }]);
  });

  it.each<[string, PermissionProviderErrorCode]>([
    ['/500', 'provider-status'],
    ['/404', 'provider-status'],
    ['/redirect', 'provider-status'],
    ['/slow', 'provider-timeout'],
    ['/slow-body', 'provider-timeout'],
    ['/bad-json', 'provider-bad-answer'],
    ['/array', 'provider-bad-answer'],
    ['/proto', 'provider-bad-answer'],
    ['/latin1', 'provider-bad-answer'],
    ['/big', 'provider-bad-answer'],
    ['/big-declared', 'provider-bad-answer'],
  ])('%s rejects with %s, no values in the message', async (path, code) => {
    const e = await at(path)
      .get('svc', user)
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PermissionProviderError);
    expect((e as PermissionProviderError).code).toBe(code);
    expect((e as Error).message).not.toMatch(/secret|admin|127\.0\.0\.1/);
  });

  it('an unreachable provider rejects as provider-unreachable', async () => {
    const gone = await listenOnLoopback(handle, () => undefined);
    const url = gone.url;
    await gone.close();
    const providers = createPermissionProviders({ svc: { url: `${url}/ok`, timeoutMs: 2000 } });
    expect(await codeOf(providers.get('svc', user))).toBe('provider-unreachable');
  });

  it('uses the injected fetch', async () => {
    const calls: string[] = [];
    const providers = createPermissionProviders(
      { svc: { url: 'https://perms.example.org/p' } },
      {
        fetch: async (input) => {
          calls.push(input);
          return new Response('{"x": true}', { status: 200 });
        },
      },
    );
    expect(await providers.get('svc', user)).toEqual({ x: true });
    expect(calls).toEqual(['https://perms.example.org/p']);
  });
});
