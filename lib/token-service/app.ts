/**
 * The dhq-auth compatible token service as a Hono app: the original's endpoints (`/auth/check`,
 * `/auth/authorize`, `/auth/update`, `/auth/public-key`, `/auth/resolve`, `/auth/get_profile`, the
 * OAuth callback) with their JSON shapes and status habits (200 with the failure in the body), plus
 * `/.well-known/jwks.json`, `/auth/login/:provider` and `/auth/logout`.
 *
 * Every part is injected (store, token issuer, OAuth providers, state codec, permission providers,
 * hooks, rate limiters, clock, log), so the same app runs on Workers (D1, secret bindings, the
 * rate-limit binding) and on Node (PostgreSQL, Secrets Manager, a counter in the database); the
 * platform entries are functions/token-service.ts and functions/token-service-node.ts.
 *
 * Where the original differs from this app, and why, is in docs/token-service.md.
 */
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import type { Hooks, OAuthProvider, PermissionProviders, RateLimiter, TokenIssuer, TokenServiceStore, User } from './types.ts';
import { OAuthLoginError } from './types.ts';
import { runHook, type HookName } from './hooks.ts';
import { clientKeyOf } from './client-key.ts';
import { StoreInputError } from './store/errors.ts';
import { canonicalUsernameInput, isValidUsername, MAX_USERNAME_LENGTH } from './username.ts';

/** The login state codec (oauth/state.ts): a signed, expiring state carrying the attempt id, provider and `next`. */
export interface LoginStateCodec {
  seal(state: { readonly id: string; readonly provider: string; readonly next: string }): Promise<string>;
  open(state: string): Promise<{ readonly id: string; readonly provider: string; readonly next: string } | undefined>;
}

/** A log line: an event name and codes or ids, never tokens, secrets, emails or provider text. */
export type TokenServiceLog = (event: Readonly<Record<string, unknown>>) => void;

/** What the app is built from. */
export interface TokenServiceParts {
  readonly store: TokenServiceStore;
  readonly tokens: TokenIssuer;
  /** The configured providers by name (`github`, `google`). */
  readonly providers: ReadonlyMap<string, OAuthProvider>;
  readonly state: LoginStateCodec;
  /** A new login attempt: a random id and a PKCE verifier with its S256 challenge. */
  readonly newLoginAttempt: () => Promise<{ readonly id: string; readonly codeVerifier: string; readonly codeChallenge: string }>;
  readonly permissions: PermissionProviders;
  readonly hooks?: Hooks;
  /** Login (`/auth/login/*`, the callback) and API (`/auth/check`, `/auth/authorize`, …) limits; none: unlimited. */
  readonly limits?: { readonly login?: RateLimiter; readonly api?: RateLimiter };
  /**
   * `next` URLs must point at one of these origins (already checked by `parseAllowedOrigins`).
   * `checkNext` answers the URL to redirect to, or why not.
   */
  readonly checkNext: (
    raw: string | null | undefined,
  ) => { readonly ok: true; readonly url: string } | { readonly ok: false; readonly reason: string };
  /** Adds `jwt` (or `error`) to a checked `next` URL (the original's `_update_next_url`). */
  readonly withJwt: (next: string, jwt: string) => string;
  readonly withError: (next: string, code: string) => string;
  /** The provider's `error=` in the callback, as a login error (`access-denied`, …), or undefined. */
  readonly callbackError: (params: URLSearchParams) => OAuthLoginError | undefined;
}

/** Behaviour options. */
export interface TokenServiceOptions {
  /** The service's public base URL (`https://auth.example.com`); the OAuth callback is `<publicUrl>/auth/oauth_callback`. */
  readonly publicUrl: string;
  /** Where `/auth/check` sends a login when the caller gave no `next`. */
  readonly defaultNext: string;
  /** How long a login attempt may take, in seconds (default 600, as the original's state). */
  readonly loginStateTtlSeconds?: number;
  /** Answer JSONP when a request has a `callback` parameter (the original always did); default off. */
  readonly jsonp?: boolean;
  /** Origins CORS allows (no credentials); default none: no CORS headers. */
  readonly corsOrigins?: readonly string[];
  /**
   * Who is calling, for rate limits: an address the platform vouches for (`cf-connecting-ip` on
   * Workers, the socket address or your own proxy's `X-Forwarded-For` hop on Node). Required, so
   * that no deployment counts by a header its clients can set.
   */
  readonly clientKey: (c: Context) => string;
  readonly now?: () => number;
  readonly log?: TokenServiceLog;
}

// Bounds on what callers send: none of the original's parameters is anywhere near these.
const MAX_URL_LENGTH = 8192;
const MAX_TOKEN_LENGTH = 8192;
const MAX_SERVICE_LENGTH = 128;
const MAX_BODY_BYTES = 16 * 1024;
const JSONP_CALLBACK = /^[A-Za-z_$][\w$.]{0,63}$/;

type Json = Readonly<Record<string, unknown>>;

/**
 * The token service app.
 *
 * @example
 * const app = createTokenService(parts, { publicUrl: 'https://auth.example.com', defaultNext: 'https://app.example.com/' });
 * export default app; // a Worker; on Node: serve({ fetch: app.fetch })
 */
export function createTokenService(parts: TokenServiceParts, options: TokenServiceOptions): Hono {
  const publicUrl = options.publicUrl.replace(/\/+$/, '');
  const callbackUrl = `${publicUrl}/auth/oauth_callback`;
  const now = options.now ?? Date.now;
  const log: TokenServiceLog = options.log ?? ((e) => console.log(JSON.stringify(e)));
  const stateTtl = options.loginStateTtlSeconds ?? 600;
  const { clientKey } = options;
  if (typeof clientKey !== 'function') throw new TypeError('clientKey must be a function that names the calling client');
  const app = new Hono();

  if (options.corsOrigins && options.corsOrigins.length > 0) {
    app.use(
      '/auth/*',
      cors({ origin: [...options.corsOrigins], allowMethods: ['GET', 'POST'], allowHeaders: ['auth-token', 'content-type'], maxAge: 600 }),
    );
  }

  // Counted as the body is read, so a chunked body without Content-Length is bounded too.
  app.use('*', bodyLimit({ maxSize: MAX_BODY_BYTES, onError: (c) => c.json({ error: 'body too large' }, 413) }));
  app.use('*', async (c, next) => {
    if (c.req.url.length > MAX_URL_LENGTH) return c.json({ error: 'request too long' }, 414);
    await next();
    c.header('X-Content-Type-Options', 'nosniff');
  });

  /** The original's `jsonpify`: JSON, or JSONP when enabled and asked for with a safe callback name. */
  function answer(c: Context, body: Json, status: 200 | 400 | 404 | 429 | 503 = 200): Response {
    c.header('Cache-Control', 'no-store');
    const callback = options.jsonp ? c.req.query('callback') : undefined;
    if (callback !== undefined && JSONP_CALLBACK.test(callback)) {
      // The /**/ prefix defeats the Rosetta-Flash family of attacks on JSONP endpoints.
      return c.body(`/**/${callback}(${JSON.stringify(body)});`, status, { 'Content-Type': 'application/javascript; charset=utf-8' });
    }
    return c.json(body, status);
  }

  /** The limiter's verdict: undefined to go on, or the answer (429, or 503 when the limiter fails: fail closed). */
  async function limited(c: Context, which: 'login' | 'api'): Promise<Response | undefined> {
    const limiter = parts.limits?.[which];
    if (!limiter) return undefined;
    try {
      if (await limiter.allow(`${which}:${clientKeyOf(clientKey(c))}`)) return undefined;
    } catch {
      log({ event: 'token-service.rate-limiter-fault', code: 'ERR_RATE_LIMITER_UNAVAILABLE' });
      return answer(c, { error: 'service unavailable' }, 503);
    }
    c.header('Retry-After', '60');
    return answer(c, { error: 'too many requests' }, 429);
  }

  /** A parameter from the query, else from a form body (Flask's `request.values`). */
  async function param(c: Context, name: string): Promise<string | undefined> {
    const q = c.req.query(name);
    if (q !== undefined) return q;
    if (c.req.method !== 'POST') return undefined;
    const type = c.req.header('content-type') ?? '';
    if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)) return undefined;
    try {
      const form = await c.req.parseBody();
      const v = form[name];
      return typeof v === 'string' ? v : undefined;
    } catch {
      return undefined;
    }
  }

  /** The caller's user token (the `auth-token` header first, then `jwt`, as the original), checked. */
  async function caller(c: Context): Promise<{ present: boolean; userid?: string }> {
    const token = c.req.header('auth-token') || (await param(c, 'jwt'));
    if (!token) return { present: false };
    if (token.length > MAX_TOKEN_LENGTH) return { present: true };
    const claims = await parts.tokens.verifyUserToken(token);
    return claims ? { present: true, userid: claims.userid } : { present: true };
  }

  function hook(name: HookName, user: User): Promise<void> {
    if (!parts.hooks) return Promise.resolve();
    return runHook(parts.hooks, name, user, (code) => log({ event: 'token-service.hook-failed', hook: name, code }));
  }

  function profileOf(user: User): Json {
    return {
      id: user.id,
      name: user.name,
      email: user.email,
      avatar_url: user.avatarUrl,
      // The original's README names it "unique id of the user"; ids are md5(email), the same value.
      idhash: user.id,
      username: user.username,
      // Flask's jsonify wrote datetimes as RFC 1123 dates; toUTCString() writes the same form.
      join_date: user.joinDate.toUTCString(),
    };
  }

  app.get('/auth/check', async (c) => {
    const stop = await limited(c, 'api');
    if (stop) return stop;
    const who = await caller(c);
    if (who.userid !== undefined) {
      const user = await parts.store.getUser(who.userid);
      if (user) return answer(c, { authenticated: true, profile: profileOf(user) });
    }
    const next = parts.checkNext(c.req.query('next') ?? options.defaultNext);
    if (!next.ok) return answer(c, { authenticated: false, providers: {}, error: 'next is not an allowed URL' });
    const providers: Record<string, { url: string }> = {};
    for (const name of parts.providers.keys()) {
      providers[name] = { url: `${publicUrl}/auth/login/${name}?next=${encodeURIComponent(next.url)}` };
    }
    return answer(c, { authenticated: false, providers });
  });

  // The login link /auth/check hands out: records a single-use attempt (its PKCE verifier stays here)
  // and sends the browser to the provider with a signed state. /auth/check itself writes nothing, so
  // polling it costs no database rows.
  app.get('/auth/login/:provider', async (c) => {
    const provider = parts.providers.get(c.req.param('provider'));
    if (!provider) return answer(c, { error: 'unknown provider' }, 404);
    const stop = await limited(c, 'login');
    if (stop) return stop;
    const next = parts.checkNext(c.req.query('next') ?? options.defaultNext);
    if (!next.ok) return answer(c, { error: 'next is not an allowed URL' }, 400);
    const attempt = await parts.newLoginAttempt();
    // Sealed first: a state that cannot be made leaves no attempt behind.
    const state = await parts.state.seal({ id: attempt.id, provider: provider.name, next: next.url });
    await parts.store.putLoginState(
      {
        id: attempt.id,
        provider: provider.name,
        codeVerifier: attempt.codeVerifier,
        expiresAt: new Date(now() + stateTtl * 1000),
      },
      new Date(now()),
    );
    const to = provider.authorizationUrl({ state, codeChallenge: attempt.codeChallenge, redirectUri: callbackUrl });
    return redirect(c, to.href);
  });

  app.get('/auth/oauth_callback', async (c) => {
    const stop = await limited(c, 'login');
    if (stop) return stop;
    const raw = c.req.query('state');
    const state = raw ? await parts.state.open(raw) : undefined;
    if (!state) return answer(c, { error: 'invalid or expired state' }, 400);
    const provider = parts.providers.get(state.provider);
    if (!provider) return answer(c, { error: 'unknown provider' }, 400);
    // Checked again: the allowed origins may have changed since the state was made.
    const next = parts.checkNext(state.next);
    if (!next.ok) return answer(c, { error: 'next is not an allowed URL' }, 400);
    const attempt = await parts.store.takeLoginState(state.id, new Date(now()));
    if (!attempt || attempt.provider !== provider.name) return answer(c, { error: 'invalid or expired state' }, 400);

    const params = new URL(c.req.url).searchParams;
    const declined = parts.callbackError(params);
    const code = params.get('code');
    if (declined || !code) {
      log({ event: 'token-service.login-failed', provider: provider.name, code: declined?.code ?? 'no-code' });
      return redirect(c, parts.withError(next.url, declined?.code === 'access-denied' ? 'access_denied' : 'login_failed'));
    }
    let profile;
    try {
      profile = await provider.completeLogin({ code, codeVerifier: attempt.codeVerifier, redirectUri: callbackUrl }, parts.store);
    } catch (e) {
      const why = e instanceof OAuthLoginError ? e.code : 'provider-error';
      log({ event: 'token-service.login-failed', provider: provider.name, code: why });
      return redirect(c, parts.withError(next.url, 'login_failed'));
    }
    let upserted;
    try {
      upserted = await parts.store.upsertUserFromProfile(profile, new Date(now()));
    } catch (e) {
      // A profile the store cannot keep (a field over its bounds) is a failed login, not a service fault.
      if (!(e instanceof StoreInputError)) throw e;
      log({ event: 'token-service.login-failed', provider: provider.name, code: 'profile-unstorable', field: e.field });
      return redirect(c, parts.withError(next.url, 'login_failed'));
    }
    const { user, created } = upserted;
    if (created) await hook('onNewUser', user);
    await hook('onUserLogin', user);
    // No user id: it is md5(email), which a dictionary of addresses turns back into the email.
    log({ event: 'token-service.login', provider: provider.name, created });
    return redirect(c, parts.withJwt(next.url, await parts.tokens.issueUserToken(user.id)));
  });

  app.get('/auth/authorize', async (c) => {
    const stop = await limited(c, 'api');
    if (stop) return stop;
    const service = c.req.query('service');
    const who = await caller(c);
    if (service === undefined || who.userid === undefined) return answer(c, { permissions: {} });
    // The original signed a token for any service name; ours only for configured ones, so that no one
    // can mint a token whose audience is a service that never asked to trust this issuer.
    if (service.length > MAX_SERVICE_LENGTH || !parts.permissions.has(service)) return answer(c, { permissions: {} });
    const user = await parts.store.getUser(who.userid);
    if (!user) return answer(c, { permissions: {} });
    let permissions;
    try {
      permissions = await parts.permissions.get(service, user);
    } catch {
      log({ event: 'token-service.permissions-failed', code: 'ERR_PERMISSION_PROVIDER', service });
      return answer(c, { permissions: {}, error: 'permission provider unavailable' }, 503);
    }
    const token = await parts.tokens.issueServiceToken(user.id, service, permissions);
    return answer(c, { token, userid: user.id, permissions, service });
  });

  app.post('/auth/update', async (c) => {
    const stop = await limited(c, 'api');
    if (stop) return stop;
    const who = await caller(c);
    if (!who.present) return answer(c, { success: false, error: 'No token' });
    if (who.userid === undefined) return answer(c, { success: false, error: 'Not authenticated' });
    const username = await param(c, 'username');
    const user = await parts.store.getUser(who.userid);
    if (!user) return answer(c, { success: false, error: 'Unknown User' });
    // As the original: other fields are ignored, and a call without a username changes nothing.
    if (username === undefined) return answer(c, { success: true });
    // Checked and kept in its canonical form (username.ts), so no two users hold spellings of one name.
    const name = canonicalUsernameInput(username);
    if (!isValidUsername(name)) return answer(c, { success: false, error: 'Invalid username' });
    const outcome = await parts.store.setUsername(user.id, name);
    switch (outcome) {
      case 'updated':
        return answer(c, { success: true });
      case 'already-set':
        return answer(c, { success: false, error: 'Cannot modify username, already set' });
      case 'taken':
        return answer(c, { success: false, error: 'Username already taken' });
      case 'unknown-user':
        return answer(c, { success: false, error: 'Unknown User' });
    }
  });

  app.post('/auth/logout', async (c) => {
    const stop = await limited(c, 'api');
    if (stop) return stop;
    const who = await caller(c);
    if (who.userid === undefined) return answer(c, { success: false, error: who.present ? 'Not authenticated' : 'No token' });
    const user = await parts.store.getUser(who.userid);
    if (user) await hook('onUserLogout', user);
    return answer(c, { success: true });
  });

  app.get('/auth/public-key', async (c) => {
    c.header('Cache-Control', 'public, max-age=300');
    return c.text(await parts.tokens.publicKeyPem());
  });

  app.get('/.well-known/jwks.json', async (c) => {
    c.header('Cache-Control', 'public, max-age=300');
    return c.json(await parts.tokens.jwks());
  });

  /** The user a looked-up name names: in its canonical form, as names are kept. */
  async function userNamed(username: string | undefined): Promise<User | undefined> {
    const name = username ? canonicalUsernameInput(username) : '';
    return name !== '' && name.length <= MAX_USERNAME_LENGTH ? parts.store.getUserByUsername(name) : undefined;
  }

  app.get('/auth/resolve', async (c) => {
    const stop = await limited(c, 'api');
    if (stop) return stop;
    const username = c.req.query('username');
    const user = await userNamed(username);
    return answer(c, { userid: user ? user.id : null });
  });

  app.get('/auth/get_profile', async (c) => {
    const stop = await limited(c, 'api');
    if (stop) return stop;
    const username = c.req.query('username');
    const user = await userNamed(username);
    if (!user) return answer(c, { found: false, profile: null });
    return answer(c, {
      found: true,
      profile: { id: user.id, name: user.name, join_date: user.joinDate.toUTCString(), avatar_url: user.avatarUrl, gravatar: user.id },
    });
  });

  app.notFound((c) => c.json({ error: 'not found' }, 404));
  // A store or key fault (never input: every input path above answers without throwing).
  app.onError((e, c) => {
    log({ event: 'token-service.fault', code: 'ERR_TOKEN_SERVICE_UNAVAILABLE', kind: e instanceof Error ? e.name : typeof e });
    return c.json({ error: 'service unavailable' }, 503);
  });
  return app;
}

function redirect(c: Context, to: string): Response {
  c.header('Cache-Control', 'no-store');
  // The next URL carries the user token: keep it out of the Referer the next page would send on.
  c.header('Referrer-Policy', 'no-referrer');
  return c.redirect(to, 302);
}
