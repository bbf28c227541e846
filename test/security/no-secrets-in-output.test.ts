/**
 * Values never reach logs or responses: every row of the SigV4 negative table goes through the Worker
 * (the shipped Hono app), the Lambda authorizer (both shipped handlers: the deployed one, whose
 * configuration the build validated, and authorizer-runtime) on REST and HTTP API events, the
 * in-function check and the CLI (verify, explain, explain --json), with all console output and every
 * response and exit message captured. None of it may contain a secret, a session token, a signature,
 * a raw Authorization header or a key id those rows used.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { authenticate } from '../../lib/adapters/aws-lambda/in-function.ts';
import { createAuthenticator } from '../../lib/authenticator.ts';
import { main } from '../../lib/cli/main.ts';
import { loadConfig } from '../../lib/config/load.ts';
import { toRequestJson } from '../../lib/core/request-json.ts';
import type { SignedRequest } from '../../lib/core/request.ts';
import { httpAuthorizerEvent, restAuthorizerEvent } from '../fixtures/apigw.ts';
import { KEYS, NOW, rows, SECRET_VALUES, type Row } from '../fixtures/sigv4-negative.ts';

type Options = NonNullable<Row[3]>;
const CONFIG_FIELDS = [
  'algorithms',
  'profile',
  'clockSkewSeconds',
  'allowPresigned',
  'allowUnsignedPayload',
  'maxPresignExpiresSeconds',
] as const;

function configFor(options: Options = {}) {
  const sigv4: Record<string, unknown> = {
    region: 'us-east-1',
    service: 'execute-api',
    algorithms: ['AWS4-HMAC-SHA256', 'DCI2-HMAC-SHA256'],
  };
  for (const f of CONFIG_FIELDS) if (options[f] !== undefined) sigv4[f] = options[f];
  return {
    schemes: { sigv4 },
    routes: [{ path: '/admin/*', permissions: ['admin'] }, { path: '*' }],
    keys: KEYS.filter((k) => k.scheme === undefined).map((k) => ({
      id: k.id,
      secret: k.secrets[0]!,
      principal: k.principal,
      permissions: [...k.permissions],
      ...(k.sessionToken ? { sessionToken: k.sessionToken } : {}),
      ...(k.notBefore !== undefined ? { notBefore: k.notBefore } : {}),
      ...(k.expiresAt !== undefined ? { expiresAt: k.expiresAt } : {}),
      ...(k.disabled ? { disabled: true } : {}),
    })),
  };
}

/** Everything secret a request carries: signatures (header or query), raw Authorization values, key ids. */
function secretsOf(req: SignedRequest): string[] {
  const out: string[] = [];
  for (const [name, value] of req.headers) {
    if (name.toLowerCase() === 'authorization' && value.length > 16) out.push(value);
  }
  const text = req.headers.map(([, v]) => v).join('\n') + '\n' + req.query;
  for (const m of text.matchAll(/Signature=([0-9a-f]{16,})/g)) out.push(m[1]!);
  return out;
}

const FORBIDDEN = [...SECRET_VALUES, ...KEYS.map((k) => k.id)];

// The deployed authorizer's configuration is put in its bundle by the build (loadConfig at build
// time); in process, the stand-in module gets what the build would put there.
vi.mock('../../functions/prevalidated-config.ts', async () => {
  const { loadConfig: load } = await import('../../lib/config/load.ts');
  const { builtInImplementations } = await import('../../lib/schemes/implementations.ts');
  return { prevalidated: { config: load(JSON.stringify(configFor())), sha256: '', implementations: builtInImplementations } };
});

describe('nothing secret reaches a log, a response or the CLI output, across the negative table', () => {
  const output: string[] = [];
  const capture = (...args: unknown[]) => output.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
  let requests: Array<{ label: string; req: SignedRequest; options: Options | undefined }> = [];

  beforeAll(async () => {
    for (const [label, , make, options] of rows) requests.push({ label, req: await make(), options });
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
    for (const level of ['log', 'error', 'warn', 'info', 'debug'] as const) vi.spyOn(console, level).mockImplementation(capture);
  });
  afterAll(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
    requests = [];
  });

  it('runs every row through the Worker, the authorizer, the in-function check and the CLI', async () => {
    const { default: worker } = await import('../../functions/worker.ts');
    process.env['AUTH_CONFIG'] = JSON.stringify(configFor());
    const { handler: authorizerRuntime } = await import('../../functions/authorizer-runtime.ts');
    const { lambdaAuthenticator } = await import('../../functions/lambda-config.ts');
    lambdaAuthenticator(); // read once per container, as in Lambda
    // The deployed authorizer refuses to run with AUTH_CONFIG set (its configuration is built in).
    delete process.env['AUTH_CONFIG'];
    const { handler: authorizerDeployed } = await import('../../functions/authorizer.ts');
    let workerRuns = 0;
    for (const { req, options } of requests) {
      const configText = JSON.stringify(configFor(options));
      // The Worker, in process: the same Hono app workerd runs.
      let request: Request | undefined;
      try {
        const hasBody = req.method !== 'GET' && req.method !== 'HEAD' && req.body !== undefined && req.body.length > 0;
        request = new Request(`http://api.example.com${req.path}${req.query ? '?' + req.query : ''}`, {
          method: req.method,
          headers: req.headers.map(([n, v]) => [n, v] as [string, string]),
          ...(hasBody ? { body: req.body as Uint8Array<ArrayBuffer> } : {}),
        });
      } catch {
        request = undefined; // a shape no client can send
      }
      if (request) {
        const res = await worker.fetch(request, { AUTH_CONFIG: configText });
        capture(res.status, [...res.headers], await res.text());
        workerRuns++;
      }
      // Both authorizers, on both event types.
      for (const event of [() => restAuthorizerEvent(req, { prefix: '' }), () => httpAuthorizerEvent(req)]) {
        let built;
        try {
          built = event();
        } catch {
          continue; // the fixture cannot decode this path as API Gateway would
        }
        for (const authorizer of [authorizerDeployed, authorizerRuntime]) {
          try {
            capture(await authorizer(built as never));
          } catch (e) {
            capture((e as Error).message);
          }
        }
      }
      // The in-function check.
      const auth = createAuthenticator(loadConfig(configText));
      capture(
        await authenticate(auth, {
          method: req.method,
          url: `https://api.example.com${req.path}${req.query ? '?' + req.query : ''}`,
          headers: req.headers,
          body: req.body ?? null,
        }),
      );
      // The CLI: verify, explain, explain --json.
      const stdin = new TextEncoder().encode(JSON.stringify(toRequestJson(req, 'https://api.example.com')));
      const io = {
        stdin: async () => stdin,
        stdout: (t: string) => output.push(t),
        stderr: (t: string) => output.push(t),
        readFile: () => configText,
        now: () => NOW,
      };
      for (const argv of [['verify', '--now', String(NOW / 1000)], ['explain'], ['explain', '--json']]) {
        output.push(`exit ${await main([...argv, '--config', 'config.json'], io)}`);
      }
    }
    expect(workerRuns).toBeGreaterThan(rows.length / 2);
    expect(output.length).toBeGreaterThan(rows.length * 8);

    const text = output.join('\n');
    // The captured output is real: rejection codes and explanations are there.
    expect(text).toContain('ERR_SIGNATURE_INVALID');
    expect(text).toContain('canonical request');
    // Both authorizers answered every event with a decision, not a configuration failure.
    expect(text).not.toContain('ERR_CONFIG');
    expect(text).not.toContain('authorizer configuration error');
    for (const secret of FORBIDDEN) expect(text, `a secret value (${secret.length} chars) was printed`).not.toContain(secret);
    for (const { label, req } of requests) {
      for (const secret of secretsOf(req))
        expect(text.includes(secret), `a signature or Authorization header of "${label}" was printed`).toBe(false);
    }
  }, 60_000);
});
