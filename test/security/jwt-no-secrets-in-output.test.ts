/**
 * JWT values never reach logs or responses: valid, forged and malformed bearer tokens go through the
 * Worker (the shipped Hono app, in process), the Lambda authorizer (authorizer-runtime) on REST and HTTP
 * API events, the in-function check and the CLI (verify, explain, explain --json), with all console
 * output and every response and exit message captured. None of it may contain a token, any of its
 * segments (the signature above all), a raw Authorization value or a kid.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { authenticate } from '../../lib/adapters/aws-lambda/in-function.ts';
import { createAuthenticator } from '../../lib/authenticator.ts';
import { main } from '../../lib/cli/main.ts';
import { loadConfig } from '../../lib/config/load.ts';
import { toRequestJson } from '../../lib/core/request-json.ts';
import type { SignedRequest } from '../../lib/core/request.ts';
import { httpAuthorizerEvent, restAuthorizerEvent } from '../fixtures/apigw.ts';
import { b64url, handmade, hs256WithKeyText, keyPair, mint, type TestKeyPair } from '../fixtures/jwt-keys.ts';

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const SECONDS = NOW / 1000;
const ISS = 'https://auth.example.com';
const AUD = 'orders-api';
const KIDS = ['secret-kid-a1b2c3', 'secret-kid-d4e5f6'];
let rsa: TestKeyPair;
let ec: TestKeyPair;
let configText: string;

const claims = (extra: Record<string, unknown> = {}) => ({
  iss: ISS,
  aud: AUD,
  sub: 'jwt-user',
  scope: 'orders:read',
  iat: SECONDS,
  exp: SECONDS + 300,
  ...extra,
});

describe('nothing of a JWT reaches a log, a response or the CLI output', () => {
  const output: string[] = [];
  const capture = (...args: unknown[]) => output.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
  const tokens: string[] = [];

  beforeAll(async () => {
    rsa = await keyPair('RS256');
    ec = await keyPair('ES256');
    configText = JSON.stringify({
      schemes: {
        jwt: {
          issuers: [
            {
              issuer: ISS,
              audience: AUD,
              algorithms: ['RS256', 'ES256'],
              publicKeys: [
                { ...rsa.publicJwk, kid: KIDS[0] },
                { ...ec.publicJwk, kid: KIDS[1] },
              ],
            },
          ],
          authTokenHeader: true,
        },
      },
      routes: [{ path: '/admin/*', permissions: ['admin'] }, { path: '*' }],
      keys: [],
    });
    const good = await mint(rsa, claims(), { kid: KIDS[0] });
    tokens.push(
      good,
      await mint(ec, claims(), { kid: KIDS[1] }),
      good.slice(0, -4) + (good.endsWith('AAAA') ? 'BBBA' : 'AAAA'),
      await mint(rsa, claims({ exp: SECONDS - 600 }), { kid: KIDS[0] }),
      await mint(rsa, claims({ aud: 'billing' }), { kid: KIDS[0] }),
      await mint(rsa, claims({ iss: 'https://evil.example' }), { kid: KIDS[0] }),
      await mint(ec, claims(), { kid: KIDS[0] }),
      await mint(rsa, claims(), { kid: 'secret-kid-unknown' }),
      hs256WithKeyText(claims(), rsa.spkiPem, { kid: KIDS[0] }),
      handmade({ alg: 'none', kid: KIDS[0] }, claims(), 'c2lnbmF0dXJlLXNlY3JldA'),
      `${b64url(JSON.stringify({ alg: 'RS256', kid: KIDS[1] }))}.${b64url('{"__proto__":{"admin":true}}')}.c2lnbmF0dXJlLXNlY3JldA`,
      good + '.extra-segment',
    );
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW);
    for (const level of ['log', 'error', 'warn', 'info', 'debug'] as const) vi.spyOn(console, level).mockImplementation(capture);
  }, 60_000);
  afterAll(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  it('runs every token through the Worker, the authorizer, the in-function check and the CLI', async () => {
    const { default: worker } = await import('../../functions/worker.ts');
    process.env['AUTH_CONFIG'] = configText;
    const { handler: authorizer } = await import('../../functions/authorizer-runtime.ts');
    const { lambdaAuthenticator } = await import('../../functions/lambda-config.ts');
    lambdaAuthenticator();
    delete process.env['AUTH_CONFIG'];
    const auth = createAuthenticator(loadConfig(configText));
    // The first two tokens are valid.
    const requests: Array<SignedRequest & { valid: boolean }> = tokens.flatMap((t, i) => [
      { method: 'GET', path: '/items/1', query: '', headers: [['Authorization', `Bearer ${t}`]], valid: i < 2 },
      { method: 'GET', path: '/admin/x', query: '', headers: [['auth-token', t]], valid: i < 2 },
    ]);
    for (const { valid, ...req } of requests) {
      const res = await worker.fetch(
        new Request(`http://api.example.com${req.path}`, { headers: req.headers.map(([n, v]) => [n, v] as [string, string]) }),
        {
          AUTH_CONFIG: configText,
        },
      );
      capture(res.status, [...res.headers], await res.text());
      for (const event of [restAuthorizerEvent(req, { prefix: '' }), httpAuthorizerEvent(req)]) {
        try {
          capture(await authorizer(event as never));
        } catch (e) {
          capture((e as Error).message);
        }
      }
      capture(
        await authenticate(auth, { method: req.method, url: `https://api.example.com${req.path}`, headers: req.headers, body: null }),
      );
      const stdin = new TextEncoder().encode(JSON.stringify(toRequestJson(req, 'https://api.example.com')));
      const io = {
        stdin: async () => stdin,
        stdout: (t: string) => output.push(t),
        stderr: (t: string) => output.push(t),
        readFile: () => configText,
        now: () => NOW,
      };
      // verify prints the key id of an accepted token to its operator: only refused ones are verified here.
      const argvs = [['explain'], ['explain', '--json'], ...(valid ? [] : [['verify', '--now', String(SECONDS)]])];
      for (const argv of argvs) output.push(`exit ${await main([...argv, '--config', 'config.json'], io)}`);
    }
    const text = output.join('\n');
    // The captured output is real: acceptances, refusals and explanations are there.
    expect(text).toContain('ERR_SIGNATURE_INVALID');
    expect(text).toContain('ERR_FORBIDDEN');
    expect(text).toContain('ERR_REQUEST_EXPIRED');
    expect(text).toContain('header: alg, kid');
    expect(text).toContain('jwt-user');
    for (const kid of [...KIDS, 'secret-kid-unknown']) expect(text, 'a kid was printed').not.toContain(kid);
    for (const t of tokens) {
      expect(text.includes(t), 'a token was printed').toBe(false);
      for (const segment of t.split('.').filter((s) => s.length >= 16))
        expect(text.includes(segment), 'a token segment was printed').toBe(false);
    }
  }, 60_000);
});
