/**
 * Requests through a Lambda API's three doors, for the base-path properties
 * (test/security/base-paths.property.test.ts against models of the apps, real-apps.property.test.ts
 * against the apps themselves): its execute-api endpoint (the stage first in the path), a custom
 * domain (a base path first, which API Gateway leaves in the event's path), or an HTTP API
 * `$default` route (the raw path). A case is a set of configured base paths, a door and the path
 * under it; the helpers ask the authorizer and the in-function check whether they let it through.
 */
import fc from 'fast-check';
import { createAuthorizerHandler, type RestAuthorizerResult } from '../../lib/adapters/aws-lambda/authorizer.ts';
import type { HttpApiProxyEvent, RestProxyEvent } from '../../lib/adapters/aws-lambda/events.ts';
import { authenticate } from '../../lib/adapters/aws-lambda/in-function.ts';
import { createAuthenticator, type Authenticator } from '../../lib/authenticator.ts';
import { loadConfig } from '../../lib/config/load.ts';
import { percentDecode } from '../../lib/core/encoding.ts';
import type { SignedRequest } from '../../lib/core/request.ts';
import type { Principal } from '../../lib/core/result.ts';
import { createUStudioSigner } from '../../lib/schemes/ustudio-hmac/signer.ts';
import { httpAuthorizerEvent, httpProxyEvent, restAuthorizerEvent, restProxyEvent } from '../fixtures/apigw.ts';

const SECRET = 'ustudio-secret-base-path-props-01';
const signer = createUStudioSigner({ keyId: 'reports', secret: SECRET });
/** The key's principal: it may read items, and is not an admin. */
export const PRINCIPAL: Principal = { id: 'reports', permissions: ['items:read'] };
export const STAGE = 'prod';
/** Base paths the configurations draw from: nested ones, and ones that look like path segments. */
export const BASES = ['/v1', '/v2', '/v1/beta', '/api', '/orders/v2'] as const;

/** `/admin`, `/svc/admin`, `/svc/secret` and under them for admins, `/public` and under it for anyone, the rest for any known key. */
export function authWith(basePaths: readonly string[]): Authenticator {
  return createAuthenticator(
    loadConfig({
      schemes: { 'ustudio-hmac': {} },
      routes: [
        { path: '/admin/*', permissions: ['admin'] },
        // An app may mount a router at a path of its own, no base path of ours (real-apps.property.test.ts).
        { path: '/svc/admin/*', permissions: ['admin'] },
        // ... and one that reads new URL(req.url, base) there serves its /secret, which nothing guards at the root.
        { path: '/svc/secret/*', permissions: ['admin'] },
        { path: '/public/*', public: true },
        { path: '*' },
      ],
      lambda: { basePaths: [...basePaths] },
      keys: [{ id: 'reports', secret: SECRET, principal: PRINCIPAL.id, permissions: [...PRINCIPAL.permissions] }],
    }),
  );
}

/** One authenticator per set of base paths, built on first use. */
export function authenticators(): (bases: readonly string[]) => Authenticator {
  const made = new Map<string, Authenticator>();
  return (bases) => {
    const key = bases.join(',');
    let a = made.get(key);
    if (!a) made.set(key, (a = authWith(bases)));
    return a;
  };
}

export type Endpoint = { kind: 'execute-api' } | { kind: 'custom-domain'; base: string } | { kind: 'http-default' };

export interface Case {
  readonly bases: readonly string[];
  readonly endpoint: Endpoint;
  /** The path under the stage, or under the custom domain's base path. */
  readonly resource: string;
}

/**
 * Cases whose paths are made of `segments` (a list to draw from evenly, or an arbitrary), often led
 * by a base path's text, so that nested and repeated base paths meet: by default any of BASES; with
 * `leads`, one of what it makes of the case's base paths (at least one then).
 */
export function caseArb(
  segments: readonly string[] | fc.Arbitrary<string>,
  leads?: (bases: readonly string[]) => readonly string[],
): fc.Arbitrary<Case> {
  const segment = Array.isArray(segments) ? fc.constantFrom(...segments) : (segments as fc.Arbitrary<string>);
  return fc
    .uniqueArray(fc.constantFrom(...BASES), { minLength: leads ? 1 : 0, maxLength: 3 })
    .chain((bases) =>
      fc.record({
        bases: fc.constant(bases),
        lead: fc.option(fc.constantFrom(...(leads ? leads(bases) : BASES)), { freq: 2 }),
        segments: fc.array(segment, { minLength: 1, maxLength: 5 }),
        kind: fc.constantFrom('execute-api', 'custom-domain', 'http-default'),
        pick: fc.nat(),
      }),
    )
    .map(({ bases, lead, segments, kind, pick }) => {
      const resource = (lead ?? '') + '/' + segments.join('/');
      // A custom domain is reached only through one of its base path mappings.
      if (kind === 'custom-domain' && bases.length > 0) return { bases, resource, endpoint: { kind, base: bases[pick % bases.length]! } };
      return { bases, resource, endpoint: { kind: kind === 'custom-domain' ? 'execute-api' : kind } as Endpoint };
    });
}

/** The path the client sends (and signs). */
export function sentPath(c: Case): string {
  switch (c.endpoint.kind) {
    case 'execute-api':
      return `/${STAGE}${c.resource}`;
    case 'custom-domain':
      return c.endpoint.base + c.resource;
    case 'http-default':
      return c.resource;
  }
}

/** A GET of `path`, signed by the key. */
export const signed = (path: string) => signer.sign({ method: 'GET', path, query: '', headers: [], body: new Uint8Array() });

const restPrefix = (c: Case) => (c.endpoint.kind === 'custom-domain' ? c.endpoint.base : `/${STAGE}`);
// The route API Gateway matched: a greedy proxy under the stage or the base path mapping.
const proxyRoute = (c: Case) => ({ resource: '/{proxy+}', pathParameters: { proxy: percentDecode(c.resource).slice(1) } });

/** Whether the authorizer lets the key through on this case (REST: every statement an Allow; HTTP API: isAuthorized). */
export async function authorizerAllows(auth: Authenticator, c: Case, req: SignedRequest): Promise<boolean> {
  const handler = createAuthorizerHandler({ authenticator: () => auth, log: () => undefined });
  if (c.endpoint.kind === 'http-default') {
    const answer = await handler({ ...httpAuthorizerEvent(req), routeKey: '$default' });
    return (answer as { isAuthorized?: boolean }).isAuthorized === true;
  }
  const event = { ...restAuthorizerEvent(req, { stage: STAGE, prefix: restPrefix(c) }), ...proxyRoute(c) };
  let answer: RestAuthorizerResult;
  try {
    answer = (await handler(event)) as RestAuthorizerResult;
  } catch (e) {
    // A REST authorizer answers 401 by throwing "Unauthorized" (what API Gateway expects).
    if ((e as Error).message === 'Unauthorized') return false;
    throw e;
  }
  return answer.policyDocument.Statement.every((s) => s.Effect === 'Allow');
}

/** Whether the in-function check lets the key through, told the stage (or the custom domain's base path) or not. */
export async function inFunctionAllows(auth: Authenticator, sent: string, req: SignedRequest, stage: string | undefined): Promise<boolean> {
  const r = await authenticate(auth, {
    method: 'GET',
    url: `https://api.example.com${sent}`,
    headers: Object.fromEntries(req.headers),
    body: '',
    ...(stage !== undefined ? { stage } : {}),
  });
  return r.status === 200;
}

/**
 * The proxy event API Gateway hands the Lambda behind the authorizer for this case, with the parts of
 * the request context our adapters do not read and the apps' adapters do (the client's address, the
 * HTTP API's decoded path).
 */
export function originEvent(c: Case, req: SignedRequest): RestProxyEvent | HttpApiProxyEvent {
  if (c.endpoint.kind === 'http-default') {
    const e = httpProxyEvent(req);
    const http = { ...e.requestContext.http, path: percentDecode(req.path), sourceIp: '127.0.0.1' };
    return { ...e, requestContext: { ...e.requestContext, http } as HttpApiProxyEvent['requestContext'] };
  }
  const e = restProxyEvent(req, { stage: STAGE, prefix: restPrefix(c) });
  const requestContext = { ...e.requestContext, identity: { sourceIp: '127.0.0.1' } } as RestProxyEvent['requestContext'];
  return { ...e, ...proxyRoute(c), requestContext };
}
