import { publicError, type Authenticator } from '../../authenticator.ts';
import type { Principal } from '../../core/result.ts';
import { splitUrl, type SignedRequest } from '../../core/request.ts';
import { isHttpApiProxyEvent, requestFromProxyEvent, restSignedPaths, routePath, type ProxyEvent } from './events.ts';
import { authenticateAny } from './signed-paths.ts';

/** What a handler passes to the in-function check. */
export interface InFunctionRequest {
  readonly method: string;
  /** Absolute URL or path with query, exactly as the client requested it. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>> | ReadonlyArray<readonly [string, string]>;
  readonly body?: string | Uint8Array | null;
}

export interface InFunctionResult {
  readonly authentic: boolean;
  readonly status: number;
  readonly message: string;
  readonly code?: string;
  readonly principal?: Principal;
}

function toSignedRequest(input: InFunctionRequest): SignedRequest {
  const { host, path, query } = splitUrl(input.url);
  const headers: Array<[string, string]> = [];
  if (Array.isArray(input.headers)) {
    for (const [n, v] of input.headers as ReadonlyArray<readonly [string, string]>) headers.push([n, v]);
  } else {
    for (const [n, v] of Object.entries(input.headers as Record<string, string | readonly string[] | undefined>)) {
      if (v === undefined) continue;
      if (typeof v === 'string') headers.push([n, v]);
      else for (const one of v) headers.push([n, one]);
    }
  }
  if (host !== '' && !headers.some(([n]) => n.toLowerCase() === 'host')) headers.unshift(['host', host]);
  const body =
    input.body === null || input.body === undefined
      ? new Uint8Array()
      : typeof input.body === 'string'
        ? new TextEncoder().encode(input.body)
        : input.body;
  return { method: input.method.toUpperCase(), path, query, headers, body };
}

async function check(auth: Authenticator, req: SignedRequest, route: string, paths: readonly string[] = []): Promise<InFunctionResult> {
  const result = await authenticateAny(auth, req, paths);
  if (!result.ok) {
    const shown = publicError(result.error);
    return { authentic: false, status: shown.status, message: shown.message, code: shown.code };
  }
  const forbidden = auth.authorize(result.principal, req.method, route);
  if (forbidden) return { authentic: false, status: 403, message: forbidden.message, code: forbidden.code, principal: result.principal };
  return { authentic: true, status: 200, message: 'authentic', principal: result.principal };
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
export async function authenticate(a: Authenticator | InFunctionRequest, b?: InFunctionRequest): Promise<InFunctionResult> {
  // authenticate(input) uses the authenticator given to LambdaAuthenticator.configure().
  const auth = b === undefined ? LambdaAuthenticator.configured() : (a as Authenticator);
  const req = toSignedRequest(b ?? (a as InFunctionRequest));
  return check(auth, req, req.path);
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

  static configure(auth: Authenticator): void {
    LambdaAuthenticator.#default = auth;
  }

  /** The authenticator given to `configure()`. @throws TypeError when none was. */
  static configured(): Authenticator {
    if (!LambdaAuthenticator.#default) throw new TypeError('no authenticator: call LambdaAuthenticator.configure() first');
    return LambdaAuthenticator.#default;
  }

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

export interface ProxyResult {
  statusCode: number;
  headers?: Record<string, string>;
  body: string;
  isBase64Encoded?: boolean;
}

/**
 * Wraps a Lambda proxy handler (REST v1 or HTTP API v2 events, base64 bodies included): the whole
 * request is verified first; failures answer 401/403 JSON, success calls the handler with the principal.
 */
export function withAuthentication<E extends ProxyEvent, C>(
  auth: Authenticator | (() => Authenticator | Promise<Authenticator>),
  handler: (event: E, context: C, principal: Principal) => Promise<ProxyResult> | ProxyResult,
): (event: E, context: C) => Promise<ProxyResult> {
  return async (event, context) => {
    const authenticator = typeof auth === 'function' ? await auth() : auth;
    const paths = isHttpApiProxyEvent(event) ? [] : restSignedPaths(event);
    const result = await check(authenticator, requestFromProxyEvent(event), routePath(event), paths);
    if (!result.authentic) {
      const headers: Record<string, string> = { 'content-type': 'application/json', 'cache-control': 'no-store' };
      if (result.status === 401) headers['www-authenticate'] = 'AWS4-HMAC-SHA256';
      return {
        statusCode: result.status,
        headers,
        body: JSON.stringify({ error: result.code, message: result.message, status: result.status }),
      };
    }
    return handler(event, context, result.principal!);
  };
}
