// Base paths and odd paths against the apps themselves, not models of them (base-paths.property.test.ts
// checks the models). Behind the authorizer sits a Lambda running a real app: Express 5 or Express 4
// behind serverless-http, or Hono behind its own Lambda adapter, each as it is, with `basePath` given
// to serverless-http, with the app's routes mounted under the base path, or both. Every app runs
// `/admin` and anything under it as the admin handler. The property: whenever the authorizer, or the
// in-function check in that same Lambda, lets the key (not an admin) through, no app runs the admin
// handler for the event API Gateway hands it.
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';
import { describe, expect, it } from 'vitest';
import type { HttpApiProxyEvent, RestProxyEvent } from '../../lib/adapters/aws-lambda/events.ts';
import {
  STAGE,
  authenticators,
  authorizerAllows,
  caseArb,
  inFunctionAllows,
  originEvent,
  sentPath,
  signed,
} from '../helpers/base-path-cases.ts';

type LambdaHandler = (
  event: RestProxyEvent | HttpApiProxyEvent,
  context: object,
) => Promise<{ statusCode: number; body: string; isBase64Encoded?: boolean }>;
type Send = (req: unknown, res: { send(body: string): void }) => void;
interface ExpressRouter {
  all(paths: string[], handler: Send): void;
}
interface ExpressApp extends ExpressRouter {
  (req: { url: string }, res: unknown): void;
  use(...args: unknown[]): void;
  set(name: string, value: unknown): void;
}
type Express = (() => ExpressApp) & { Router(): ExpressRouter };

const require = createRequire(import.meta.url);
const serverless = require('serverless-http') as (app: unknown, options?: { basePath?: string }) => LambdaHandler;
// Fastify behind its own Lambda adapter, and Koa (@koa/router, koa-mount) behind serverless-http.
interface FastifyInstance {
  ready(): Promise<unknown>;
  register(plugin: (instance: { all(path: string, handler: () => Promise<string>): void }) => Promise<void>, options: object): void;
}
const fastify = require('fastify') as (options: object) => FastifyInstance;
const awsLambdaFastify = require('@fastify/aws-lambda') as (app: FastifyInstance, options?: object) => LambdaHandler;
interface KoaApp {
  silent: boolean;
  use(middleware: unknown): KoaApp;
}
const Koa = require('koa') as new () => KoaApp;
interface KoaRouter {
  all(paths: string[], handler: (ctx: { body: unknown }) => void): void;
  routes(): unknown;
  allowedMethods(): unknown;
}
const { Router: KoaRouter } = require('@koa/router') as { Router: new (options?: object) => KoaRouter };
const koaMount = require('koa-mount') as (prefix: string, app: KoaApp) => unknown;
const expressVersions: Array<[string, Express, string]> = [
  // Express 5 names a wildcard (path-to-regexp 8); Express 4 takes a bare "*".
  ['Express 5', require('express') as Express, '/*rest'],
  ['Express 4', require('express-4') as Express, '/*'],
];

/**
 * Path segments, drawn so that the ones that make trouble together meet often: the guarded resource
 * spelt every way, base path segments in any case, escaped separators, dots and white space, matrix
 * parameters, and some ordinary ones.
 */
const segment = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('admin', 'ADMIN', 'Admin', '%61dmin', '%41DMIN', 'admin;x=1', 'betaadmin', 'v1admin') },
  { weight: 1, arbitrary: fc.constantFrom('secret', 'SECRET') },
  { weight: 3, arbitrary: fc.constantFrom('v1', 'V1', 'v2', 'beta', 'BETA', 'api', 'API', 'orders', 'svc', 'SVC') },
  { weight: 3, arbitrary: fc.constantFrom('.', '..', '', '%2e%2e', '%2E', '..%2F..', '%2e%2e%2f', '..\\', '..;', ';') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '%2F',
      '%2f',
      '%252F',
      '%5C',
      '\\',
      '%20',
      ' ',
      '%09',
      '%EF%BB%BF',
      '%C2%A0',
      '%00',
      '%3B',
      '%3F',
      '%23',
      '%25',
      '%u0061',
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom('public', 'items', '1') },
  // A segment that makes "//x", "//u@h" or "/\\x" of the "/" before it: a host to URL parsers, wherever a mount cut the path.
  { weight: 3, arbitrary: fc.constantFrom('/x', '/u@h', '\\x', '/\\u@h') },
  // What URL parsers read as a scheme or an authority: after a cut that leaves no "/" in front (serverless-http's
  // basePath found inside a segment), or after a "//" (an empty segment) or "/\\".
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom('v1', 'beta', 'api', 'x', ''),
        fc.constantFrom('x:', 'x:h', 'x:hadmin', 'javascript:', 'https:admin', 'mailto:h', '\\u@h', 'u@h', 'u@admin', ' ', '%20'),
      )
      .map(([a, b]) => a + b),
  },
);
/** What a path may start with: a configured base path or its first segments, each segment in lower or upper case. */
const leads = (bases: readonly string[]) =>
  bases
    .flatMap((b) => {
      const out: string[] = [];
      let prefixes = [''];
      for (const seg of b.slice(1).split('/')) {
        prefixes = prefixes.flatMap((p) => [p + '/' + seg, p + '/' + seg.toUpperCase()]);
        out.push(...prefixes);
      }
      return out;
    })
    .concat(['/svc', '/SVC']);

interface App {
  readonly name: string;
  readonly handler: LambdaHandler;
}

/**
 * A Node request handler that reads its path as Node's documentation shows, `new URL(req.url, base)`,
 * and routes on the pathname as it stands: `guarded` and below as the admin handler.
 */
const nodeHandler =
  (base: string, guarded = '/admin') =>
  (req: { url: string }, res: { statusCode: number; end(body?: string): void }): void => {
    let path: string;
    try {
      path = new URL(req.url, base).pathname;
    } catch {
      res.statusCode = 400;
      return res.end();
    }
    const under = (p: string) => path === p || path.startsWith(p + '/');
    if (under(guarded)) return res.end('admin');
    if (under('/public')) return res.end('public');
    res.statusCode = 404;
    res.end();
  };

/** Every way each app is set up: plain, and for a base path, told it by serverless-http, mounted under it, or both (Hono: routed or based under it). */
function appsFor(base: string | undefined): App[] {
  const apps: App[] = [];
  for (const [name, express, wildcard] of expressVersions) {
    const routes = () => {
      const r = express.Router();
      r.all(['/admin', '/admin' + wildcard], (_req, res) => res.send('admin'));
      r.all(['/public', '/public' + wildcard], (_req, res) => res.send('public'));
      return r;
    };
    const app = (mount?: string) => {
      const a = express();
      a.set('env', 'test'); // Express logs a bad escape's stack otherwise; it answers 400 either way
      if (mount === undefined) a.use(routes());
      else a.use(mount, routes());
      return a;
    };
    apps.push({ name, handler: serverless(app()) });
    if (base === undefined) {
      // Mounted at a path of the app's own (`/svc`, no base path of ours), a router, and a handler that reads
      // new URL(req.url, base) (Express hands it req.url without the mount path): /svc/admin is guarded.
      apps.push({ name: `${name} mounted on /svc`, handler: serverless(app('/svc')) });
      for (const origin of ['http://localhost', 'https://localhost']) {
        const a = express();
        a.set('env', 'test');
        a.use('/svc', nodeHandler(origin));
        apps.push({ name: `${name}, a new URL(req.url, ${origin}) handler mounted on /svc`, handler: serverless(a) });
        // One that serves /secret, which only /svc/secret/* guards: nothing at the root masks a path it resolves there.
        const s = express();
        s.set('env', 'test');
        s.use('/svc', nodeHandler(origin, '/secret'));
        apps.push({ name: `${name}, a new URL(req.url, ${origin}) handler of /secret mounted on /svc`, handler: serverless(s) });
      }
      continue;
    }
    apps.push({ name: `${name}, serverless-http basePath ${base}`, handler: serverless(app(), { basePath: base }) });
    apps.push({ name: `${name} mounted on ${base}`, handler: serverless(app(base)) });
    apps.push({ name: `${name} mounted on ${base}, serverless-http basePath`, handler: serverless(app(base), { basePath: base }) });
  }
  for (const origin of ['http://localhost', 'https://localhost']) {
    apps.push({ name: `Node handler, new URL(req.url, ${origin})`, handler: serverless(nodeHandler(origin)) });
    if (base !== undefined)
      apps.push({
        name: `Node handler (${origin}), serverless-http basePath ${base}`,
        handler: serverless(nodeHandler(origin), { basePath: base }),
      });
  }
  // Fastify: as it comes, and with its router's lenient options (find-my-way merges "//", ignores case and a trailing
  // "/", and takes ";" for the start of the query); its adapter also routes on the proxy path parameter if told to.
  const fastifyApp = (prefix: string | undefined, routerOptions: object, adapter: object = {}) => {
    const f = fastify({ logger: false, routerOptions });
    f.register(
      async (i) => {
        for (const p of ['admin', 'public']) for (const path of [`/${p}`, `/${p}/*`]) i.all(path, async () => p);
      },
      prefix === undefined ? {} : { prefix },
    );
    // Injected before it is ready, Fastify throws a path its URL parser refuses outside the invocation's promise,
    // which then never settles: the apps are ready first, as a warm Lambda's are.
    const ready = f.ready();
    const handler = awsLambdaFastify(f, adapter);
    return (async (event, context) => {
      await ready;
      return handler(event, context);
    }) as LambdaHandler;
  };
  const lenient = { ignoreDuplicateSlashes: true, caseSensitive: false, ignoreTrailingSlash: true, useSemicolonDelimiter: true };
  for (const [label, routerOptions] of [
    ['Fastify', {}],
    ['Fastify (lenient router)', lenient],
  ] as const) {
    apps.push({ name: label, handler: fastifyApp(undefined, routerOptions) });
    apps.push({ name: `${label}, routes under ${base ?? '/svc'}`, handler: fastifyApp(base ?? '/svc', routerOptions) });
  }
  apps.push({
    name: 'Fastify, routed on the proxy path parameter',
    handler: fastifyApp(undefined, {}, { pathParameterUsedAsPath: 'proxy' }),
  });
  // Koa with @koa/router (case-insensitive by default), at the root, mounted with koa-mount, and behind serverless-http's basePath.
  const koaApp = (mount?: string) => {
    const r = new KoaRouter();
    r.all(['/admin', '/admin/{*rest}'], (ctx) => (ctx.body = 'admin'));
    r.all(['/public', '/public/{*rest}'], (ctx) => (ctx.body = 'public'));
    const app = new Koa();
    app.silent = true;
    app.use(r.routes()).use(r.allowedMethods());
    if (mount === undefined) return app;
    const outer = new Koa();
    outer.silent = true;
    return outer.use(koaMount(mount, app));
  };
  apps.push({ name: 'Koa', handler: serverless(koaApp()) });
  apps.push({ name: `Koa mounted on ${base ?? '/svc'}`, handler: serverless(koaApp(base ?? '/svc')) });
  if (base !== undefined) apps.push({ name: `Koa, serverless-http basePath ${base}`, handler: serverless(koaApp(), { basePath: base }) });
  const honoRoutes = () =>
    new Hono()
      .all('/admin', (c) => c.text('admin'))
      .all('/admin/*', (c) => c.text('admin'))
      .all('/public', (c) => c.text('public'))
      .all('/public/*', (c) => c.text('public'));
  const hono = (app: Hono) => handle(app) as unknown as LambdaHandler;
  apps.push({ name: 'Hono', handler: hono(honoRoutes()) });
  if (base !== undefined) {
    apps.push({ name: `Hono, routes under ${base}`, handler: hono(new Hono().route(base, honoRoutes())) });
    apps.push({ name: `Hono, basePath ${base}`, handler: hono(new Hono().basePath(base).route('/', honoRoutes())) });
  }
  return apps;
}

const appsOf = new Map<string, App[]>();
function apps(base: string | undefined): App[] {
  let a = appsOf.get(base ?? '');
  if (!a) appsOf.set(base ?? '', (a = appsFor(base)));
  return a;
}

/**
 * What the app answers: the handler it ran, or the status when none did (a 400 for a bad escape, a 404); "threw"
 * when its adapter fails the invocation (Fastify's for a path its URL parser refuses: API Gateway answers 502).
 */
async function ran(app: App, event: RestProxyEvent | HttpApiProxyEvent): Promise<string> {
  let r: Awaited<ReturnType<LambdaHandler>>;
  try {
    r = await app.handler(structuredClone(event), { awsRequestId: 'real-apps' });
  } catch {
    return 'threw';
  }
  return r.statusCode === 200 ? (r.isBase64Encoded ? Buffer.from(r.body, 'base64').toString() : r.body) : String(r.statusCode);
}

describe('real apps behind the authorizer never run a route it would have guarded', () => {
  const authOf = authenticators();
  /**
   * For a path (no base paths) that at least one of `apps` runs the admin handler for, which shows the apps are
   * real: the authorizer refuses the key, and so does the in-function check told the stage.
   */
  const refusedWhereAppsRunAdmin = async (apps: readonly App[], resource: string, kind: 'http-default' | 'execute-api') => {
    const c = { bases: [], endpoint: { kind }, resource } as const;
    const sent = sentPath(c);
    const req = await signed(sent);
    const answers = await Promise.all(apps.map(async (app) => [app.name, await ran(app, originEvent(c, req))] as const));
    expect(answers.filter(([, a]) => a === 'admin').length, `${resource} (${kind}): ${JSON.stringify(answers)}`).toBeGreaterThan(0);
    expect(await authorizerAllows(authOf(c.bases), c, req), `${resource} (${kind})`).toBe(false);
    if (kind === 'execute-api') expect(await inFunctionAllows(authOf(c.bases), sent, req, STAGE), resource).toBe(false);
  };
  let allowed = 0;

  it('Express 5, Express 4 and Koa (serverless-http), Fastify and Hono, with and without base paths', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb(segment, leads), async (c) => {
        const auth = authOf(c.bases);
        const sent = sentPath(c);
        const req = await signed(sent);
        const byAuthorizer = await authorizerAllows(auth, c, req);
        const stage = c.endpoint.kind === 'custom-domain' ? c.endpoint.base : c.endpoint.kind === 'execute-api' ? STAGE : undefined;
        const inFunction = c.endpoint.kind !== 'http-default' && (await inFunctionAllows(auth, sent, req, stage));
        if (!byAuthorizer && !inFunction) return;
        allowed++;
        const event = originEvent(c, req);
        for (const base of [undefined, ...c.bases])
          for (const app of apps(base)) {
            const answer = await ran(app, event);
            expect(answer, `${app.name} ran /admin for ${sent} (authorizer ${byAuthorizer}, in-function ${inFunction})`).not.toBe('admin');
          }
      }),
      { numRuns: 4000 },
    );
    // Most cases get through the authorizer, so most are put to the apps.
    expect(allowed).toBeGreaterThan(1000);
  }, 180_000);

  it('guards /admin two hosts deep, behind real handlers that read new URL(req.url, base) one inside another', async () => {
    // Each handler reads its req.url as new URL(req.url, base) and hands the pathname on: a front at the root, then an
    // Express app with such a handler mounted on /svc; or one mounted on /svc handing its path to another app whose
    // handler does it again. Both run /admin for these paths, which the route table judges as /svc/admin.
    const reader =
      <Res>(origin: string, next: (req: { url: string }, res: Res) => void) =>
      (req: { url: string }, res: Res) => {
        req.url = new URL(req.url, origin).pathname;
        next(req, res);
      };
    const chains: App[] = [];
    for (const [name, express] of expressVersions) {
      const mounted = express();
      mounted.set('env', 'test');
      mounted.use('/svc', nodeHandler('http://localhost'));
      chains.push({
        name: `new URL() in front of ${name} with a new URL() handler on /svc`,
        handler: serverless(reader('http://localhost', mounted)),
      });
      const outer = express();
      outer.set('env', 'test');
      outer.use('/svc', reader('http://localhost', nodeHandler('http://localhost')));
      chains.push({ name: `${name}: a new URL() handler on /svc handing on to another`, handler: serverless(outer) });
    }
    for (const resource of ['//h/svc//x/admin', '/svc//x//y/admin', '/svc//x/\\y/admin/z'])
      for (const kind of ['http-default', 'execute-api'] as const) await refusedWhereAppsRunAdmin(chains, resource, kind);
  });
  it('guards what a handler mounted on /svc that reads new URL(req.url, base) resolves at its own root: /svc/../secret is its /secret', async () => {
    const handlers: App[] = [];
    for (const [name, express] of expressVersions) {
      const a = express();
      a.set('env', 'test');
      a.use('/svc', nodeHandler('http://localhost', '/secret'));
      handlers.push({ name, handler: serverless(a) });
    }
    const both = ['http-default', 'execute-api'] as const;
    const cases: Array<[string, ReadonlyArray<(typeof both)[number]>]> = [
      ['/svc/../secret', both],
      ['/svc/x/../../secret/y', both],
      ['/SVC/%2e%2e/secret', both],
      ['/svc/.%2E/secret/y', both],
      ['/svc/x/..\\../secret', both],
      // A URL parser reads a literal "\\" as "/" and an escaped slash as text (the eleventh review's second round):
      // as an HTTP API hands it on, and as REST does once it has decoded the path.
      ['/svc/..\\secret/q%2F..\\..', ['http-default']],
      ['/svc/..%5Csecret/q%252F..%5C..', ['execute-api']],
    ];
    for (const [resource, kinds] of cases) for (const kind of kinds) await refusedWhereAppsRunAdmin(handlers, resource, kind);
  });
  it('every app is set up to run its guarded handler: at its own root, under its mount or base path', async () => {
    for (const base of [undefined, '/v1']) {
      const under = base ?? '/svc';
      for (const app of apps(base)) {
        const answers = [];
        // (Mounted under a base path that serverless-http also takes off: the base path twice.)
        for (const path of ['/admin/x', `${under}/admin/x`, `${under}/secret/x`, `${under}${under}/admin/x`]) {
          const h = { bases: base ? [base] : [], endpoint: { kind: 'http-default' }, resource: path } as const;
          answers.push(await ran(app, originEvent(h, await signed(path))));
        }
        expect(
          answers.filter((a) => a === 'admin'),
          `${app.name}: ${JSON.stringify(answers)}`,
        ).not.toEqual([]);
      }
    }
  });
  it('the apps do run the admin handler on the paths the authorizer guards (the check above can fail)', async () => {
    const c = { bases: ['/v1'], endpoint: { kind: 'custom-domain', base: '/v1' }, resource: '/ADMIN/%2e%2e/admin/1' } as const;
    const req = await signed(sentPath(c));
    expect(await authorizerAllows(authOf(c.bases), c, req)).toBe(false);
    const answers = await Promise.all([undefined, '/v1'].flatMap((b) => apps(b).map((app) => ran(app, originEvent(c, req)))));
    expect(answers.filter((a) => a === 'admin').length).toBeGreaterThan(0);
    for (const path of ['/admin', '/admin/x', '/ADMIN/x', '/v1/admin', '/v1/admin/x']) {
      const h = { bases: ['/v1'], endpoint: { kind: 'http-default' }, resource: path } as const;
      const hr = await signed(path);
      expect(await authorizerAllows(authOf(h.bases), h, hr), path).toBe(false);
      const reached = await Promise.all(
        [undefined, '/v1'].flatMap((b) => apps(b).map(async (app) => [app.name, await ran(app, originEvent(h, hr))])),
      );
      expect(reached.filter(([, a]) => a === 'admin').length, path).toBeGreaterThan(0);
    }
  });
});
