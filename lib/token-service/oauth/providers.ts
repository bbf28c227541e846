// The OAuth2 login's client side for GitHub and Google (the original's `setup_oauth_apps`,
// `_get_user_profile` and `_normilize_profile`): the authorization URL (code flow, PKCE S256), the code
// exchange, and the profile read and mapped to a `NormalizedProfile`.
//
// Why oauth4webapi (and not arctic): it takes an injected `fetch` and an AbortSignal per request, so
// every provider call has its own timeout and tests run against a local stand-in without patching
// globals; it accepts any endpoints (the stand-in's, a proxy's); it has the PKCE helpers; it has no
// dependencies; and it is by the author of jose, which we already use. It builds and authenticates the
// token request and checks the token answer's shape; the body is read by us first, with a size cap, and
// parsed with `parseJsonSafe`, so no provider answer is read unbounded or reaches Object.prototype.
//
// Deviations from the original, on purpose:
// - Only verified emails are used. The original took GitHub's emails whatever their `verified` flag and
//   Google's without looking at `verified_email`; since a user's id is md5(email), an unverified email
//   someone merely typed into their GitHub account would log them in as the user who owns that address.
//   GitHub: among verified emails, the first whose md5 id is already a user, else the primary one if it
//   is verified (else `no-email`). Google: `email_verified` (OIDC) or `verified_email` (v1) must be true.
// - Google's profile comes from the OIDC userinfo endpoint over TLS (its `sub` is the v1 `id`, so
//   `google:<id>` is unchanged). An id_token in the token answer is ignored, not validated: nothing is
//   taken from it, and it is removed before oauth4webapi looks at the answer so its claims (issuer,
//   nonce) cannot fail the login.
// - Bounded: every call has a timeout, every answer at most 64 KiB, and fields have length limits.
// - Errors carry a code and a fixed message only: never provider text, the code, a token or a secret.
// Platform-free: Web APIs, oauth4webapi; `fetch` is injected.
import {
  allowInsecureRequests,
  authorizationCodeGrantRequest,
  ClientSecretPost,
  customFetch,
  processAuthorizationCodeResponse,
  skipStateCheck,
  validateAuthResponse,
  type AuthorizationServer,
  type Client,
  type ClientAuth,
} from 'oauth4webapi';
import { readBoundedBody, utf8OrUndefined } from '../../core/bounded-body.ts';
import { STORE_LIMITS, stringProblem } from '../store/errors.ts';
import { isJsonObject, parseJsonSafe } from '../../config/json.ts';
import { md5Hex } from '../md5.ts';
import { usernameFrom } from '../username.ts';
import { OAuthLoginError, type NormalizedProfile, type OAuthProvider, type TokenServiceStore } from '../types.ts';

/** The providers this module knows. */
export type OAuthProviderName = 'github' | 'google';

/** Where a provider's endpoints are (the defaults are the production ones; the stand-in answers its own). */
export interface OAuthEndpoints {
  /** Where the browser is sent to log in. */
  readonly authorizationEndpoint: string;
  /** Where the code is exchanged for an access token. */
  readonly tokenEndpoint: string;
  /** The profile: GitHub's `/user`, Google's OIDC userinfo. */
  readonly userinfoEndpoint: string;
  /** GitHub only: `/user/emails`. */
  readonly emailsEndpoint?: string;
}

/** A provider's client configuration. */
export interface OAuthProviderConfig {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Default: GitHub `user:email`, Google `openid email profile`. */
  readonly scopes?: readonly string[];
  /** Overrides of the production endpoints (each one given replaces its default). */
  readonly endpoints?: Partial<OAuthEndpoints>;
  /** The longest one provider call (request and body) may take. Default 5,000 ms. */
  readonly timeoutMs?: number;
  /** Allows http endpoints on 127.0.0.1, ::1 or localhost (the stand-in, a local proxy); never other http. */
  readonly allowInsecureLoopback?: boolean;
}

/** What the provider needs besides its configuration. */
export interface OAuthProviderDeps {
  /** The fetch it calls (default: the global one). */
  readonly fetch?: typeof fetch;
}

/** The production endpoints, scopes and issuers. */
export const OAUTH_PROVIDER_DEFAULTS = {
  github: {
    issuer: 'https://github.com',
    scopes: ['user:email'],
    endpoints: {
      authorizationEndpoint: 'https://github.com/login/oauth/authorize',
      tokenEndpoint: 'https://github.com/login/oauth/access_token',
      userinfoEndpoint: 'https://api.github.com/user',
      emailsEndpoint: 'https://api.github.com/user/emails',
    },
  },
  google: {
    issuer: 'https://accounts.google.com',
    scopes: ['openid', 'email', 'profile'],
    endpoints: {
      authorizationEndpoint: 'https://accounts.google.com/o/oauth2/v2/auth',
      tokenEndpoint: 'https://oauth2.googleapis.com/token',
      userinfoEndpoint: 'https://openidconnect.googleapis.com/v1/userinfo',
    },
  },
} as const;

/** Limits on what a provider may answer. */
export const OAUTH_LIMITS = {
  timeoutMs: 5_000,
  maxAnswerBytes: 64 * 1024,
  maxEmailLength: 320,
  maxNameLength: 256,
  maxUsernameLength: 64,
  /** The store's bound (the original's column), so that an avatar we keep can be stored. */
  maxAvatarUrlLength: STORE_LIMITS.avatarUrl,
  /** So that `google:<id>` fits the store's provider id (128, the original's column); OIDC allows 255. */
  maxIdLength: STORE_LIMITS.providerId - 'google:'.length,
  maxAccessTokenLength: 4096,
  /** The longest code taken from the callback (GitHub's are 20 characters, Google's about 75). */
  maxCodeLength: 1024,
  /** How many verified GitHub emails are looked up as existing users, at most. */
  maxEmailLookups: 20,
} as const;

/** GitHub answers API calls without a User-Agent with 403; Workers' fetch sends none by default. */
const USER_AGENT = 'edge-authorizer-token-service';
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+$/;
// eslint-disable-next-line no-control-regex
const WHITESPACE_OR_CONTROL = /[\s\u0000-\u001f\u007f]/;

type Json = Record<string, unknown>;

function fail(code: OAuthLoginError['code'], message: string): OAuthLoginError {
  return new OAuthLoginError(code, message);
}

function checkedEndpoint(which: string, raw: unknown, allowLoopback: boolean): URL {
  const bad = (why: string) => new TypeError(`OAuth ${which} ${why}`);
  if (typeof raw !== 'string') throw bad('must be a URL');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw bad('must be an absolute URL');
  }
  if (url.username !== '' || url.password !== '' || url.hash !== '') throw bad('must have no credentials or fragment');
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && allowLoopback && LOOPBACK_HOSTS.has(url.hostname)) return url;
  throw bad(
    allowLoopback
      ? 'must be https, or http to 127.0.0.1, ::1 or localhost'
      : 'must be https (allowInsecureLoopback allows http to a loopback host)',
  );
}

function checkedString(what: string, value: unknown, max: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max || CONTROL.test(value)) {
    throw new TypeError(`OAuth ${what} must be a non-empty string of at most ${max} characters`);
  }
  return value;
}

/**
 * A GitHub or Google login client.
 *
 * @throws TypeError for an unknown provider or a bad configuration (an endpoint that is not https, or
 *   http outside loopback with `allowInsecureLoopback`; an empty client id or secret; a bad timeout).
 * @example
 * const github = createOAuthProvider('github', { clientId: env.GITHUB_ID, clientSecret: env.GITHUB_SECRET });
 * const url = github.authorizationUrl({ state, codeChallenge, redirectUri: 'https://auth.example/auth/oauth_callback' });
 * // … in the callback, after the state was opened and its login state taken from the store:
 * const profile = await github.completeLogin({ code, codeVerifier, redirectUri }, store);
 */
export function createOAuthProvider(name: OAuthProviderName, config: OAuthProviderConfig, deps: OAuthProviderDeps = {}): OAuthProvider {
  if (name !== 'github' && name !== 'google') throw new TypeError('OAuth provider must be github or google');
  const defaults = OAUTH_PROVIDER_DEFAULTS[name];
  const clientId = checkedString('clientId', config.clientId, 256);
  const clientSecret = checkedString('clientSecret', config.clientSecret, 1024);
  const scopes = config.scopes ?? defaults.scopes;
  if (
    !Array.isArray(scopes) ||
    scopes.length === 0 ||
    !scopes.every((s) => typeof s === 'string' && /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s))
  ) {
    throw new TypeError('OAuth scopes must be a non-empty list of scope tokens');
  }
  const timeoutMs = config.timeoutMs ?? OAUTH_LIMITS.timeoutMs;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 60_000)
    throw new TypeError('OAuth timeoutMs must be a whole number of 1 to 60000');
  const loopback = config.allowInsecureLoopback === true;
  const given = config.endpoints ?? {};
  const ep = { ...defaults.endpoints, ...Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) } as OAuthEndpoints;
  const authorizationEndpoint = checkedEndpoint('authorizationEndpoint', ep.authorizationEndpoint, loopback);
  const tokenEndpoint = checkedEndpoint('tokenEndpoint', ep.tokenEndpoint, loopback);
  const userinfoEndpoint = checkedEndpoint('userinfoEndpoint', ep.userinfoEndpoint, loopback);
  const emailsEndpoint = name === 'github' ? checkedEndpoint('emailsEndpoint', ep.emailsEndpoint, loopback) : undefined;

  const doFetch: typeof fetch = deps.fetch ?? ((input, init) => fetch(input, init));
  const as: AuthorizationServer = {
    issuer: defaults.issuer,
    authorization_endpoint: authorizationEndpoint.href,
    token_endpoint: tokenEndpoint.href,
  };
  const client: Client = { client_id: clientId };
  // client_secret_post for both: GitHub documents only the form body, and Google's web-server guide sends
  // them there too. Basic would need the RFC 6749 §2.3.1 form-encoding of id and secret inside the
  // header (oauth4webapi writes Google's `-` as `%2D`), a compatibility risk for no gain.
  const clientAuth: ClientAuth = ClientSecretPost(clientSecret);

  /** Runs one provider call (request and body) under its own timeout, mapping faults to codes. */
  async function call<T>(what: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    try {
      return await run(abort.signal);
    } catch (e) {
      if (abort.signal.aborted) throw fail('provider-timeout', `the provider's ${what} did not answer in time`);
      if (e instanceof OAuthLoginError) throw e;
      throw fail('provider-error', `the provider's ${what} could not be reached`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** A 2xx answer's body as a JSON value (at most maxAnswerBytes, prototype-safe), else a coded error. */
  async function readJson(res: Response, what: string): Promise<unknown> {
    if (res.status < 200 || res.status > 299) {
      await res.body?.cancel().catch(() => undefined);
      throw fail('provider-error', `the provider's ${what} answered with an error status`);
    }
    const text = await readCapped(res, OAUTH_LIMITS.maxAnswerBytes);
    if (text === undefined) throw fail('provider-bad-answer', `the provider's ${what} answer is too large or not UTF-8`);
    try {
      return parseJsonSafe(text);
    } catch {
      throw fail('provider-bad-answer', `the provider's ${what} answer is not JSON`);
    }
  }

  async function getJson(url: URL, accessToken: string, what: string): Promise<unknown> {
    return call(what, async (signal) => {
      const headers: Record<string, string> = {
        authorization: `Bearer ${accessToken}`,
        accept: name === 'github' ? 'application/vnd.github+json' : 'application/json',
        'user-agent': USER_AGENT,
      };
      if (name === 'github') headers['x-github-api-version'] = '2022-11-28';
      const res = await doFetch(url.href, { method: 'GET', headers, redirect: 'manual', signal });
      return readJson(res, what);
    });
  }

  async function exchangeCode(code: string, codeVerifier: string, redirectUri: string): Promise<string> {
    const answer = await call('token endpoint', async (signal) => {
      // The state was checked by the app (signed, single use); this only brands the code for oauth4webapi.
      const callback = validateAuthResponse(as, client, new URLSearchParams({ code }), skipStateCheck);
      const res = await authorizationCodeGrantRequest(as, client, clientAuth, callback, redirectUri, codeVerifier, {
        signal,
        [allowInsecureRequests]: tokenEndpoint.protocol === 'http:',
        [customFetch]: (url, init) => doFetch(url, init),
      });
      return readJson(res, 'token endpoint');
    });
    if (!isJsonObject(answer)) throw fail('provider-bad-answer', "the provider's token answer is not an object");
    // GitHub answers a bad code, secret or verifier with 200 and {error: …}: any `error` fails closed.
    if ('error' in answer) throw fail('provider-error', 'the provider refused the code exchange');
    // Not validated and not used (the profile comes from userinfo over TLS); removed so that its claims
    // (issuer, audience, nonce) cannot fail oauth4webapi's checks of the answer.
    const { id_token: _ignored, ...rest } = answer;
    let accessToken: unknown;
    try {
      const checked = await processAuthorizationCodeResponse(
        as,
        client,
        new Response(JSON.stringify(rest), { status: 200, headers: { 'content-type': 'application/json' } }),
      );
      accessToken = checked.access_token;
    } catch {
      throw fail('provider-bad-answer', "the provider's token answer is not a bearer token answer");
    }
    if (
      typeof accessToken !== 'string' ||
      accessToken.length === 0 ||
      accessToken.length > OAUTH_LIMITS.maxAccessTokenLength ||
      CONTROL.test(accessToken)
    ) {
      throw fail('provider-bad-answer', "the provider's access token has the wrong shape");
    }
    return accessToken;
  }

  return {
    name,

    authorizationUrl({ state, codeChallenge, redirectUri }) {
      if (typeof state !== 'string' || state.length === 0 || state.length > 4096)
        throw new TypeError('state must be a string of 1 to 4096 characters');
      if (typeof codeChallenge !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(codeChallenge)) {
        throw new TypeError('codeChallenge must be an S256 PKCE challenge');
      }
      checkedEndpoint('redirectUri', redirectUri, true);
      const url = new URL(authorizationEndpoint.href);
      const q = url.searchParams;
      q.set('client_id', clientId);
      q.set('redirect_uri', redirectUri);
      q.set('response_type', 'code');
      q.set('scope', scopes.join(' '));
      q.set('state', state);
      q.set('code_challenge', codeChallenge);
      q.set('code_challenge_method', 'S256');
      return url;
    },

    async completeLogin({ code, codeVerifier, redirectUri }, store) {
      if (typeof code !== 'string' || code.length === 0 || code.length > OAUTH_LIMITS.maxCodeLength || CONTROL.test(code)) {
        throw fail('provider-bad-answer', 'the callback carries no usable code');
      }
      if (typeof codeVerifier !== 'string' || !/^[A-Za-z0-9._~-]{43,128}$/.test(codeVerifier)) {
        throw new TypeError('codeVerifier must be a PKCE code verifier');
      }
      const accessToken = await exchangeCode(code, codeVerifier, redirectUri);
      const profile = await getJson(userinfoEndpoint, accessToken, 'profile endpoint');
      if (!isJsonObject(profile)) throw fail('provider-bad-answer', "the provider's profile is not an object");
      if (name === 'github') {
        const emails = await getJson(emailsEndpoint!, accessToken, 'emails endpoint');
        return mapGitHub(profile, await pickGitHubEmail(emails, store));
      }
      return mapGoogle(profile);
    },
  };
}

/**
 * The error a callback's own parameters carry (the provider redirected back with `error=`), if any:
 * `access-denied` when the user declined, `provider-error` for any other error. The provider's
 * `error_description` is never read.
 */
export function callbackError(params: URLSearchParams): OAuthLoginError | undefined {
  if (!params.has('error')) return undefined;
  if (params.get('error') === 'access_denied') return fail('access-denied', 'the user declined the login at the provider');
  return fail('provider-error', 'the provider answered the login with an error');
}

/** The body as UTF-8 text, or undefined when it is larger than `max` bytes or not UTF-8. */
async function readCapped(res: Response, max: number): Promise<string | undefined> {
  const bytes = await readBoundedBody(res, max);
  return bytes && utf8OrUndefined(bytes);
}

/** A provider's user id (string or number) as text, or a bad answer. */
function providerIdOf(value: unknown): string {
  const id = typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? String(value) : value;
  if (typeof id !== 'string' || id.length === 0 || id.length > OAUTH_LIMITS.maxIdLength || WHITESPACE_OR_CONTROL.test(id)) {
    throw fail('provider-bad-answer', "the provider's profile has no usable user id");
  }
  return id;
}

function usableEmail(value: unknown): string | undefined {
  return typeof value === 'string' &&
    value.length <= OAUTH_LIMITS.maxEmailLength &&
    EMAIL_SHAPE.test(value) &&
    !CONTROL.test(value) &&
    stringProblem(value, OAUTH_LIMITS.maxEmailLength) === undefined
    ? value
    : undefined;
}

/** A display name, or null when absent or too long (a name is optional, so a bad one is dropped). */
function nameOf(value: unknown): string | null {
  // NUL and lone surrogates cannot be stored (stringProblem): dropped like an over-long name.
  return typeof value === 'string' && stringProblem(value, OAUTH_LIMITS.maxNameLength, true) === undefined ? value : null;
}

/** An http(s) avatar URL of at most 512 characters (the store's bound), normalised, or null. */
function avatarOf(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > OAUTH_LIMITS.maxAvatarUrlLength) return null;
  try {
    const url = new URL(value);
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' || url.password !== '') return null;
    return url.href.length <= OAUTH_LIMITS.maxAvatarUrlLength ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * The original's fallback username: the email's local part, made a valid username (username.ts: its
 * canonical form, without the characters a chosen name may not hold, at most 64 characters).
 */
function usernameFromEmail(email: string): string {
  return usernameFrom(email.slice(0, email.indexOf('@')));
}

/**
 * GitHub's email for the login: among the verified emails (in GitHub's order), the first whose md5 id is
 * already a user (so an existing user keeps their account whatever their primary email is now), else the
 * primary one when verified. Rejects with `no-email` when there is none.
 */
async function pickGitHubEmail(emails: unknown, store: Pick<TokenServiceStore, 'getUser'>): Promise<string> {
  if (!Array.isArray(emails)) throw fail('provider-bad-answer', "the provider's emails answer is not a list");
  const verified: { email: string; primary: boolean }[] = [];
  for (const entry of emails) {
    if (!isJsonObject(entry)) throw fail('provider-bad-answer', "the provider's emails answer has the wrong shape");
    const email = usableEmail(entry.email);
    if (email !== undefined && entry.verified === true) verified.push({ email, primary: entry.primary === true });
  }
  // Bounded: each lookup is a database read, and the list is the provider's to make long.
  for (const { email } of verified.slice(0, OAUTH_LIMITS.maxEmailLookups)) {
    if ((await store.getUser(md5Hex(email))) !== undefined) return email;
  }
  const primary = verified.find((e) => e.primary);
  if (primary) return primary.email;
  throw fail('no-email', 'the GitHub account has no verified primary email');
}

function mapGitHub(profile: Json, email: string): NormalizedProfile {
  const id = providerIdOf(profile.id);
  const login = profile.login;
  if (
    typeof login !== 'string' ||
    login.length === 0 ||
    login.length > OAUTH_LIMITS.maxUsernameLength ||
    WHITESPACE_OR_CONTROL.test(login) ||
    /[@/]/.test(login)
  ) {
    throw fail('provider-bad-answer', "the provider's profile has no usable login");
  }
  return {
    provider: 'github',
    providerId: `github:${id}`,
    name: nameOf(profile.name),
    email,
    username: usernameFrom(login),
    avatarUrl: avatarOf(profile.picture ?? profile.avatar_url),
  };
}

function mapGoogle(profile: Json): NormalizedProfile {
  // OIDC userinfo has `sub`; the v1 endpoint the original used has `id` (the same number).
  const id = providerIdOf(profile.sub ?? profile.id);
  if (profile.email === undefined || profile.email === null) throw fail('no-email', 'the Google account shared no email');
  const email = usableEmail(profile.email);
  if (email === undefined) throw fail('provider-bad-answer', "the provider's email has the wrong shape");
  if (profile.email_verified !== true && profile.verified_email !== true)
    throw fail('no-email', "the Google account's email is not verified");
  return {
    provider: 'google',
    providerId: `google:${id}`,
    name: nameOf(profile.name),
    email,
    username: usernameFromEmail(email),
    avatarUrl: avatarOf(profile.picture ?? profile.avatar_url),
  };
}
