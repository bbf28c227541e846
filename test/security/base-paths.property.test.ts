// Base paths as properties (entry-points.test.ts has the cases by hand). A request reaches a Lambda
// API through its execute-api endpoint (the stage first in the path), through a custom domain (a
// base path first, which API Gateway leaves in the event's path), or as an HTTP API `$default`
// route (the raw path). The paths the origin may act on are, as the README ("Custom domains")
// promises: the path under the stage, without each configured base path that prefixes it exactly,
// or as an app that takes the base path off itself in its own way makes of it (`originPaths`), and the
// resource the API Gateway route matched. The property: the authorizer and the in-function check never
// let a request through that the route table would refuse on one of those paths, and they let through
// every path that no reading could refuse.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Authenticator } from '../../lib/authenticator.ts';
import { percentDecode } from '../../lib/core/encoding.ts';
import {
  PRINCIPAL,
  STAGE,
  authenticators,
  authorizerAllows,
  caseArb,
  inFunctionAllows,
  sentPath,
  signed,
  type Case,
} from '../helpers/base-path-cases.ts';

/** Path segments: the guarded and the public resource in several spellings, base path segments, dot segments, empty ones. */
const SEGMENTS = [
  'admin',
  'ADMIN',
  '%61dmin',
  'public',
  'items',
  '1',
  'v1',
  'V1',
  'v2',
  'beta',
  'api',
  'orders',
  'v10',
  'v1admin',
  'betaadmin',
  'BETA',
  // Escaped slashes and dots: a URL keeps %2F as text while it resolves the dot segments around it.
  '%2F',
  '%2e%2e',
  '..%2F..',
  '%5C',
  // Escaped base path text, and a "#" that REST hands over decoded: the apps cut the text as it reaches them.
  '%761x',
  '%23',
  '.',
  '..',
  '',
];

/**
 * The paths an origin may act on, given the path under the stage (or the custom domain's whole path):
 * the path without each base path that prefixes it exactly, or the path itself; and what apps that
 * take a base path off themselves in other ways make of it, or of it decoded (REST hands the app a
 * decoded path): serverless-http (`basePath`: everything up to the first occurrence, anywhere),
 * Lambda Web Adapter (`AWS_LWA_REMOVE_BASE_PATH`: as often as it repeats at the start, then a "/"
 * in front of what is left and its dot segments resolved), Express
 * (a router mounted under the base path: once, in any case), and serverless-http in front of such an
 * Express router; each also behind a front that parses the path as a URL first (dot segments
 * resolved, `%2F` kept as text), and that URL path itself. A result that does not start with "/" is
 * what `new URL(req.url, base)` makes of it.
 */
function originPaths(bases: readonly string[], path: string): string[] {
  const under = bases.filter((b) => path === b || path.startsWith(b + '/'));
  const out = under.length ? under.map((b) => path.slice(b.length) || '/') : [path];
  const serverlessHttp = (p: string, b: string) => (p.includes(b) ? p.slice(p.indexOf(b) + b.length) : p);
  // It sets what is left as a URL path: a "/" in front, dot segments resolved.
  const webAdapter = (p: string, b: string) => {
    if (!p.startsWith(b)) return p;
    while (p.startsWith(b)) p = p.slice(b.length);
    return new URL('http://h' + (p.startsWith('/') ? p : '/' + p)).pathname;
  };
  const express = (p: string, b: string) => {
    const lower = p.toLowerCase();
    return lower === b.toLowerCase() || lower.startsWith(b.toLowerCase() + '/') ? p.slice(b.length) : p;
  };
  // A front that parses the path as a URL (Lambda Web Adapter, a WHATWG server) before anything strips it.
  const urlFront = new URL('http://h' + path).pathname;
  out.push(urlFront);
  for (const p of new Set([path, percentDecode(path), urlFront]))
    for (const b of bases)
      for (const stripped of [serverlessHttp(p, b), webAdapter(p, b), express(p, b), express(serverlessHttp(p, b), b)]) {
        const routed = stripped === '' ? '/' : stripped;
        // A cut without a "/" in front (serverless-http's `admin` of `/x/v1admin`) is resolved against "/" by new URL(req.url, base).
        out.push(routed.startsWith('/') ? routed : new URL(routed, 'http://h/').pathname);
      }
  return [...new Set(out)];
}

/** Whether the route table lets the key through on every one of `paths` (GET). */
function tableAllows(auth: Authenticator, paths: readonly string[]): boolean {
  // An origin path with a decoded "?" or "#" is routed up to it (a parser) or with it escaped (a URL setter);
  // the route table itself refuses such a path as input, so each form is asked about instead.
  const forms = (p: string) => {
    const at = p.search(/[?#]/);
    return at === -1 ? [p] : [p.slice(0, at) || '/', p.replace(/#/g, '%23').replace(/\?/g, '%3F')];
  };
  return paths.flatMap(forms).every((p) => {
    const d = auth.decide('GET', p);
    return d.ok && (d.public || auth.authorize(PRINCIPAL, d) === undefined);
  });
}

/**
 * No reading can meet the guarded rule: the path does not hold its name, whatever its spelling or
 * escapes (not even within a segment: Lambda Web Adapter makes `/admin` of `/v1admin`).
 */
const plainlyUnguarded = (path: string) => !percentDecode(path).toLowerCase().includes('admin');

/** The path the client sends (and signs), and the paths the origin may act on. */
function wire(c: Case): { sent: string; origin: string[] } {
  const sent = sentPath(c);
  switch (c.endpoint.kind) {
    case 'execute-api':
    case 'http-default':
      return { sent, origin: originPaths(c.bases, c.resource) };
    case 'custom-domain':
      return { sent, origin: [...originPaths(c.bases, sent), c.resource] };
  }
}

const cases = caseArb(SEGMENTS);

describe('base paths: no entry point lets through what the route table refuses on a path the origin may act on', () => {
  const authOf = authenticators();

  it('the authorizer (REST on execute-api and on a custom domain, HTTP API $default)', async () => {
    await fc.assert(
      fc.asyncProperty(cases, async (c) => {
        const auth = authOf(c.bases);
        const { sent, origin } = wire(c);
        const allowed = await authorizerAllows(auth, c, await signed(sent));
        if (allowed) expect(tableAllows(auth, origin), `${sent} allowed; origin paths ${origin.join(' ')}`).toBe(true);
        // REST hands the authorizer a decoded path, in which an escaped unreserved character (`%76`) can no
        // longer be told from the character a client signed: such a request is refused (401) whatever its route.
        // And one whose decoded path holds a "?" or "#" (%3F, %23) is refused (400). Nor can an escaped slash,
        // backslash or dot be told from the one a client signed once decoded.
        const undecidable = c.endpoint.kind !== 'http-default' && /%76|%23|%2F|%5C|%2e/i.test(sent);
        if (origin.every(plainlyUnguarded) && plainlyUnguarded(sent) && !undecidable) expect(allowed, `${sent} refused`).toBe(true);
      }),
      // Counterexamples found by earlier runs, kept: a decoded path whose "//" url.parse takes an empty host from.
      {
        numRuns: 2000,
        examples: [
          [{ bases: ['/v1/beta', '/api'], resource: '/%2F//..%2F../admin/%2e%2e', endpoint: { kind: 'http-default' } }],
          [{ bases: ['/v2', '/api'], resource: '/%2F//..%2F../admin/..%2F..', endpoint: { kind: 'http-default' } }],
        ],
      },
    );
  });

  it('the in-function check, told the stage or not', async () => {
    await fc.assert(
      fc.asyncProperty(
        cases.filter((c) => c.endpoint.kind !== 'http-default'),
        fc.boolean(),
        async (c, withStage) => {
          const auth = authOf(c.bases);
          const { sent, origin } = wire(c);
          const allowed = await inFunctionAllows(auth, sent, await signed(sent), withStage ? STAGE : undefined);
          if (allowed) expect(tableAllows(auth, origin), `${sent} allowed; origin paths ${origin.join(' ')}`).toBe(true);
          if (origin.every(plainlyUnguarded) && plainlyUnguarded(sent)) expect(allowed, `${sent} refused`).toBe(true);
        },
      ),
      // Found by a longer run: a %23 that REST decodes, which a URL setter escapes again and goes on.
      {
        numRuns: 2000,
        examples: [[{ bases: ['/v1/beta'], resource: '/v1/%2F/%2e%2e/%5C/%23/admin', endpoint: { kind: 'execute-api' } }, false]],
      },
    );
  });
});
