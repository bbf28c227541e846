/**
 * The token service as a Cloudflare Worker: users in D1, secrets in secret bindings, the Workers
 * rate-limit bindings when bound (else counters in D1). functions/token-service.ts is this module's
 * default Worker (wrangler.token-service.toml); your own Worker can add permission functions and hooks.
 * See docs/token-service.md.
 */
import type { ExecutionContext, Hono } from 'hono';
import type { PermissionFunction } from './permissions.ts';
import type { Hooks } from './types.ts';
import { createTokenServiceFromConfig } from './assemble.ts';
import { loadTokenServiceConfig, TokenServiceConfigError } from './config.ts';
import { workersRateLimiter, type WorkersRateLimitBinding } from './rate-limit.ts';
import { openD1Store, type D1DatabaseLike } from './store/d1.ts';
import type { TokenServiceStore } from './types.ts';

/** The Worker's bindings (wrangler.token-service.toml): the configuration var, the secrets, D1 and the rate limiters. */
export interface TokenServiceEnv {
  /** The configuration document (JSON, no secrets): a var. */
  TOKEN_SERVICE_CONFIG?: string;
  /** Secrets: the signing key set, the state key, the providers' client secrets. */
  TOKEN_SIGNING_KEYS?: string;
  STATE_SECRET?: string;
  GITHUB_CLIENT_SECRET?: string;
  GOOGLE_CLIENT_SECRET?: string;
  /** The D1 database holding users, login attempts and counters. */
  DB?: D1DatabaseLike;
  /** Workers rate-limit bindings (wrangler `[[ratelimits]]`); unbound: counted in D1. */
  LOGIN_RATE_LIMITER?: WorkersRateLimitBinding;
  API_RATE_LIMITER?: WorkersRateLimitBinding;
}

function log(event: Readonly<Record<string, unknown>>): void {
  console.log(JSON.stringify(event));
}

function unavailable(status: 500 | 503, error: string): Response {
  return new Response(JSON.stringify({ error }), { status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' } });
}

/** What a token service Worker adds to its bindings: permission providers and hooks in code. */
export interface TokenServiceWorkerOptions {
  readonly permissionFunctions?: Readonly<Record<string, PermissionFunction>>;
  readonly hooks?: Hooks;
}

/**
 * A Worker (`export default createTokenServiceWorker()`) serving the token service from its bindings:
 * TOKEN_SERVICE_CONFIG, the secrets TOKEN_SIGNING_KEYS, STATE_SECRET, GITHUB_CLIENT_SECRET and
 * GOOGLE_CLIENT_SECRET, the D1 database DB, and optionally the rate-limit bindings LOGIN_RATE_LIMITER and
 * API_RATE_LIMITER.
 *
 * A bad configuration answers 500 (its issues logged by field, never by value); a database that cannot
 * be migrated answers 503 until it can.
 */
export function createTokenServiceWorker(options: TokenServiceWorkerOptions = {}): {
  fetch(request: Request, env: TokenServiceEnv, ctx: ExecutionContext): Promise<Response>;
} {
  // One app per isolate, rebuilt only when a setting or secret changes; the migrations run once per
  // isolate before the first request (they are idempotent, and cheap when there is nothing to do).
  let built: { inputs: readonly unknown[]; app: Hono; store: TokenServiceStore; migrated: Promise<void> | undefined } | undefined;

  function appFor(env: TokenServiceEnv): NonNullable<typeof built> {
    // Compared value by value on every request: no text is built for the comparison.
    const inputs = [
      env.TOKEN_SERVICE_CONFIG,
      env.TOKEN_SIGNING_KEYS,
      env.STATE_SECRET,
      env.GITHUB_CLIENT_SECRET,
      env.GOOGLE_CLIENT_SECRET,
      !!env.LOGIN_RATE_LIMITER,
      !!env.API_RATE_LIMITER,
    ];
    if (built && inputs.every((v, i) => v === built!.inputs[i])) return built;
    if (!env.DB) throw new TokenServiceConfigError(['DB: no D1 database is bound']);
    const config = loadTokenServiceConfig(env.TOKEN_SERVICE_CONFIG);
    const store = openD1Store(env.DB);
    const app = createTokenServiceFromConfig(
      config,
      {
        signingKeys: () => env.TOKEN_SIGNING_KEYS ?? '',
        stateSecret: env.STATE_SECRET,
        clientSecrets: { github: env.GITHUB_CLIENT_SECRET, google: env.GOOGLE_CLIENT_SECRET },
      },
      {
        store,
        limits: {
          login: env.LOGIN_RATE_LIMITER ? workersRateLimiter(env.LOGIN_RATE_LIMITER) : undefined,
          api: env.API_RATE_LIMITER ? workersRateLimiter(env.API_RATE_LIMITER) : undefined,
        },
        log,
        ...(options.permissionFunctions ? { permissionFunctions: options.permissionFunctions } : {}),
        ...(options.hooks ? { hooks: options.hooks } : {}),
        clientKey: (c) => c.req.header('cf-connecting-ip') ?? 'unknown',
      },
    );
    built = { inputs, app, store, migrated: undefined };
    return built;
  }

  return {
    async fetch(request: Request, env: TokenServiceEnv, ctx: ExecutionContext): Promise<Response> {
      let current;
      try {
        current = appFor(env);
      } catch (e) {
        // Field paths and secret names only: the issues never carry values.
        log({ event: 'token-service.config-invalid', issues: e instanceof TokenServiceConfigError ? e.issues : ['(unreadable)'] });
        return unavailable(500, 'token service misconfigured');
      }
      if (!current.migrated) {
        const run = current.store.migrate();
        current.migrated = run;
        run.catch(() => {
          if (current.migrated === run) current.migrated = undefined;
        });
      }
      try {
        await current.migrated;
      } catch {
        log({ event: 'token-service.fault', code: 'ERR_TOKEN_SERVICE_UNAVAILABLE', kind: 'migration' });
        return unavailable(503, 'service unavailable');
      }
      return current.app.fetch(request, env, ctx);
    },
  };
}
