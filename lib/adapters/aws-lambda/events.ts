import type { Authenticator } from '../../authenticator.ts';
import type { RouteDecision } from '../../policy/routes.ts';
import { fromBase64, percentEncode } from '../../core/encoding.ts';
import type { SignedRequest } from '../../core/request.ts';

type StringMap = Record<string, string | undefined> | null | undefined;
type MultiMap = Record<string, string[] | undefined> | null | undefined;

/** REST API (v1) REQUEST authorizer event: the fields we read. */
export interface RestAuthorizerEvent {
  type: 'REQUEST';
  methodArn: string;
  httpMethod: string;
  path: string;
  resource?: string;
  pathParameters?: StringMap;
  headers?: StringMap;
  multiValueHeaders?: MultiMap;
  queryStringParameters?: StringMap;
  multiValueQueryStringParameters?: MultiMap;
  requestContext?: { path?: string; stage?: string; httpMethod?: string; domainName?: string };
}

/** HTTP API (payload 2.0) Lambda authorizer event: the fields we read. */
export interface HttpApiAuthorizerEvent {
  version: '2.0';
  type: 'REQUEST';
  routeArn: string;
  routeKey?: string;
  rawPath: string;
  rawQueryString: string;
  cookies?: string[];
  headers?: StringMap;
  pathParameters?: StringMap;
  requestContext: { http: { method: string; path?: string }; stage?: string; domainName?: string };
}

/** Either kind of REQUEST authorizer event the handler accepts (REST v1 or HTTP API 2.0). */
export type AuthorizerEvent = RestAuthorizerEvent | HttpApiAuthorizerEvent;

/** Lambda proxy integration events (REST v1 and HTTP API v2) as the integration function gets them. */
export interface RestProxyEvent {
  httpMethod: string;
  path: string;
  resource?: string;
  pathParameters?: StringMap;
  headers?: StringMap;
  multiValueHeaders?: MultiMap;
  queryStringParameters?: StringMap;
  multiValueQueryStringParameters?: MultiMap;
  body?: string | null;
  isBase64Encoded?: boolean;
  requestContext?: { path?: string; stage?: string; authorizer?: Record<string, unknown> | null };
}
/** HTTP API (payload 2.0) proxy integration event: the fields the in-function check reads. */
export interface HttpApiProxyEvent {
  version: '2.0';
  routeKey?: string;
  pathParameters?: StringMap;
  rawPath: string;
  rawQueryString: string;
  cookies?: string[];
  headers?: StringMap;
  body?: string;
  isBase64Encoded?: boolean;
  requestContext: { http: { method: string }; stage?: string; authorizer?: { lambda?: Record<string, unknown> } | null };
}
/** Either proxy integration event, as `withAuthentication()` and `confirmAuthorizerBody()` take it. */
export type ProxyEvent = RestProxyEvent | HttpApiProxyEvent;

type Loose = Record<string, unknown>;

/** The object behind `x`, or undefined: events are untrusted shapes, read field by field. */
function obj(x: unknown): Loose | undefined {
  return x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Loose) : undefined;
}

function str(x: unknown): string | undefined {
  return typeof x === 'string' ? x : undefined;
}

/** Own string entries of a map-shaped field; anything else in it is skipped. */
function stringEntries(x: unknown): Array<[string, string]> {
  const o = obj(x);
  if (!o) return [];
  const out: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(o)) if (typeof v === 'string') out.push([k, v]);
  return out;
}

/** Own entries of a multi-value map: each string in each array value. */
function multiEntries(x: unknown): Array<[string, string]> | undefined {
  const o = obj(x);
  if (!o) return undefined;
  const out: Array<[string, string]> = [];
  for (const [k, values] of Object.entries(o)) {
    if (!Array.isArray(values)) continue;
    for (const v of values as unknown[]) if (typeof v === 'string') out.push([k, v]);
  }
  return out;
}

/** The pairs of a REST single/multi-value map pair (headers, query): the multi-value map when present, as it keeps every value. */
function mapEntries(single: unknown, multi: unknown): Array<[string, string]> {
  return multiEntries(multi) ?? stringEntries(single);
}

/**
 * REST events carry the query already decoded, as maps: rebuild a wire form with RFC 3986
 * encoding. SigV4 decodes and re-encodes anyway, so the canonical query is the client's as long as
 * the map kept every value (`multiValueQueryStringParameters`).
 */
function restQuery(single: unknown, multi: unknown): string {
  return mapEntries(single, multi)
    .map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`)
    .join('&');
}

// RFC 3986 sub-delimiters and ":" / "@": legal in a path segment, so many clients (curl, browsers) send them unescaped.
const SUB_DELIMS = "!$&'()*+,;=:@";

const UNRESERVED_PATH_RE = /^[A-Za-z0-9\-._~/]*$/;

/**
 * The wire forms a client may have sent for a decoded REST path, most likely first: every byte
 * escaped but unreserved ones (SDKs), sub-delimiters left literal (curl, browsers), and the decoded
 * text itself (a field that arrived still encoded, or a client that escaped nothing).
 */
function wireForms(path: string): string[] {
  // Unreserved characters and "/" only (most paths): every form is the path itself.
  if (UNRESERVED_PATH_RE.test(path)) return [path];
  const segments = path.split('/');
  return [segments.map((seg) => percentEncode(seg)).join('/'), segments.map((seg) => percentEncode(seg, SUB_DELIMS)).join('/'), path];
}

/** REST request context fields we read. */
function restContext(e: Loose): { path: string | undefined; stage: string | undefined } {
  const rc = obj(e['requestContext']);
  return { path: str(rc?.['path']), stage: str(rc?.['stage']) };
}

/**
 * The paths a REST client may have signed, most likely first: `requestContext.path` (what API
 * Gateway saw requested: stage or base path included), then the stage-prefixed and bare resource
 * paths, for emulators and custom domains that leave the prefix out; each in every wire form a
 * client may have used. All name the resource this request was routed to; a signature over any
 * other path still fails.
 */
export function restSignedPaths(e: RestAuthorizerEvent | RestProxyEvent | Loose): string[] {
  const event = e as Loose;
  const { path: contextPath, stage } = restContext(event);
  const path = str(event['path']);
  const candidates = [contextPath, stage && path !== undefined ? `/${stage}${path === '/' ? '' : path}` : undefined, path];
  const out: string[] = [];
  for (const p of candidates) if (p !== undefined && p.startsWith('/')) out.push(...wireForms(p));
  return [...new Set(out)];
}

/** Body bytes of a proxy event; `undefined` when a body flagged as base64 is not valid base64. */
function bodyBytes(body: unknown, isBase64Encoded: unknown): Uint8Array | undefined {
  if (typeof body !== 'string') return new Uint8Array();
  if (isBase64Encoded !== true) return new TextEncoder().encode(body);
  try {
    return fromBase64(body);
  } catch {
    return undefined;
  }
}

/** Payload 2.0 headers; HTTP APIs move Cookie headers into `cookies`: put them back as the client sent them. */
function v2Headers(e: Loose): Array<[string, string]> {
  const headers = stringEntries(e['headers']);
  const cookies = Array.isArray(e['cookies']) ? (e['cookies'] as unknown[]).filter((c): c is string => typeof c === 'string') : [];
  if (cookies.length > 0 && !headers.some(([n]) => n.toLowerCase() === 'cookie')) headers.push(['cookie', cookies.join('; ')]);
  return headers;
}

/**
 * A method an event (or an in-function caller) may give. It is verified as given, not upper-cased: that is the method the Lambda behind the
 * authorizer gets and the originals sign, so a signature over "PATCH" does not stand for a request sent as "patch".
 * Route rules compare methods upper-cased.
 */
export const METHOD_RE = /^[A-Za-z]{1,20}$/;

/** What every adapter needs from an event of either API type; `undefined` when the event is not one. */
export interface EventRequest {
  readonly kind: 'rest' | 'http';
  /** Method, path (the first wire-form candidate), query and headers; no body. */
  readonly request: SignedRequest;
  /** Paths the client may have signed (REST: several candidates; HTTP API: the raw path). */
  readonly signedPaths: readonly string[];
  /**
   * The API-relative paths route rules may speak of, most likely first: the path with the stage
   * stripped, and the path rebuilt from the matched resource template and its path parameters
   * (the only form without a custom domain's base path, which API Gateway leaves in `path`). A
   * route decision takes the strictest of them.
   */
  readonly routePaths: readonly string[];
  /**
   * The stage-stripped path when it is a base path followed by the template's path (a custom domain),
   * so that only the rebuilt path is among `routePaths`: judged only as apps that take a configured
   * base path off themselves may make of it ({@link decideLambdaRoute}).
   */
  readonly mappedPath?: string;
  /** The matched resource template (REST `resource`, the path of an HTTP API `routeKey`), when the event names one. */
  readonly template?: string;
  /** `methodArn` (REST) or `routeArn` (HTTP API); "" when absent. */
  readonly arn: string;
}

const BASE_PATH_RE = /^(\/[^/]+)+$/;

/**
 * The route paths of an event: the stage-stripped path and the path rebuilt from the template.
 * When the first is exactly a base path followed by the second (a custom domain), they name the
 * same resource and only the rebuilt one is judged as it is: otherwise the base-path form, which no
 * rule speaks of, would make every public route on a custom domain guarded. The first is kept as
 * `mappedPath`, judged only as apps that strip a configured base path make of it (a nested base path,
 * `/v1/beta` of `/v1/beta/admin` mapped at `/v1`, may be stripped whole).
 */
function routeCandidates(path: string, rebuilt: string | undefined): Pick<EventRequest, 'routePaths' | 'mappedPath'> {
  if (rebuilt === undefined || rebuilt === path) return { routePaths: [path] };
  if (path.endsWith(rebuilt) && BASE_PATH_RE.test(path.slice(0, path.length - rebuilt.length)))
    return { routePaths: [rebuilt], mappedPath: path };
  return { routePaths: [path, rebuilt] };
}

/**
 * A resource template (`/admin/{proxy+}`, `/items/{id}`; emulators write `{proxy*}`) filled in with
 * the event's path parameters: the path relative to the API whatever domain or base path was called.
 * `undefined` when there is no template or a parameter is missing.
 */
function fromTemplate(template: string | undefined, parameters: unknown): string | undefined {
  if (template === undefined || !template.startsWith('/')) return undefined;
  const params = obj(parameters) ?? {};
  let missing = false;
  const path = template.replace(/\{([^{}]+?)[+*]?\}/g, (_m, name: string) => {
    const value = Object.hasOwn(params, name) ? params[name] : undefined;
    if (typeof value !== 'string') missing = true;
    return typeof value === 'string' ? value : '';
  });
  return missing ? undefined : path;
}

function stripStage(path: string, stage: string | undefined): string {
  if (stage && stage !== '$default' && (path === `/${stage}` || path.startsWith(`/${stage}/`))) return path.slice(stage.length + 1) || '/';
  return path;
}

/**
 * Reads an authorizer or proxy event of either API type, field by field, never trusting its shape.
 * REST: the path and query come decoded, so the signed path has candidates (see `restSignedPaths`).
 * HTTP API: `rawPath` and `rawQueryString` as sent. Route rules use the resource path with the stage
 * stripped (API Gateway gives REST `path` without it; HTTP APIs put named stages in `rawPath`;
 * emulators put them in `path`); an API whose first path segment equals its stage name is read without it.
 */
export function readEvent(input: unknown): EventRequest | undefined {
  const e = obj(input);
  if (!e) return undefined;
  if (e['version'] === '2.0') {
    const rc = obj(e['requestContext']);
    const method = str(obj(rc?.['http'])?.['method']);
    const rawPath = str(e['rawPath']);
    const query = str(e['rawQueryString']) ?? '';
    const routeKeyPath = str(e['routeKey'])?.replace(/^\S+\s+/, '');
    if (method === undefined || !METHOD_RE.test(method) || rawPath === undefined || !rawPath.startsWith('/')) return undefined;
    return {
      kind: 'http',
      request: { method, path: rawPath, query, headers: v2Headers(e) },
      signedPaths: [rawPath],
      ...routeCandidates(stripStage(rawPath, str(rc?.['stage'])), fromTemplate(routeKeyPath, e['pathParameters'])),
      ...(routeKeyPath !== undefined ? { template: routeKeyPath } : {}),
      arn: str(e['routeArn']) ?? '',
    };
  }
  const method = str(e['httpMethod']);
  const path = str(e['path']) ?? restContext(e).path;
  if (method === undefined || !METHOD_RE.test(method) || path === undefined || !path.startsWith('/')) return undefined;
  const signedPaths = restSignedPaths(e);
  const resource = str(e['resource']);
  return {
    kind: 'rest',
    request: {
      method,
      path: signedPaths[0] ?? path,
      query: restQuery(e['queryStringParameters'], e['multiValueQueryStringParameters']),
      headers: mapEntries(e['headers'], e['multiValueHeaders']),
    },
    signedPaths,
    ...routeCandidates(stripStage(path, restContext(e).stage), fromTemplate(resource, e['pathParameters'])),
    ...(resource !== undefined ? { template: resource } : {}),
    arn: str(e['methodArn']) ?? '',
  };
}

/** A proxy event's body, decoded (base64 when flagged); `undefined` when it cannot be decoded. */
export function proxyEventBody(input: unknown): Uint8Array | undefined {
  const e = obj(input);
  return e ? bodyBytes(e['body'], e['isBase64Encoded']) : undefined;
}

/** The authorizer context a proxy event carries (REST: `requestContext.authorizer`; HTTP API: `.authorizer.lambda`). */
export function authorizerContextOf(input: unknown): Loose | undefined {
  const authorizer = obj(obj(obj(input)?.['requestContext'])?.['authorizer']);
  return obj(authorizer?.['lambda']) ?? authorizer;
}

/**
 * Route path candidates with the configured `lambda.basePaths` (a custom domain's base path, such as
 * "/v1" or "/orders/v2") taken off where one prefixes a candidate, exactly, whichever endpoint was
 * called: the base-path form names the same resource, and no rule speaks of it (`loadConfig` refuses a
 * rule that overlaps a base path). With nested base paths ("/v1", "/v1/beta") the path is judged
 * without each, the strictest decision winning, so their order does not matter. A path under no base
 * path is judged as it is. What apps that strip a base path another way (anywhere in the path,
 * repeatedly, in any case) make of a path, the route table adds ({@link decideLambdaRoute}).
 */
export function lambdaRoutePaths(auth: Authenticator, paths: readonly string[]): string[] {
  const bases = auth.config.lambda.basePaths;
  const out: string[] = [];
  for (const p of paths) {
    let under = false;
    for (const b of bases)
      if (p === b || p.startsWith(b + '/')) {
        under = true;
        out.push(p.slice(b.length) || '/');
      }
    if (!under) out.push(p);
  }
  return [...new Set(out)];
}

/**
 * The route decision for a Lambda entry point: the candidates without the base paths that prefix them
 * ({@link lambdaRoutePaths}), each also judged as an app that takes a configured base path off itself
 * may act on it; and the custom domain's path (`mappedPath`) and every candidate a base path was taken
 * off, as received, judged only that way. The app receives the path whole and strips it its own way:
 * `/v1/betaadmin/users` is `/betaadmin/users` without `/v1`, but Lambda Web Adapter stripping
 * `/v1/beta` forwards `/admin/users`. Never throws.
 */
export function decideLambdaRoute(
  auth: Authenticator,
  methods: readonly string[] | undefined,
  routePaths: readonly string[],
  mappedPath?: string,
): RouteDecision {
  const stripped = lambdaRoutePaths(auth, routePaths);
  const whole = routePaths.filter((p) => !stripped.includes(p));
  if (mappedPath !== undefined && !whole.includes(mappedPath)) whole.push(mappedPath);
  return auth.decide(methods, stripped, { behindBasePaths: true, ...(whole.length > 0 ? { tailsOnly: whole } : {}) });
}
