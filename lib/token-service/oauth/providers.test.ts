import { processAuthorizationCodeResponse } from 'oauth4webapi';
import { describe, expect, it } from 'vitest';
import { md5Hex } from '../md5.ts';
import { OAuthLoginError, type User } from '../types.ts';
import { callbackError, createOAuthProvider, OAUTH_PROVIDER_DEFAULTS, type OAuthProviderName } from './providers.ts';

const VERIFIER = 'v'.repeat(43);
const REDIRECT = 'https://auth.example/auth/oauth_callback';
const CHALLENGE = 'c'.repeat(43);

interface Seen {
  url: string;
  method: string;
  headers: Headers;
  body: string;
}

/** A fetch answering the production endpoints from a table; records what it was asked. */
function fakeFetch(answers: Record<string, () => Response>, seen: Seen[] = []): typeof fetch {
  return async (input, init) => {
    const url = String(input);
    const body = init?.body instanceof URLSearchParams ? init.body.toString() : String(init?.body ?? '');
    seen.push({ url, method: init?.method ?? 'GET', headers: new Headers(init?.headers), body });
    const answer = answers[url];
    if (!answer) throw new TypeError('fetch failed');
    return answer();
  };
}

const json = (value: unknown, status = 200) =>
  new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } });
const gh = OAUTH_PROVIDER_DEFAULTS.github.endpoints;
const gg = OAUTH_PROVIDER_DEFAULTS.google.endpoints;

function github(user: Record<string, unknown>, emails: unknown, seen?: Seen[]) {
  return createOAuthProvider(
    'github',
    { clientId: 'gh-id', clientSecret: 'gh-secret' },
    {
      fetch: fakeFetch(
        {
          [gh.tokenEndpoint]: () => json({ access_token: 'gho_token', token_type: 'bearer', scope: 'user:email' }),
          [gh.userinfoEndpoint]: () => json(user),
          [gh.emailsEndpoint]: () => json(emails),
        },
        seen,
      ),
    },
  );
}

function google(info: Record<string, unknown>, token: Record<string, unknown> = {}, seen?: Seen[]) {
  return createOAuthProvider(
    'google',
    { clientId: 'gg-id', clientSecret: 'gg-secret' },
    {
      fetch: fakeFetch(
        {
          [gg.tokenEndpoint]: () => json({ access_token: 'ya29.token', token_type: 'Bearer', expires_in: 3599, ...token }),
          [gg.userinfoEndpoint]: () => json(info),
        },
        seen,
      ),
    },
  );
}

const noUsers = { getUser: async () => undefined };
const complete = { code: 'the-code', codeVerifier: VERIFIER, redirectUri: REDIRECT };
const ghUser = { id: 42, login: 'octocat', name: 'The Octocat', avatar_url: 'https://avatars.githubusercontent.com/u/42' };
const ghEmails = [{ email: 'octo@example.com', verified: true, primary: true }];
const ggInfo = { sub: '1001', name: 'Goo Gle', email: 'goo.gle@example.com', email_verified: true, picture: 'https://lh3.example/p.jpg' };

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  return p.then(
    () => undefined,
    (e: unknown) => (e instanceof OAuthLoginError ? e.code : `not an OAuthLoginError: ${String(e)}`),
  );
}

describe('createOAuthProvider: configuration', () => {
  it('uses the production endpoints and the original scopes by default', () => {
    const url = github(ghUser, ghEmails).authorizationUrl({ state: 's', codeChallenge: CHALLENGE, redirectUri: REDIRECT });
    expect(`${url.origin}${url.pathname}`).toBe('https://github.com/login/oauth/authorize');
    expect(url.searchParams.get('scope')).toBe('user:email');
    const g = google(ggInfo).authorizationUrl({ state: 's', codeChallenge: CHALLENGE, redirectUri: REDIRECT });
    expect(`${g.origin}${g.pathname}`).toBe('https://accounts.google.com/o/oauth2/v2/auth');
    expect(g.searchParams.get('scope')).toBe('openid email profile');
    expect(g.searchParams.get('code_challenge_method')).toBe('S256');
  });

  it.each([
    ['http://example.com/token', true],
    ['http://10.0.0.1/token', true],
    ['http://127.0.0.1:8080/token', false],
    ['http://localhost/token', false],
    ['ftp://127.0.0.1/token', true],
    ['https://user:pw@example.com/token', false],
    ['not a url', false],
  ])('refuses tokenEndpoint %s (allowInsecureLoopback: %s) with a TypeError', (tokenEndpoint, allowInsecureLoopback) => {
    expect(() =>
      createOAuthProvider('github', { clientId: 'a', clientSecret: 'b', endpoints: { tokenEndpoint }, allowInsecureLoopback }),
    ).toThrow(TypeError);
  });

  it('allows http to 127.0.0.1, ::1 and localhost only with allowInsecureLoopback', () => {
    for (const host of ['127.0.0.1:1', '[::1]:1', 'localhost:1']) {
      expect(() =>
        createOAuthProvider('google', {
          clientId: 'a',
          clientSecret: 'b',
          endpoints: { tokenEndpoint: `http://${host}/t` },
          allowInsecureLoopback: true,
        }),
      ).not.toThrow();
    }
  });

  it('refuses an unknown provider, empty credentials, bad scopes and bad timeouts', () => {
    expect(() => createOAuthProvider('gitlab' as OAuthProviderName, { clientId: 'a', clientSecret: 'b' })).toThrow(TypeError);
    expect(() => createOAuthProvider('github', { clientId: '', clientSecret: 'b' })).toThrow(TypeError);
    expect(() => createOAuthProvider('github', { clientId: 'a', clientSecret: '' })).toThrow(TypeError);
    expect(() => createOAuthProvider('github', { clientId: 'a', clientSecret: 'b', scopes: [] })).toThrow(TypeError);
    expect(() => createOAuthProvider('github', { clientId: 'a', clientSecret: 'b', scopes: ['a b'] })).toThrow(TypeError);
    expect(() => createOAuthProvider('github', { clientId: 'a', clientSecret: 'b', timeoutMs: 0 })).toThrow(TypeError);
    expect(() => createOAuthProvider('github', { clientId: 'a', clientSecret: 'secret-value', timeoutMs: 1.5 })).toThrow(
      /^(?!.*secret-value)/,
    );
  });

  it('refuses a challenge that is not S256-shaped', () => {
    expect(() => github(ghUser, ghEmails).authorizationUrl({ state: 's', codeChallenge: 'plain', redirectUri: REDIRECT })).toThrow(
      TypeError,
    );
  });
});

describe('client authentication', () => {
  it('GitHub: client_secret_post and PKCE verifier in the form; Bearer and a User-Agent on the API', async () => {
    const seen: Seen[] = [];
    await github(ghUser, ghEmails, seen).completeLogin(complete, noUsers);
    const form = new URLSearchParams(seen[0]!.body);
    expect(Object.fromEntries(form)).toMatchObject({
      client_id: 'gh-id',
      client_secret: 'gh-secret',
      code: 'the-code',
      code_verifier: VERIFIER,
      redirect_uri: REDIRECT,
      grant_type: 'authorization_code',
    });
    expect(seen[0]!.headers.get('accept')).toBe('application/json');
    expect(seen[0]!.headers.get('authorization')).toBeNull();
    expect(seen[1]!.headers.get('authorization')).toBe('Bearer gho_token');
    expect(seen[1]!.headers.get('user-agent')).toBeTruthy();
    expect(seen.map((s) => s.url)).toEqual([gh.tokenEndpoint, gh.userinfoEndpoint, gh.emailsEndpoint]);
  });

  it('Google: client_secret_post as well, with the verifier; Bearer on userinfo', async () => {
    const seen: Seen[] = [];
    await google(ggInfo, {}, seen).completeLogin(complete, noUsers);
    expect(seen[0]!.headers.get('authorization')).toBeNull();
    expect(Object.fromEntries(new URLSearchParams(seen[0]!.body))).toMatchObject({
      client_id: 'gg-id',
      client_secret: 'gg-secret',
      code_verifier: VERIFIER,
    });
    expect(seen[1]!.headers.get('authorization')).toBe('Bearer ya29.token');
  });
});

describe('GitHub profile mapping', () => {
  it('maps the original way: github:<id>, login as username, avatar_url', async () => {
    expect(await github(ghUser, ghEmails).completeLogin(complete, noUsers)).toEqual({
      provider: 'github',
      providerId: 'github:42',
      name: 'The Octocat',
      email: 'octo@example.com',
      username: 'octocat',
      avatarUrl: 'https://avatars.githubusercontent.com/u/42',
    });
  });

  it('takes the first verified email whose md5 id is a user, else the verified primary', async () => {
    const emails = [
      { email: 'primary@example.com', verified: true, primary: true },
      { email: 'unverified-user@example.com', verified: false, primary: false },
      { email: 'old@example.com', verified: true, primary: false },
      { email: 'older@example.com', verified: true, primary: false },
    ];
    const asked: string[] = [];
    const store = {
      getUser: async (id: string) => {
        asked.push(id);
        return id === md5Hex('old@example.com') || id === md5Hex('older@example.com') || id === md5Hex('unverified-user@example.com')
          ? ({ id } as User)
          : undefined;
      },
    };
    expect((await github(ghUser, emails).completeLogin(complete, store)).email).toBe('old@example.com');
    expect(asked).toEqual([md5Hex('primary@example.com'), md5Hex('old@example.com')]);
    expect((await github(ghUser, emails).completeLogin(complete, noUsers)).email).toBe('primary@example.com');
  });

  it('answers no-email without a verified primary, and bad-answer for a wrong-shaped list', async () => {
    expect(await codeOf(github(ghUser, []).completeLogin(complete, noUsers))).toBe('no-email');
    expect(
      await codeOf(github(ghUser, [{ email: 'x@example.com', verified: true, primary: false }]).completeLogin(complete, noUsers)),
    ).toBe('no-email');
    expect(
      await codeOf(github(ghUser, [{ email: 'x@example.com', verified: 'true', primary: true }]).completeLogin(complete, noUsers)),
    ).toBe('no-email');
    expect(await codeOf(github(ghUser, { emails: [] }).completeLogin(complete, noUsers))).toBe('provider-bad-answer');
    expect(await codeOf(github(ghUser, ['x@example.com']).completeLogin(complete, noUsers))).toBe('provider-bad-answer');
  });

  it('skips over-long emails', async () => {
    const long = `${'a'.repeat(310)}@example.com`;
    const emails = [{ email: long, verified: true, primary: true }];
    expect(await codeOf(github(ghUser, emails).completeLogin(complete, noUsers))).toBe('no-email');
  });

  it('bounds fields: over-long name and bad avatars become null, a bad id or login is a bad answer', async () => {
    const p = (user: Record<string, unknown>) => github({ ...ghUser, ...user }, ghEmails).completeLogin(complete, noUsers);
    expect((await p({ name: 'n'.repeat(257) })).name).toBeNull();
    expect((await p({ name: 'n'.repeat(256) })).name).toBe('n'.repeat(256));
    expect((await p({ name: null })).name).toBeNull();
    expect((await p({ avatar_url: 'javascript:alert(1)' })).avatarUrl).toBeNull();
    expect((await p({ avatar_url: `https://a.example/${'x'.repeat(2048)}` })).avatarUrl).toBeNull();
    expect((await p({ avatar_url: 42 })).avatarUrl).toBeNull();
    expect((await p({ picture: 'https://p.example/x.png' })).avatarUrl).toBe('https://p.example/x.png');
    expect(await codeOf(p({ login: 'l'.repeat(65) }))).toBe('provider-bad-answer');
    expect(await codeOf(p({ login: 'a b' }))).toBe('provider-bad-answer');
    expect(await codeOf(p({ login: undefined }))).toBe('provider-bad-answer');
    expect(await codeOf(p({ id: undefined }))).toBe('provider-bad-answer');
    expect(await codeOf(p({ id: 1.5 }))).toBe('provider-bad-answer');
    expect(await codeOf(p({ id: { x: 1 } }))).toBe('provider-bad-answer');
    expect((await p({ id: '77' })).providerId).toBe('github:77');
  });
});

describe('Google profile mapping', () => {
  it('maps: google:<sub>, the email’s local part as username, picture', async () => {
    expect(await google(ggInfo).completeLogin(complete, noUsers)).toEqual({
      provider: 'google',
      providerId: 'google:1001',
      name: 'Goo Gle',
      email: 'goo.gle@example.com',
      username: 'goo.gle',
      avatarUrl: 'https://lh3.example/p.jpg',
    });
  });

  it('accepts the v1 shape (id, verified_email) and cuts a long local part to 64 characters', async () => {
    const local = 'a'.repeat(70);
    const profile = await google({ id: '55', email: `${local}@example.com`, verified_email: true, name: null }).completeLogin(
      complete,
      noUsers,
    );
    expect(profile.providerId).toBe('google:55');
    expect(profile.username).toBe('a'.repeat(64));
    expect(profile.avatarUrl).toBeNull();
  });

  it('requires a verified email of the right shape', async () => {
    const p = (info: Record<string, unknown>) => google({ ...ggInfo, ...info }).completeLogin(complete, noUsers);
    expect(await codeOf(p({ email_verified: false }))).toBe('no-email');
    expect(await codeOf(p({ email_verified: 'true' }))).toBe('no-email');
    expect(await codeOf(p({ email_verified: undefined }))).toBe('no-email');
    expect(await codeOf(p({ email: undefined }))).toBe('no-email');
    expect(await codeOf(p({ email: 'not-an-email' }))).toBe('provider-bad-answer');
    expect(await codeOf(p({ email: `${'a'.repeat(320)}@x.example` }))).toBe('provider-bad-answer');
  });

  it('ignores an id_token that oauth4webapi itself would refuse (wrong issuer, unexpected nonce)', async () => {
    const b64 = (v: unknown) => btoa(JSON.stringify(v)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
    const now = Math.floor(Date.now() / 1000);
    const idToken = `${b64({ alg: 'RS256' })}.${b64({ iss: 'https://evil.example', aud: 'gg-id', sub: '1', iat: now, exp: now + 60, nonce: 'n' })}.c2ln`;
    const as = { issuer: 'https://accounts.google.com', token_endpoint: gg.tokenEndpoint };
    // The library alone rejects this answer …
    await expect(
      processAuthorizationCodeResponse(as, { client_id: 'gg-id' }, json({ access_token: 'a', token_type: 'Bearer', id_token: idToken })),
    ).rejects.toThrow();
    // … the login does not.
    await expect(google(ggInfo, { id_token: idToken }).completeLogin(complete, noUsers)).resolves.toMatchObject({
      providerId: 'google:1001',
    });
    await expect(google(ggInfo, { id_token: 42 }).completeLogin(complete, noUsers)).resolves.toMatchObject({ providerId: 'google:1001' });
  });
});

describe('provider answers', () => {
  const token = (body: () => Response) =>
    createOAuthProvider('github', { clientId: 'a', clientSecret: 'b' }, { fetch: fakeFetch({ [gh.tokenEndpoint]: body }) }).completeLogin(
      complete,
      noUsers,
    );

  it.each([
    [
      'a 200 {error} (GitHub style)',
      () => json({ error: 'bad_verification_code', error_description: 'The code passed is incorrect' }),
      'provider-error',
    ],
    ['a 200 {error} next to an access_token', () => json({ error: 'x', access_token: 'a', token_type: 'bearer' }), 'provider-error'],
    ['a 400 {error}', () => json({ error: 'invalid_grant' }, 400), 'provider-error'],
    ['a 302', () => new Response(null, { status: 302, headers: { location: 'https://elsewhere.example/' } }), 'provider-error'],
    ['a form-encoded answer', () => new Response('access_token=a&token_type=bearer', { status: 200 }), 'provider-bad-answer'],
    ['a JSON list', () => json([]), 'provider-bad-answer'],
    ['no access_token', () => json({ token_type: 'bearer' }), 'provider-bad-answer'],
    ['an unknown token_type', () => json({ access_token: 'a', token_type: 'mac' }), 'provider-bad-answer'],
    ['an over-long access token', () => json({ access_token: 'a'.repeat(4097), token_type: 'bearer' }), 'provider-bad-answer'],
    ['a __proto__ key', () => new Response('{"access_token":"a","token_type":"bearer","__proto__":{"x":1}}'), 'provider-bad-answer'],
    ['a declared Content-Length over 64 KiB', () => new Response('{}', { headers: { 'content-length': '70000' } }), 'provider-bad-answer'],
    ['a streamed body over 64 KiB', () => new Response(JSON.stringify({ p: 'x'.repeat(66_000) })), 'provider-bad-answer'],
    ['invalid UTF-8', () => new Response(new Uint8Array([0x7b, 0xff, 0x7d])), 'provider-bad-answer'],
  ] as const)('%s is refused', async (_label, body, code) => {
    expect(await codeOf(token(body))).toBe(code);
  });

  it('a network failure is a provider-error, a hung provider a provider-timeout', async () => {
    const failing = createOAuthProvider('google', { clientId: 'a', clientSecret: 'b' }, { fetch: fakeFetch({}) });
    expect(await codeOf(failing.completeLogin(complete, noUsers))).toBe('provider-error');
    const hung: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
    const slow = createOAuthProvider('google', { clientId: 'a', clientSecret: 'b', timeoutMs: 20 }, { fetch: hung });
    expect(await codeOf(slow.completeLogin(complete, noUsers))).toBe('provider-timeout');
  });

  it('messages never quote the provider, the code, the token or the secret', async () => {
    const err = await github(ghUser, { message: 'quote-me' })
      .completeLogin({ ...complete, code: 'code-value' }, noUsers)
      .catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(OAuthLoginError);
    for (const s of ['quote-me', 'code-value', 'gho_token', 'gh-secret', VERIFIER]) expect((err as Error).message).not.toContain(s);
  });
});

describe('callbackError', () => {
  it('maps error=access_denied to access-denied, other errors to provider-error, none to undefined', () => {
    expect(callbackError(new URLSearchParams('code=x&state=y'))).toBeUndefined();
    const denied = callbackError(new URLSearchParams('error=access_denied&error_description=The+user+said+no&state=y'));
    expect(denied).toBeInstanceOf(OAuthLoginError);
    expect(denied?.code).toBe('access-denied');
    expect(denied?.message).not.toContain('said no');
    expect(callbackError(new URLSearchParams('error=server_error&error_description=boom'))?.code).toBe('provider-error');
    expect(callbackError(new URLSearchParams('error=redirect_uri_mismatch'))?.message).not.toContain('redirect_uri_mismatch');
  });
});
