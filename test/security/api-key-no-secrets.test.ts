/**
 * API keys never reach logs, responses or CLI output: a table of good and bad keys goes through the
 * Worker (the shipped Hono app), both shipped Lambda authorizers (the deployed one, whose configuration
 * the build validated, and authorizer-runtime; allows logged too) on REST and HTTP API events, the
 * in-function check and the CLI (verify, explain, explain --json), with all console output and every
 * response and exit message captured. None of it may contain a key or the hex of its hash; refusals
 * name no key id either. The one place a key may leave is the REST answer's usageIdentifierKey (for
 * usage plans), which is checked to be exactly the presented key and is then taken out of the capture.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { authenticate } from '../../lib/adapters/aws-lambda/in-function.ts';
import { createAuthenticator } from '../../lib/authenticator.ts';
import { main } from '../../lib/cli/main.ts';
import { loadConfig } from '../../lib/config/load.ts';
import { toRequestJson } from '../../lib/core/request-json.ts';
import type { SignedRequest } from '../../lib/core/request.ts';
import { API_KEY_MAX_LENGTH, generateApiKey } from '../../lib/keys/api-key-format.ts';
import { httpAuthorizerEvent, restAuthorizerEvent } from '../fixtures/apigw.ts';
import {
  ALL_KEYS,
  API_KEY,
  apiKeyConfig,
  DISABLED_KEY,
  EXPIRED_KEY,
  FUTURE_KEY,
  hashOf,
  KEY_ID,
  NEXT_API_KEY,
  READONLY_KEY,
  UNKNOWN_KEY,
} from '../fixtures/api-key-app.ts';

const CONFIG_TEXT = JSON.stringify(apiKeyConfig());
const WRONG_SECRET = generateApiKey({ id: KEY_ID }).key;
const CHECKSUM_BAD = API_KEY.slice(0, -8) + (API_KEY.at(-8) === '0' ? '1' : '0') + API_KEY.slice(-7);
const SECRETS = [...ALL_KEYS, WRONG_SECRET, CHECKSUM_BAD];
const HASHES = SECRETS.map((k) => hashOf(k).slice(7));
const IDS = [KEY_ID, 'readonly01', 'disabled01', 'expired001', 'future0001', 'nosuchkey1'];

vi.mock('../../functions/prevalidated-config.ts', async () => {
  const { loadConfig: load } = await import('../../lib/config/load.ts');
  const { builtInImplementations } = await import('../../lib/schemes/implementations.ts');
  const { apiKeyConfig: config } = await import('../fixtures/api-key-app.ts');
  return { prevalidated: { config: load(JSON.stringify(config())), sha256: '', implementations: builtInImplementations } };
});

const req = (headers: Array<[string, string]>, path = '/items/1', query = ''): SignedRequest => ({
  method: 'GET',
  path,
  query,
  headers: [['Host', 'api.example.com'], ...headers],
  body: new Uint8Array(),
});

// [label, request, the Worker's status]
const rows: Array<[string, SignedRequest, number]> = [
  ['the key', req([['X-Api-Key', API_KEY]]), 200],
  ['the next key of a rotation', req([['x-api-key', NEXT_API_KEY]]), 200],
  ['a key with spaces around it', req([['X-API-KEY', ` ${API_KEY} `]]), 200],
  ['a key on a route it lacks the permission for', req([['X-Api-Key', READONLY_KEY]], '/admin/users'), 403],
  ['an unknown id', req([['X-Api-Key', UNKNOWN_KEY]]), 401],
  ['a wrong secret', req([['X-Api-Key', WRONG_SECRET]]), 401],
  ['a bad checksum', req([['X-Api-Key', CHECKSUM_BAD]]), 401],
  ['a disabled key', req([['X-Api-Key', DISABLED_KEY]]), 401],
  ['an expired key', req([['X-Api-Key', EXPIRED_KEY]]), 401],
  ['a key not yet valid', req([['X-Api-Key', FUTURE_KEY]]), 401],
  [
    'two headers',
    req([
      ['X-Api-Key', API_KEY],
      ['X-Api-Key', NEXT_API_KEY],
    ]),
    400,
  ],
  ['an oversized header', req([['X-Api-Key', API_KEY + 'x'.repeat(API_KEY_MAX_LENGTH)]]), 400],
  ['the key upper-cased', req([['X-Api-Key', API_KEY.toUpperCase()]]), 401],
  ['the key in the query only', req([], '/items/1', `api_key=${API_KEY}`), 401],
  ['the key as a bearer token', req([['Authorization', `Bearer ${API_KEY}`]]), 401],
  ['the hash as the key', req([['X-Api-Key', hashOf(API_KEY)]]), 401],
];

describe('no API key (or its hash) reaches a log, a response or the CLI output', () => {
  const output: string[] = [];
  const capture = (...args: unknown[]) => output.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));

  beforeAll(() => {
    for (const level of ['log', 'error', 'warn', 'info', 'debug'] as const) vi.spyOn(console, level).mockImplementation(capture);
  });
  afterAll(() => {
    vi.restoreAllMocks();
    delete process.env['LOG_ACCEPTED'];
  });

  it('runs every row through the Worker, both authorizers, the in-function check and the CLI', async () => {
    process.env['LOG_ACCEPTED'] = 'true';
    const { default: worker } = await import('../../functions/worker.ts');
    process.env['AUTH_CONFIG'] = CONFIG_TEXT;
    const { handler: authorizerRuntime } = await import('../../functions/authorizer-runtime.ts');
    const { lambdaAuthenticator } = await import('../../functions/lambda-config.ts');
    lambdaAuthenticator();
    delete process.env['AUTH_CONFIG'];
    const { handler: authorizerDeployed } = await import('../../functions/authorizer.ts');
    const auth = createAuthenticator(loadConfig(CONFIG_TEXT));
    const workerEnv = { AUTH_CONFIG: CONFIG_TEXT, LOG_ACCEPTED: 'true' };
    let usageKeys = 0;

    for (const [label, r, status] of rows) {
      const before = output.length;
      const request = new Request(`http://api.example.com${r.path}${r.query ? '?' + r.query : ''}`, {
        method: r.method,
        headers: r.headers.map(([n, v]) => [n, v] as [string, string]),
      });
      const res = await worker.fetch(request, workerEnv);
      expect(res.status, label).toBe(status);
      capture(res.status, [...res.headers], await res.text());

      for (const event of [restAuthorizerEvent(r, { prefix: '' }), httpAuthorizerEvent(r)]) {
        for (const authorizer of [authorizerDeployed, authorizerRuntime]) {
          try {
            const answer = (await authorizer(event as never)) as unknown as Record<string, unknown>;
            if ('usageIdentifierKey' in answer) {
              // The key goes to API Gateway for usage plans (REST only), exactly as presented.
              expect('methodArn' in event, label).toBe(true);
              expect(answer['usageIdentifierKey']).toBe(r.headers[1]![1].trim());
              usageKeys++;
              delete answer['usageIdentifierKey'];
            }
            capture(answer);
          } catch (e) {
            capture((e as Error).message);
          }
        }
      }
      capture(
        await authenticate(auth, {
          method: r.method,
          url: `https://api.example.com${r.path}${r.query ? '?' + r.query : ''}`,
          headers: r.headers,
          body: null,
        }),
      );
      const stdin = new TextEncoder().encode(JSON.stringify(toRequestJson(r, 'https://api.example.com')));
      const io = {
        stdin: async () => stdin,
        stdout: (t: string) => output.push(t),
        stderr: (t: string) => output.push(t),
        readFile: () => CONFIG_TEXT,
        now: () => Date.now(),
      };
      for (const argv of [['verify'], ['explain'], ['explain', '--json']])
        output.push(`exit ${await main([...argv, '--config', 'config.json'], io)}`);

      const text = output.slice(before).join('\n');
      for (const secret of SECRETS) expect(text, `${label}: a key (${secret.length} chars) was printed`).not.toContain(secret);
      for (const hash of HASHES) expect(text, `${label}: a key's hash was printed`).not.toContain(hash);
      // A refusal of the key names no key id (a CLI verify that accepts prints the key id it verified, by design).
      if (status === 400 || status === 401) for (const id of IDS) expect(text, `${label}: a key id was printed`).not.toContain(id);
    }
    // Accepted REST answers (three rows and the 403 row's Deny policy, two authorizers) carried the key; nothing else did.
    expect(usageKeys).toBe(8);
    const text = output.join('\n');
    expect(text).toContain('ERR_SIGNATURE_INVALID');
    expect(text).toContain('authorizer.allow');
    expect(text).toContain('Not Authorized');
    expect(text).not.toContain('ERR_CONFIG');
  }, 60_000);
});
