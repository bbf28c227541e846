/**
 * Builds the token service from its configuration document, its secrets and what the platform gives
 * (a store, rate limiters, fetch): the one place that wires the parts together, used by the Worker
 * (functions/token-service.ts) and by Node and Lambda (functions/token-service-node.ts).
 */
import type { Context, Hono } from 'hono';
import { createTokenService, type TokenServiceLog } from './app.ts';
import { TokenServiceConfigError, type TokenServiceConfig } from './config.ts';
import { callbackError, createOAuthProvider } from './oauth/providers.ts';
import { checkNextUrl, parseAllowedOrigins, withError, withJwt } from './oauth/next-url.ts';
import { createStateCodec, newLoginAttempt } from './oauth/state.ts';
import { createPermissionProviders, type PermissionFunction, type PermissionProviderConfig } from './permissions.ts';
import { databaseRateLimiter } from './rate-limit.ts';
import { parseSigningKeySet, SigningKeySetError, type ParsedSigningKeys } from './signing-keys.ts';
import { createTokenIssuer, maxTokenLifetimeSeconds } from './tokens.ts';
import type { Hooks, OAuthProvider, RateLimiter, TokenServiceStore } from './types.ts';

/** The service's secrets, from the platform's secret store (never from the configuration document). */
export interface TokenServiceSecrets {
  /** The signing key set document (docs/token-service.md), read again when it may have changed. */
  readonly signingKeys: () => string | Promise<string>;
  /** base64url of at least 32 random bytes: the login state's HMAC key, used for nothing else. */
  readonly stateSecret: string | undefined;
  /** Each configured provider's client secret. */
  readonly clientSecrets: { readonly github?: string | undefined; readonly google?: string | undefined };
}

/** What the platform gives the service. */
export interface TokenServicePlatform {
  readonly store: TokenServiceStore;
  /** Rate limiters (the Workers binding); a limit not given here is counted in the store, as `rateLimits` says. */
  readonly limits?: { readonly login?: RateLimiter | undefined; readonly api?: RateLimiter | undefined };
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
  readonly log?: TokenServiceLog;
  /** Permission providers in code, by service (the original's provider modules); they join `services`. */
  readonly permissionFunctions?: Readonly<Record<string, PermissionFunction>>;
  readonly hooks?: Hooks;
  /**
   * Who is calling, for rate limits: an address the platform vouches for, never a header the client
   * can set (on Workers `cf-connecting-ip`, which Cloudflare overwrites; on Node the socket address or
   * the hop of `X-Forwarded-For` your own proxy wrote). Required: a default that read a header would
   * let a client pick a new budget per request wherever that header is not the platform's.
   */
  readonly clientKey: (c: Context) => string;
}

/** Default limits per client address when the platform has no rate-limit binding: generous for people, tight for scripts. */
export const DEFAULT_RATE_LIMITS = {
  login: { limit: 30, windowSeconds: 60 },
  api: { limit: 600, windowSeconds: 60 },
} as const;

// The parsed key set is kept while the secret's text is unchanged, and parsed again at least this
// often so that a retired key leaves the JWKS on time.
const KEY_SET_REPARSE_MS = 60_000;

function base64urlBytes(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(text)) return undefined;
  const b64 = text.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
  try {
    const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/**
 * The token service app for a validated configuration.
 *
 * @throws TokenServiceConfigError naming each problem (a missing secret, a bad origin, a service name
 * that cannot be used); messages name fields and secret names, never values.
 * @example
 * const app = createTokenServiceFromConfig(loadTokenServiceConfig(env.TOKEN_SERVICE_CONFIG), secrets, { store });
 */
export function createTokenServiceFromConfig(
  config: TokenServiceConfig,
  secrets: TokenServiceSecrets,
  platform: TokenServicePlatform,
): Hono {
  const issues: string[] = [];
  const now = platform.now ?? Date.now;
  const fetchFn = platform.fetch;

  let allowedOrigins: readonly string[] = [];
  try {
    allowedOrigins = parseAllowedOrigins(config.allowedOrigins);
  } catch (e) {
    issues.push(`allowedOrigins: ${(e as Error).message}`);
  }
  const checkNext = (raw: string | null | undefined) => checkNextUrl(raw, allowedOrigins);
  const defaultNext = config.defaultNext ?? (allowedOrigins[0] !== undefined ? `${allowedOrigins[0]}/` : '');
  if (allowedOrigins.length > 0 && !checkNext(defaultNext).ok) issues.push('defaultNext: must be a URL on one of allowedOrigins');

  const stateBytes = secrets.stateSecret === undefined ? undefined : base64urlBytes(secrets.stateSecret);
  if (!stateBytes || stateBytes.byteLength < 32) issues.push('STATE_SECRET: must be base64url of at least 32 random bytes');

  const providers = new Map<string, OAuthProvider>();
  for (const name of ['github', 'google'] as const) {
    const p = config.providers[name];
    if (!p) continue;
    const clientSecret = secrets.clientSecrets[name];
    if (!clientSecret) {
      issues.push(`${name.toUpperCase()}_CLIENT_SECRET: missing for providers.${name}`);
      continue;
    }
    try {
      providers.set(
        name,
        createOAuthProvider(
          name,
          {
            clientId: p.clientId,
            clientSecret,
            ...(p.scopes ? { scopes: p.scopes } : {}),
            ...(p.endpoints ? { endpoints: p.endpoints } : {}),
            ...(p.timeoutMs !== undefined ? { timeoutMs: p.timeoutMs } : {}),
            allowInsecureLoopback: p.allowInsecureLoopback,
          },
          fetchFn ? { fetch: fetchFn } : {},
        ),
      );
    } catch (e) {
      issues.push(`providers.${name}: ${(e as Error).message}`);
    }
  }

  const ttl = { userTokenTtlSeconds: config.userTokenTtlSeconds, serviceTokenTtlSeconds: config.serviceTokenTtlSeconds };
  const lifetime = maxTokenLifetimeSeconds(ttl);
  let parsed: { text: string; at: number; keys: Promise<ParsedSigningKeys> } | undefined;
  async function keys(): Promise<ParsedSigningKeys> {
    const text = await secrets.signingKeys();
    if (typeof text !== 'string' || text.length === 0) throw new SigningKeySetError(['TOKEN_SIGNING_KEYS: missing']);
    const t = now();
    if (!parsed || parsed.text !== text || t - parsed.at > KEY_SET_REPARSE_MS) {
      const attempt = parseSigningKeySet(text, new Date(t), lifetime);
      parsed = { text, at: t, keys: attempt };
      // A refused set is not kept: the next call reads the secret again.
      attempt.catch(() => {
        if (parsed?.keys === attempt) parsed = undefined;
      });
    }
    return parsed.keys;
  }

  let tokens;
  try {
    tokens = createTokenIssuer({
      keys,
      issuer: config.issuer ?? config.publicUrl,
      userAudience: config.userAudience ?? config.publicUrl,
      ...ttl,
      serviceTokenAudience: config.serviceTokenAudience,
      now,
    });
  } catch (e) {
    throw new TokenServiceConfigError([...issues, `tokens: ${(e as Error).message}`]);
  }

  const services: Record<string, PermissionProviderConfig> = { ...config.services, ...platform.permissionFunctions };
  for (const name of Object.keys(services)) {
    try {
      tokens.assertServiceName(name);
    } catch (e) {
      issues.push(`services: ${(e as Error).message}`);
    }
  }
  let permissions;
  try {
    permissions = createPermissionProviders(services, fetchFn ? { fetch: fetchFn } : {});
  } catch (e) {
    issues.push(`services: ${(e as Error).message}`);
  }
  if (issues.length > 0 || !permissions || !stateBytes) throw new TokenServiceConfigError(issues);

  const limit = (which: 'login' | 'api'): RateLimiter =>
    platform.limits?.[which] ?? databaseRateLimiter(platform.store, { ...(config.rateLimits[which] ?? DEFAULT_RATE_LIMITS[which]), now });

  return createTokenService(
    {
      store: platform.store,
      tokens,
      providers,
      state: createStateCodec({ secret: stateBytes, now }),
      newLoginAttempt,
      permissions,
      ...(platform.hooks ? { hooks: platform.hooks } : {}),
      limits: { login: limit('login'), api: limit('api') },
      checkNext,
      withJwt,
      withError,
      callbackError,
    },
    {
      publicUrl: config.publicUrl,
      defaultNext,
      jsonp: config.jsonp,
      ...(config.cors ? { corsOrigins: allowedOrigins } : {}),
      clientKey: platform.clientKey,
      now,
      ...(platform.log ? { log: platform.log } : {}),
    },
  );
}
