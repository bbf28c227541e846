/**
 * API keys under arbitrary input: random header names, values (key-shaped, near misses, binary junk)
 * and repeats through the Worker (in process) and the Lambda authorizer never give a 5xx or a thrown
 * error other than `Unauthorized`, and never let a request through on a value that is not a key the
 * configuration holds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAuthorizerHandler } from '../../lib/adapters/aws-lambda/authorizer.ts';
import { createAuthenticator } from '../../lib/authenticator.ts';
import { loadConfig } from '../../lib/config/load.ts';
import type { SignedRequest } from '../../lib/core/request.ts';
import worker from '../../functions/worker.ts';
import { httpAuthorizerEvent, restAuthorizerEvent } from '../fixtures/apigw.ts';
import { API_KEY, apiKeyConfig, NEXT_API_KEY, READONLY_KEY } from '../fixtures/api-key-app.ts';

const CONFIG = apiKeyConfig();
const GOOD = new Set([API_KEY, NEXT_API_KEY, READONLY_KEY]);
const RUNS = 2_000;

const nearMiss = fc.tuple(fc.constantFrom(API_KEY, NEXT_API_KEY), fc.nat(200), fc.string({ maxLength: 3 })).map(([key, at, insert]) => {
  const i = at % (key.length + 1);
  return key.slice(0, i) + insert + key.slice(i + 1);
});
const value = fc.oneof(
  fc.constantFrom(API_KEY, ` ${API_KEY}\t`, READONLY_KEY, '', ',', 'ea_', `${API_KEY},${API_KEY}`),
  nearMiss,
  fc.string({ maxLength: 120 }),
  fc.stringMatching(/^ea_[a-z0-9]{8,40}_[A-Za-z0-9]{43}_[0-9a-f]{8}$/),
);
const headers = fc.array(
  fc.tuple(fc.constantFrom('X-Api-Key', 'x-api-key', 'X-API-KEY', 'X-Api-Token', 'Authorization', 'x-other'), value),
  {
    maxLength: 3,
  },
);
const request = fc.record({
  method: fc.constantFrom('GET', 'POST', 'DELETE'),
  path: fc.constantFrom('/items/1', '/admin/x', '/health', '/other'),
  query: fc.oneof(
    fc.constant(''),
    value.map((v) => `api_key=${encodeURIComponent(v)}`),
  ),
  headers,
});

/** Whether the request carries exactly one key header, holding a configured key (spaces and tabs around it allowed). */
const carriesGoodKey = (h: Array<[string, string]>) => {
  const keys = h.filter(([n]) => n.toLowerCase() === 'x-api-key');
  return keys.length === 1 && GOOD.has(keys[0]![1].replace(/^[ \t]+|[ \t]+$/g, ''));
};

describe('API keys under arbitrary input', () => {
  it(`the Worker answers ${RUNS} arbitrary requests 200, 400, 401 or 403, and 200 only for a public route or a configured key`, async () => {
    const env = { AUTH_CONFIG: JSON.stringify(CONFIG) };
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        let req: Request;
        try {
          req = new Request(`http://edge.test${r.path}${r.query ? '?' + r.query : ''}`, { method: r.method, headers: r.headers });
        } catch {
          return; // a header value no client can send
        }
        const res = await worker.fetch(req, env);
        expect([200, 400, 401, 403]).toContain(res.status);
        // Fetch's Headers trims values and joins repeats with ", ": judge what the Worker was handed.
        const sent: Array<[string, string]> = [...req.headers].map(([n, v]) => [n, v]);
        if (res.status === 200) expect((r.path === '/health' && r.method === 'GET') || carriesGoodKey(sent)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  }, 60_000);

  it(`the Lambda authorizer answers ${RUNS} arbitrary events with a decision or Unauthorized, allowing only configured keys`, async () => {
    const handler = createAuthorizerHandler({ authenticator: () => createAuthenticator(loadConfig(CONFIG)) });
    await fc.assert(
      fc.asyncProperty(request, fc.boolean(), async (r, rest) => {
        const req: SignedRequest = { ...r, headers: [['Host', 'api.example.com'], ...r.headers], body: new Uint8Array() };
        let event;
        try {
          event = rest ? restAuthorizerEvent({ ...req, path: `/prod${req.path}` }) : httpAuthorizerEvent(req);
        } catch {
          return;
        }
        try {
          const answer = (await handler(event as never)) as unknown as Record<string, unknown>;
          const allowed = answer['isAuthorized'] === true || JSON.stringify(answer['policyDocument'] ?? {}).includes('"Effect":"Allow"');
          if (allowed && answer['principalId'] !== 'anonymous' && (answer['context'] as { principal?: string }).principal !== '')
            expect(carriesGoodKey(r.headers)).toBe(true);
        } catch (e) {
          expect((e as Error).message).toBe('Unauthorized');
        }
      }),
      { numRuns: RUNS },
    );
  }, 60_000);
});
