// The benchmark compares like with like only while every case does the work it claims: our verify and
// the floor accept the request and refuse a tampered one, the crypto-only case computes the request's
// signature, and each case gets a request object it has never seen.
import { describe, expect, it } from 'vitest';
import { buildCases, type Case } from '../../bench/sigv4-cases.ts';
import type { SignedRequest } from '../../lib/core/request.ts';
import { MAUTH_CASES } from '../../bench/mauth-cases.ts';
import { mauthSection } from '../../bench/mauth-section.ts';
import { JWT_CASES } from '../../bench/jwt-cases.ts';
import { jwtSection } from '../../bench/jwt-section.ts';
import { APIKEY_CASES } from '../../bench/apikey-cases.ts';
import { apikeySection } from '../../bench/apikey-section.ts';
import { generateApiKey } from '../../lib/keys/api-key-format.ts';
import { LAMBDA_CASES } from '../../bench/lambda-cases.ts';
import { lambdaSection } from '../../bench/lambda-section.ts';
import { renderedSection } from '../helpers/bench-sections.ts';

const run = async (c: Case, input: unknown) => await c.run(input);

describe('npm run bench: the cases', async () => {
  const main = await buildCases('main');
  const named = (prefix: string) => main.find((c) => c.name.startsWith(prefix))!;

  it.each(main.filter((c) => c.expect).map((c) => [c.name, c] as const))('%s gives its expected outcome', async (_, c) => {
    expect(c.expect!(await run(c, c.make()))).toBe(true);
  });

  it.each(['edge-authorizer verify (node:crypto', 'edge-authorizer verify (Web Crypto', 'floor: ', 'floor, signing key derived'])(
    '%s refuses the request with a tampered query',
    async (prefix) => {
      const c = named(prefix);
      const req = c.make() as SignedRequest;
      expect(c.expect!(await run(c, { ...req, query: req.query.replace('10', '11') }))).toBe(false);
    },
  );

  it('hands every call a new request: new header list, new strings, new body', () => {
    const c = named('floor: ');
    const a = c.make() as SignedRequest;
    const b = c.make() as SignedRequest;
    expect(a).toEqual(b);
    expect(a.headers).not.toBe(b.headers);
    expect(a.headers[0]).not.toBe(b.headers[0]);
    expect(a.body).not.toBe(b.body);
  });

  it('rotation cases verify a request of each of their keys', async () => {
    for (const c of await buildCases('rotation')) {
      for (let i = 0; i < Math.min(c.keys!, 3) + 1; i++) expect(c.expect!(await run(c, c.make()))).toBe(true);
    }
  });

  it('key-store cases: the warm case verifies (and refuses a tampered query) with its key from the local endpoint; each miss case finds the key', async () => {
    const cases = await buildCases('keystore');
    expect(cases.map((c) => c.name)).toHaveLength(4);
    for (const c of cases) expect(c.expect!(await run(c, c.make()))).toBe(true);
    const warm = cases[0]!;
    const req = warm.make() as SignedRequest;
    expect(warm.expect!(await run(warm, { ...req, query: req.query.replace('10', '11') }))).toBe(false);
  }, 30_000);

  describe('MAuth cases', async () => {
    const mauth = await buildCases('mauth');
    const withBodyByteChanged = (req: SignedRequest): SignedRequest => {
      const body = new Uint8Array(req.body!);
      body[body.length - 2]! ^= 1;
      return { ...req, body };
    };
    const withMethod = (req: SignedRequest): SignedRequest => ({ ...req, method: 'PUT' });
    const withQuery = (req: SignedRequest): SignedRequest => ({ ...req, query: req.query.replace('10', '11') });

    it('has our v1 and v2 verify, each beside its floor and the Web Crypto backend', () => {
      expect(mauth.map((c) => c.name)).toEqual([...Object.values(MAUTH_CASES.v1), ...Object.values(MAUTH_CASES.v2)]);
    });

    it.each(mauth.map((c) => [c.name, c] as const))('%s accepts its fresh request, refuses it tampered', async (_, c) => {
      const req = c.make() as SignedRequest;
      expect(req.headers.some(([n]) => n === (c.name.startsWith('MAuth v1') ? 'X-MWS-Authentication' : 'MCC-Authentication'))).toBe(true);
      expect(c.expect!(await run(c, req))).toBe(true);
      expect(c.expect!(await run(c, withBodyByteChanged(c.make() as SignedRequest)))).toBe(false);
      expect(c.expect!(await run(c, withMethod(c.make() as SignedRequest)))).toBe(false);
      // v1 does not sign the query; v2 does.
      expect(c.expect!(await run(c, withQuery(c.make() as SignedRequest)))).toBe(c.name.startsWith('MAuth v1'));
    });

    it('hands every call a new request', () => {
      const c = mauth[1]!;
      const a = c.make() as SignedRequest;
      const b = c.make() as SignedRequest;
      expect(a).toEqual(b);
      expect(a.headers).not.toBe(b.headers);
      expect(a.body).not.toBe(b.body);
    });

    it('renders its BENCHMARKS.md section with a ratio to the floor and a target per version', () => {
      const names = mauth.map((c) => c.name);
      const md = renderedSection(names, (runsOf) => mauthSection(runsOf, names, 188), 'MAuth verification per request');
      // v1 ours ÷ v1 floor: 10/11, 11/12, 12/13.
      expect(md).toContain(`- MAuth v1 verify ÷ the node:crypto publicDecrypt floor: **${(11 / 12).toFixed(3)}**`);
      expect(md).toContain('target at most 1.2: met');
      expect(md).toContain('export function floorVerifyMAuthV2');
    });
  });
  describe('JWT cases', async () => {
    const jwt = await buildCases('jwt');
    const outcome = (c: Case, req: SignedRequest) => Promise.resolve(run(c, req)).then(c.expect!, () => false);
    const withSignatureChanged = (req: SignedRequest): SignedRequest => ({
      ...req,
      headers: req.headers.map(([n, v]): [string, string] => [
        n,
        n === 'Authorization' ? v.slice(0, -6) + (v.endsWith('AAAAAA') ? 'BBBBBB' : 'AAAAAA') : v,
      ]),
    });

    it('has ours, jose, aws-jwt-verify, fast-jwt, the floor, the Web Crypto backend and the repeated-token case', () => {
      expect(jwt.map((c) => c.name)).toEqual(Object.values(JWT_CASES));
    });

    it.each(jwt.map((c) => [c.name, c] as const))('%s accepts its fresh request, refuses it with the signature changed', async (_, c) => {
      const req = c.make() as SignedRequest;
      expect(req.headers.some(([n, v]) => n === 'Authorization' && v.startsWith('Bearer ey'))).toBe(true);
      expect(await outcome(c, req)).toBe(true);
      expect(await outcome(c, withSignatureChanged(c.make() as SignedRequest))).toBe(false);
    });

    it('hands every call a new request (the same token bytes in a new string)', () => {
      const c = jwt[0]!;
      const a = c.make() as SignedRequest;
      const b = c.make() as SignedRequest;
      expect(a).toEqual(b);
      expect(a.headers).not.toBe(b.headers);
    });

    it('renders its BENCHMARKS.md section with the ratio to aws-jwt-verify and the repeated-token figure', () => {
      const names = jwt.map((c) => c.name);
      const md = renderedSection(names, (runsOf) => jwtSection(runsOf, names), 'JWT verification per request', {
        [JWT_CASES.cached]: [1.5, 1.6, 1.7],
      });
      // ours (index 0) ÷ aws (index 2): 10/12, 11/13, 12/14.
      expect(md).toContain(`- our verify ÷ aws-jwt-verify (the same token, fresh request, no token cache): **${(11 / 13).toFixed(3)}**`);
      expect(md).toContain('target under 2 µs: met');
    });
  });

  describe('API-key cases', async () => {
    const apikey = await buildCases('apikey');
    const withKey = (req: SignedRequest, key: string): SignedRequest => ({
      ...req,
      headers: req.headers.map(([n, v]): [string, string] => [n, n === 'X-Api-Key' ? key : v]),
    });

    it('has our verify beside its floor, the Web Crypto backend and the whole authenticator', () => {
      expect(apikey.map((c) => c.name)).toEqual(Object.values(APIKEY_CASES));
    });

    it.each(apikey.map((c) => [c.name, c] as const))('%s accepts its fresh request, refuses another key of the same id', async (_, c) => {
      const req = c.make() as SignedRequest;
      const key = req.headers.find(([n]) => n === 'X-Api-Key')![1];
      expect(c.expect!(await run(c, req))).toBe(true);
      const other = generateApiKey({ id: key.split('_')[1]! }).key;
      expect(c.expect!(await run(c, withKey(c.make() as SignedRequest, other)))).toBe(false);
    });

    it('hands every call a new request', () => {
      const a = apikey[0]!.make() as SignedRequest;
      const b = apikey[0]!.make() as SignedRequest;
      expect(a).toEqual(b);
      expect(a.headers).not.toBe(b.headers);
      expect(a.headers.at(-1)).not.toBe(b.headers.at(-1));
    });

    it('renders its BENCHMARKS.md section with the ratio to the floor and its target', () => {
      const names = apikey.map((c) => c.name);
      const md = renderedSection(names, (runsOf) => apikeySection(runsOf, names), 'API-key verification per request');
      // ours ÷ floor: 10/11, 11/12, 12/13.
      expect(md).toContain(`- API-key verify ÷ the node:crypto sha256 + timingSafeEqual floor: **${(11 / 12).toFixed(3)}**`);
      expect(md).toContain('target at most 1.3: met');
      expect(md).toContain('export function floorVerifyApiKey');
    });
  });

  describe('Lambda authorizer cases', async () => {
    const lambda = await buildCases('lambda');
    /** The event with its X-Request-Id header (signed) changed. */
    const tampered = (event: unknown) => {
      const e = structuredClone(event) as { headers: Record<string, string>; multiValueHeaders?: Record<string, string[]> };
      const multi = e.multiValueHeaders ?? {};
      for (const n of Object.keys(e.headers)) if (n.toLowerCase() === 'x-request-id') e.headers[n] = 'other';
      for (const n of Object.keys(multi)) if (n.toLowerCase() === 'x-request-id') multi[n] = ['other'];
      return e;
    };
    const outcome = async (c: Case, event: unknown) => {
      try {
        return c.expect!(await run(c, event));
      } catch {
        return false;
      }
    };

    it('has our handler for REST (with and without x-amz-content-sha256) and HTTP API events, beside the floor', () => {
      expect(lambda.map((c) => c.name)).toEqual(Object.values(LAMBDA_CASES));
    });

    it.each(lambda.map((c) => [c.name, c] as const))(
      '%s allows its fresh event and refuses it with a signed header changed',
      async (_, c) => {
        expect(await outcome(c, c.make())).toBe(true);
        expect(await outcome(c, tampered(c.make()))).toBe(false);
      },
    );

    it('hands every call a new event', () => {
      const a = lambda[0]!.make() as { headers: object };
      const b = lambda[0]!.make() as { headers: object };
      expect(a).toEqual(b);
      expect(a.headers).not.toBe(b.headers);
    });

    it("renders its BENCHMARKS.md section with each ratio to the floor and the floor's code", () => {
      const names = lambda.map((c) => c.name);
      const md = renderedSection(names, (runsOf) => lambdaSection(runsOf, names), 'Lambda authorizer per request');
      // REST ÷ floor: 10/13, 11/14, 12/15.
      expect(md).toContain(`- REST handler ÷ the floor: **${(11 / 14).toFixed(2)}**`);
      expect(md).toContain('export function floorAuthorizer');
    });
  });
});
