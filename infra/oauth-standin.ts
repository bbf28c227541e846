// A stand-in for GitHub's and Google's OAuth2 endpoints on 127.0.0.1 (an ephemeral port), for the token
// service's tests and for `npm start`: no network, no real accounts. It answers the way the real ones do
// where the client depends on it: GitHub's token endpoint answers errors with 200 and `{error}` and
// speaks form encoding unless asked for JSON; Google's token answer carries an id_token (here one whose
// issuer and nonce would fail a validation, to prove the client does not depend on it). Authorization
// auto-consents (a 302 straight back with a code). It checks what a real provider checks: client id and
// secret, the redirect_uri, a code used once and briefly, and PKCE S256. Faults are injected per endpoint.
// Node only (node:http, node:crypto): it lives in infra/, never in lib/.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OAuthEndpoints } from '../lib/token-service/oauth/providers.ts';

/** The stand-in's endpoints, by name (faults and hits are per endpoint). */
export type StandinEndpoint =
  'github-authorize' | 'github-token' | 'github-user' | 'github-emails' | 'google-authorize' | 'google-token' | 'google-userinfo';

/**
 * A fault an endpoint answers with until cleared:
 * - `error`: the provider's error answer (authorize: `error=access_denied`; GitHub token: 200
 *   `{error: 'bad_verification_code'}`; Google token: 400 `invalid_grant`; API endpoints: 401);
 * - `access-denied`: authorize endpoints redirect back with `error=access_denied` (the user declined);
 * - `status-500`: a 500 with a text body;
 * - `slow`: the normal answer after `slowMs`;
 * - `malformed-json`: 200, `application/json`, not JSON;
 * - `wrong-shape`: 200, JSON of the wrong shape (a list for an object, an object for a list);
 * - `oversized`: 200, valid JSON larger than 64 KiB;
 * - `no-email`: GitHub emails `[]`, Google userinfo without `email`;
 * - `unverified-email`: every email unverified.
 */
export type StandinFault =
  'error' | 'access-denied' | 'status-500' | 'slow' | 'malformed-json' | 'wrong-shape' | 'oversized' | 'no-email' | 'unverified-email';

/** One of a GitHub user's emails, as `/user/emails` lists it. */
export interface StandinEmail {
  readonly email: string;
  readonly verified: boolean;
  readonly primary: boolean;
}

/** The account that logs in (the same person at both providers, unless set apart). */
export interface StandinUser {
  /** GitHub's numeric id; Google's `sub` is `googleSub`. */
  readonly id: number;
  readonly googleSub: string;
  readonly login: string;
  readonly name: string | null;
  /** GitHub's public email (`/user`) and Google's email. */
  readonly email: string | null;
  readonly emailVerified: boolean;
  /** GitHub's `/user/emails`. */
  readonly emails: readonly StandinEmail[];
  readonly avatarUrl: string | null;
}

/** A client the stand-in knows. */
export interface StandinClient {
  readonly clientId: string;
  readonly clientSecret: string;
}

/** Options of {@link startOAuthStandin}. */
export interface StandinOptions {
  readonly github?: StandinClient;
  readonly google?: StandinClient;
  readonly user?: Partial<StandinUser>;
  /** How long a `slow` endpoint waits before answering. Default 2,000 ms. */
  readonly slowMs?: number;
  /** How long a code is good for. Default 60 s. */
  readonly codeTtlSeconds?: number; /** The port on 127.0.0.1. Default 0: an ephemeral one. */
  readonly port?: number;
}

/** One request the stand-in answered. */
export interface StandinHit {
  readonly endpoint: StandinEndpoint | 'unknown';
  readonly method: string;
  readonly status: number;
  /** The OAuth error it answered with, if any (`bad_verification_code`, `invalid_grant`, …). */
  readonly error?: string;
}

/** A running stand-in. */
export interface OAuthStandin {
  /** Its base URL, `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Endpoints for `createOAuthProvider('github', { endpoints, allowInsecureLoopback: true })`. */
  readonly github: Required<OAuthEndpoints>;
  readonly google: OAuthEndpoints;
  /** The clients it accepts. */
  readonly clients: { readonly github: StandinClient; readonly google: StandinClient };
  /** Changes the account that logs in from now on. */
  setUser(user: Partial<StandinUser>): void;
  /** Makes an endpoint answer with a fault until cleared (`undefined` clears it). */
  setFault(endpoint: StandinEndpoint, fault: StandinFault | undefined): void;
  /** Clears every fault. */
  clearFaults(): void;
  /** The requests answered so far, in order. */
  hits(): readonly StandinHit[];
  /** The codes and access tokens it issued (for tests that check they never leak). */
  issued(): { readonly codes: readonly string[]; readonly accessTokens: readonly string[] };
  close(): Promise<void>;
}

const DEFAULT_USER: StandinUser = {
  id: 1234567,
  googleSub: '109876543210987654321',
  login: 'octo-standin',
  name: 'Octo Standin',
  email: 'octo@standin.example',
  emailVerified: true,
  emails: [
    { email: 'octo@standin.example', verified: true, primary: true },
    { email: 'octo-old@standin.example', verified: true, primary: false },
  ],
  avatarUrl: 'https://avatars.standin.example/u/1234567',
};

const MAX_REQUEST_BYTES = 16 * 1024;

const PATHS: Readonly<Record<string, StandinEndpoint>> = {
  '/login/oauth/authorize': 'github-authorize',
  '/login/oauth/access_token': 'github-token',
  '/user': 'github-user',
  '/user/emails': 'github-emails',
  '/o/oauth2/v2/auth': 'google-authorize',
  '/token': 'google-token',
  '/v1/userinfo': 'google-userinfo',
};

interface IssuedCode {
  readonly provider: 'github' | 'google';
  readonly clientId: string;
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly expiresAt: number;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function token(prefix: string): string {
  return `${prefix}${randomBytes(20).toString('base64url')}`;
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Starts the stand-in on 127.0.0.1 at an ephemeral port.
 *
 * @example
 * const standin = await startOAuthStandin();
 * const github = createOAuthProvider('github', { ...standin.clients.github, endpoints: standin.github, allowInsecureLoopback: true });
 * // …
 * await standin.close();
 */
export async function startOAuthStandin(options: StandinOptions = {}): Promise<OAuthStandin> {
  const clients = {
    github: options.github ?? { clientId: 'standin-github-client', clientSecret: `gh-secret-${randomBytes(12).toString('hex')}` },
    google: options.google ?? {
      clientId: 'standin-google-client.apps.googleusercontent.com',
      clientSecret: `GOCSPX-${randomBytes(12).toString('base64url')}`,
    },
  };
  const slowMs = options.slowMs ?? 2_000;
  const codeTtlMs = (options.codeTtlSeconds ?? 60) * 1000;
  let user: StandinUser = { ...DEFAULT_USER, ...options.user };
  const faults = new Map<StandinEndpoint, StandinFault>();
  const hitLog: StandinHit[] = [];
  const codes = new Map<string, IssuedCode>();
  const accessTokens = new Map<string, 'github' | 'google'>();
  const issuedCodes: string[] = [];
  const issuedTokens: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let base = '';

  function send(
    res: ServerResponse,
    endpoint: StandinEndpoint | 'unknown',
    status: number,
    body: string,
    type: string,
    headers: Record<string, string> = {},
    error?: string,
  ) {
    hitLog.push({ endpoint, method: res.req.method ?? '', status, ...(error === undefined ? {} : { error }) });
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
    res.end(body);
  }

  function json(res: ServerResponse, endpoint: StandinEndpoint, status: number, value: unknown) {
    const error = typeof value === 'object' && value !== null && 'error' in value ? String(value.error) : undefined;
    send(res, endpoint, status, JSON.stringify(value), 'application/json; charset=utf-8', {}, error);
  }

  /** The answers every fault but the provider-specific ones share; true when one was sent. */
  function genericFault(res: ServerResponse, endpoint: StandinEndpoint, fault: StandinFault | undefined, wrongShape: unknown): boolean {
    switch (fault) {
      case 'status-500':
        send(res, endpoint, 500, 'internal error', 'text/plain');
        return true;
      case 'malformed-json':
        send(res, endpoint, 200, '{"access_token": "x", oops', 'application/json');
        return true;
      case 'wrong-shape':
        json(res, endpoint, 200, wrongShape);
        return true;
      case 'oversized':
        json(res, endpoint, 200, { padding: 'x'.repeat(70 * 1024) });
        return true;
      default:
        return false;
    }
  }

  function authorize(req: IncomingMessage, res: ServerResponse, url: URL, provider: 'github' | 'google', endpoint: StandinEndpoint) {
    const q = url.searchParams;
    const client = clients[provider];
    const redirectUri = q.get('redirect_uri');
    if (q.get('client_id') !== client.clientId || !redirectUri || q.get('response_type') !== 'code') {
      return send(res, endpoint, 400, 'unknown client or bad request', 'text/plain');
    }
    let target: URL;
    try {
      target = new URL(redirectUri);
    } catch {
      return send(res, endpoint, 400, 'bad redirect_uri', 'text/plain');
    }
    const state = q.get('state');
    if (state !== null) target.searchParams.set('state', state);
    const fault = faults.get(endpoint);
    if (fault === 'error' || fault === 'access-denied') {
      target.searchParams.set('error', 'access_denied');
      target.searchParams.set('error_description', 'The user has denied your application access.');
      return send(res, endpoint, 302, '', 'text/plain', { location: target.href });
    }
    if (genericFault(res, endpoint, fault, [])) return;
    const challenge = q.get('code_challenge');
    if (q.get('code_challenge_method') !== 'S256' || !challenge || !/^[A-Za-z0-9_-]{43}$/.test(challenge)) {
      return send(res, endpoint, 400, 'PKCE S256 required', 'text/plain');
    }
    const code = provider === 'github' ? randomBytes(10).toString('hex') : `4/0${randomBytes(40).toString('base64url')}`;
    codes.set(code, { provider, clientId: client.clientId, redirectUri, codeChallenge: challenge, expiresAt: Date.now() + codeTtlMs });
    issuedCodes.push(code);
    target.searchParams.set('code', code);
    send(res, endpoint, 302, '', 'text/plain', { location: target.href });
  }

  /** Client id and secret from Basic or the form; undefined when neither or both are wrong. */
  function clientOf(req: IncomingMessage, form: URLSearchParams): { id: string; secret: string } | undefined {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Basic ')) {
      const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return undefined;
      return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
    }
    const id = form.get('client_id');
    const secret = form.get('client_secret');
    return id !== null && secret !== null ? { id, secret } : undefined;
  }

  async function tokenEndpoint(req: IncomingMessage, res: ServerResponse, provider: 'github' | 'google', endpoint: StandinEndpoint) {
    const wantsJson = provider === 'google' || (req.headers.accept ?? '').includes('application/json');
    const answer = (status: number, value: Record<string, unknown>) => {
      if (wantsJson) return json(res, endpoint, status, value);
      const form = new URLSearchParams();
      for (const [k, v] of Object.entries(value)) form.set(k, String(v));
      send(
        res,
        endpoint,
        status,
        form.toString(),
        'application/x-www-form-urlencoded',
        {},
        value.error === undefined ? undefined : String(value.error),
      );
    };
    // GitHub answers every token error with 200; Google with 400 (401 for the client).
    const refuse = (error: string, googleStatus = 400) =>
      answer(provider === 'github' ? 200 : googleStatus, { error, error_description: `stand-in: ${error}` });
    if (req.method !== 'POST') return send(res, endpoint, 405, 'POST only', 'text/plain');
    const fault = faults.get(endpoint);
    if (fault === 'error') return refuse(provider === 'github' ? 'bad_verification_code' : 'invalid_grant');
    if (genericFault(res, endpoint, fault, [{ access_token: 'x' }])) return;
    const body = await readBody(req);
    if (body === undefined) return send(res, endpoint, 413, 'too large', 'text/plain');
    const form = new URLSearchParams(body);
    const client = clients[provider];
    const presented = clientOf(req, form);
    if (!presented || presented.id !== client.clientId || !sameText(presented.secret, client.clientSecret)) {
      return refuse(provider === 'github' ? 'incorrect_client_credentials' : 'invalid_client', 401);
    }
    if (form.get('grant_type') !== 'authorization_code') return refuse('unsupported_grant_type');
    const code = form.get('code') ?? '';
    const issued = codes.get(code);
    // Used once: taken on first presentation, whatever follows.
    codes.delete(code);
    if (!issued || issued.provider !== provider || issued.clientId !== presented.id || issued.expiresAt < Date.now()) {
      return refuse(provider === 'github' ? 'bad_verification_code' : 'invalid_grant');
    }
    if (form.get('redirect_uri') !== issued.redirectUri) return refuse(provider === 'github' ? 'redirect_uri_mismatch' : 'invalid_grant');
    const verifier = form.get('code_verifier') ?? '';
    const challenge = createHash('sha256').update(verifier, 'ascii').digest('base64url');
    if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier) || !sameText(challenge, issued.codeChallenge)) {
      return refuse(provider === 'github' ? 'bad_verification_code' : 'invalid_grant');
    }
    const accessToken = provider === 'github' ? token('gho_') : token('ya29.');
    accessTokens.set(accessToken, provider);
    issuedTokens.push(accessToken);
    if (provider === 'github') return answer(200, { access_token: accessToken, token_type: 'bearer', scope: 'user:email' });
    const now = Math.floor(Date.now() / 1000);
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    // Issuer and nonce chosen so that a client validating this id_token as oauth4webapi does would fail.
    const idToken = `${b64({ alg: 'RS256', kid: 'standin', typ: 'JWT' })}.${b64({
      iss: base,
      aud: client.clientId,
      sub: user.googleSub,
      email: user.email,
      iat: now,
      exp: now + 3600,
      nonce: 'not-asked-for',
    })}.${randomBytes(64).toString('base64url')}`;
    answer(200, {
      access_token: accessToken,
      expires_in: 3599,
      scope: 'openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile',
      token_type: 'Bearer',
      id_token: idToken,
    });
  }

  function bearer(req: IncomingMessage, provider: 'github' | 'google'): boolean {
    const auth = req.headers.authorization ?? '';
    const match = /^(?:Bearer|token) (\S+)$/i.exec(auth);
    if (!match) return false;
    if (provider === 'google' && !/^Bearer /i.test(auth)) return false;
    return accessTokens.get(match[1]!) === provider;
  }

  function api(req: IncomingMessage, res: ServerResponse, endpoint: StandinEndpoint) {
    const provider = endpoint.startsWith('github') ? 'github' : 'google';
    const unauthorized = () =>
      provider === 'github'
        ? json(res, endpoint, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' })
        : json(res, endpoint, 401, { error: 'invalid_token', error_description: 'Invalid Credentials' });
    if (req.method !== 'GET') return send(res, endpoint, 405, 'GET only', 'text/plain');
    const fault = faults.get(endpoint);
    if (fault === 'error') return unauthorized();
    if (genericFault(res, endpoint, fault, endpoint === 'github-emails' ? { emails: [] } : [user.email])) return;
    if (!bearer(req, provider)) return unauthorized();
    if (provider === 'github' && !req.headers['user-agent']) return json(res, endpoint, 403, { message: 'User-Agent required' });
    if (endpoint === 'github-user') {
      return json(res, endpoint, 200, {
        login: user.login,
        id: user.id,
        node_id: 'MDQ6VXNlcjE=',
        avatar_url: user.avatarUrl,
        type: 'User',
        name: user.name,
        email: user.email,
      });
    }
    if (endpoint === 'github-emails') {
      if (fault === 'no-email') return json(res, endpoint, 200, []);
      const emails = user.emails.map((e) => ({
        ...e,
        verified: fault === 'unverified-email' ? false : e.verified,
        visibility: e.primary ? 'private' : null,
      }));
      return json(res, endpoint, 200, emails);
    }
    const info: Record<string, unknown> = { sub: user.googleSub, name: user.name, picture: user.avatarUrl };
    if (fault !== 'no-email' && user.email !== null) {
      info.email = user.email;
      info.email_verified = fault === 'unverified-email' ? false : user.emailVerified;
    }
    return json(res, endpoint, 200, info);
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', base);
    const endpoint = PATHS[url.pathname];
    if (endpoint === undefined) return send(res, 'unknown', 404, 'not found', 'text/plain');
    if (faults.get(endpoint) === 'slow') {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          timers.delete(t);
          resolve();
        }, slowMs);
        timers.add(t);
      });
      if (res.destroyed || res.writableEnded) return;
    }
    switch (endpoint) {
      case 'github-authorize':
        return authorize(req, res, url, 'github', endpoint);
      case 'google-authorize':
        return authorize(req, res, url, 'google', endpoint);
      case 'github-token':
        return tokenEndpoint(req, res, 'github', endpoint);
      case 'google-token':
        return tokenEndpoint(req, res, 'google', endpoint);
      default:
        return api(req, res, endpoint);
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 'unknown', 500, 'stand-in failure', 'text/plain');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;

  return {
    url: base,
    github: {
      authorizationEndpoint: `${base}/login/oauth/authorize`,
      tokenEndpoint: `${base}/login/oauth/access_token`,
      userinfoEndpoint: `${base}/user`,
      emailsEndpoint: `${base}/user/emails`,
    },
    google: {
      authorizationEndpoint: `${base}/o/oauth2/v2/auth`,
      tokenEndpoint: `${base}/token`,
      userinfoEndpoint: `${base}/v1/userinfo`,
    },
    clients,
    setUser(next) {
      user = { ...user, ...next };
    },
    setFault(endpoint, fault) {
      if (fault === undefined) faults.delete(endpoint);
      else faults.set(endpoint, fault);
    },
    clearFaults() {
      faults.clear();
    },
    hits: () => [...hitLog],
    issued: () => ({ codes: [...issuedCodes], accessTokens: [...issuedTokens] }),
    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
