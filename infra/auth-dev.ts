// `npm run start:auth`: the token flow on this machine, on 127.0.0.1 only. Starts the stand-in OAuth
// provider (GitHub and Google endpoints that approve a demo user at once), the token service Worker
// under workerd (Miniflare) with a D1 database kept under the git-ignored .wrangler/ (users survive a
// restart), and the edge Worker (functions/worker.ts) whose `jwt` scheme trusts the token service's
// JWKS. Then it runs the whole flow once, printing each step as a command to repeat with its actual
// result, and keeps running until Ctrl-C.
//
// Secrets (the signing key set, the state key, the stand-in's client secrets) are made on the first
// start and kept in a 0600 file under .wrangler/auth-dev/ (so tokens, like users, survive a restart);
// they reach workerd through Miniflare's in-process configuration, never argv or the environment, and
// are never printed. Tokens are printed cut short: the printed commands keep them in shell variables.
//
// Environment: TOKEN_SERVICE_PORT (8790), EDGE_PORT (8791), STANDIN_PORT (0: any free port),
// AUTH_DEV_STATE_DIR (.wrangler/auth-dev).
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, relative, resolve } from 'node:path';
import { Miniflare } from 'miniflare';
import { startOAuthStandin, type OAuthStandin, type StandinClient } from './oauth-standin.ts';
import {
  bundleWorkerEntry,
  localConfig,
  loginThrough,
  startTokenServiceWorker,
  type LocalSecrets,
  type LocalTokenServiceWorker,
} from './token-service-local.ts';
import { generateSigningKey } from '../lib/token-service/signing-keys.ts';

const ROOT = resolve(import.meta.dirname, '..');
const SERVICE = 'demo-api';
const PERMISSIONS = { read: true };

function fail(message: string): never {
  process.stderr.write(`npm run start:auth: ${message}\n`);
  process.exit(2);
}

function portFrom(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!/^\d{1,5}$/.test(text) || n > 65535) fail(`${name} must be a port number (0-65535)`);
  return n;
}

/** Fails clearly when `port` is taken on 127.0.0.1 (0 is always free: the system picks). */
function ensureFree(port: number, name: string): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((done) => {
    const s = createServer();
    s.once('error', (e: NodeJS.ErrnoException) =>
      fail(
        e.code === 'EADDRINUSE'
          ? `127.0.0.1:${port} is taken (${name}); stop what holds it or set ${name} to another port`
          : `cannot listen on 127.0.0.1:${port} (${name}): ${e.code ?? e.message}`,
      ),
    );
    s.listen(port, '127.0.0.1', () => s.close(() => done()));
  });
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const short = (token: string) => `${token.slice(0, 16)}…`;

// ---------------------------------------------------------------------------------------------------
// Secrets: made once, kept 0600 under the state folder.

interface DemoSecrets {
  readonly TOKEN_SIGNING_KEYS: string;
  readonly STATE_SECRET: string;
  readonly github: StandinClient;
  readonly google: StandinClient;
}

async function demoSecrets(file: string): Promise<DemoSecrets> {
  try {
    const mode = statSync(file).mode & 0o777;
    if (mode !== 0o600) chmodSync(file, 0o600);
    const kept = JSON.parse(readFileSync(file, 'utf8')) as DemoSecrets;
    if (kept.TOKEN_SIGNING_KEYS && kept.STATE_SECRET && kept.github?.clientSecret && kept.google?.clientSecret) return kept;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
      process.stderr.write(`${relative(ROOT, file)} is unreadable: making new demo secrets\n`);
  }
  const made: DemoSecrets = {
    TOKEN_SIGNING_KEYS: JSON.stringify({ keys: [await generateSigningKey('RS256')] }),
    STATE_SECRET: randomBytes(32).toString('base64url'),
    github: { clientId: 'standin-github-client', clientSecret: `gh-secret-${randomBytes(12).toString('hex')}` },
    google: {
      clientId: 'standin-google-client.apps.googleusercontent.com',
      clientSecret: `GOCSPX-${randomBytes(12).toString('base64url')}`,
    },
  };
  // Written to a new 0600 file, then renamed over: never a moment with the secrets readable by others.
  const tmp = `${file}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, JSON.stringify(made));
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  return made;
}

// ---------------------------------------------------------------------------------------------------

const tokenPort = portFrom('TOKEN_SERVICE_PORT', 8790);
const edgePort = portFrom('EDGE_PORT', 8791);
const standinPort = portFrom('STANDIN_PORT', 0);
if (tokenPort === 0 || edgePort === 0)
  fail('TOKEN_SERVICE_PORT and EDGE_PORT must be fixed ports (the edge trusts the token service by URL)');
if (tokenPort === edgePort || tokenPort === standinPort || edgePort === standinPort) fail('the three ports must differ');
await ensureFree(tokenPort, 'TOKEN_SERVICE_PORT');
await ensureFree(edgePort, 'EDGE_PORT');
await ensureFree(standinPort, 'STANDIN_PORT');

const stateDir = resolve(process.env.AUTH_DEV_STATE_DIR || join(ROOT, '.wrangler', 'auth-dev'));
mkdirSync(stateDir, { recursive: true, mode: 0o700 });
const shown = (p: string) => (relative(ROOT, p).startsWith('..') ? p : relative(ROOT, p));
const secretsFile = join(stateDir, 'secrets.json');
const secrets = await demoSecrets(secretsFile);

const tokenUrl = `http://127.0.0.1:${tokenPort}`;
const edgeUrl = `http://127.0.0.1:${edgePort}`;

let standin: OAuthStandin | undefined;
let tokenService: LocalTokenServiceWorker | undefined;
let edge: Miniflare | undefined;
let stopping = false;
// The Workers' log lines (a login, a refused request) are kept quiet while the flow runs, then shown on stderr.
let ready = false;
const logTo =
  (name: string) =>
  ({ message }: { readonly message: string }): void => {
    if (ready && !stopping) process.stderr.write(`${name} | ${message.trimEnd()}\n`);
  };

async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    const timer = setTimeout(() => process.exit(code), 5000);
    await Promise.allSettled([edge?.dispose(), tokenService?.close(), standin?.close()]);
    clearTimeout(timer);
  }
  process.exit(code);
}
// Ctrl-C exits 130 (128 + SIGINT, the shell's convention), as Miniflare's own exit hook does: once a
// Worker runs, that hook stops workerd and exits at once, before an async dispose could finish.
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const)
  process.on(signal, () => void stop(code));

async function run(): Promise<void> {
  standin = await startOAuthStandin({ github: secrets.github, google: secrets.google, ...(standinPort ? { port: standinPort } : {}) });
  const localSecrets: LocalSecrets = {
    TOKEN_SIGNING_KEYS: secrets.TOKEN_SIGNING_KEYS,
    STATE_SECRET: secrets.STATE_SECRET,
    GITHUB_CLIENT_SECRET: secrets.github.clientSecret,
    GOOGLE_CLIENT_SECRET: secrets.google.clientSecret,
  };
  const [tokenScript, edgeScript] = await Promise.all([
    bundleWorkerEntry('functions/token-service.ts'),
    bundleWorkerEntry('functions/worker.ts'),
  ]);
  tokenService = await startTokenServiceWorker({
    port: tokenPort,
    script: tokenScript,
    persist: join(stateDir, 'd1'),
    onLog: logTo('token service'),
    secrets: localSecrets,
    config: localConfig({
      publicUrl: tokenUrl,
      standin,
      allowedOrigins: [edgeUrl],
      services: { [SERVICE]: { static: PERMISSIONS } },
      // A login without `next` lands on the edge's public page, not on a 401.
      extra: { defaultNext: `${edgeUrl}/public` },
    }),
  });
  const edgeConfig = {
    schemes: {
      jwt: {
        issuers: [
          {
            issuer: tokenUrl,
            audience: SERVICE,
            service: SERVICE,
            algorithms: ['RS256'],
            jwksUrl: `${tokenUrl}/.well-known/jwks.json`,
            principalClaim: 'userid',
            permissionClaims: ['permissions'],
          },
        ],
      },
    },
    routes: [
      { path: '/public', public: true },
      { path: '/reports/*', permissions: ['read'] },
      { path: '/admin/*', permissions: ['admin'] },
      { path: '*' },
    ],
  };
  edge = new Miniflare({
    modules: true,
    script: edgeScript,
    compatibilityDate: '2026-04-01',
    host: '127.0.0.1',
    port: edgePort,
    bindings: { AUTH_CONFIG: JSON.stringify(edgeConfig) },
    handleStructuredLogs: logTo('edge'),
  });
  await edge.ready;

  const out: string[] = [
    '',
    'The token flow on 127.0.0.1 (npm run start:auth):',
    `  stand-in GitHub/Google  ${standin.url}  (approves the demo user at once)`,
    `  token service           ${tokenUrl}  (workerd; users in D1 under ${shown(join(stateDir, 'd1'))}, demo secrets in ${shown(secretsFile)}, 0600)`,
    `  edge                    ${edgeUrl}  (functions/worker.ts; jwt issuer ${tokenUrl}, audience and service ${SERVICE};`,
    `                          /reports/* needs read, /admin/* needs admin, /public is public)`,
    '',
  ];
  const print = () => {
    process.stdout.write(out.join('\n') + '\n');
    out.length = 0;
  };
  print();

  // 1. Log in as a browser would.
  const next = `${edgeUrl}/public`;
  const login = await loginThrough({ serviceUrl: tokenUrl, next });
  if (!login.jwt) throw new Error(`the login ended at ${login.landing.origin}${login.landing.pathname} without a token`);
  const loginUrl = `${tokenUrl}/auth/login/github?next=${encodeURIComponent(next)}`;
  out.push(
    '1. Log in through the stand-in GitHub and keep the user token (a browser opening the URL lands on',
    '   /public?jwt=…; curl -L follows the same redirects):',
    '',
    `  JWT=$(curl -sL -o /dev/null -w '%{url_effective}' ${shellQuote(loginUrl)} | sed 's/.*[?&]jwt=//')`,
    `  → ${login.hops.length} redirects, user token ${short(login.jwt)}`,
    '',
  );

  // 2. The service token.
  const authorized = await fetch(`${tokenUrl}/auth/authorize?service=${SERVICE}`, { headers: { 'auth-token': login.jwt } });
  const grant = (await authorized.json()) as { token?: string; userid?: string; permissions?: unknown; service?: string };
  if (!grant.token) throw new Error(`/auth/authorize gave no token (${authorized.status})`);
  const serviceToken = grant.token;
  out.push(
    `2. Exchange it for a service token for ${SERVICE}:`,
    '',
    `  SERVICE_TOKEN=$(curl -s -H "auth-token: $JWT" '${tokenUrl}/auth/authorize?service=${SERVICE}' | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).token')`,
    `  → ${JSON.stringify({ ...grant, token: short(serviceToken) })}`,
    '',
    '3. Call the edge with it:',
    '',
  );

  // 3. The edge: 200, 403, 401.
  for (const [path, withToken] of [
    ['/reports/q1', true],
    ['/admin/x', true],
    ['/reports/q1', false],
  ] as const) {
    const res = await fetch(`${edgeUrl}${path}`, withToken ? { headers: { authorization: `Bearer ${serviceToken}` } } : {});
    const body = (await res.text()).trim();
    out.push(
      `  curl -i ${withToken ? '-H "Authorization: Bearer $SERVICE_TOKEN" ' : ''}${edgeUrl}${path}`,
      `  → ${res.status} ${body.length > 160 ? `${body.slice(0, 160)}…` : body}`,
    );
  }
  out.push(
    '',
    'Tokens are shown cut short (they are bearer credentials: the user token lives 14 days); the commands',
    'keep them in $JWT and $SERVICE_TOKEN. Keys rotate with `npx edge-auth token-keys rotate` (docs/deploy.md).',
    '',
    "Ready. Press Ctrl-C to stop. (The Workers' log lines follow on stderr.)",
  );
  print();
  ready = true;
}

try {
  await run();
} catch (e) {
  process.stderr.write(`npm run start:auth: ${(e as Error).message}\n`);
  await stop(1);
}
