import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { percentEncode } from '../../core/encoding.ts';
import { restSignedPaths } from './events.ts';

describe('restSignedPaths', () => {
  // By definition: each candidate (requestContext.path, the stage and path, the path) in each wire form a client may
  // have sent (every byte escaped but unreserved ones; sub-delimiters left literal; the text itself), once each.
  const forms = (p: string) => [
    p
      .split('/')
      .map((s) => percentEncode(s))
      .join('/'),
    p
      .split('/')
      .map((s) => percentEncode(s, "!$&'()*+,;=:@"))
      .join('/'),
    p,
  ];
  const byDefinition = (contextPath: string, stage: string, path: string) => [
    ...new Set([contextPath, `/${stage}${path === '/' ? '' : path}`, path].flatMap(forms)),
  ];
  const segment = fc
    .array(fc.constantFrom('a', 'Z', '0', '-', '.', '_', '~', '!', '$', ':', '@', ' ', '%', 'é', '/', '+'), { maxLength: 6 })
    .map((a) => a.join(''));
  const path = fc.array(segment, { maxLength: 4 }).map((a) => '/' + a.join('/'));

  it('gives every wire form of every candidate once, plain paths (each form the path itself) included', () => {
    let plain = 0;
    fc.assert(
      fc.property(path, fc.constantFrom('prod', 'v1'), (p, stage) => {
        const contextPath = `/${stage}${p === '/' ? '' : p}`;
        if (/^[A-Za-z0-9\-._~/]*$/.test(p)) plain++;
        expect(restSignedPaths({ path: p, requestContext: { path: contextPath, stage } })).toEqual(byDefinition(contextPath, stage, p));
      }),
      { numRuns: 3000 },
    );
    expect(plain).toBeGreaterThan(300);
  });

  it('escapes what a canonical client escapes, first', () => {
    expect(restSignedPaths({ path: '/a b/c:d', requestContext: { path: '/prod/a b/c:d', stage: 'prod' } })).toEqual([
      '/prod/a%20b/c%3Ad',
      '/prod/a%20b/c:d',
      '/prod/a b/c:d',
      '/a%20b/c%3Ad',
      '/a%20b/c:d',
      '/a b/c:d',
    ]);
  });
});
