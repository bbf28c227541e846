/**
 * The token service on Node (a long-running server) and on AWS Lambda (functions/token-service-lambda.ts):
 * users in PostgreSQL (`DATABASE_URL`), secrets from the environment or AWS Secrets Manager, rate limits
 * counted in the database. See docs/token-service.md.
 *
 * Each secret is read from `NAME`, or from the Secrets Manager secret that `NAME_SECRET_ID` names (the
 * SDK's usual settings apply: AWS_REGION, credentials, AWS_ENDPOINT_URL_SECRETS_MANAGER), kept for five
 * minutes, so that a rotated signing key set is picked up without a deploy.
 */
import type { Context, Hono } from 'hono';
import { createTokenServiceFromConfig } from '../lib/token-service/assemble.ts';
import { loadTokenServiceConfig, TokenServiceConfigError } from '../lib/token-service/config.ts';
import type { PermissionFunction } from '../lib/token-service/permissions.ts';
import { openPostgresStore } from '../lib/token-service/store/postgres.ts';
import type { Hooks, TokenServiceStore } from '../lib/token-service/types.ts';
import type { TokenServiceLog } from '../lib/token-service/app.ts';

/** What the Node token service is built from besides its environment. */
export interface NodeTokenServiceOptions {
  /** Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly permissionFunctions?: Readonly<Record<string, PermissionFunction>>;
  readonly hooks?: Hooks;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
  readonly log?: TokenServiceLog;
  /**
   * How many proxies you run in front, each appending the address it got to `X-Forwarded-For`: the
   * client is the entry that many places from the end (true: 1). The entries before it are whatever the
   * client sent. Default: none, the socket's address. Environment: TRUST_PROXY (`1`, `2`, …, or `true`).
   */
  readonly trustProxy?: boolean | number;
  /**
   * Settings for the Secrets Manager client that reads `<NAME>_SECRET_ID` secrets (region, endpoint,
   * credentials); default: the SDK's own (AWS_REGION, the credential chain, AWS_ENDPOINT_URL_SECRETS_MANAGER).
   */
  readonly secretsManager?: Readonly<Record<string, unknown>>;
}

/** The app, its store and how to close it. */
export interface NodeTokenService {
  readonly app: Hono;
  readonly store: TokenServiceStore;
  close(): Promise<void>;
}

const SECRET_CACHE_MS = 300_000;

/** A secret read from `NAME`, or from the Secrets Manager secret `NAME_SECRET_ID` names (cached 5 minutes). */
function secretReader(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  now: () => number,
  clientConfig: Readonly<Record<string, unknown>> = {},
): () => Promise<string | undefined> {
  const direct = env[name];
  const id = env[`${name}_SECRET_ID`];
  if (direct !== undefined || id === undefined) return () => Promise.resolve(direct);
  let kept: { at: number; value: Promise<string | undefined> } | undefined;
  return () => {
    const t = now();
    if (!kept || t - kept.at > SECRET_CACHE_MS) {
      const value = (async () => {
        // Loaded only when a secret lives there: the SDK is an optional peer of the package.
        const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
        // A bounded wait: a start or a key refresh must not hang on an unreachable endpoint.
        const client = new SecretsManagerClient({ requestHandler: { requestTimeout: 3000, connectionTimeout: 3000 }, ...clientConfig });
        const out = await client.send(new GetSecretValueCommand({ SecretId: id }));
        return out.SecretString ?? (out.SecretBinary ? new TextDecoder().decode(out.SecretBinary) : undefined);
      })();
      kept = { at: t, value };
      // A failed read is not kept: the next request asks again.
      value.catch(() => {
        if (kept?.value === value) kept = undefined;
      });
    }
    return kept.value;
  };
}

/** The number of trusted proxies from the option or TRUST_PROXY: true or `true` is 1; anything unreadable is 0 (trust none). */
function proxyHops(setting: boolean | number | string | undefined): number {
  if (setting === true || (typeof setting === 'string' && /^true$/i.test(setting))) return 1;
  const n = typeof setting === 'number' ? setting : typeof setting === 'string' && /^\d{1,2}$/.test(setting) ? Number(setting) : 0;
  return Number.isSafeInteger(n) && n > 0 && n <= 10 ? n : 0;
}

function remoteAddress(c: Context): string | undefined {
  const env = c.env as
    | {
        incoming?: { socket?: { remoteAddress?: string } };
        requestContext?: { http?: { sourceIp?: string }; identity?: { sourceIp?: string } };
      }
    | undefined;
  return env?.incoming?.socket?.remoteAddress ?? env?.requestContext?.http?.sourceIp ?? env?.requestContext?.identity?.sourceIp;
}

/**
 * Builds the token service from the environment: TOKEN_SERVICE_CONFIG, DATABASE_URL (also as
 * DATABASE_URL_SECRET_ID), TRUST_PROXY (`1`: rate-limit by X-Forwarded-For's last address), and the secrets
 * TOKEN_SIGNING_KEYS, STATE_SECRET, GITHUB_CLIENT_SECRET, GOOGLE_CLIENT_SECRET (each also as
 * `<NAME>_SECRET_ID`). Runs the migrations.
 *
 * @throws TokenServiceConfigError for a bad configuration or a missing secret (names, never values).
 */
export async function createNodeTokenService(options: NodeTokenServiceOptions = {}): Promise<NodeTokenService> {
  const env = options.env ?? process.env;
  const now = options.now ?? Date.now;
  const config = loadTokenServiceConfig(env.TOKEN_SERVICE_CONFIG);
  const read = (name: string) => secretReader(env, name, now, options.secretsManager);
  // The URL holds the database password: like the other secrets it may live in Secrets Manager.
  const databaseUrl = await read('DATABASE_URL')();
  if (!databaseUrl) throw new TokenServiceConfigError(['DATABASE_URL: not set (nor DATABASE_URL_SECRET_ID)']);
  const hops = proxyHops(options.trustProxy ?? env.TRUST_PROXY);
  const signingKeys = read('TOKEN_SIGNING_KEYS');
  const [stateSecret, github, google] = await Promise.all([
    read('STATE_SECRET')(),
    config.providers.github ? read('GITHUB_CLIENT_SECRET')() : undefined,
    config.providers.google ? read('GOOGLE_CLIENT_SECRET')() : undefined,
  ]);
  const store = await openPostgresStore(databaseUrl);
  try {
    await store.migrate();
    const app = createTokenServiceFromConfig(
      config,
      { signingKeys: async () => (await signingKeys()) ?? '', stateSecret, clientSecrets: { github, google } },
      {
        store,
        now,
        ...(options.fetch ? { fetch: options.fetch } : {}),
        ...(options.log ? { log: options.log } : {}),
        ...(options.permissionFunctions ? { permissionFunctions: options.permissionFunctions } : {}),
        ...(options.hooks ? { hooks: options.hooks } : {}),
        clientKey: (c) =>
          (hops > 0 ? c.req.header('x-forwarded-for')?.split(',').at(-hops)?.trim() : undefined) || remoteAddress(c) || 'unknown',
      },
    );
    return { app, store, close: () => store.close() };
  } catch (e) {
    await store.close().catch(() => undefined);
    throw e;
  }
}

/**
 * The log line for a start that failed: the configuration's issues (field paths and names, never
 * values), else the error's kind and its system or SQLSTATE code (`ECONNREFUSED`, `28P01`), never its
 * message (a driver's may quote the connection string).
 */
export function startFailure(e: unknown): Record<string, unknown> {
  const issues = (e as { issues?: unknown } | undefined)?.issues;
  if (Array.isArray(issues)) return { event: 'token-service.start-failed', issues };
  // The store wraps the driver's error: its code is on the cause.
  const err = e as { code?: unknown; cause?: { code?: unknown } } | undefined;
  const code = typeof err?.code === 'string' ? err.code : err?.cause?.code;
  return {
    event: 'token-service.start-failed',
    kind: e instanceof Error ? e.name : typeof e,
    ...(typeof code === 'string' && /^[A-Z0-9_]{1,32}$/.test(code) ? { code } : {}),
  };
}

/**
 * Serves the token service on `hostname:port` (default 127.0.0.1 and PORT or 8790) with
 * @hono/node-server, until `close()`.
 */
export async function startNodeTokenService(
  options: NodeTokenServiceOptions & { readonly port?: number; readonly hostname?: string } = {},
): Promise<{ readonly url: string; close(): Promise<void> }> {
  const service = await createNodeTokenService(options);
  const { serve } = await import('@hono/node-server');
  const env = options.env ?? process.env;
  const hostname = options.hostname ?? '127.0.0.1';
  const port = options.port ?? Number(env.PORT ?? 8790);
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: service.app.fetch, hostname, port }, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://${hostname}:${actualPort}`,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      await service.close();
    },
  };
}

// `node functions/token-service-node.ts` (through tsx) or the built bundle: serve until stopped.
if (import.meta.url === `file://${process.argv[1]}`) {
  startNodeTokenService().then(
    (s) => {
      console.log(JSON.stringify({ event: 'token-service.listening', url: s.url }));
      const stop = () => void s.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (e: unknown) => {
      console.error(JSON.stringify(startFailure(e)));
      process.exit(1);
    },
  );
}
