// The USTUDIO-HMAC-V2 bench cases compare like with like only while each does the work it claims: our
// verify (both backends) and the floor accept the fresh request and refuse it tampered, and each call
// gets a request it has never seen.
import { describe, expect, it } from 'vitest';
import { buildCases } from '../../bench/sigv4-cases.ts';
import { USTUDIO_CASES } from '../../bench/ustudio-cases.ts';
import { ustudioSection } from '../../bench/ustudio-section.ts';
import type { SignedRequest } from '../../lib/core/request.ts';
import { renderedSection } from '../helpers/bench-sections.ts';

describe('npm run bench: the USTUDIO-HMAC-V2 cases', async () => {
  const cases = await buildCases('ustudio');
  const run = async (c: (typeof cases)[number], input: unknown) => await c.run(input);
  const tampered: Array<[string, (r: SignedRequest) => SignedRequest]> = [
    [
      'body',
      (r) => {
        const body = new Uint8Array(r.body!);
        body[body.length - 2]! ^= 1;
        return { ...r, body };
      },
    ],
    ['method', (r) => ({ ...r, method: 'PUT' })],
    ['path', (r) => ({ ...r, path: r.path + 'x' })],
    ['query', (r) => ({ ...r, query: r.query.replace('10', '11') })],
    ['query order that matters (a value moved)', (r) => ({ ...r, query: 'limit=asc&sort=10' })],
  ];

  it('has our verify on both backends beside the floor', () => {
    expect(cases.map((c) => c.name)).toEqual([USTUDIO_CASES.ours, USTUDIO_CASES.floor, USTUDIO_CASES.web]);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s accepts its fresh request and refuses it tampered', async (_, c) => {
    const req = c.make() as SignedRequest;
    expect(req.headers.some(([n, v]) => n === 'Authorization' && v.startsWith('USTUDIO-HMAC-V2 '))).toBe(true);
    expect(c.expect!(await run(c, req))).toBe(true);
    for (const [, change] of tampered) expect(c.expect!(await run(c, change(c.make() as SignedRequest)))).toBe(false);
    // Pairs reordered: the same canonical query, accepted by both.
    expect(c.expect!(await run(c, { ...req, query: 'sort=asc&limit=10' }))).toBe(true);
  });

  it('hands every call a new request', () => {
    const c = cases[1]!;
    const a = c.make() as SignedRequest;
    const b = c.make() as SignedRequest;
    expect(a).toEqual(b);
    expect(a.headers).not.toBe(b.headers);
    expect(a.body).not.toBe(b.body);
  });

  it('renders its BENCHMARKS.md section with a ratio to the floor and a target', () => {
    const names = cases.map((c) => c.name);
    const md = renderedSection(names, (runsOf) => ustudioSection(runsOf, names, 188), 'USTUDIO-HMAC-V2 verification per request');
    // ours ÷ floor: 10/11, 11/12, 12/13.
    expect(md).toContain(`- USTUDIO-HMAC-V2 verify ÷ the node:crypto createHmac floor: **${(11 / 12).toFixed(3)}**`);
    expect(md).toContain('export function floorVerifyUStudio');
  });
});
