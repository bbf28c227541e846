import { fromBase64 } from '../../core/encoding.ts';
import { percentEncode } from '../../core/encoding.ts';
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
  requestContext: { http: { method: string; path?: string }; stage?: string; domainName?: string };
}

export type AuthorizerEvent = RestAuthorizerEvent | HttpApiAuthorizerEvent;

export function isHttpApiEvent(e: AuthorizerEvent): e is HttpApiAuthorizerEvent {
  return (e as { version?: string }).version === '2.0';
}

export function isHttpApiProxyEvent(e: ProxyEvent): e is HttpApiProxyEvent {
  return (e as { version?: string }).version === '2.0';
}

/** Lambda proxy integration events (REST v1 and HTTP API v2) as the integration function gets them. */
export interface RestProxyEvent {
  httpMethod: string;
  path: string;
  headers?: StringMap;
  multiValueHeaders?: MultiMap;
  queryStringParameters?: StringMap;
  multiValueQueryStringParameters?: MultiMap;
  body?: string | null;
  isBase64Encoded?: boolean;
  requestContext?: { path?: string; stage?: string; authorizer?: Record<string, unknown> | null };
}
export interface HttpApiProxyEvent {
  version: '2.0';
  rawPath: string;
  rawQueryString: string;
  cookies?: string[];
  headers?: StringMap;
  body?: string;
  isBase64Encoded?: boolean;
  requestContext: { http: { method: string }; stage?: string; authorizer?: { lambda?: Record<string, unknown> } | null };
}
export type ProxyEvent = RestProxyEvent | HttpApiProxyEvent;

function headerPairs(single: StringMap, multi: MultiMap): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (multi) {
    for (const [name, values] of Object.entries(multi)) for (const v of values ?? []) out.push([name, v]);
    return out;
  }
  for (const [name, v] of Object.entries(single ?? {})) if (v !== undefined) out.push([name, v]);
  return out;
}

/**
 * REST events carry the query already decoded, as maps: rebuild a wire form with RFC 3986
 * encoding. SigV4 decodes and re-encodes anyway, so the canonical query is the client's as long as
 * the map kept every value (`multiValueQueryStringParameters`).
 */
function restQuery(single: StringMap, multi: MultiMap): string {
  const parts: string[] = [];
  if (multi) {
    for (const [k, values] of Object.entries(multi)) for (const v of values ?? []) parts.push(`${percentEncode(k)}=${percentEncode(v)}`);
  } else {
    for (const [k, v] of Object.entries(single ?? {})) if (v !== undefined) parts.push(`${percentEncode(k)}=${percentEncode(v)}`);
  }
  return parts.join('&');
}

/**
 * REST paths arrive decoded; re-encode each segment (RFC 3986, "/" kept) to get what a client
 * that encodes canonically sent. `requestContext.path` is the path as requested: with the stage on
 * the execute-api domain, with the base path on a custom domain, which is what the client signed.
 */
function encodePath(path: string): string {
  return path
    .split('/')
    .map((seg) => percentEncode(seg))
    .join('/');
}

function restPath(e: { path: string; requestContext?: { path?: string } | undefined }): string {
  return encodePath(e.requestContext?.path ?? e.path);
}

/**
 * The paths a REST client may have signed, most likely first: `requestContext.path` (what API
 * Gateway saw requested: stage or base path included), then the stage-prefixed and bare resource
 * paths, for emulators and custom domains that leave the prefix out. All name the resource this
 * request was routed to; a signature over any other path still fails.
 */
export function restSignedPaths(e: RestAuthorizerEvent | RestProxyEvent): string[] {
  const stage = e.requestContext?.stage;
  const candidates = [e.requestContext?.path, stage ? `/${stage}${e.path === '/' ? '' : e.path}` : undefined, e.path];
  const out: string[] = [];
  for (const p of candidates) {
    if (typeof p !== 'string' || !p.startsWith('/')) continue;
    out.push(encodePath(p));
    // Should a field arrive still percent-encoded, its wire form is itself.
    if (/%[0-9A-Fa-f]{2}/.test(p)) out.push(p);
  }
  return [...new Set(out)];
}

function bodyBytes(body: string | null | undefined, isBase64Encoded: boolean | undefined): Uint8Array {
  if (body === null || body === undefined) return new Uint8Array();
  return isBase64Encoded ? fromBase64(body) : new TextEncoder().encode(body);
}

/** Payload 2.0 headers; HTTP APIs move Cookie headers into `cookies`: put them back as the client sent them. */
function v2Headers(e: { headers?: StringMap; cookies?: string[] | undefined }): Array<[string, string]> {
  const headers = headerPairs(e.headers, undefined);
  if (e.cookies?.length && !headers.some(([n]) => n.toLowerCase() === 'cookie')) headers.push(['cookie', e.cookies.join('; ')]);
  return headers;
}

/** Method, path, query and headers: authorizer and proxy events of one API type share these fields. */
function requestLine(e: AuthorizerEvent | ProxyEvent): SignedRequest {
  if ((e as { version?: string }).version === '2.0') {
    const v2 = e as HttpApiAuthorizerEvent | HttpApiProxyEvent;
    return { method: v2.requestContext.http.method, path: v2.rawPath, query: v2.rawQueryString, headers: v2Headers(v2) };
  }
  const rest = e as RestAuthorizerEvent | RestProxyEvent;
  return {
    method: rest.httpMethod,
    path: restPath(rest),
    query: restQuery(rest.queryStringParameters, rest.multiValueQueryStringParameters),
    headers: headerPairs(rest.headers, rest.multiValueHeaders),
  };
}

/** The request an authorizer event describes; `body` stays undefined (authorizers never see it). */
export function requestFromAuthorizerEvent(e: AuthorizerEvent): SignedRequest {
  return requestLine(e);
}

/** The request a proxy integration event describes, body included (base64 decoded when flagged). */
export function requestFromProxyEvent(e: ProxyEvent): SignedRequest {
  return { ...requestLine(e), body: bodyBytes(e.body, e.isBase64Encoded) };
}

function stripStage(path: string, stage: string | undefined): string {
  if (stage && stage !== '$default' && (path === `/${stage}` || path.startsWith(`/${stage}/`))) return path.slice(stage.length + 1) || '/';
  return path;
}

/**
 * The API-relative path that route rules speak of: the resource path with the stage stripped
 * (API Gateway gives REST `path` without it; HTTP APIs put named stages in `rawPath`; emulators
 * put them in `path`). An API whose first path segment equals its stage name is read without it.
 */
export function routePath(e: AuthorizerEvent | ProxyEvent): string {
  if ((e as { version?: string }).version === '2.0') {
    const v2 = e as HttpApiAuthorizerEvent | HttpApiProxyEvent;
    return stripStage(v2.rawPath, v2.requestContext.stage);
  }
  const rest = e as RestAuthorizerEvent | RestProxyEvent;
  return stripStage(rest.path, rest.requestContext?.stage);
}
