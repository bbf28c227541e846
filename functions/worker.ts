/**
 * The Cloudflare Worker: verifies the configured schemes on the configured routes, then proxies to
 * ORIGIN_URL, or, when none is set, answers with a small JSON echo of the authenticated principal.
 * Every rejection is logged; accepted requests only as LOG_ACCEPTED says.
 */
import { Hono } from 'hono';
import { createAuthenticator, type Authenticator } from '../lib/authenticator.ts';
import { ConfigError, loadConfig } from '../lib/config/index.ts';
import { edgeAuth, type EdgeAuthVariables } from '../lib/adapters/hono/index.ts';
import { headersWithoutCredentials, queryWithoutCredentials } from '../lib/adapters/forward.ts';
import { logAcceptedFrom, readLogAccepted } from '../lib/adapters/log-accepted.ts';
import { builtInSchemes, type SchemeRegistry } from '../lib/schemes/registry.ts';
import { openWorkerKeyStore } from '../lib/keys/open-store.ts';
import { kvSharedCache } from '../lib/keys/kv-shared-cache.ts';

// The KV namespace binding that, when the Worker has one under this name, keeps the documents
// verifiers fetch themselves (a JWT issuer's JWKS) for the isolates that come after
// (docs/key-stores.md, "JWKS"). Not exported: workerd takes every export of the entry as a handler.
const SHARED_CACHE_BINDING = 'AUTH_SHARED_CACHE';

export interface Env {
  /** The configuration document (JSON text): a var for local dev, a secret in production. */
  AUTH_CONFIG?: string;
  /** Where verified requests go; unset: answer with the echo. */
  ORIGIN_URL?: string;
  /**
   * Whether accepted requests are logged too (rejections always are): unset, `false` or `0` (the
   * default): no; `true` or `1`: every one; a rate such as `0.01`: that share of them, at random.
   */
  LOG_ACCEPTED?: string;
  /** A KV namespace for fetched documents (a JWKS), shared by every isolate; unset: each isolate fetches its own. */
  AUTH_SHARED_CACHE?: unknown;
  /** The bindings `keyStores[]` name: KV namespaces (`workers-kv`) and secrets or vars (`secret-binding`). */
  readonly [binding: string]: unknown;
}

export type AppEnv = { Bindings: Env; Variables: EdgeAuthVariables };

export { logAcceptedFrom };

/** What a Worker app is built with; tests pass their own. */
export interface WorkerOptions {
  /** The schemes `AUTH_CONFIG` may turn on (default: the built-in ones). */
  readonly registry?: SchemeRegistry;
  /** How verified requests reach ORIGIN_URL (default: the global `fetch`). */
  readonly fetch?: (input: string, init: RequestInit) => Promise<Response>;
  /** The random source a LOG_ACCEPTED rate samples with (default `Math.random`). */
  readonly random?: () => number;
}

/**
 * The Worker's Hono app: `edgeAuth` on every route, then the proxy to ORIGIN_URL (credentials of
 * every configured scheme stripped, as the registry's descriptors list them) or the echo. Every
 * rejection is logged as one JSON line; accepted requests only as LOG_ACCEPTED says (default: not).
 *
 * Keys come from AUTH_CONFIG's `keys[]`, or from the Workers KV namespaces and secret bindings its
 * `keyStores[]` name (docs/key-stores.md); a store that fails answers 503, never an accept.
 * Documents verifiers fetch themselves (a JWT issuer's JWKS) are kept in the KV namespace bound as
 * AUTH_SHARED_CACHE, when there is one, so that a new isolate need not fetch them again.
 *
 * @throws nothing at build time; an invalid AUTH_CONFIG (or a `keyStores[]` entry a Worker cannot
 * open) answers 500 per request (and is logged); an invalid LOG_ACCEPTED is logged (`config.invalid`, once per isolate) and read as the default, so a
 * logging setting never takes the edge down.
 * @example
 * export default createWorker(); // what wrangler runs
 * const app = createWorker({ registry: builtInSchemes.with(toyScheme), fetch: fakeOrigin });
 */
export function createWorker(options: WorkerOptions = {}): Hono<AppEnv> {
  const registry = options.registry ?? builtInSchemes;
  const send = options.fetch ?? ((input: string, init: RequestInit) => fetch(input, init));
  // Built once per isolate and reused while AUTH_CONFIG is unchanged, with the key stores it opened:
  // their caches serve every request of the isolate.
  let cached: { text: string; auth: Authenticator } | undefined;
  // The stores outlive a request, so they read their bindings from the latest request's env (the
  // same bindings for every request of an isolate) when their cache needs the source.
  let bindings: Env = {};

  function authenticatorFor(env: Env, request?: { executionCtx: { waitUntil(p: Promise<unknown>): void } }): Authenticator {
    bindings = env;
    const text = env.AUTH_CONFIG ?? '';
    if (cached?.text !== text) {
      const config = loadConfig(text, registry);
      const auth = createAuthenticator(config, {
        registry,
        openKeyStore: (spec, i) => openWorkerKeyStore(spec, i, { env: () => bindings }),
        ...(env[SHARED_CACHE_BINDING] ? { sharedCache: kvSharedCache(() => bindings[SHARED_CACHE_BINDING]) } : {}),
      });
      cached = { text, auth };
      // A Worker may do no I/O outside a request, so stores configured with `hydrate`, and verifiers
      // that fetch documents themselves (a JWKS), load beside the isolate's first request (which
      // shares the loads in flight) rather than at start.
      if (request && (config.keyStores.some((s) => s.hydrate !== false) || auth.schemes.some((s) => s.verifier.hydrate)))
        waitUntilOf(request)?.(auth.hydrate());
    }
    return cached.auth;
  }

  /** The request's waitUntil, when the platform gives one (workerd does; `app.request()` in tests may not). */
  function waitUntilOf(c: { executionCtx: { waitUntil(p: Promise<unknown>): void } }): ((p: Promise<unknown>) => void) | undefined {
    try {
      const ctx = c.executionCtx;
      return (p) => ctx.waitUntil(p);
    } catch {
      return undefined;
    }
  }

  const app = new Hono<AppEnv>();

  app.onError((err, c) => {
    // Configuration and internal errors: generic to the client, detailed in the log (no secrets in issues).
    if (err instanceof ConfigError) console.error(JSON.stringify({ event: 'config.invalid', issues: err.issues }));
    else console.error(JSON.stringify({ event: 'worker.error', name: err.name }));
    return c.json({ error: 'ERR_INTERNAL', message: 'the authorizer is misconfigured or failed', status: 500 }, 500);
  });

  // LOG_ACCEPTED as read, once per isolate and value like the authenticator (asked per accepted request).
  let logging: { text: string | undefined; logAccepted: boolean | number } | undefined;
  function logAcceptedFor(env: Env): boolean | number {
    const text = env.LOG_ACCEPTED;
    if (logging !== undefined && logging.text === text) return logging.logAccepted;
    const read = readLogAccepted(text, (entry) => console.error(JSON.stringify(entry)));
    logging = { text, logAccepted: read };
    return logging.logAccepted;
  }

  app.use(
    '*',
    edgeAuth({
      // The request goes along only so that a new authenticator can hydrate through its waitUntil.
      authenticator: (c) => authenticatorFor(c.env as Env, c),
      log: (entry) => console.log(JSON.stringify(entry)),
      logAccepted: (c) => logAcceptedFor(c.env as Env),
      ...(options.random ? { random: options.random } : {}),
    }),
  );

  app.all('*', async (c) => {
    const auth = c.get('auth');
    const origin = c.env.ORIGIN_URL;
    if (!origin) {
      // Response.json rather than c.json: the same answer, and about a microsecond less per request
      // under workerd, which builds it natively (no middleware here sets headers for c.json to merge).
      return Response.json({
        ok: true,
        principal: auth?.principal.id ?? null,
        permissions: auth?.principal.permissions ?? [],
        scheme: auth?.scheme ?? null,
        method: c.req.method,
        path: c.req.path,
      });
    }
    // No credential goes on: not the headers, not the presigned query parameters. On a guarded route,
    // every part any configured scheme uses; on a public one, the parts of each scheme the request
    // speaks (an SDK that signs every call would otherwise hand its session token to the origin), while
    // an Authorization header of a scheme not configured here stays for the origin, unless the request
    // also carries presigned-URL parameters (SigV4 then speaks, and its parts go).
    const authenticator = authenticatorFor(c.env);
    // The request as the middleware read it: the raw path and query the route was judged on.
    const request = c.get('request');
    const { path, query } = request;
    const parts = auth ? authenticator.credentials : authenticator.credentialsIn(request);
    const forwardQuery = queryWithoutCredentials(query, parts);
    const headers = headersWithoutCredentials(c.req.raw.headers, parts, auth?.principal.id, auth?.scheme);
    const body = c.get('body');
    const hasBody = c.req.method !== 'GET' && c.req.method !== 'HEAD' && body.length > 0;
    return send(origin.replace(/\/$/, '') + path + (forwardQuery === '' ? '' : '?' + forwardQuery), {
      method: c.req.method,
      headers,
      body: hasBody ? (body as Uint8Array<ArrayBuffer>) : null,
      redirect: 'manual',
    });
  });
  return app;
}

export default createWorker();
