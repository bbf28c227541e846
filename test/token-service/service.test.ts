// The token service as a whole, over HTTP, on both deployments (test/fixtures/token-service-deployments.ts):
// the Worker under workerd with D1, and Node with PostgreSQL. Logins go through the stand-in GitHub and
// Google (infra/oauth-standin.ts), one stand-in per deployment. What is checked is what
// docs/token-service.md promises, and, field by field, the request and response shapes of the original
// dhq-auth service's README (the compatibility target), then bad input, limits, options, hooks, tokens,
// key rotation, logs, and the Lambda entry.
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, importPKCS8, importSPKI, jwtVerify, SignJWT, type JWK } from 'jose';
import * as v from 'valibot';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOAuthStandin, type OAuthStandin, type StandinEndpoint, type StandinFault } from '../../infra/oauth-standin.ts';
import { localConfig, localSecrets, loginThrough, type LocalSecrets, type LoginOutcome } from '../../infra/token-service-local.ts';
import { JwtIssuerSchema } from '../../lib/schemes/jwt/options.ts';
import { createJwtVerifier } from '../../lib/schemes/jwt/verifier.ts';
import { generateSigningKey } from '../../lib/token-service/signing-keys.ts';
import type { Hooks, User } from '../../lib/token-service/types.ts';
import { b64url, bearerRequest, hs256WithKeyText } from '../fixtures/jwt-keys.ts';
import { TOKEN_SERVICE_DEPLOYMENTS, type DeploymentStart, type RunningDeployment } from '../fixtures/token-service-deployments.ts';
import { createTestDatabase } from '../helpers/postgres.ts';
import { freePort, listenOnLoopback, type LoopbackServer } from '../helpers/net.ts';

const APP = 'https://app.test';
const NEXT = `${APP}/after?tab=1`;
const SERVICE = 'demo-api';
const PERMISSIONS = { 'demo-read': true, 'demo-write': false };
/** Flask's jsonify of a datetime, and Date#toUTCString: `Thu, 03 Dec 2026 21:54:57 GMT`. */
const RFC1123 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
/** The stand-in's slow answers come after this long; the providers' timeout (localConfig) is 1,500 ms. */
const SLOW_MS = 3000;

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  readonly body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, { redirect: 'manual', ...init });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, text, body };
}

const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

/** A state as the service seals it (HS256 with STATE_SECRET, typ oauth-state+jwt), with the claims given. */
async function forgeState(secret: Uint8Array, o: { provider?: string; next?: string; iat: number; exp: number }): Promise<string> {
  return new SignJWT({ provider: o.provider ?? 'github', next: o.next ?? NEXT })
    .setProtectedHeader({ alg: 'HS256', typ: 'oauth-state+jwt' })
    .setJti(randomBytes(24).toString('base64url'))
    .setIssuedAt(o.iat)
    .setExpirationTime(o.exp)
    .sign(secret);
}

/** Open-redirect attempts for `next`: none may ever be redirected to. */
const BAD_NEXTS: readonly (readonly [string, string])[] = [
  ['another host', 'https://evil.example/after'],
  ['scheme-relative', '//evil.example'],
  ['javascript:', 'javascript:alert(1)'],
  ['userinfo naming the allowed host', 'https://app.test@evil.example'],
  ['encoded slashes', 'https:%2F%2Fevil.example'],
  ['a backslash path', '/\\evil.example'],
  ['a suffix of the allowed host', 'http://app.test.evil.example'],
  ['the allowed host over http', 'http://app.test/after'],
  ['an upper-case scheme', 'HTTPS://evil.example'],
  ['an upper-case javascript:', 'JavaScript:alert(1)'],
  ['a leading space', ' https://evil.example'],
  ['a tab inside the scheme', 'java\tscript:alert(1)'],
  ['a newline in the host', 'https://app.test\n.evil.example'],
  ['a data: URL', 'data:text/html,<script>alert(1)</script>'],
  ['a relative path', '/after'],
  // 1,017 characters as sent, 3,017 once serialised (each `"` becomes %22): over the 2,048 bound.
  ['an allowed URL that serialising makes too long', `https://app.test/${'"'.repeat(1000)}`],
];

describe.each(TOKEN_SERVICE_DEPLOYMENTS)('token service: $label', (deployment) => {
  let standin: OAuthStandin;
  let secrets: LocalSecrets;
  let svc: RunningDeployment;
  let publicUrl: string;
  /** The permission providers' endpoint (`/ok`, `/500`, `/slow`, `/redirect`, `/array`, `/huge`). */
  let permissionServer: LoopbackServer;
  /** What `/ok` was asked. */
  const permissionAsks: unknown[] = [];
  const started: RunningDeployment[] = [];
  /** Everything that must never be in a log line: tokens, states, codes, secrets, emails. */
  const secretsSeen = new Set<string>();
  let userCount = 0;

  /** Starts a service of this deployment against the stand-in, with `extra` merged into its configuration. */
  async function launch(
    extra: Record<string, unknown> = {},
    o: Omit<DeploymentStart, 'config' | 'secrets'> & { secrets?: LocalSecrets } = {},
  ): Promise<RunningDeployment & { publicUrl: string }> {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const config = localConfig({
      publicUrl: url,
      standin,
      allowedOrigins: [APP],
      services: {
        [SERVICE]: { static: PERMISSIONS },
        'perm-ok': { url: `${permissionServer.url}/ok` },
        'perm-500': { url: `${permissionServer.url}/500` },
        'perm-slow': { url: `${permissionServer.url}/slow`, timeoutMs: 200 },
        'perm-redirect': { url: `${permissionServer.url}/redirect` },
        'perm-array': { url: `${permissionServer.url}/array` },
        'perm-huge': { url: `${permissionServer.url}/huge` },
      },
      extra,
    });
    const { secrets: s = secrets, ...rest } = o;
    const running = await deployment.start({ config, secrets: s, ...rest });
    started.push(running);
    return Object.assign(running, { publicUrl: url });
  }

  function remember(outcome: LoginOutcome): void {
    if (outcome.jwt) secretsSeen.add(outcome.jwt);
    for (const hop of outcome.hops) {
      const state = new URL(hop.url).searchParams.get('state');
      if (state) secretsSeen.add(state);
    }
  }

  async function login(o: { provider?: 'github' | 'google'; service?: string; next?: string } = {}): Promise<LoginOutcome> {
    const outcome = await loginThrough({
      serviceUrl: o.service ?? svc.url,
      next: o.next ?? NEXT,
      ...(o.provider ? { provider: o.provider } : {}),
    });
    remember(outcome);
    return outcome;
  }

  /** Makes the stand-in's account a new person (a fresh email, id and login). */
  function newPerson(login?: string): { email: string; login: string; name: string } {
    userCount++;
    const tag = login ?? `user${userCount}-${randomBytes(3).toString('hex')}`;
    const email = `${tag}@people.example`;
    const name = `Person ${userCount}`;
    secretsSeen.add(email);
    standin.setUser({
      id: 5_000_000 + userCount,
      googleSub: `2000000000000000${userCount}`,
      login: tag,
      name,
      email,
      emailVerified: true,
      emails: [{ email, verified: true, primary: true }],
      avatarUrl: `https://avatars.people.example/${tag}`,
    });
    return { email, login: tag, name };
  }

  /** Logs a new person in (GitHub unless told); their user token and id. */
  async function newUser(provider: 'github' | 'google' = 'github', o: { service?: string } = {}) {
    const person = newPerson();
    const outcome = await login({ provider, ...o });
    expect(outcome.jwt, `login landed on ${outcome.landing.search}`).toBeTypeOf('string');
    return { ...person, jwt: outcome.jwt!, userid: md5(person.email), outcome };
  }

  async function serviceToken(jwt: string, service = SERVICE, base = svc.url): Promise<Answer> {
    const a = await call(`${base}/auth/authorize?${q({ jwt, service })}`);
    if (typeof a.body?.token === 'string') secretsSeen.add(a.body.token as string);
    return a;
  }

  const update = (params: Record<string, string>, init: RequestInit = {}) =>
    call(`${svc.url}/auth/update?${q(params)}`, { method: 'POST', ...init });

  beforeAll(async () => {
    standin = await startOAuthStandin({ slowMs: SLOW_MS });
    secrets = await localSecrets(standin);
    for (const s of Object.values(secrets)) secretsSeen.add(s);
    for (const k of (JSON.parse(secrets.TOKEN_SIGNING_KEYS) as { keys: { privateKey: string }[] }).keys) secretsSeen.add(k.privateKey);
    permissionServer = await listenOnLoopback(
      async (req: IncomingMessage, res: ServerResponse) => {
        const chunks: Buffer[] = [];
        for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
        const send = (status: number, body: string, headers: Record<string, string> = {}) => {
          if (res.destroyed) return;
          res.writeHead(status, { 'content-type': 'application/json', ...headers });
          res.end(body);
        };
        switch (req.url) {
          case '/ok':
            permissionAsks.push({
              method: req.method,
              type: req.headers['content-type'],
              body: JSON.parse(Buffer.concat(chunks).toString()),
            });
            return send(200, '{"perm-x":true,"perm-y":false}');
          case '/500':
            return send(500, '{"error":"down"}');
          case '/slow':
            await new Promise((r) => setTimeout(r, 2000));
            return send(200, '{"demo-read":true}');
          case '/redirect':
            return send(302, '', { location: `${permissionServer.url}/ok` });
          case '/array':
            return send(200, '["demo-read"]');
          case '/huge':
            return send(200, JSON.stringify({ pad: 'x'.repeat(1024 * 1024) }));
          default:
            return send(404, '{}');
        }
      },
      (res) => res.destroy(),
    );
    // Limits far above what the suite does from one address (the rate-limit cases start their own).
    const main = await launch({ rateLimits: { login: { limit: 1000, windowSeconds: 60 }, api: { limit: 5000, windowSeconds: 60 } } });
    svc = main;
    publicUrl = main.publicUrl;
  });

  afterAll(async () => {
    await Promise.all(started.map((s) => s.close()));
    await Promise.all([standin?.close(), permissionServer?.close()]);
  });

  afterEach(() => {
    standin.clearFaults();
  });

  // ---- Compatibility, field by field, with the original's README ----

  describe('compatibility with dhq-auth', () => {
    it('/auth/check without a token: exactly {authenticated: false, providers: {github: {url}, google: {url}}}', async () => {
      const a = await call(`${svc.url}/auth/check?${q({ next: NEXT })}`);
      expect(a.status).toBe(200);
      expect(a.headers.get('content-type')).toMatch(/^application\/json/);
      expect(a.body).toEqual({
        authenticated: false,
        providers: {
          github: { url: `${publicUrl}/auth/login/github?next=${encodeURIComponent(NEXT)}` },
          google: { url: `${publicUrl}/auth/login/google?next=${encodeURIComponent(NEXT)}` },
        },
      });
      // Without next: the default (the first allowed origin).
      const d = await call(`${svc.url}/auth/check`);
      expect(d.body.providers.github.url).toBe(`${publicUrl}/auth/login/github?next=${encodeURIComponent(`${APP}/`)}`);
    });

    it('logs in through GitHub: 302s to the provider, back to the callback, then to next with ?jwt=', async () => {
      const person = newPerson();
      const outcome = await login();
      expect(outcome.hops.map((h) => h.status)).toEqual([302, 302, 302]);
      expect(outcome.hops[1]!.url.startsWith(standin.github.authorizationEndpoint)).toBe(true);
      expect(outcome.hops[2]!.url.startsWith(`${publicUrl}/auth/oauth_callback?`)).toBe(true);
      expect(`${outcome.landing.origin}${outcome.landing.pathname}`).toBe(`${APP}/after`);
      // next's own parameters are kept, jwt added.
      expect(outcome.landing.searchParams.get('tab')).toBe('1');
      expect(decodeJwt(outcome.jwt!).userid).toBe(md5(person.email));
    });

    it('/auth/check with a token (jwt parameter and auth-token header): {authenticated: true, profile} with exactly these fields', async () => {
      const before = Date.now();
      const u = await newUser();
      for (const a of [
        await call(`${svc.url}/auth/check?${q({ jwt: u.jwt })}`),
        await call(`${svc.url}/auth/check`, { headers: { 'auth-token': u.jwt } }),
      ]) {
        expect(a.status).toBe(200);
        expect(Object.keys(a.body).sort()).toEqual(['authenticated', 'profile']);
        expect(a.body.authenticated).toBe(true);
        const p = a.body.profile;
        // The original's README documents id, name, email, avatar_url, idhash and username; join_date is
        // extra (the original's profile carried it too, as Flask's RFC 1123 date; ours keeps the form).
        expect(Object.keys(p).sort()).toEqual(['avatar_url', 'email', 'id', 'idhash', 'join_date', 'name', 'username']);
        expect(p).toMatchObject({
          id: md5(u.email),
          idhash: md5(u.email),
          name: u.name,
          email: u.email,
          avatar_url: `https://avatars.people.example/${u.login}`,
          username: u.login,
        });
        expect(p.join_date).toMatch(RFC1123);
        const joined = Date.parse(p.join_date as string);
        expect(joined).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
        expect(joined).toBeLessThanOrEqual(Date.now() + 1000);
      }
    });

    it('/auth/authorize: exactly {token, userid, permissions, service}; the token verifies with the JWKS and with the PEM', async () => {
      const u = await newUser();
      const viaHeader = await call(`${svc.url}/auth/authorize?${q({ service: SERVICE })}`, { headers: { 'auth-token': u.jwt } });
      expect(viaHeader.status).toBe(200);
      const a = await serviceToken(u.jwt);
      expect(a.status).toBe(200);
      for (const body of [a.body, viaHeader.body]) {
        expect(Object.keys(body).sort()).toEqual(['permissions', 'service', 'token', 'userid']);
        expect(body).toMatchObject({ userid: u.userid, permissions: PERMISSIONS, service: SERVICE });
      }
      const token = a.body.token as string;
      const jwks = (await call(`${svc.url}/.well-known/jwks.json`)).body as { keys: JWK[] };
      const pem = (await call(`${svc.url}/auth/public-key`)).text;
      const header = decodeProtectedHeader(token);
      expect(header).toEqual({ alg: 'RS256', kid: jwks.keys[0]!.kid, typ: 'JWT' });
      const byJwks = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: publicUrl, audience: SERVICE, algorithms: ['RS256'] });
      const byPem = await jwtVerify(token, await importSPKI(pem, 'RS256'), { issuer: publicUrl, audience: SERVICE });
      expect(byPem.payload).toEqual(byJwks.payload);
      const claims = byJwks.payload;
      expect(Object.keys(claims).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'permissions', 'service', 'userid']);
      expect(claims).toMatchObject({ userid: u.userid, permissions: PERMISSIONS, service: SERVICE, iss: publicUrl, aud: SERVICE });
      expect(claims.exp! - claims.iat!).toBe(3600);
      expect(Math.abs(claims.iat! - Date.now() / 1000)).toBeLessThan(60);
      // The user token: userid, iss, aud = the user audience (publicUrl), 14 days.
      const user = await jwtVerify(u.jwt, createLocalJWKSet(jwks), { issuer: publicUrl, audience: publicUrl });
      expect(Object.keys(user.payload).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'userid']);
      expect(user.payload.exp! - user.payload.iat!).toBe(14 * 86400);
      expect(decodeProtectedHeader(u.jwt)).toEqual({ alg: 'RS256', kid: jwks.keys[0]!.kid, typ: 'JWT' });
    });

    it('/auth/authorize without a token or without a service: {permissions: {}}', async () => {
      const u = await newUser();
      for (const url of [`/auth/authorize?${q({ service: SERVICE })}`, `/auth/authorize?${q({ jwt: u.jwt })}`, '/auth/authorize']) {
        const a = await call(`${svc.url}${url}`);
        expect(a.status).toBe(200);
        expect(a.body).toEqual({ permissions: {} });
      }
    });

    it('/auth/update: {success: true}, then {success: false, error: "Cannot modify username, already set"}', async () => {
      const u = await newUser();
      const name = `chosen-${randomBytes(3).toString('hex')}`;
      expect(await update({ jwt: u.jwt, username: name })).toMatchObject({ status: 200, body: { success: true } });
      expect((await update({ jwt: u.jwt, username: name })).body).toEqual({ success: false, error: 'Cannot modify username, already set' });
      expect((await update({ jwt: u.jwt, username: `${name}-2` })).body).toEqual({
        success: false,
        error: 'Cannot modify username, already set',
      });
      // The chosen name shows in the profile, and resolves to the user.
      expect((await call(`${svc.url}/auth/check?${q({ jwt: u.jwt })}`)).body.profile.username).toBe(name);
      expect((await call(`${svc.url}/auth/resolve?${q({ username: name })}`)).body).toEqual({ userid: u.userid });
    });

    it('/auth/update takes a POST form body as well as query parameters (Flask request.values), and the auth-token header', async () => {
      const u = await newUser();
      const name = `form-${randomBytes(3).toString('hex')}`;
      const a = await call(`${svc.url}/auth/update`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: q({ jwt: u.jwt, username: name }),
      });
      expect(a).toMatchObject({ status: 200, body: { success: true } });
      expect((await call(`${svc.url}/auth/resolve?${q({ username: name })}`)).body).toEqual({ userid: u.userid });
      const v2 = await newUser();
      const name2 = `hdr-${randomBytes(3).toString('hex')}`;
      const b = await call(`${svc.url}/auth/update`, {
        method: 'POST',
        headers: { 'auth-token': v2.jwt, 'content-type': 'application/x-www-form-urlencoded' },
        body: q({ username: name2 }),
      });
      expect(b.body).toEqual({ success: true });
      expect((await call(`${svc.url}/auth/resolve?${q({ username: name2 })}`)).body).toEqual({ userid: v2.userid });
    });

    it('/auth/update errors word for word: "No token", "Not authenticated"; a call without username changes nothing', async () => {
      expect(await update({ username: 'x' })).toMatchObject({ status: 200, body: { success: false, error: 'No token' } });
      expect(await update({ jwt: 'not-a-token', username: 'x' })).toMatchObject({
        status: 200,
        body: { success: false, error: 'Not authenticated' },
      });
      const u = await newUser();
      // As the original: other fields are ignored silently.
      expect((await update({ jwt: u.jwt, email: 'other@people.example' })).body).toEqual({ success: true });
      expect((await call(`${svc.url}/auth/check?${q({ jwt: u.jwt })}`)).body.profile.email).toBe(u.email);
    });

    it('/auth/resolve: {userid}, {userid: null}', async () => {
      const u = await newUser();
      expect(await call(`${svc.url}/auth/resolve?${q({ username: u.login })}`)).toMatchObject({ status: 200, body: { userid: u.userid } });
      expect(await call(`${svc.url}/auth/resolve?${q({ username: 'nobody-here' })}`)).toMatchObject({
        status: 200,
        body: { userid: null },
      });
      expect((await call(`${svc.url}/auth/resolve`)).body).toEqual({ userid: null });
    });

    it('/auth/get_profile: {found: true, profile: {id, name, join_date, avatar_url, gravatar}}, {found: false, profile: null}', async () => {
      const u = await newUser();
      const a = await call(`${svc.url}/auth/get_profile?${q({ username: u.login })}`);
      expect(a.status).toBe(200);
      expect(Object.keys(a.body).sort()).toEqual(['found', 'profile']);
      expect(a.body.found).toBe(true);
      expect(Object.keys(a.body.profile).sort()).toEqual(['avatar_url', 'gravatar', 'id', 'join_date', 'name']);
      expect(a.body.profile).toMatchObject({
        id: u.userid,
        name: u.name,
        avatar_url: `https://avatars.people.example/${u.login}`,
        gravatar: u.userid,
      });
      expect(a.body.profile.join_date).toMatch(RFC1123);
      expect(await call(`${svc.url}/auth/get_profile?${q({ username: 'nobody-here' })}`)).toMatchObject({
        status: 200,
        body: { found: false, profile: null },
      });
    });

    it('/auth/public-key: an SPKI PEM; /.well-known/jwks.json: the key with its kid', async () => {
      const a = await call(`${svc.url}/auth/public-key`);
      expect(a.status).toBe(200);
      expect(a.text).toMatch(/^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+\n-----END PUBLIC KEY-----\n?$/);
      await importSPKI(a.text, 'RS256');
      const j = await call(`${svc.url}/.well-known/jwks.json`);
      expect(j.status).toBe(200);
      const kid = (JSON.parse(secrets.TOKEN_SIGNING_KEYS) as { keys: { kid: string }[] }).keys[0]!.kid;
      expect(j.body.keys).toHaveLength(1);
      expect(j.body.keys[0]).toMatchObject({ kid, alg: 'RS256', use: 'sig', kty: 'RSA' });
      expect(j.body.keys[0]).not.toHaveProperty('d');
    });

    it('logs in through Google too: username from the email, avatar from picture', async () => {
      const u = await newUser('google');
      const p = (await call(`${svc.url}/auth/check?${q({ jwt: u.jwt })}`)).body.profile;
      expect(p).toMatchObject({ id: u.userid, email: u.email, username: u.login, avatar_url: `https://avatars.people.example/${u.login}` });
      expect(u.outcome.hops[1]!.url.startsWith(standin.google.authorizationEndpoint!)).toBe(true);
    });

    it('a second login with the same email (the other provider) keeps the user id, the chosen username and the join date', async () => {
      const u = await newUser('github');
      const chosen = `keep-${randomBytes(3).toString('hex')}`;
      expect((await update({ jwt: u.jwt, username: chosen })).body).toEqual({ success: true });
      const first = (await call(`${svc.url}/auth/check?${q({ jwt: u.jwt })}`)).body.profile;
      await new Promise((r) => setTimeout(r, 1100));
      for (const provider of ['google', 'github'] as const) {
        const again = await login({ provider });
        expect(decodeJwt(again.jwt!).userid).toBe(u.userid);
        const p = (await call(`${svc.url}/auth/check?${q({ jwt: again.jwt! })}`)).body.profile;
        expect(p).toEqual(first);
        expect(p.username).toBe(chosen);
      }
    });
  });

  // ---- Bad input ----

  describe('bad input', () => {
    it('an unknown provider: /auth/login/facebook is a 404 JSON; a state naming one is a 400', async () => {
      const a = await call(`${svc.url}/auth/login/facebook?${q({ next: NEXT })}`);
      expect(a.status).toBe(404);
      expect(a.headers.get('content-type')).toMatch(/^application\/json/);
      expect(a.body).toEqual({ error: 'unknown provider' });
      const key = Buffer.from(secrets.STATE_SECRET, 'base64url');
      const now = Math.floor(Date.now() / 1000);
      const state = await forgeState(key, { provider: 'facebook', iat: now, exp: now + 600 });
      const b = await call(`${svc.url}/auth/oauth_callback?${q({ state, code: 'abc' })}`);
      expect(b.status).toBe(400);
      expect(b.headers.get('location')).toBeNull();
    });

    it('a forged state (another key), an expired one and garbage are 400 with no redirect', async () => {
      const now = Math.floor(Date.now() / 1000);
      const right = Buffer.from(secrets.STATE_SECRET, 'base64url');
      for (const state of [
        await forgeState(randomBytes(32), { iat: now, exp: now + 600 }),
        // The right key, expired: no clock can be injected under workerd, so the expiry is in the state.
        await forgeState(right, { iat: now - 700, exp: now - 100 }),
        // Issued recently, expired by its own exp only.
        await forgeState(right, { iat: now - 120, exp: now - 60 }),
        // From the future.
        await forgeState(right, { iat: now + 3600, exp: now + 4200 }),
        // The right key, a valid-looking state whose attempt was never recorded.
        await forgeState(right, { iat: now, exp: now + 600 }),
        'not.a.state',
        '',
      ]) {
        const a = await call(`${svc.url}/auth/oauth_callback?${q({ state, code: 'abc' })}`);
        expect(a.status).toBe(400);
        expect(a.body).toEqual({ error: 'invalid or expired state' });
        expect(a.headers.get('location')).toBeNull();
      }
    });

    it('a replayed callback (the exact URL of a finished login) is a 400 and gives no second jwt', async () => {
      newPerson();
      const first = await login();
      expect(first.jwt).toBeTypeOf('string');
      const callback = first.hops.find((h) => h.url.startsWith(`${publicUrl}/auth/oauth_callback?`))!.url;
      const again = await call(callback);
      expect(again.status).toBe(400);
      expect(again.headers.get('location')).toBeNull();
      expect(again.text).not.toContain('jwt');
    });

    it('the same callback twice at once: one jwt at most (the attempt is taken once)', async () => {
      newPerson();
      const start = await call(`${svc.url}/auth/login/github?${q({ next: NEXT })}`);
      expect(start.status).toBe(302);
      const atProvider = await call(start.headers.get('location')!);
      const callback = atProvider.headers.get('location')!;
      expect(callback.startsWith(`${publicUrl}/auth/oauth_callback?`)).toBe(true);
      secretsSeen.add(new URL(callback).searchParams.get('state')!);
      const answers = await Promise.all([call(callback), call(callback), call(callback)]);
      const withJwt = answers.filter((a) => new URL(a.headers.get('location') ?? 'x:/').searchParams.has('jwt'));
      expect(withJwt).toHaveLength(1);
      // The next page must not pass the token on in a Referer, nor a cache keep the redirect.
      expect(withJwt[0]!.headers.get('referrer-policy')).toBe('no-referrer');
      expect(withJwt[0]!.headers.get('cache-control')).toBe('no-store');
      secretsSeen.add(new URL(withJwt[0]!.headers.get('location')!).searchParams.get('jwt')!);
      expect(answers.filter((a) => a.status === 400)).toHaveLength(2);
    });

    it('a jwt already in next is replaced, not repeated', async () => {
      newPerson();
      const outcome = await login({ next: `${APP}/after?jwt=stale&keep=1` });
      expect(outcome.landing.searchParams.getAll('jwt')).toEqual([outcome.jwt]);
      expect(outcome.landing.searchParams.get('keep')).toBe('1');
    });

    it('an unverified GitHub email that belongs to another user never logs in as that user', async () => {
      const victim = await newUser('google');
      const attacker = newPerson();
      standin.setUser({
        emails: [
          { email: victim.email, verified: false, primary: false },
          { email: attacker.email, verified: true, primary: true },
        ],
      });
      const outcome = await login({ provider: 'github' });
      expect(decodeJwt(outcome.jwt!).userid).toBe(md5(attacker.email));
    });

    it('usernames from different providers are made unique: name, name1', async () => {
      const first = await newUser('github');
      // Someone else whose email's local part is the first user's GitHub login, through Google.
      const email = `${first.login}@elsewhere.example`;
      secretsSeen.add(email);
      standin.setUser({ email, emails: [{ email, verified: true, primary: true }], googleSub: '3000000000000000001', login: 'unused' });
      const second = await login({ provider: 'google' });
      const p = (await call(`${svc.url}/auth/check?${q({ jwt: second.jwt! })}`)).body.profile;
      expect(p).toMatchObject({ id: md5(email), username: `${first.login}1` });
    });

    it('a callback whose login failed cannot be replayed either (the attempt is used up)', async () => {
      newPerson();
      standin.setFault('github-token', 'status-500');
      const failed = await login();
      expect(failed.landing.searchParams.get('error')).toBe('login_failed');
      standin.clearFaults();
      const callback = failed.hops.find((h) => h.url.startsWith(`${publicUrl}/auth/oauth_callback?`))!.url;
      const again = await call(callback);
      expect(again.status).toBe(400);
      expect(again.headers.get('location')).toBeNull();
    });

    it.each(BAD_NEXTS)(
      'next as %s: /auth/check gives no providers and an error; /auth/login is a 400; nothing redirects there',
      async (_, next) => {
        const check = await call(`${svc.url}/auth/check?${q({ next })}`);
        expect(check.status).toBe(200);
        expect(check.body).toEqual({ authenticated: false, providers: {}, error: 'next is not an allowed URL' });
        for (const provider of ['github', 'google']) {
          const a = await call(`${svc.url}/auth/login/${provider}?${q({ next })}`);
          expect(a.status).toBe(400);
          expect(a.headers.get('location')).toBeNull();
          expect(a.body).toEqual({ error: 'next is not an allowed URL' });
        }
        // A state carrying it, signed with the right key, does not redirect there either.
        const now = Math.floor(Date.now() / 1000);
        const state = await forgeState(Buffer.from(secrets.STATE_SECRET, 'base64url'), { next, iat: now, exp: now + 600 });
        const cb = await call(`${svc.url}/auth/oauth_callback?${q({ state, code: 'abc' })}`);
        expect(cb.status).toBe(400);
        expect(cb.headers.get('location')).toBeNull();
      },
    );

    it('usernames: taken by someone else (case-insensitively) → "Username already taken"', async () => {
      const a = await newUser();
      const b = await newUser();
      const name = `Taken-${randomBytes(3).toString('hex')}`;
      expect((await update({ jwt: a.jwt, username: name })).body).toEqual({ success: true });
      for (const attempt of [name, name.toLowerCase(), name.toUpperCase()]) {
        expect((await update({ jwt: b.jwt, username: attempt })).body).toEqual({ success: false, error: 'Username already taken' });
      }
      // Another user's sign-up username (their GitHub login, not chosen through /auth/update) is taken too.
      const c = await newUser();
      expect((await update({ jwt: b.jwt, username: c.login.toUpperCase() })).body).toEqual({
        success: false,
        error: 'Username already taken',
      });
      // b can still choose a free one.
      expect((await update({ jwt: b.jwt, username: `${name}-b` })).body).toEqual({ success: true });
    });

    it('usernames: invalid ones are refused and do not use up the one change', async () => {
      const u = await newUser();
      for (const bad of [
        '',
        'x'.repeat(65),
        'a b',
        ' lead',
        'tab\there',
        'new\nline',
        'nul\u0000x',
        'bell\u0007',
        'del\u007f',
        'a/b',
        'a?b',
        'a#b',
        'a@b',
        // Lookalikes: no-break and ideographic spaces, zero-width space and joiner, a bidi override, a BOM.
        'ad\u00a0min',
        'ad\u3000min',
        'ad\u200bmin',
        'ad\u200dmin',
        '\u202enimda',
        '\ufeffadmin',
        // A path segment of its own.
        '.',
        '..',
      ]) {
        expect((await update({ jwt: u.jwt, username: bad })).body, JSON.stringify(bad)).toEqual({
          success: false,
          error: 'Invalid username',
        });
      }
      expect((await update({ jwt: u.jwt, username: 'x'.repeat(64) })).body).toEqual({ success: true });
    });

    it('usernames with SQL-significant characters are stored intact and found exactly; % and _ are no wildcards', async () => {
      const suffix = randomBytes(2).toString('hex');
      const names = [`o'brien;--${suffix}`, `100%_x${suffix}`, `a"b\\c${suffix}`, `'; drop table users; --${suffix}`.replace(/ /g, '')];
      const users = [];
      for (const name of names) {
        const u = await newUser();
        expect((await update({ jwt: u.jwt, username: name })).body, name).toEqual({ success: true });
        users.push(u);
      }
      for (const [i, name] of names.entries()) {
        const u = users[i]!;
        expect((await call(`${svc.url}/auth/resolve?${q({ username: name })}`)).body).toEqual({ userid: u.userid });
        const p = await call(`${svc.url}/auth/get_profile?${q({ username: name })}`);
        expect(p.body).toMatchObject({ found: true, profile: { id: u.userid } });
        expect((await call(`${svc.url}/auth/check?${q({ jwt: u.jwt })}`)).body.profile.username).toBe(name);
      }
      for (const pattern of [
        '%',
        '_',
        `100%`,
        `100__x${suffix}`,
        `100%x${suffix}`,
        `o'brien;%`,
        `a"b\\_${suffix}`,
        `o_brien;--${suffix}`,
      ]) {
        expect((await call(`${svc.url}/auth/resolve?${q({ username: pattern })}`)).body, pattern).toEqual({ userid: null });
        expect((await call(`${svc.url}/auth/get_profile?${q({ username: pattern })}`)).body, pattern).toEqual({
          found: false,
          profile: null,
        });
      }
      // Still answering, with every user still there.
      expect((await call(`${svc.url}/auth/check?${q({ jwt: users[0]!.jwt })}`)).body.authenticated).toBe(true);
    });

    it('spellings of one name are one name: NFC and NFD, fullwidth; lookalikes across scripts or with stray marks are refused', async () => {
      // Digits only: hex letters would mix Latin into the Cyrillic name below.
      const suffix = String(randomBytes(2).readUInt16BE(0));
      const first = await newUser();
      const second = await newUser();
      // "josé" precomposed, then decomposed (e + U+0301): they render alike, so they are one name.
      expect((await update({ jwt: first.jwt, username: `jos\u00e9${suffix}` })).body).toEqual({ success: true });
      expect((await update({ jwt: second.jwt, username: `jose\u0301${suffix}` })).body).toEqual({
        success: false,
        error: 'Username already taken',
      });
      for (const spelling of [`jos\u00e9${suffix}`, `jose\u0301${suffix}`, `JOS\u00c9${suffix}`]) {
        expect((await call(`${svc.url}/auth/resolve?${q({ username: spelling })}`)).body, spelling).toEqual({ userid: first.userid });
        expect((await call(`${svc.url}/auth/get_profile?${q({ username: spelling })}`)).body, spelling).toMatchObject({
          found: true,
          profile: { id: first.userid },
        });
      }
      // Fullwidth letters are their ASCII letters.
      expect((await update({ jwt: second.jwt, username: `\uff57\uff49\uff44\uff47\uff45\uff54${suffix}` })).body).toEqual({
        success: true,
      });
      expect((await call(`${svc.url}/auth/resolve?${q({ username: `widget${suffix}` })}`)).body).toEqual({ userid: second.userid });
      const third = await newUser();
      for (const lookalike of [
        `\u0430dmin${suffix}`, // a Cyrillic "а" among Latin letters
        `\u03b1dmin${suffix}`, // a Greek alpha among Latin letters
        `admi\u0307n${suffix}`, // i with a combining dot above
        `admin\u0332${suffix}`, // a combining low line
        `adm\u0130n${suffix}`, // a capital dotted I, which lower-cases to i and a combining dot
        `\u0301admin${suffix}`, // a leading combining mark
      ]) {
        expect((await update({ jwt: third.jwt, username: lookalike })).body, JSON.stringify(lookalike)).toEqual({
          success: false,
          error: 'Invalid username',
        });
      }
      // A name wholly in one script, and marks where a script needs them, stay allowed.
      expect((await update({ jwt: third.jwt, username: `\u0438\u0432\u0430\u043d${suffix}` })).body).toEqual({ success: true });
      const fourth = await newUser();
      expect((await update({ jwt: fourth.jwt, username: `\u0928\u092e\u0938\u094d\u0924\u0947${suffix}` })).body).toEqual({
        success: true,
      });
    });

    it('a username made at sign-up stays within 64 characters with its digits, and is found by that name', async () => {
      // 64 characters, the last a letter: one ending in "1" would be its own cut-and-numbered twin (the service then
      // numbers the second "2", rightly, and the literal below would not hold: a 1-in-16 flake).
      const local = `${randomBytes(32).toString('hex').slice(0, 63)}a`;
      const ids: string[] = [];
      for (let i = 0; i < 2; i++) {
        newPerson();
        const email = `${local}@domain${i}.example`;
        secretsSeen.add(email);
        standin.setUser({ email, emails: [{ email, verified: true, primary: true }] });
        const outcome = await login({ provider: 'google' });
        const p = (await call(`${svc.url}/auth/check?${q({ jwt: outcome.jwt! })}`)).body.profile;
        expect((p.username as string).length).toBeLessThanOrEqual(64);
        expect((await call(`${svc.url}/auth/resolve?${q({ username: p.username as string })}`)).body).toEqual({ userid: md5(email) });
        ids.push(p.username as string);
      }
      expect(ids[0]).toBe(local);
      expect(ids[1]).toBe(`${local.slice(0, 63)}1`);
    });

    it('a username made at sign-up follows the same rules: format characters, delimiters and marks are left out', async () => {
      const tag = randomBytes(3).toString('hex');
      const cases: Array<[string, string]> = [
        [`adm\u200bin.${tag}`, `admin.${tag}`], // a zero-width space
        [`ad\u202emin.${tag}`, `admin.${tag}1`], // a bidi override; the name is taken by now
        [`a/b?c#d.${tag}`, `abcd.${tag}`],
        [`jose\u0301.${tag}`, `jos\u00e9.${tag}`],
      ];
      for (const [local, expected] of cases) {
        newPerson();
        const email = `${local}@people.example`;
        secretsSeen.add(email);
        standin.setUser({ email, emails: [{ email, verified: true, primary: true }] });
        const outcome = await login({ provider: 'google' });
        expect(outcome.jwt, JSON.stringify(local)).toBeTypeOf('string');
        const p = (await call(`${svc.url}/auth/check?${q({ jwt: outcome.jwt! })}`)).body.profile;
        expect(p.username, JSON.stringify(local)).toBe(expected);
      }
    });

    it('odd bytes in lookups: NUL, invalid UTF-8, a lone-surrogate escape: not found (never a 5xx)', async () => {
      for (const raw of ['%00', 'a%00b', '%ED%A0%80', '%FF', '%', '%E0%A4%A', 'x%uD800']) {
        const r = await call(`${svc.url}/auth/resolve?username=${raw}`);
        expect(r.status, raw).toBe(200);
        expect(r.body, raw).toEqual({ userid: null });
        const p = await call(`${svc.url}/auth/get_profile?username=${raw}`);
        expect(p.status, raw).toBe(200);
        expect(p.body, raw).toEqual({ found: false, profile: null });
      }
      const u = await newUser();
      for (const raw of ['%00', 'a%00b']) {
        const r = await call(`${svc.url}/auth/update?username=${raw}`, { method: 'POST', headers: { 'auth-token': u.jwt } });
        expect(r).toMatchObject({ status: 200, body: { success: false, error: 'Invalid username' } });
      }
      // Escapes that do not decode are taken as the text sent (hono's query parsing): a harmless username.
      for (const raw of ['%ED%A0%80', '%FF', '%E0%A4%A']) {
        const r = await call(`${svc.url}/auth/update?username=${raw}`, { method: 'POST', headers: { 'auth-token': u.jwt } });
        expect(r.status, raw).toBe(200);
        expect(typeof r.body.success, raw).toBe('boolean');
      }
      for (const raw of ['%00', '%ED%A0%80']) {
        const r = await call(`${svc.url}/auth/check?jwt=${raw}&next=${raw}`);
        expect(r.status, raw).toBe(200);
        expect(r.body.authenticated, raw).toBe(false);
      }
    });

    it('oversized input: a 9 KB token is no token, a 10 KB URL is 414, a 20 KB body is 413, a 200-character service gets nothing', async () => {
      const u = await newUser();
      const big = `${u.jwt}${'A'.repeat(9 * 1024 - u.jwt.length)}`;
      const a = await call(`${svc.url}/auth/check`, { headers: { 'auth-token': big } });
      expect(a.status).toBe(200);
      expect(a.body.authenticated).toBe(false);
      expect(
        (await call(`${svc.url}/auth/update?${q({ username: 'x' })}`, { method: 'POST', headers: { 'auth-token': big } })).body,
      ).toEqual({
        success: false,
        error: 'Not authenticated',
      });
      const long = await call(`${svc.url}/auth/check?${q({ pad: 'x'.repeat(10 * 1024) })}`);
      expect(long.status).toBe(414);
      const body = await call(`${svc.url}/auth/update`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'auth-token': u.jwt },
        body: q({ username: 'x', pad: 'y'.repeat(20 * 1024) }),
      });
      expect(body.status).toBe(413);
      // The same body streamed without a Content-Length (chunked) is refused too, and does nothing.
      const chunked = `${q({ username: `chunked-${randomBytes(3).toString('hex')}` })}&${q({ pad: 'y'.repeat(20 * 1024) })}`;
      const streamed = await call(`${svc.url}/auth/update`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'auth-token': u.jwt },
        body: new ReadableStream({
          start(c) {
            c.enqueue(new TextEncoder().encode(chunked));
            c.close();
          },
        }),
        duplex: 'half',
      } as RequestInit);
      expect(streamed.status).toBe(413);
      expect((await call(`${svc.url}/auth/check?${q({ jwt: u.jwt })}`)).body.profile.username).toBe(u.login);
      expect((await serviceToken(u.jwt, 's'.repeat(200))).body).toEqual({ permissions: {} });
    });

    it.each<readonly [StandinEndpoint, StandinFault]>([
      ['github-token', 'error'],
      ['github-token', 'status-500'],
      ['github-token', 'malformed-json'],
      ['github-token', 'slow'],
      ['github-user', 'error'],
      ['github-user', 'status-500'],
      ['github-user', 'malformed-json'],
      ['github-user', 'slow'],
      ['github-emails', 'malformed-json'],
      ['google-token', 'status-500'],
      ['google-userinfo', 'malformed-json'],
      ['github-user', 'oversized'],
      ['google-token', 'wrong-shape'],
      ['github-emails', 'no-email'],
      ['github-emails', 'unverified-email'],
      ['google-userinfo', 'unverified-email'],
    ])('the provider failing (%s: %s) → 302 to next with error=login_failed and no jwt', async (endpoint, fault) => {
      newPerson();
      standin.setFault(endpoint, fault);
      const outcome = await login({ provider: endpoint.startsWith('google') ? 'google' : 'github' });
      expect(outcome.jwt).toBeUndefined();
      expect(outcome.landing.searchParams.get('error')).toBe('login_failed');
      expect(outcome.landing.searchParams.has('jwt')).toBe(false);
      // Nothing of the provider's answer travels on: next's own parameter and the error code only.
      expect([...outcome.landing.searchParams.keys()]).toEqual(['tab', 'error']);
      expect(`${outcome.landing.origin}${outcome.landing.pathname}`).toBe(`${APP}/after`);
    });

    // What a provider may send that the store cannot keep as is: optional fields (name, avatar) are
    // dropped and the login goes on; a user id or email that cannot be kept fails the login (a redirect
    // with login_failed); never a 5xx.
    it.each<readonly [string, 'github' | 'google', 'jwt' | 'login_failed', Record<string, unknown>]>([
      ['a 5,000-character name', 'github', 'jwt', { name: 'N'.repeat(5000) }],
      ['a name with control characters', 'google', 'jwt', { name: 'a\u0000b\u001bc' }],
      ['a name with a lone surrogate', 'github', 'jwt', { name: 'broken \ud800 name' }],
      ['a 5,000-character avatar URL', 'github', 'jwt', { avatarUrl: `https://a.example/${'x'.repeat(5000)}` }],
      // Within the providers' former bound (2,048) but over the store's (512, the original's column).
      ['a 1,000-character avatar URL', 'google', 'jwt', { avatarUrl: `https://a.example/${'x'.repeat(1000)}` }],
      ['a javascript: avatar URL', 'google', 'jwt', { avatarUrl: 'javascript:alert(1)' }],
      ['an emoji name', 'google', 'jwt', { name: '🦊 Fox' }],
      // 60 code points, 120 UTF-16 units: the username from it must still fit the store's 100.
      ['an email whose local part is 60 emoji', 'google', 'jwt', { email: `${'😀'.repeat(60)}@people.example` }],
      // OIDC allows a 255-character sub; the store keeps provider ids of 128 (the original's column).
      ['a 200-character Google sub', 'google', 'login_failed', { googleSub: 's'.repeat(200) }],
      ['an email with a lone surrogate', 'google', 'login_failed', { email: 'a\ud800b@people.example' }],
      ['a 300-character login', 'github', 'login_failed', { login: 'L'.repeat(300) }],
      ['a login with a slash and spaces', 'github', 'login_failed', { login: 'a/b c' }],
    ])('odd profile fields (%s, %s): a redirect with %s', async (_, provider, expected, fields) => {
      newPerson();
      standin.setUser(fields);
      if (typeof fields.email === 'string') secretsSeen.add(fields.email);
      const outcome = await login({ provider });
      expect(outcome.hops.every((h) => h.status === 302)).toBe(true);
      if (expected === 'login_failed') {
        expect(outcome.jwt).toBeUndefined();
        expect(outcome.landing.searchParams.get('error')).toBe('login_failed');
        return;
      }
      expect(outcome.jwt).toBeTypeOf('string');
      const p = (await call(`${svc.url}/auth/check?${q({ jwt: outcome.jwt! })}`)).body.profile;
      expect(p.name === null || (typeof p.name === 'string' && p.name.length <= 256 && !p.name.includes('\u0000'))).toBe(true);
      expect(p.avatar_url === null || /^https?:\/\//.test(p.avatar_url as string)).toBe(true);
      expect(p.avatar_url === null || (p.avatar_url as string).length <= 512).toBe(true);
      expect(typeof p.username === 'string' && p.username.length >= 1 && p.username.length <= 100).toBe(true);
      // eslint-disable-next-line no-control-regex
      expect(p.username).not.toMatch(/[\s/?#@\u0000-\u001f]/);
    });

    it.each(['github', 'google'] as const)('%s: the user declining → 302 to next with error=access_denied', async (provider) => {
      standin.setFault(`${provider}-authorize`, 'access-denied');
      const outcome = await login({ provider });
      expect(outcome.jwt).toBeUndefined();
      expect(outcome.landing.searchParams.get('error')).toBe('access_denied');
    });

    it('a service that is not configured: {permissions: {}} and no token', async () => {
      const u = await newUser();
      const a = await serviceToken(u.jwt, 'not-configured');
      expect(a).toMatchObject({ status: 200, body: { permissions: {} } });
      expect(a.body).not.toHaveProperty('token');
    });

    it('a permission provider URL: POSTed {service, userid} as JSON; its answer goes into the token', async () => {
      const u = await newUser();
      const before = permissionAsks.length;
      const a = await serviceToken(u.jwt, 'perm-ok');
      expect(a.body).toMatchObject({ userid: u.userid, service: 'perm-ok', permissions: { 'perm-x': true, 'perm-y': false } });
      expect(decodeJwt(a.body.token as string)).toMatchObject({ aud: 'perm-ok', permissions: { 'perm-x': true, 'perm-y': false } });
      expect(permissionAsks.slice(before)).toEqual([
        { method: 'POST', type: expect.stringMatching(/^application\/json/), body: { service: 'perm-ok', userid: u.userid } },
      ]);
    });

    it.each(['perm-500', 'perm-slow', 'perm-redirect', 'perm-array', 'perm-huge'])(
      'a permission provider URL that fails (%s): 503 and no token',
      async (service) => {
        const u = await newUser();
        const a = await serviceToken(u.jwt, service);
        expect(a.status).toBe(503);
        expect(a.body).not.toHaveProperty('token');
        // A fixed answer: nothing of the provider's status or body.
        expect(a.body).toEqual({ permissions: {}, error: 'permission provider unavailable' });
      },
    );
  });

  // ---- Tokens ----

  describe('tokens', () => {
    it('a service token passes the edge for its service; a user token does not; a service token is no user token', async () => {
      const u = await newUser();
      const token = (await serviceToken(u.jwt)).body.token as string;
      const jwks = (await call(`${svc.url}/.well-known/jwks.json`)).body as { keys: JWK[] };
      // The edge's dhq-auth settings (docs/token-service.md).
      const edge = createJwtVerifier({
        issuers: [
          v.parse(JwtIssuerSchema, {
            issuer: publicUrl,
            audience: SERVICE,
            service: SERVICE,
            algorithms: ['RS256'],
            publicKeys: jwks.keys,
            principalClaim: 'userid',
            permissionClaims: ['permissions'],
          }),
        ],
      });
      expect(await edge.verify(bearerRequest(token))).toMatchObject({ ok: true, principal: { id: u.userid, permissions: ['demo-read'] } });
      const asUser = await edge.verify(bearerRequest(u.jwt));
      expect(asUser.ok).toBe(false);
      expect(asUser.ok ? '' : asUser.error.code).toBe('ERR_AUDIENCE_MISMATCH');
      // The service token as a user token.
      expect((await call(`${svc.url}/auth/authorize?${q({ jwt: token, service: SERVICE })}`)).body).toEqual({ permissions: {} });
      expect((await call(`${svc.url}/auth/check?${q({ jwt: token })}`)).body.authenticated).toBe(false);
      expect((await update({ jwt: token, username: 'x' })).body).toEqual({ success: false, error: 'Not authenticated' });
    });

    it('tokens signed by another key (same kid, same claims) are not authenticated', async () => {
      const u = await newUser();
      const kid = decodeProtectedHeader(u.jwt).kid!;
      const other = await generateSigningKey('RS256', kid);
      const now = Math.floor(Date.now() / 1000);
      const forged = await new SignJWT({ userid: u.userid })
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
        .setIssuer(publicUrl)
        .setAudience(publicUrl)
        .setIssuedAt(now)
        .setExpirationTime(now + 3600)
        .sign(await importPKCS8(other.privateKey as string, 'RS256'));
      expect((await call(`${svc.url}/auth/check?${q({ jwt: forged })}`)).body.authenticated).toBe(false);
      expect((await call(`${svc.url}/auth/authorize?${q({ jwt: forged, service: SERVICE })}`)).body).toEqual({ permissions: {} });
      expect((await update({ jwt: forged, username: 'x' })).body).toEqual({ success: false, error: 'Not authenticated' });
    });
  });

  describe('tokens made with the service key but not acceptable', () => {
    /** A user token signed with the service's own key, with these claims and header changes. */
    async function withServiceKey(claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
      const key = (JSON.parse(secrets.TOKEN_SIGNING_KEYS) as { keys: { kid: string; privateKey: string }[] }).keys[0]!;
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT', ...header })
        .sign(await importPKCS8(key.privateKey, 'RS256'));
      secretsSeen.add(token);
      return token;
    }

    it.each<readonly [string, (userid: string, now: number) => Record<string, unknown>]>([
      [
        'expired (beyond the 30 s tolerance)',
        (userid, now) => ({ userid, iss: publicUrl, aud: publicUrl, iat: now - 7200, exp: now - 60 }),
      ],
      ['another audience', (userid, now) => ({ userid, iss: publicUrl, aud: SERVICE, iat: now, exp: now + 600 })],
      ['another issuer', (userid, now) => ({ userid, iss: 'https://other.example', aud: publicUrl, iat: now, exp: now + 600 })],
      ['no exp', (userid, now) => ({ userid, iss: publicUrl, aud: publicUrl, iat: now })],
      ['issued in the future', (userid, now) => ({ userid, iss: publicUrl, aud: publicUrl, iat: now + 3600, exp: now + 7200 })],
      ['carrying permissions', (userid, now) => ({ userid, iss: publicUrl, aud: publicUrl, iat: now, exp: now + 600, permissions: {} })],
    ])('a user token %s is not authenticated', async (_, claims) => {
      const u = await newUser();
      const token = await withServiceKey(claims(u.userid, Math.floor(Date.now() / 1000)));
      expect((await call(`${svc.url}/auth/check?${q({ jwt: token })}`)).body.authenticated).toBe(false);
      expect((await call(`${svc.url}/auth/authorize?${q({ jwt: token, service: SERVICE })}`)).body).toEqual({ permissions: {} });
      expect((await update({ jwt: token, username: 'x' })).body).toEqual({ success: false, error: 'Not authenticated' });
    });

    it('alg none and HS256 keyed by the public-key PEM (the original user tokens) are not authenticated', async () => {
      const u = await newUser();
      const now = Math.floor(Date.now() / 1000);
      const kid = decodeProtectedHeader(u.jwt).kid!;
      const claims = { userid: u.userid, iss: publicUrl, aud: publicUrl, iat: now, exp: now + 600 };
      const pem = (await call(`${svc.url}/auth/public-key`)).text;
      const none = `${b64url(JSON.stringify({ alg: 'none', kid, typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}.`;
      for (const token of [none, hs256WithKeyText(claims, pem, { kid }), hs256WithKeyText(claims, pem.trim(), { kid })]) {
        expect((await call(`${svc.url}/auth/check?${q({ jwt: token })}`)).body.authenticated).toBe(false);
        expect((await call(`${svc.url}/auth/authorize?${q({ jwt: token, service: SERVICE })}`)).body).toEqual({ permissions: {} });
      }
    });

    it('a valid token of a user the service does not know: not authenticated, "Unknown User", no service token', async () => {
      const now = Math.floor(Date.now() / 1000);
      const token = await withServiceKey({ userid: md5('ghost@people.example'), iss: publicUrl, aud: publicUrl, iat: now, exp: now + 600 });
      expect((await call(`${svc.url}/auth/check?${q({ jwt: token })}`)).body.authenticated).toBe(false);
      expect((await update({ jwt: token, username: 'ghost' })).body).toEqual({ success: false, error: 'Unknown User' });
      expect((await call(`${svc.url}/auth/authorize?${q({ jwt: token, service: SERVICE })}`)).body).toEqual({ permissions: {} });
    });

    it('no token for a service named like the user audience (it would pass as a user token)', async () => {
      const u = await newUser();
      expect((await serviceToken(u.jwt, publicUrl)).body).toEqual({ permissions: {} });
    });
  });

  it('POST /auth/logout: {success: true} with a token, "No token" / "Not authenticated" without a good one; tokens stay valid', async () => {
    const u = await newUser();
    expect(await call(`${svc.url}/auth/logout?${q({ jwt: u.jwt })}`, { method: 'POST' })).toMatchObject({
      status: 200,
      body: { success: true },
    });
    expect((await call(`${svc.url}/auth/logout`, { method: 'POST' })).body).toEqual({ success: false, error: 'No token' });
    expect((await call(`${svc.url}/auth/logout`, { method: 'POST', headers: { 'auth-token': 'x.y.z' } })).body).toEqual({
      success: false,
      error: 'Not authenticated',
    });
    expect((await call(`${svc.url}/auth/check?${q({ jwt: u.jwt })}`)).body.authenticated).toBe(true);
  });

  // ---- Rate limits ----

  describe('rate limits', () => {
    it('the N+1-th call answers 429 with Retry-After; another client is not affected', async () => {
      const limited = await launch(
        { rateLimits: { login: { limit: 3, windowSeconds: 60 }, api: { limit: 3, windowSeconds: 60 } } },
        { trustProxy: true },
      );
      const header = deployment.clientHeader;
      const as = (ip: string) => ({ headers: { [header]: ip } });
      for (let i = 0; i < 3; i++) expect((await call(`${limited.url}/auth/check`, as('198.51.100.7'))).status).toBe(200);
      const over = await call(`${limited.url}/auth/check`, as('198.51.100.7'));
      expect(over.status).toBe(429);
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(over.body).toEqual({ error: 'too many requests' });
      expect((await call(`${limited.url}/auth/resolve?username=x`, as('198.51.100.7'))).status).toBe(429);
      expect((await call(`${limited.url}/auth/check`, as('198.51.100.8'))).status).toBe(200);
      // Logins count apart.
      for (let i = 0; i < 3; i++)
        expect((await call(`${limited.url}/auth/login/github?${q({ next: NEXT })}`, as('198.51.100.7'))).status).toBe(302);
      const login429 = await call(`${limited.url}/auth/login/github?${q({ next: NEXT })}`, as('198.51.100.7'));
      expect(login429.status).toBe(429);
      expect(login429.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(login429.headers.get('location')).toBeNull();
      expect((await call(`${limited.url}/auth/login/github?${q({ next: NEXT })}`, as('198.51.100.8'))).status).toBe(302);
    });
  });

  it('counts an IPv6 client by its /64 (any address in it is the same client); logout is limited too', async () => {
    const limited = await launch({ rateLimits: { api: { limit: 3, windowSeconds: 60 } } }, { trustProxy: true });
    const header = deployment.clientHeader;
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      const address = `2001:db8:77:${i === 4 ? 'abcd' : '1'}::${(i + 1).toString(16)}`;
      const path = i % 2 === 0 ? '/auth/check' : '/auth/logout';
      statuses.push((await call(`${limited.url}${path}`, { method: i % 2 === 0 ? 'GET' : 'POST', headers: { [header]: address } })).status);
    }
    // Three calls from 2001:db8:77:1::/64 (different hosts), the fourth refused; another /64 goes on.
    expect(statuses).toEqual([200, 200, 200, 429, 200]);
  });

  // Cases that exist for one deployment only are defined only there (not reported as skipped elsewhere).
  (deployment.clientHeader === 'x-forwarded-for' ? it : () => undefined)(
    'without trustProxy, X-Forwarded-For does not pick the client (no way around the limit)',
    async () => {
      const limited = await launch({ rateLimits: { api: { limit: 2, windowSeconds: 60 } } });
      const statuses = [];
      for (let i = 0; i < 4; i++)
        statuses.push((await call(`${limited.url}/auth/check`, { headers: { 'x-forwarded-for': `198.51.100.${i}` } })).status);
      expect(statuses).toEqual([200, 200, 429, 429]);
    },
  );

  (deployment.clientHeader === 'x-forwarded-for' ? it : () => undefined)(
    'with trustProxy, the address the proxy appended counts, not what the client put first in X-Forwarded-For',
    async () => {
      const limited = await launch({ rateLimits: { api: { limit: 2, windowSeconds: 60 } } }, { trustProxy: true });
      const statuses = [];
      // What a proxy that appends (nginx's $proxy_add_x_forwarded_for, an ALB) forwards when the client sent its own header.
      for (let i = 0; i < 4; i++) {
        statuses.push((await call(`${limited.url}/auth/check`, { headers: { 'x-forwarded-for': `10.9.8.${i}, 198.51.100.20` } })).status);
      }
      expect(statuses).toEqual([200, 200, 429, 429]);
    },
  );

  // ---- Options ----

  describe('options', () => {
    let opts: RunningDeployment;
    beforeAll(async () => {
      opts = await launch({ jsonp: true, cors: true });
    });

    it('JSONP is off by default: a callback parameter is ignored', async () => {
      const a = await call(`${svc.url}/auth/check?${q({ callback: 'cb' })}`);
      expect(a.headers.get('content-type')).toMatch(/^application\/json/);
      expect(a.body.authenticated).toBe(false);
    });

    it('JSONP with jsonp: true: /**/cb({...}); as application/javascript with nosniff; unsafe names are ignored', async () => {
      const a = await call(`${opts.url}/auth/resolve?${q({ username: 'nobody', callback: 'cb' })}`);
      expect(a.status).toBe(200);
      expect(a.text).toBe('/**/cb({"userid":null});');
      expect(a.headers.get('content-type')).toMatch(/^application\/javascript/);
      expect(a.headers.get('x-content-type-options')).toBe('nosniff');
      for (const callback of ['alert(1)//', 'a b', '<script>', '1abc', 'x'.repeat(80)]) {
        const b = await call(`${opts.url}/auth/resolve?${q({ username: 'nobody', callback })}`);
        expect(b.headers.get('content-type'), callback).toMatch(/^application\/json/);
        expect(b.body).toEqual({ userid: null });
      }
    });

    it('CORS is off by default; with cors: true only the allowed origins get it', async () => {
      const plain = await call(`${svc.url}/auth/check`, { headers: { origin: APP } });
      expect(plain.headers.get('access-control-allow-origin')).toBeNull();
      const allowed = await call(`${opts.url}/auth/check`, { headers: { origin: APP } });
      expect(allowed.headers.get('access-control-allow-origin')).toBe(APP);
      expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
      const other = await call(`${opts.url}/auth/check`, { headers: { origin: 'https://evil.example' } });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
      const preflight = await call(`${opts.url}/auth/update`, {
        method: 'OPTIONS',
        headers: { origin: APP, 'access-control-request-method': 'POST', 'access-control-request-headers': 'auth-token' },
      });
      expect(preflight.status).toBeLessThan(300);
      expect(preflight.headers.get('access-control-allow-origin')).toBe(APP);
      expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('auth-token');
      const evilPreflight = await call(`${opts.url}/auth/update`, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      });
      expect(evilPreflight.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  // ---- Hooks (functions cannot cross into workerd) ----

  (deployment.inProcessFunctions ? describe : () => undefined)(
    'hooks (in-process functions: Node only, they cannot be passed into workerd)',
    () => {
      it('onNewUser once on the first login, onUserLogin on every login, onUserLogout on POST /auth/logout', async () => {
        const calls: string[] = [];
        const hooks: Hooks = {
          onNewUser: (u: User) => void calls.push(`new:${u.id}`),
          onUserLogin: (u: User) => void calls.push(`login:${u.id}`),
          onUserLogout: (u: User) => void calls.push(`logout:${u.id}`),
        };
        const s = await launch({}, { hooks });
        const person = newPerson();
        const id = md5(person.email);
        const first = await login({ service: s.url });
        await login({ service: s.url });
        expect(calls).toEqual([`new:${id}`, `login:${id}`, `login:${id}`]);
        const out = await call(`${s.url}/auth/logout?${q({ jwt: first.jwt! })}`, { method: 'POST' });
        expect(out.body).toEqual({ success: true });
        expect(calls.at(-1)).toBe(`logout:${id}`);
        expect((await call(`${s.url}/auth/logout`, { method: 'POST' })).body).toEqual({ success: false, error: 'No token' });
      });

      it('a hook that hangs is given up after its timeout: the login goes on, ERR_HOOK_TIMEOUT is logged', async () => {
        const s = await launch({}, { hooks: { onUserLogin: () => new Promise<void>(() => undefined) } });
        const person = newPerson();
        const t0 = Date.now();
        const outcome = await login({ service: s.url });
        expect(outcome.jwt).toBeTypeOf('string');
        expect(Date.now() - t0).toBeLessThan(5000);
        expect(s.logs().map((l) => JSON.parse(l) as Record<string, unknown>)).toContainEqual({
          event: 'token-service.hook-failed',
          hook: 'onUserLogin',
          code: 'ERR_HOOK_TIMEOUT',
        });
        // No user id in any line: md5(email) turns back into the email with a dictionary of addresses.
        expect(s.logs().join('\n')).not.toContain(md5(person.email));
      });

      it('a throwing hook does not stop the login and is logged by code', async () => {
        const hooks: Hooks = {
          onNewUser: () => {
            throw new Error(`hook blew up for ${'secret-detail'}`);
          },
          onUserLogin: () => Promise.reject(new Error('nope')),
        };
        const s = await launch({}, { hooks });
        const person = newPerson();
        const outcome = await login({ service: s.url });
        expect(outcome.jwt).toBeTypeOf('string');
        const failures = s
          .logs()
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .filter((e) => e.event === 'token-service.hook-failed');
        expect(failures).toEqual([
          { event: 'token-service.hook-failed', hook: 'onNewUser', code: 'ERR_HOOK_FAILED' },
          { event: 'token-service.hook-failed', hook: 'onUserLogin', code: 'ERR_HOOK_FAILED' },
        ]);
        expect(s.logs().join('\n')).not.toContain('secret-detail');
        expect(s.logs().join('\n')).not.toContain(md5(person.email));
      });
    },
  );

  // ---- Key rotation ----

  describe('key rotation', () => {
    it('a retired key and a current one: the JWKS lists both, new tokens carry the current kid, old tokens still work', async () => {
      const retired = await generateSigningKey('RS256', `old-${randomBytes(3).toString('hex')}`);
      const current = await generateSigningKey('RS256', `new-${randomBytes(3).toString('hex')}`);
      secretsSeen.add(retired.privateKey as string);
      secretsSeen.add(current.privateKey as string);
      const rotated: LocalSecrets = {
        ...secrets,
        TOKEN_SIGNING_KEYS: JSON.stringify({ keys: [current, { ...retired, retiredAt: new Date().toISOString() }] }),
      };
      const s = await launch({}, { secrets: rotated });
      const jwks = (await call(`${s.url}/.well-known/jwks.json`)).body as { keys: JWK[] };
      expect(jwks.keys.map((k) => k.kid)).toEqual([current.kid, retired.kid]);
      const person = newPerson();
      const outcome = await login({ service: s.url });
      expect(decodeProtectedHeader(outcome.jwt!).kid).toBe(current.kid);
      const st = await serviceToken(outcome.jwt!, SERVICE, s.url);
      expect(decodeProtectedHeader(st.body.token as string).kid).toBe(current.kid);
      // /auth/public-key serves the current key only.
      const pem = (await call(`${s.url}/auth/public-key`)).text;
      await jwtVerify(st.body.token as string, await importSPKI(pem, 'RS256'), { issuer: s.publicUrl, audience: SERVICE });
      // A user token the retired key signed before the rotation.
      const now = Math.floor(Date.now() / 1000);
      const old = await new SignJWT({ userid: md5(person.email) })
        .setProtectedHeader({ alg: 'RS256', kid: retired.kid, typ: 'JWT' })
        .setIssuer(s.publicUrl)
        .setAudience(s.publicUrl)
        .setIssuedAt(now - 3600)
        .setExpirationTime(now + 13 * 86400)
        .sign(await importPKCS8(retired.privateKey as string, 'RS256'));
      secretsSeen.add(old);
      const check = await call(`${s.url}/auth/check?${q({ jwt: old })}`);
      expect(check.body).toMatchObject({ authenticated: true, profile: { id: md5(person.email) } });
      const fromOld = await serviceToken(old, SERVICE, s.url);
      expect(decodeProtectedHeader(fromOld.body.token as string).kid).toBe(current.kid);
    });
  });

  describe('key rotation, later', () => {
    it('a key retired longer ago than any token lives has left the JWKS, and its tokens are refused', async () => {
      const gone = await generateSigningKey('RS256', `gone-${randomBytes(3).toString('hex')}`);
      const current = await generateSigningKey('RS256', `cur-${randomBytes(3).toString('hex')}`);
      secretsSeen.add(gone.privateKey as string);
      secretsSeen.add(current.privateKey as string);
      const retiredAt = new Date(Date.now() - 15 * 86400 * 1000).toISOString();
      const s = await launch(
        {},
        { secrets: { ...secrets, TOKEN_SIGNING_KEYS: JSON.stringify({ keys: [{ ...gone, retiredAt }, current] }) } },
      );
      expect(((await call(`${s.url}/.well-known/jwks.json`)).body as { keys: JWK[] }).keys.map((k) => k.kid)).toEqual([current.kid]);
      const person = newPerson();
      await login({ service: s.url });
      const now = Math.floor(Date.now() / 1000);
      const old = await new SignJWT({ userid: md5(person.email) })
        .setProtectedHeader({ alg: 'RS256', kid: gone.kid, typ: 'JWT' })
        .setIssuer(s.publicUrl)
        .setAudience(s.publicUrl)
        .setIssuedAt(now - 60)
        .setExpirationTime(now + 3600)
        .sign(await importPKCS8(gone.privateKey as string, 'RS256'));
      secretsSeen.add(old);
      expect((await call(`${s.url}/auth/check?${q({ jwt: old })}`)).body.authenticated).toBe(false);
    });
  });

  describe('other algorithms and settings', () => {
    it.each(['EdDSA', 'ES256'] as const)('%s signing keys: tokens carry the alg and verify with the JWKS', async (alg) => {
      const key = await generateSigningKey(alg);
      secretsSeen.add(key.privateKey as string);
      const s = await launch({}, { secrets: { ...secrets, TOKEN_SIGNING_KEYS: JSON.stringify({ keys: [key] }) } });
      newPerson();
      const { jwt } = await login({ service: s.url });
      expect(decodeProtectedHeader(jwt!)).toEqual({ alg, kid: key.kid, typ: 'JWT' });
      const token = (await serviceToken(jwt!, SERVICE, s.url)).body.token as string;
      const jwks = createLocalJWKSet((await call(`${s.url}/.well-known/jwks.json`)).body as { keys: JWK[] });
      await jwtVerify(token, jwks, { issuer: s.publicUrl, audience: SERVICE, algorithms: [alg] });
      const pem = (await call(`${s.url}/auth/public-key`)).text;
      await jwtVerify(token, await importSPKI(pem, alg), { issuer: s.publicUrl, audience: SERVICE });
    });

    it('issuer, userAudience and serviceTokenAudience: false (for dhq-auth Verifyers) show in the tokens', async () => {
      const s = await launch({ issuer: 'https://issuer.example', userAudience: 'dhq-users', serviceTokenAudience: false });
      newPerson();
      const { jwt } = await login({ service: s.url });
      expect(decodeJwt(jwt!)).toMatchObject({ iss: 'https://issuer.example', aud: 'dhq-users' });
      const a = await serviceToken(jwt!, SERVICE, s.url);
      const claims = decodeJwt(a.body.token as string);
      expect(claims).toMatchObject({ iss: 'https://issuer.example', service: SERVICE });
      expect(claims).not.toHaveProperty('aud');
      // Still no user token.
      expect((await call(`${s.url}/auth/authorize?${q({ jwt: a.body.token as string, service: SERVICE })}`)).body).toEqual({
        permissions: {},
      });
    });
  });

  // ---- Misconfiguration ----

  describe('misconfiguration', () => {
    it('a bad secret: the service refuses to run (Worker: 500 on every request; Node: start fails), naming the secret, never its value', async () => {
      const weak = 'weak-state-secret-value';
      let running: RunningDeployment | undefined;
      let error: unknown;
      try {
        running = await launch({}, { secrets: { ...secrets, STATE_SECRET: weak } });
      } catch (e) {
        error = e;
      }
      if (running) {
        // The Worker starts (workerd cannot fail a deploy on a binding's value) and answers 500.
        const a = await call(`${running.url}/auth/check`);
        expect(a).toMatchObject({ status: 500, body: { error: 'token service misconfigured' } });
        await expect.poll(() => running.logs().join('\n'), { timeout: 3000 }).toContain('STATE_SECRET');
        expect(running.output().join('\n')).not.toContain(weak);
      } else {
        expect((error as Error).name).toBe('TokenServiceConfigError');
        expect((error as Error).message).toContain('STATE_SECRET');
        expect((error as Error).message).not.toContain(weak);
      }
    });

    it('no signing keys: key and token endpoints answer 503, a fixed body; the rest still answers', async () => {
      const s = await launch({}, { secrets: { ...secrets, TOKEN_SIGNING_KEYS: '' } });
      for (const path of ['/auth/public-key', '/.well-known/jwks.json']) {
        const a = await call(`${s.url}${path}`);
        expect(a.status, path).toBe(503);
        expect(a.body).toEqual({ error: 'service unavailable' });
      }
      expect((await call(`${s.url}/auth/resolve?username=x`)).body).toEqual({ userid: null });
      await expect.poll(() => s.logs().join('\n'), { timeout: 3000 }).toContain('ERR_TOKEN_SERVICE_UNAVAILABLE');
    });
  });

  // ---- Last: nothing secret in any log line of any service this deployment ran ----

  describe('logs', () => {
    it('no user token, service token, state, code, access token, client secret, key or email in any log line', async () => {
      // Let the Worker's last output arrive (workerd writes it asynchronously).
      await new Promise((r) => setTimeout(r, 300));
      const issued = standin.issued();
      const needles = [...secretsSeen, ...issued.codes, ...issued.accessTokens].filter((s) => s.length >= 8);
      expect(needles.length).toBeGreaterThan(20);
      const lines = started.flatMap((s) => s.output());
      const json = started.flatMap((s) => s.logs());
      // Logs were captured at all (a failed login and a permission fault are logged on both deployments).
      expect(json.some((l) => l.includes('token-service.login-failed'))).toBe(true);
      expect(json.some((l) => l.includes('ERR_PERMISSION_PROVIDER'))).toBe(true);
      for (const line of lines) {
        for (const needle of needles) expect(line.includes(needle), `a log line holds a secret: ${line.slice(0, 80)}`).toBe(false);
        expect(line).not.toMatch(/@people\.example|@standin\.example/);
      }
    });
  });
});

// ---- The Lambda entry, in process ----

describe('token service: Lambda (hono/aws-lambda) in process', () => {
  const NAMES = [
    'TOKEN_SERVICE_CONFIG',
    'DATABASE_URL',
    'TOKEN_SIGNING_KEYS',
    'STATE_SECRET',
    'GITHUB_CLIENT_SECRET',
    'GOOGLE_CLIENT_SECRET',
  ];
  const saved: Record<string, string | undefined> = {};
  let standin: OAuthStandin;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let handler: typeof import('../../functions/token-service-lambda.ts').handler;

  beforeAll(async () => {
    standin = await startOAuthStandin();
    db = await createTestDatabase();
    const secrets = await localSecrets(standin);
    for (const n of NAMES) saved[n] = process.env[n];
    Object.assign(process.env, secrets, {
      DATABASE_URL: db.url,
      TOKEN_SERVICE_CONFIG: JSON.stringify(
        localConfig({
          publicUrl: 'https://auth.test',
          standin,
          allowedOrigins: [APP],
          extra: { rateLimits: { api: { limit: 3, windowSeconds: 60 } } },
        }),
      ),
    });
    ({ handler } = await import('../../functions/token-service-lambda.ts'));
  });

  afterAll(async () => {
    for (const n of NAMES) {
      if (saved[n] === undefined) delete process.env[n];
      else process.env[n] = saved[n];
    }
    await standin?.close();
    // The handler's pool is not reachable from here: FORCE ends its connections (the pool tolerates that).
    await db?.drop();
  });

  const invoke = (e: unknown) =>
    (handler as unknown as (e: unknown, c: unknown) => Promise<{ statusCode: number; body: string; headers?: Record<string, string> }>)(
      e,
      {},
    );

  function event(path: string, query = '', sourceIp = '203.0.113.9') {
    return {
      version: '2.0',
      routeKey: '$default',
      rawPath: path,
      rawQueryString: query,
      headers: { host: 'auth.test', 'x-forwarded-proto': 'https', 'user-agent': 'vitest' },
      requestContext: {
        accountId: '123456789012',
        apiId: 'a1b2c3d4e5',
        domainName: 'auth.test',
        domainPrefix: 'auth',
        http: { method: 'GET', path, protocol: 'HTTP/1.1', sourceIp, userAgent: 'vitest' },
        requestId: 'req-1',
        routeKey: '$default',
        stage: '$default',
        time: '03/Dec/2026:21:00:00 +0000',
        timeEpoch: 1_796_000_000_000,
      },
      isBase64Encoded: false,
    };
  }

  it('answers /auth/public-key (a PEM) and /auth/check (the providers) through an HTTP API v2 event', async () => {
    const pem = await invoke(event('/auth/public-key'));
    expect(pem.statusCode).toBe(200);
    expect(pem.body).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const check = await invoke(event('/auth/check', q({ next: NEXT })));
    expect(check.statusCode).toBe(200);
    expect(JSON.parse(check.body)).toEqual({
      authenticated: false,
      providers: {
        github: { url: `https://auth.test/auth/login/github?next=${encodeURIComponent(NEXT)}` },
        google: { url: `https://auth.test/auth/login/google?next=${encodeURIComponent(NEXT)}` },
      },
    });
  });

  it("rate-limits by the event's source address (requestContext.http.sourceIp)", async () => {
    // One /auth/check from 203.0.113.9 above; the limit is 3.
    expect((await invoke(event('/auth/resolve', 'username=x'))).statusCode).toBe(200);
    expect((await invoke(event('/auth/resolve', 'username=x'))).statusCode).toBe(200);
    const over = await invoke(event('/auth/resolve', 'username=x'));
    expect(over.statusCode).toBe(429);
    expect((await invoke(event('/auth/resolve', 'username=x', '203.0.113.10'))).statusCode).toBe(200);
  });
});
