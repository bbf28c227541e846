// Full OAuth2 logins against the stand-in (infra/oauth-standin.ts) for GitHub and Google: the authorization
// URL, the provider's 302 back with a code, the code exchange with PKCE, the profile; then every injected
// fault, a wrong verifier, a replayed code, and that no secret reaches an error message.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOAuthStandin, type OAuthStandin, type StandinEndpoint, type StandinFault } from '../../infra/oauth-standin.ts';
import { md5Hex } from '../../lib/token-service/md5.ts';
import { callbackError, createOAuthProvider, type OAuthProviderName } from '../../lib/token-service/oauth/providers.ts';
import { createStateCodec, newLoginAttempt } from '../../lib/token-service/oauth/state.ts';
import { OAuthLoginError, type OAuthProvider, type TokenServiceStore, type User } from '../../lib/token-service/types.ts';

const REDIRECT_URI = 'http://127.0.0.1:9/auth/oauth_callback';
const TIMEOUT_MS = 300;

let standin: OAuthStandin;
const states = createStateCodec({ secret: crypto.getRandomValues(new Uint8Array(32)) });
/** Every verifier used, to check none leaks into a message. */
const verifiers: string[] = [];
/** Token endpoint answers as the client received them. */
const tokenAnswers: string[] = [];

function storeWith(...emails: string[]): Pick<TokenServiceStore, 'getUser'> {
  const ids = new Set(emails.map(md5Hex));
  return {
    getUser: async (id) => (ids.has(id) ? ({ id } as User) : undefined),
  };
}

function provider(name: OAuthProviderName, overrides: { clientSecret?: string } = {}): OAuthProvider {
  const recordingFetch: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    if (String(input) === standin[name].tokenEndpoint && res.ok) tokenAnswers.push(await res.clone().text());
    return res;
  };
  return createOAuthProvider(
    name,
    { ...standin.clients[name], ...overrides, endpoints: standin[name], allowInsecureLoopback: true, timeoutMs: TIMEOUT_MS },
    { fetch: recordingFetch },
  );
}

/** The browser's part: the authorization URL, the provider's 302, the callback's parameters. */
async function authorize(p: OAuthProvider, next = 'https://app.example/after') {
  const attempt = await newLoginAttempt();
  verifiers.push(attempt.codeVerifier);
  const state = await states.seal({ id: attempt.id, provider: p.name, next });
  const res = await fetch(p.authorizationUrl({ state, codeChallenge: attempt.codeChallenge, redirectUri: REDIRECT_URI }), {
    redirect: 'manual',
  });
  expect(res.status).toBe(302);
  const back = new URL(res.headers.get('location')!);
  expect(`${back.origin}${back.pathname}`).toBe(REDIRECT_URI);
  const opened = await states.open(back.searchParams.get('state') ?? '');
  expect(opened).toEqual({ id: attempt.id, provider: p.name, next });
  return { params: back.searchParams, attempt };
}

async function login(p: OAuthProvider, store = storeWith()) {
  const { params, attempt } = await authorize(p);
  expect(callbackError(params)).toBeUndefined();
  return p.completeLogin({ code: params.get('code')!, codeVerifier: attempt.codeVerifier, redirectUri: REDIRECT_URI }, store);
}

/** Rejects with this code, and the message holds no secret, code, token or verifier. */
async function expectLoginError(promise: Promise<unknown>, code: OAuthLoginError['code']) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OAuthLoginError);
  const e = error as OAuthLoginError;
  expect(e.code).toBe(code);
  const issued = standin.issued();
  const secrets = [
    standin.clients.github.clientSecret,
    standin.clients.google.clientSecret,
    ...issued.codes,
    ...issued.accessTokens,
    ...verifiers,
  ];
  const text = `${e.message} ${String(e.stack)} ${JSON.stringify(e)}`;
  for (const s of secrets) expect(text).not.toContain(s);
  expect(text).not.toMatch(/stand-in:|Bad credentials|bad_verification_code|invalid_grant|denied your application/);
  expect(e.cause).toBeUndefined();
}

beforeAll(async () => {
  standin = await startOAuthStandin({ slowMs: TIMEOUT_MS * 5 });
});
afterAll(async () => {
  await standin.close();
});
afterEach(() => {
  standin.clearFaults();
  standin.setUser({
    email: 'octo@standin.example',
    emailVerified: true,
    emails: [
      { email: 'octo@standin.example', verified: true, primary: true },
      { email: 'octo-old@standin.example', verified: true, primary: false },
    ],
  });
});

describe('GitHub login against the stand-in', () => {
  it('logs in: 302 with code and state, code exchange with PKCE, profile mapped the original way', async () => {
    const profile = await login(provider('github'));
    expect(profile).toEqual({
      provider: 'github',
      providerId: 'github:1234567',
      name: 'Octo Standin',
      email: 'octo@standin.example',
      username: 'octo-standin',
      avatarUrl: 'https://avatars.standin.example/u/1234567',
    });
    const endpoints = standin.hits().map((h) => `${h.endpoint} ${h.status}`);
    expect(endpoints.slice(-4)).toEqual(['github-authorize 302', 'github-token 200', 'github-user 200', 'github-emails 200']);
  });

  it('sends PKCE S256, the scope and the state in the authorization URL', async () => {
    const attempt = await newLoginAttempt();
    const url = provider('github').authorizationUrl({ state: 's', codeChallenge: attempt.codeChallenge, redirectUri: REDIRECT_URI });
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: standin.clients.github.clientId,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'user:email',
      state: 's',
      code_challenge: attempt.codeChallenge,
      code_challenge_method: 'S256',
    });
  });

  it('prefers a verified email that is already a user over the primary one', async () => {
    const profile = await login(provider('github'), storeWith('octo-old@standin.example'));
    expect(profile.email).toBe('octo-old@standin.example');
  });

  it('never takes an unverified email, even one that is already a user (no account takeover)', async () => {
    standin.setUser({
      emails: [
        { email: 'victim@standin.example', verified: false, primary: false },
        { email: 'octo@standin.example', verified: true, primary: true },
      ],
    });
    const profile = await login(provider('github'), storeWith('victim@standin.example'));
    expect(profile.email).toBe('octo@standin.example');
  });

  it('refuses an account whose primary email is unverified and no verified email is a user', async () => {
    standin.setUser({
      emails: [
        { email: 'octo@standin.example', verified: false, primary: true },
        { email: 'other@standin.example', verified: true, primary: false },
      ],
    });
    await expectLoginError(login(provider('github')), 'no-email');
  });

  it('fails closed on the token endpoint’s 200 {error} answer', async () => {
    standin.setFault('github-token', 'error');
    await expectLoginError(login(provider('github')), 'provider-error');
    expect(standin.hits().at(-1)).toMatchObject({ endpoint: 'github-token', status: 200 });
  });
});

describe('Google login against the stand-in', () => {
  it('logs in, tolerating an id_token whose issuer and nonce would not validate', async () => {
    const before = tokenAnswers.length;
    const profile = await login(provider('google'));
    expect(profile).toEqual({
      provider: 'google',
      providerId: 'google:109876543210987654321',
      name: 'Octo Standin',
      email: 'octo@standin.example',
      username: 'octo',
      avatarUrl: 'https://avatars.standin.example/u/1234567',
    });
    const answer = JSON.parse(tokenAnswers[before]!) as Record<string, unknown>;
    expect(typeof answer.id_token).toBe('string');
  });

  it('sends the OIDC scopes', async () => {
    const attempt = await newLoginAttempt();
    const url = provider('google').authorizationUrl({ state: 's', codeChallenge: attempt.codeChallenge, redirectUri: REDIRECT_URI });
    expect(url.searchParams.get('scope')).toBe('openid email profile');
    expect(url.origin + url.pathname).toBe(standin.google.authorizationEndpoint);
  });

  it('refuses an unverified email', async () => {
    standin.setUser({ emailVerified: false });
    await expectLoginError(login(provider('google')), 'no-email');
  });
});

describe.each(['github', 'google'] as const)('%s: the login refuses', (name) => {
  it('a declined consent (error=access_denied on the callback)', async () => {
    standin.setFault(`${name}-authorize`, 'access-denied');
    const { params } = await authorize(provider(name));
    expect(params.get('code')).toBeNull();
    const error = callbackError(params);
    expect(error).toBeInstanceOf(OAuthLoginError);
    expect(error?.code).toBe('access-denied');
    expect(error?.message).not.toMatch(/denied your application/);
  });

  it('a wrong PKCE verifier', async () => {
    const p = provider(name);
    const { params } = await authorize(p);
    const other = await newLoginAttempt();
    verifiers.push(other.codeVerifier);
    await expectLoginError(
      p.completeLogin({ code: params.get('code')!, codeVerifier: other.codeVerifier, redirectUri: REDIRECT_URI }, storeWith()),
      'provider-error',
    );
    expect(standin.hits().at(-1)).toMatchObject({
      endpoint: `${name}-token`,
      error: name === 'github' ? 'bad_verification_code' : 'invalid_grant',
    });
  });

  it('a replayed code', async () => {
    const p = provider(name);
    const { params, attempt } = await authorize(p);
    const input = { code: params.get('code')!, codeVerifier: attempt.codeVerifier, redirectUri: REDIRECT_URI };
    await expect(p.completeLogin(input, storeWith())).resolves.toMatchObject({ provider: name });
    await expectLoginError(p.completeLogin(input, storeWith()), 'provider-error');
    expect(standin.hits().at(-1)).toMatchObject({ endpoint: `${name}-token`, status: name === 'github' ? 200 : 400 });
  });

  it('a redirect_uri other than the one authorized', async () => {
    const p = provider(name);
    const { params, attempt } = await authorize(p);
    await expectLoginError(
      p.completeLogin(
        { code: params.get('code')!, codeVerifier: attempt.codeVerifier, redirectUri: 'http://127.0.0.1:9/other' },
        storeWith(),
      ),
      'provider-error',
    );
    expect(standin.hits().at(-1)).toMatchObject({ error: name === 'github' ? 'redirect_uri_mismatch' : 'invalid_grant' });
  });

  it('a wrong client secret', async () => {
    const p = provider(name, { clientSecret: 'not-the-secret' });
    await expectLoginError(login(p), 'provider-error');
    expect(standin.hits().at(-1)).toMatchObject({ error: name === 'github' ? 'incorrect_client_credentials' : 'invalid_client' });
  });

  it('a code of the wrong shape, without calling the provider', async () => {
    const p = provider(name);
    const attempt = await newLoginAttempt();
    const count = standin.hits().length;
    await expectLoginError(
      p.completeLogin({ code: 'x'.repeat(5000), codeVerifier: attempt.codeVerifier, redirectUri: REDIRECT_URI }, storeWith()),
      'provider-bad-answer',
    );
    expect(standin.hits().length).toBe(count);
  });
});

const apiEndpoints = {
  github: ['github-token', 'github-user', 'github-emails'],
  google: ['google-token', 'google-userinfo'],
} as const satisfies Record<OAuthProviderName, readonly StandinEndpoint[]>;

const faultCodes: readonly [StandinFault, OAuthLoginError['code']][] = [
  ['error', 'provider-error'],
  ['status-500', 'provider-error'],
  ['slow', 'provider-timeout'],
  ['malformed-json', 'provider-bad-answer'],
  ['wrong-shape', 'provider-bad-answer'],
  ['oversized', 'provider-bad-answer'],
];

const cases = (['github', 'google'] as const).flatMap((name) =>
  apiEndpoints[name].flatMap((endpoint) => faultCodes.map(([fault, code]) => [name, endpoint, fault, code] as const)),
);

describe('faults, each to its code', () => {
  it.each(cases)('%s: %s answering %s → %s', async (name, endpoint, fault, code) => {
    standin.setFault(endpoint, fault);
    await expectLoginError(login(provider(name)), code);
  });

  it.each([
    ['github', 'github-emails', 'no-email'],
    ['github', 'github-emails', 'unverified-email'],
    ['google', 'google-userinfo', 'no-email'],
    ['google', 'google-userinfo', 'unverified-email'],
  ] as const)('%s: %s answering %s → no-email', async (name, endpoint, fault) => {
    standin.setFault(endpoint, fault);
    await expectLoginError(login(provider(name)), 'no-email');
  });

  it('a timeout applies to each call, not to the login as a whole', async () => {
    // Each call takes under the timeout; together they take longer.
    const slowFetch: typeof fetch = async (input, init) => {
      await new Promise((r) => setTimeout(r, TIMEOUT_MS * 0.6));
      return fetch(input, init);
    };
    const p = createOAuthProvider(
      'github',
      { ...standin.clients.github, endpoints: standin.github, allowInsecureLoopback: true, timeoutMs: TIMEOUT_MS },
      { fetch: slowFetch },
    );
    await expect(login(p)).resolves.toMatchObject({ provider: 'github' });
  });

  it('an unreachable provider is a provider-error', async () => {
    const p = createOAuthProvider(
      'google',
      {
        ...standin.clients.google,
        endpoints: { ...standin.google, tokenEndpoint: 'http://127.0.0.1:9/token' },
        allowInsecureLoopback: true,
      },
      {},
    );
    const { params, attempt } = await authorize(p);
    await expectLoginError(
      p.completeLogin({ code: params.get('code')!, codeVerifier: attempt.codeVerifier, redirectUri: REDIRECT_URI }, storeWith()),
      'provider-error',
    );
  });
});

describe('the stand-in itself', () => {
  it('answers GitHub token requests form-encoded unless JSON is asked for, as GitHub does', async () => {
    const res = await fetch(standin.github.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: standin.clients.github.clientId, client_secret: 'wrong', code: 'x' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    expect(new URLSearchParams(await res.text()).get('error')).toBe('incorrect_client_credentials');
  });

  it('refuses an authorization request without PKCE S256 or with an unknown client', async () => {
    const base = new URL(standin.github.authorizationEndpoint);
    const q = { client_id: standin.clients.github.clientId, redirect_uri: REDIRECT_URI, response_type: 'code', state: 's' };
    base.search = new URLSearchParams({ ...q, code_challenge: 'x'.repeat(43), code_challenge_method: 'plain' }).toString();
    expect((await fetch(base, { redirect: 'manual' })).status).toBe(400);
    base.search = new URLSearchParams({
      ...q,
      client_id: 'someone-else',
      code_challenge: 'x'.repeat(43),
      code_challenge_method: 'S256',
    }).toString();
    expect((await fetch(base, { redirect: 'manual' })).status).toBe(400);
  });

  it('refuses an API call without a valid access token', async () => {
    expect((await fetch(standin.github.userinfoEndpoint, { headers: { authorization: 'token nope', 'user-agent': 't' } })).status).toBe(
      401,
    );
    expect((await fetch(standin.google.userinfoEndpoint, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
  });
});
