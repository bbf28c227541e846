import { defaultCrypto } from '#crypto';
import { publicError, type Authenticator } from '../../authenticator.ts';
import { timingSafeEqualString } from '../../core/compare.ts';
import type { CryptoBackend } from '../../core/crypto.ts';
import { authError, type AuthError } from '../../core/errors.ts';
import type { AuthSuccess, Principal } from '../../core/result.ts';
import { splitUrl, type SignedRequest } from '../../core/request.ts';
import { isParseSpace, methodOverrideValues, methodReadings, splitByParsers } from '../../policy/routes.ts';
import { METHOD_RE, authorizerContextOf, decideLambdaRoute, proxyEventBody, readEvent, type ProxyEvent } from './events.ts';
import { authenticateAny } from './signed-paths.ts';
import { challengeHeader } from '../../schemes/descriptor.ts';
import { schemeFailureBody } from '../failure-body.ts';

/** What a handler passes to the in-function check. */
export interface InFunctionRequest {
  readonly method: string;
  /** Absolute URL or path with query, exactly as the client requested it (with the stage or base path, as the client signed it). */
  readonly url: string;
  /**
   * The stage or base path in front of the API's resource paths ("dev", or "orders/v2"). A URL that
   * starts with it is judged without it. Any other URL (no stage given, or a request through the other
   * entry point) is judged both as given and without its first segment. A configured
   * `lambda.basePaths` entry that prefixes a reading is then stripped from it; the strictest decision wins.
   */
  readonly stage?: string;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>> | ReadonlyArray<readonly [string, string]>;
  readonly body?: string | Uint8Array | null;
}

/**
 * The in-function verdict in mauth-client's terms: `authentic`, a status and a message safe to show the
 * client (no key ids or secrets).
 */
export interface InFunctionResult {
  readonly authentic: boolean;
  readonly status: number;
  readonly message: string;
  readonly code?: string;
  readonly principal?: Principal;
  /**
   * The HTTP body the scheme the request speaks answers this failure with, when it has a shape of its
   * own (MAuth: `{"errors":{"mauth":["<message>"]}}`); absent otherwise. `withAuthentication` sends it.
   */
  readonly body?: unknown;
}

const EMPTY = new Uint8Array();

/** Header pairs from either accepted shape; `undefined` when the value is neither. */
function headerPairs(headers: unknown): Array<[string, string]> | undefined {
  if (headers === undefined || headers === null) return [];
  const out: Array<[string, string]> = [];
  if (Array.isArray(headers)) {
    for (const pair of headers as unknown[]) {
      if (!Array.isArray(pair) || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') return undefined;
      out.push([pair[0], pair[1]]);
    }
    return out;
  }
  if (typeof headers !== 'object') return undefined;
  for (const [n, v] of Object.entries(headers as Record<string, unknown>)) {
    if (v === undefined || v === null) continue;
    if (typeof v === 'string') out.push([n, v]);
    else if (Array.isArray(v) && v.every((one) => typeof one === 'string')) for (const one of v as string[]) out.push([n, one]);
    else return undefined;
  }
  return out;
}

/** The request model of an in-function request; `undefined` when the input is not one. */
function toSignedRequest(input: InFunctionRequest): SignedRequest | undefined {
  const i = input as unknown as Record<string, unknown> | null;
  if (i === null || typeof i !== 'object') return undefined;
  const { method, url, body } = i;
  if (typeof method !== 'string' || !METHOD_RE.test(method) || typeof url !== 'string') return undefined;
  const { host, path, query } = splitUrl(url);
  if (!path.startsWith('/')) return undefined;
  const headers = headerPairs(i['headers']);
  if (!headers) return undefined;
  if (host !== '' && !headers.some(([n]) => n.toLowerCase() === 'host')) headers.unshift(['host', host]);
  let bytes: Uint8Array;
  if (body === null || body === undefined) bytes = EMPTY;
  else if (typeof body === 'string') bytes = new TextEncoder().encode(body);
  else if (body instanceof Uint8Array) bytes = body;
  else return undefined;
  // The method as the caller gave it (see METHOD_RE): route rules upper-case it, the signature does not.
  return { method, path, query, headers, body: bytes };
}

function failure(error: AuthError, principal?: Principal): InFunctionResult {
  const shown = publicError(error);
  return { authentic: false, status: shown.status, message: shown.message, code: shown.code, ...(principal ? { principal } : {}) };
}

/**
 * The route decision, the signature and the route's permissions, in that order; beside an accepting
 * result, the verified claim (scheme, key id).
 */
async function checkVerified(
  auth: Authenticator,
  req: SignedRequest,
  routePaths: readonly string[],
  signedPaths: readonly string[] = [],
  mappedPath?: string,
): Promise<{ result: InFunctionResult; verified?: AuthSuccess }> {
  const decision = decideLambdaRoute(
    auth,
    methodReadings(req.method, methodOverrideValues(req.headers), req.query),
    routePaths,
    mappedPath,
  );
  if (!decision.ok) return { result: failure(decision.error) };
  const result = await authenticateAny(auth, req, signedPaths);
  if (!result.ok) {
    const shown = failure(result.error);
    const body = schemeFailureBody(auth, req, publicError(result.error));
    return { result: body === undefined ? shown : { ...shown, body } };
  }
  const forbidden = auth.authorize(result.principal, decision);
  if (forbidden) return { result: failure(forbidden, result.principal) };
  return { result: { authentic: true, status: 200, message: 'authentic', principal: result.principal }, verified: result };
}

/**
 * The route paths an in-function URL may stand for. When the URL starts with the stage given (or a
 * base path, "orders/v2"), the path without it; and, as `whole`, the URL's path itself, which an app
 * behind a custom domain receives (API Gateway leaves the base path in) and whose dot segments it may
 * resolve across that base path before it strips a base path of its own: `/v1/x/y/../../beta/admin`
 * is `/v1/beta/admin` to the app, `/beta/admin` without `/v1`. Otherwise (no stage given, or a URL
 * under another prefix: the execute-api endpoint's stage when `stage` names a custom domain's base
 * path, or the other way round) both the path as given and the path without its first segment. Each
 * of those is then judged without a configured `lambda.basePaths` entry that prefixes it, and as apps
 * that strip base paths themselves may make of it; `whole` only that way (see
 * {@link decideLambdaRoute}). The strictest decision wins, so a route rule applies whichever entry
 * point the request came through.
 */
function routePathsOf(path: string, stage: string | undefined): { paths: string[]; whole?: string } {
  const prefix = stage === undefined ? '' : '/' + stage.replace(/^\/+|\/+$/g, '');
  if (prefix !== '/' && prefix !== '' && (path === prefix || path.startsWith(prefix + '/')))
    return { paths: [path.slice(prefix.length) || '/'], whole: path };
  // "/prod x:admin/v1": what is left after the stage is no path, and URL parsers split it their own ways
  // (" x:admin/v1" is "/v1" to url.parse, with "admin" for a host): judged as it is, it is refused.
  if (
    prefix.length > 1 &&
    path.startsWith(prefix) &&
    isParseSpace(path.charCodeAt(prefix.length)) &&
    splitByParsers(path.slice(prefix.length))
  )
    return { paths: [path.slice(prefix.length)] };
  const second = path.indexOf('/', 1);
  return { paths: second === -1 ? [path, '/'] : [path, path.slice(second)] };
}

/**
 * The in-function check: the whole request, body included, verified inside the integration
 * (what an API Gateway authorizer cannot do). Never throws for bad input.
 *
 * @example
 * LambdaAuthenticator.configure(auth); // once per container
 * const { authentic, status, message, principal } = await authenticate({ method, url, headers, body });
 */
export function authenticate(input: InFunctionRequest): Promise<InFunctionResult>;
export function authenticate(auth: Authenticator, input: InFunctionRequest): Promise<InFunctionResult>;
export async function authenticate(...args: [InFunctionRequest] | [Authenticator, InFunctionRequest]): Promise<InFunctionResult> {
  // authenticate(input) uses the authenticator given to LambdaAuthenticator.configure().
  const auth = args.length === 1 ? LambdaAuthenticator.configured() : args[0];
  const input = args.length === 1 ? args[0] : args[1];
  return (await authenticateVerified(auth, input)).result;
}

/**
 * {@link authenticate} with the verified claim beside an accepting result: which scheme accepted the
 * request and under which key id (for adapters such as the MAuth-compatible one, whose
 * `getAppUuid()` names the app whose signature was verified). Not exported by the package.
 */
export async function authenticateVerified(
  auth: Authenticator,
  input: InFunctionRequest,
): Promise<{ result: InFunctionResult; verified?: AuthSuccess }> {
  const req = toSignedRequest(input);
  if (!req)
    return {
      result: failure(authError('ERR_AUTH_MALFORMED', 'not a request: needs method, url, headers and an optional string or byte body')),
    };
  const stage = (input as { stage?: unknown }).stage;
  try {
    const { paths, whole } = routePathsOf(req.path, typeof stage === 'string' ? stage : undefined);
    return await checkVerified(auth, req, paths, [], whole);
  } catch {
    // checkVerified() itself never throws for bad input; this is the last line that keeps that promise.
    return { result: failure(authError('ERR_AUTH_MALFORMED', 'request could not be checked')) };
  }
}

/**
 * mauth-client's LambdaAuthenticator model: construct with the request, ask `isAuthentic()`.
 * Configure the authenticator once per container with `LambdaAuthenticator.configure(auth)`.
 */
export class LambdaAuthenticator {
  static #default: Authenticator | undefined;
  readonly #auth: Authenticator;
  readonly #input: InFunctionRequest;
  #result: InFunctionResult | undefined;

  /** Sets the authenticator used when none is passed: once per container, at cold start. */
  static configure(auth: Authenticator): void {
    LambdaAuthenticator.#default = auth;
  }

  /** The authenticator given to `configure()`. @throws TypeError when none was. */
  static configured(): Authenticator {
    if (!LambdaAuthenticator.#default) throw new TypeError('no authenticator: call LambdaAuthenticator.configure() first');
    return LambdaAuthenticator.#default;
  }

  /**
   * Holds the request until `isAuthentic()` checks it; `auth` overrides the configured authenticator.
   *
   * @throws TypeError when no authenticator is passed and none was configured.
   */
  constructor(method: string, url: string, headers: InFunctionRequest['headers'], body?: InFunctionRequest['body'], auth?: Authenticator) {
    const chosen = auth ?? LambdaAuthenticator.#default;
    if (!chosen) throw new TypeError('LambdaAuthenticator needs an authenticator: pass one or call LambdaAuthenticator.configure()');
    this.#auth = chosen;
    this.#input = { method, url, headers, body: body ?? null };
  }

  /** `[authentic, status, message]`, as mauth-client's `is_authentic()` returns it. */
  async isAuthentic(): Promise<[boolean, number, string]> {
    this.#result ??= await authenticate(this.#auth, this.#input);
    return [this.#result.authentic, this.#result.status, this.#result.message];
  }

  /** The verified principal, once `isAuthentic()` has said yes. */
  getPrincipal(): Principal | undefined {
    return this.#result?.authentic ? this.#result.principal : undefined;
  }
}

/** A Lambda proxy response: what the wrapped handler returns, and what `withAuthentication()` answers failures with. */
export interface ProxyResult {
  statusCode: number;
  headers?: Record<string, string>;
  body: string;
  isBase64Encoded?: boolean;
}

/**
 * Wraps a Lambda proxy handler (REST v1 or HTTP API v2 events, base64 bodies included): the whole
 * request is verified first; failures answer 400/401/403 JSON (a 401 with `WWW-Authenticate` naming
 * the configured schemes' auth-schemes, from the registry; a failed verification in the body shape of
 * the scheme the request speaks when it has one, as MAuth does), success calls the handler with the
 * principal. Never throws for bad input.
 *
 * @example
 * export const handler = withAuthentication(auth, async (event, context, principal) => ({ statusCode: 200, body: principal.id }));
 */
export function withAuthentication<E extends ProxyEvent, C>(
  auth: Authenticator | (() => Authenticator | Promise<Authenticator>),
  handler: (event: E, context: C, principal: Principal) => Promise<ProxyResult> | ProxyResult,
): (event: E, context: C) => Promise<ProxyResult> {
  return async (event, context) => {
    const authenticator = typeof auth === 'function' ? await auth() : auth;
    const result = await checkProxyEvent(authenticator, event);
    if (!result.authentic) {
      const headers: Record<string, string> = { 'content-type': 'application/json', 'cache-control': 'no-store' };
      // The configured schemes' auth-scheme tokens, in registry order (no parameters, as before the registry).
      const challenge = challengeHeader(authenticator.challenges, { params: false });
      if (result.status === 401 && challenge !== '') headers['www-authenticate'] = challenge;
      return {
        statusCode: result.status,
        headers,
        body: JSON.stringify(result.body ?? { error: result.code, message: result.message, status: result.status }),
      };
    }
    return handler(event, context, result.principal!);
  };
}

const NOT_BASE64 = authError('ERR_AUTH_MALFORMED', 'request body is not valid base64');

/** Whether the body hashes to the `bodySha256` the authorizer answered for; passes when the context names none. */
async function bodyMatchesContext(body: Uint8Array, expected: unknown, crypto: CryptoBackend): Promise<InFunctionResult> {
  if (expected === undefined) return { authentic: true, status: 200, message: 'authentic' };
  if (typeof expected !== 'string' || !timingSafeEqualString(await crypto.sha256Hex(body), expected)) {
    return failure(authError('ERR_PAYLOAD_HASH_MISMATCH', 'body does not match the hash the request was authorized for'));
  }
  return { authentic: true, status: 200, message: 'authentic' };
}

/**
 * For an integration that trusts the authorizer instead of verifying again: `authentic` only when
 * the authorizer verified this request (`verification` "complete", or "body-hash" with a body that
 * hashes to its `bodySha256`). Fails closed for everything else: a request the authorizer passed on
 * unverified ("in-function"), a public route ("none"), or no authorizer context at all (401). Such
 * integrations must run `authenticate()` or `withAuthentication()` instead.
 */
export async function confirmAuthorizerBody(event: ProxyEvent | unknown, crypto: CryptoBackend = defaultCrypto): Promise<InFunctionResult> {
  const context = authorizerContextOf(event);
  const verification = context?.['verification'];
  if (verification !== 'complete' && verification !== 'body-hash') {
    return failure(authError('ERR_AUTH_MISSING', 'the authorizer did not verify this request: run the in-function check'));
  }
  if (verification === 'body-hash' && typeof context?.['bodySha256'] !== 'string') {
    return failure(authError('ERR_AUTH_MISSING', 'the authorizer context names no body hash'));
  }
  const body = proxyEventBody(event);
  return body ? bodyMatchesContext(body, context?.['bodySha256'], crypto) : failure(NOT_BASE64);
}

/** The whole in-function check of a proxy event: the authorizer's body hash confirmed, then the request verified again, body included. Never throws for bad input. */
async function checkProxyEvent(auth: Authenticator, event: unknown): Promise<InFunctionResult> {
  try {
    const read = readEvent(event);
    if (!read) return failure(authError('ERR_AUTH_MALFORMED', 'not an API Gateway proxy event'));
    const body = proxyEventBody(event);
    if (!body) return failure(NOT_BASE64);
    // Whatever the authorizer answered for must hold too (the full check below would also catch a changed body).
    const confirmed = await bodyMatchesContext(body, authorizerContextOf(event)?.['bodySha256'], defaultCrypto);
    if (!confirmed.authentic) return confirmed;
    return (await checkVerified(auth, { ...read.request, body }, read.routePaths, read.signedPaths, read.mappedPath)).result;
  } catch {
    return failure(authError('ERR_AUTH_MALFORMED', 'request could not be checked'));
  }
}
