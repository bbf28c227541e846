// The benchmark compares like with like only while every case does the work it claims: our verify and
// the floor accept the request and refuse a tampered one, the crypto-only case computes the request's
// signature, and each case gets a request object it has never seen.
import { describe, expect, it } from 'vitest';
import { buildCases, type Case } from '../../bench/sigv4-cases.ts';
import type { SignedRequest } from '../../lib/core/request.ts';

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
});
