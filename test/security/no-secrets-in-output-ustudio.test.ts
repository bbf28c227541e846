/**
 * The secrecy test of no-secrets-in-output.test.ts for USTUDIO-HMAC-V2: a table of refused requests
 * (tampered, unknown key, disabled key, malformed headers, stale or replayed freshness stamps) goes
 * through the Worker (the shipped Hono app, in process), both Lambda authorizers on REST and HTTP API
 * events, the in-function check and the CLI (verify, explain, explain --json), with all console output
 * and every response and exit message captured. None of it may contain a secret, a digest, a raw
 * Authorization header or a key id those rows used. (A file of its own: the deployed authorizer's
 * configuration is mocked per file.)
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { authenticate } from '../../lib/adapters/aws-lambda/in-function.ts';
import { createAuthenticator } from '../../lib/authenticator.ts';
import { main } from '../../lib/cli/main.ts';
import { loadConfig } from '../../lib/config/load.ts';
import { toRequestJson } from '../../lib/core/request-json.ts';
import type { SignedRequest } from '../../lib/core/request.ts';
import { createUStudioSigner } from '../../lib/schemes/ustudio-hmac/index.ts';
import { httpAuthorizerEvent, restAuthorizerEvent } from '../fixtures/apigw.ts';

const NOW = Date.UTC(2026, 11, 3, 12, 0, 0);
const LIVE = { id: 'ustudio-live-key-id-0001', secret: 'ustudio-live-secret-value-01' };
const OTHER = { id: 'ustudio-other-key-id-0002', secret: 'ustudio-other-secret-value-2' };
const DISABLED = { id: 'ustudio-disabled-key-0003', secret: 'ustudio-disabled-secret-v-3' };
const EXPIRED = { id: 'ustudio-expired-key-00004', secret: 'ustudio-expired-secret-va-4' };
const UNKNOWN = { id: 'ustudio-unknown-key-00005', secret: 'ustudio-unknown-secret-va-5' };
const FORBIDDEN = [LIVE, OTHER, DISABLED, EXPIRED, UNKNOWN].flatMap((k) => [k.id, k.secret]);

function configFor(freshness = false) {
  return {
    schemes: { 'ustudio-hmac': { freshness } },
    routes: [{ path: '/admin/*', permissions: ['admin'] }, { path: '*' }],
    keys: [
      { id: LIVE.id, secret: LIVE.secret, principal: 'live', permissions: [] },
      { id: OTHER.id, secret: OTHER.secret, principal: 'other', permissions: ['admin'] },
      { id: DISABLED.id, secret: DISABLED.secret, principal: 'off', disabled: true },
      { id: EXPIRED.id, secret: EXPIRED.secret, principal: 'old', expiresAt: NOW / 1000 - 60 },
    ],
  };
}

const base = (body = '{"n":1}'): SignedRequest => ({
  method: 'POST',
  path: '/items/9',
  query: 'b=2&a=1',
  headers: [
    ['Host', 'api.example.com'],
    ['Content-Length', String(body.length)],
  ],
  body: new TextEncoder().encode(body),
});
const sign = (k: { id: string; secret: string }, r: SignedRequest, freshness = false, at = NOW) =>
  createUStudioSigner({ keyId: k.id, secret: k.secret, freshness, clock: () => at }).sign(r);
const authOf = (r: SignedRequest) => r.headers.find(([n]) => n === 'Authorization')![1];
const setAuth = (r: SignedRequest, value: string): SignedRequest => ({
  ...r,
  headers: [...r.headers.filter(([n]) => n !== 'Authorization'), ['Authorization', value]],
});

type Row = [label: string, make: () => Promise<SignedRequest>, freshness?: boolean];
const rows: Row[] = [
  ['tampered body', async () => ({ ...(await sign(LIVE, base())), body: new TextEncoder().encode('{"n":2}') })],
  ['tampered query', async () => ({ ...(await sign(LIVE, base())), query: 'b=2&a=2' })],
  ['tampered path', async () => ({ ...(await sign(LIVE, base())), path: '/admin/9' })],
  ['unknown key', () => sign(UNKNOWN, base())],
  ['disabled key', () => sign(DISABLED, base())],
  ['expired key', () => sign(EXPIRED, base())],
  [
    'signed with another key’s secret',
    async () => setAuth(await sign(OTHER, base()), authOf(await sign(OTHER, base())).replace(OTHER.id, LIVE.id)),
  ],
  [
    'wrong digest',
    async () => {
      const s = await sign(LIVE, base());
      return setAuth(
        s,
        authOf(s).replace(/.$/, (c) => (c === '0' ? '1' : '0')),
      );
    },
  ],
  [
    'four tokens',
    async () => {
      const s = await sign(LIVE, base());
      return setAuth(s, `${authOf(s)} ${LIVE.secret}`);
    },
  ],
  ['two tokens', async () => setAuth(base(), `USTUDIO-HMAC-V2 ${LIVE.id}`)],
  [
    'lower-case scheme word',
    async () => {
      const s = await sign(LIVE, base());
      return setAuth(s, authOf(s).replace('USTUDIO', 'ustudio'));
    },
  ],
  [
    'duplicate Authorization',
    async () => {
      const s = await sign(LIVE, base());
      return { ...s, headers: [...s.headers, ['authorization', authOf(s)]] };
    },
  ],
  [
    'oversized header',
    async () => {
      const s = await sign(LIVE, base());
      return setAuth(s, `${authOf(s)}${'x'.repeat(3000)}`);
    },
  ],
  ['stale freshness stamp', () => sign(LIVE, base(), true, NOW - 3_600_000), true],
  ['future freshness stamp', () => sign(LIVE, base(), true, NOW + 3_600_000), true],
  ['unstamped with freshness on', () => sign(LIVE, base()), true],
];

/** The digests and raw Authorization values a request carries. */
function secretsOf(req: SignedRequest): string[] {
  const out: string[] = [];
  for (const [name, value] of req.headers) {
    if (name.toLowerCase() !== 'authorization') continue;
    out.push(value);
    for (const m of value.matchAll(/[0-9a-f]{64}/g)) out.push(m[0], m[0].slice(0, 24));
  }
  return out;
}

vi.mock('../../functions/prevalidated-config.ts', async () => {
  const { loadConfig: load } = await import('../../lib/config/load.ts');
  const { builtInImplementations } = await import('../../lib/schemes/implementations.ts');
  return { prevalidated: { config: load(JSON.stringify(configFor())), sha256: '', implementations: builtInImplementations } };
});

describe('nothing secret of USTUDIO-HMAC-V2 reaches a log, a response or the CLI output', () => {
  const output: string[] = [];
  const capture = (...args: unknown[]) => output.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
  let requests: Array<{ label: string; req: SignedRequest; freshness: boolean }> = [];

  beforeAll(async () => {
    for (const [label, make, freshness] of rows) requests.push({ label, req: await make(), freshness: freshness === true });
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
    for (const level of ['log', 'error', 'warn', 'info', 'debug'] as const) vi.spyOn(console, level).mockImplementation(capture);
  });
  afterAll(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
    requests = [];
  });

  it('runs every row through the Worker, the authorizers, the in-function check and the CLI', async () => {
    const { default: worker } = await import('../../functions/worker.ts');
    process.env['AUTH_CONFIG'] = JSON.stringify(configFor());
    const { handler: authorizerRuntime } = await import('../../functions/authorizer-runtime.ts');
    const { lambdaAuthenticator } = await import('../../functions/lambda-config.ts');
    lambdaAuthenticator();
    delete process.env['AUTH_CONFIG'];
    const { handler: authorizerDeployed } = await import('../../functions/authorizer.ts');
    for (const { req, freshness } of requests) {
      const configText = JSON.stringify(configFor(freshness));
      const request = new Request(`http://api.example.com${req.path}${req.query ? '?' + req.query : ''}`, {
        method: req.method,
        headers: req.headers.map(([n, v]) => [n, v] as [string, string]),
        body: req.body as Uint8Array<ArrayBuffer>,
      });
      const res = await worker.fetch(request, { AUTH_CONFIG: configText });
      expect(res.status).toBeGreaterThanOrEqual(400);
      capture(res.status, [...res.headers], await res.text());
      // Both authorizers, on both event types, with the body left out as API Gateway does (and without a body too).
      for (const r of [req, { ...req, body: new Uint8Array(), headers: req.headers.filter(([n]) => n !== 'Content-Length') }]) {
        for (const event of [restAuthorizerEvent(r, { prefix: '' }), httpAuthorizerEvent(r)]) {
          for (const authorizer of [authorizerDeployed, authorizerRuntime]) {
            try {
              capture(await authorizer(event as never));
            } catch (e) {
              capture((e as Error).message);
            }
          }
        }
      }
      const auth = createAuthenticator(loadConfig(configText));
      capture(
        await authenticate(auth, {
          method: req.method,
          url: `https://api.example.com${req.path}${req.query ? '?' + req.query : ''}`,
          headers: req.headers,
          body: req.body ?? null,
        }),
      );
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
    expect(output.length).toBeGreaterThan(rows.length * 8);
    const text = output.join('\n');
    expect(text).toContain('ERR_SIGNATURE_INVALID');
    expect(text).toContain('ERR_REQUEST_EXPIRED');
    expect(text).toContain('string to sign');
    expect(text).not.toContain('ERR_CONFIG');
    expect(text).not.toContain('authorizer configuration error');
    for (const secret of FORBIDDEN) expect(text, `a secret value (${secret.length} chars) was printed`).not.toContain(secret);
    for (const { label, req } of requests) {
      for (const secret of secretsOf(req))
        expect(text.includes(secret), `a digest or Authorization header of "${label}" was printed`).toBe(false);
    }
  }, 60_000);
});
