// The token service on this machine, for `npm run start:auth` and the tests: demo secrets made on the
// spot (never written to the repository), its configuration against the stand-in OAuth provider, the
// Worker under workerd (Miniflare) with a local D1 database and the real rate-limit bindings, and a
// login that follows the redirects the way a browser would.
import * as esbuild from 'esbuild';
import { Miniflare } from 'miniflare';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { resolve } from 'node:path';
import { SOURCE_CONDITION } from './build.mjs';
import type { OAuthStandin } from './oauth-standin.ts';
import { generateSigningKey, type SigningAlgorithm } from '../lib/token-service/signing-keys.ts';

const ROOT = resolve(import.meta.dirname, '..');

/** The secrets a local token service runs with: a fresh signing key set and state key. */
export interface LocalSecrets {
  readonly TOKEN_SIGNING_KEYS: string;
  readonly STATE_SECRET: string;
  readonly GITHUB_CLIENT_SECRET: string;
  readonly GOOGLE_CLIENT_SECRET: string;
}

/** Fresh demo secrets: a signing key (RS256 unless told) and a 32-byte state key; the stand-in's client secrets. */
export async function localSecrets(standin: OAuthStandin, alg: SigningAlgorithm = 'RS256'): Promise<LocalSecrets> {
  const key = await generateSigningKey(alg);
  return {
    TOKEN_SIGNING_KEYS: JSON.stringify({ keys: [key] }),
    STATE_SECRET: randomBytes(32).toString('base64url'),
    GITHUB_CLIENT_SECRET: standin.clients.github.clientSecret,
    GOOGLE_CLIENT_SECRET: standin.clients.google.clientSecret,
  };
}

/** TOKEN_SERVICE_CONFIG for a service at `publicUrl` logging in through the stand-in. */
export function localConfig(o: {
  readonly publicUrl: string;
  readonly standin: OAuthStandin;
  readonly allowedOrigins: readonly string[];
  readonly services?: Record<string, unknown>;
  readonly extra?: Record<string, unknown>;
}): Record<string, unknown> {
  return {
    publicUrl: o.publicUrl,
    allowedOrigins: o.allowedOrigins,
    providers: {
      github: { clientId: o.standin.clients.github.clientId, endpoints: o.standin.github, allowInsecureLoopback: true, timeoutMs: 1500 },
      google: { clientId: o.standin.clients.google.clientId, endpoints: o.standin.google, allowInsecureLoopback: true, timeoutMs: 1500 },
    },
    services: o.services ?? {},
    ...o.extra,
  };
}

/** Bundles functions/token-service.ts for workerd, as wrangler would. */
export function bundleTokenServiceWorker(): Promise<string> {
  return bundleWorkerEntry('functions/token-service.ts');
}

/** Bundles a Worker entry (relative to the repository) for workerd, as wrangler would (`#crypto` -> Web Crypto). */
export async function bundleWorkerEntry(entry: string): Promise<string> {
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: [SOURCE_CONDITION, 'workerd', 'worker', 'browser'],
    logLevel: 'warning',
  });
  return result.outputFiles[0]!.text;
}

/** A token service Worker running under workerd. */
export interface LocalTokenServiceWorker {
  readonly url: string;
  readonly mf: Miniflare;
  close(): Promise<void>;
}

/**
 * Starts the token service Worker on 127.0.0.1:`port` with a D1 database (kept in `persist` when given,
 * else in memory) and rate-limit bindings (`limits`, default 30 logins and 600 calls per minute).
 */
export async function startTokenServiceWorker(o: {
  readonly port: number;
  readonly config: Record<string, unknown>;
  readonly secrets: LocalSecrets;
  readonly script?: string;
  readonly persist?: string;
  readonly limits?: { readonly login: number; readonly api: number };
  /** Receives each line the Worker writes (its JSON log lines among them); default: workerd's own output. */
  readonly onOutput?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Where the Worker's log lines go (default: Miniflare's, this process's stdout). */
  readonly onLog?: (entry: { readonly message: string; readonly level: string }) => void;
}): Promise<LocalTokenServiceWorker> {
  const onOutput = o.onOutput;
  const mf = new Miniflare({
    modules: true,
    script: o.script ?? (await bundleTokenServiceWorker()),
    compatibilityDate: '2026-04-01',
    host: '127.0.0.1',
    port: o.port,
    bindings: { TOKEN_SERVICE_CONFIG: JSON.stringify(o.config), ...o.secrets },
    d1Databases: { DB: 'token-service-local' },
    ...(o.persist ? { d1Persist: o.persist } : {}),
    // Miniflare checks that its handler returns nothing: a callback's return value is dropped here.
    ...(o.onLog ? { handleStructuredLogs: (entry: { message: string; level: string }) => void o.onLog!(entry) } : {}),
    ratelimits: {
      LOGIN_RATE_LIMITER: { simple: { limit: o.limits?.login ?? 30, period: 60 } },
      API_RATE_LIMITER: { simple: { limit: o.limits?.api ?? 600, period: 60 } },
    },
    ...(onOutput
      ? {
          handleRuntimeStdio(stdout: Readable, stderr: Readable) {
            for (const [stream, name] of [
              [stdout, 'stdout'],
              [stderr, 'stderr'],
            ] as const) {
              createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => onOutput(line, name));
            }
          },
        }
      : {}),
  });
  const url = (await mf.ready).origin;
  return { url, mf, close: () => mf.dispose() };
}

/** What a login through the redirects gave. */
export interface LoginOutcome {
  /** The user token from `next?jwt=`, when the login succeeded. */
  readonly jwt: string | undefined;
  /** Where the browser ended: `next` with `jwt` or `error`. */
  readonly landing: URL;
  /** Each hop: the URL asked and the status answered. */
  readonly hops: readonly { readonly url: string; readonly status: number }[];
}

/**
 * Logs in as a browser would: asks `/auth/check` for the provider's login link, then follows each 302
 * (the token service, the stand-in provider, the callback) until the redirect leaves for `next`'s origin.
 *
 * @throws Error when a hop answers something other than a redirect (the status and the hop are in the message).
 */
export async function loginThrough(o: {
  readonly serviceUrl: string;
  readonly next: string;
  readonly provider?: 'github' | 'google';
  readonly fetch?: typeof fetch;
}): Promise<LoginOutcome> {
  const f = o.fetch ?? fetch;
  const check = (await (await f(`${o.serviceUrl}/auth/check?next=${encodeURIComponent(o.next)}`)).json()) as {
    providers?: Record<string, { url: string }>;
  };
  const start = check.providers?.[o.provider ?? 'github']?.url;
  if (!start) throw new Error('/auth/check gave no login link');
  const nextOrigin = new URL(o.next).origin;
  const hops: { url: string; status: number }[] = [];
  let at = start;
  for (let i = 0; i < 8; i++) {
    const res = await f(at, { redirect: 'manual' });
    hops.push({ url: at, status: res.status });
    // Read to the end (a cancelled body makes workerd log a broken pipe).
    await res.arrayBuffer();
    const location = res.headers.get('location');
    if (res.status !== 302 || !location) throw new Error(`hop ${i} answered ${res.status}, not a redirect`);
    const to = new URL(location, at);
    if (to.origin === nextOrigin) return { jwt: to.searchParams.get('jwt') ?? undefined, landing: to, hops };
    at = to.href;
  }
  throw new Error('too many redirects');
}
