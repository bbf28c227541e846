import type { Context, MiddlewareHandler } from 'hono';
import { publicError, type Authenticator } from '../../authenticator.ts';
import { authError, type AuthError } from '../../core/errors.ts';
import { splitUrl, type SignedRequest } from '../../core/request.ts';
import type { Principal } from '../../core/result.ts';
import { toSignedRequest } from '../fetch-request.ts';
import { challengeHeader } from '../../schemes/descriptor.ts';

/** What the middleware leaves on the context for the routes behind it. */
export interface EdgeAuthVariables {
  auth: { principal: Principal; scheme: string; keyId: string } | undefined;
  /** The body bytes that were read (and verified); the request stream itself is consumed. */
  body: Uint8Array;
  /** The request as read (raw path and query, headers, body): what a proxy forwards, minus credentials. */
  request: SignedRequest;
}

/** One structured log entry per rejection: the code and route, never credentials or key ids. */
export interface AuthLogEntry {
  readonly event: 'auth.rejected' | 'auth.accepted';
  readonly code?: string;
  readonly status?: number;
  readonly method: string;
  readonly path: string;
  readonly scheme?: string;
}

/** What {@link edgeAuth} needs: the authenticator (or how to get it per request), and where each decision is logged. */
export interface EdgeAuthOptions {
  /** The authenticator, or a function that returns it for a request (e.g. built from env bindings once per isolate). */
  readonly authenticator: Authenticator | ((c: Context) => Authenticator);
  readonly log?: (entry: AuthLogEntry) => void;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  413: 'Payload Too Large',
  503: 'Service Unavailable',
};

function reject(c: Context, auth: Authenticator, error: AuthError): Response {
  const shown = publicError(error);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'cache-control': 'no-store' };
  // Every configured scheme's challenges, in registry order (RFC 9110 section 11.6.1).
  const challenge = challengeHeader(auth.challenges);
  if (shown.status === 401 && challenge !== '') headers['www-authenticate'] = challenge;
  const body = JSON.stringify({
    error: shown.code,
    message: shown.message,
    status: shown.status,
    reason: STATUS_TEXT[shown.status] ?? 'Error',
  });
  return c.body(body, shown.status as 400, headers);
}

/**
 * Hono middleware that verifies the configured schemes on guarded routes. Public routes pass
 * untouched; a verified request continues with `c.get('auth')` and `c.get('body')` set; anything
 * else is answered here (400/401/403/413/503, JSON, `WWW-Authenticate` on 401 with the challenges
 * of every configured scheme, as the registry's descriptors give them). Never throws for bad input.
 *
 * @example
 * app.use('*', edgeAuth({ authenticator: createAuthenticator(loadConfig(json)) }));
 */
export function edgeAuth(options: EdgeAuthOptions): MiddlewareHandler<{ Variables: EdgeAuthVariables }> {
  const log = options.log ?? (() => undefined);
  return async (c, next) => {
    const auth = typeof options.authenticator === 'function' ? options.authenticator(c) : options.authenticator;
    const method = c.req.method;
    // Route rules are judged on the raw path (what the origin will get), in every reading an origin could make of it.
    const decision = auth.decide(method, splitUrl(c.req.raw.url).path);
    const path = decision.ok ? decision.path : '(refused)';
    const refuse = (error: AuthError, scheme?: string): Response => {
      log({ event: 'auth.rejected', code: error.code, status: error.status, method, path, ...(scheme ? { scheme } : {}) });
      return reject(c, auth, error);
    };
    if (!decision.ok) return refuse(decision.error);
    let read: Awaited<ReturnType<typeof toSignedRequest>>;
    try {
      read = await toSignedRequest(c.req.raw, auth.config.limits.maxBodyBytes);
    } catch {
      // A body stream that fails mid-read is the client's doing (an abort, a broken chunked encoding).
      return refuse(authError('ERR_AUTH_MALFORMED', 'request body could not be read'));
    }
    if (!read.ok) return refuse(read.error);
    c.set('request', read.request);
    if (decision.public) {
      c.set('auth', undefined);
      c.set('body', read.request.body ?? new Uint8Array());
      return next();
    }
    const result = await auth.authenticate(read.request);
    if (!result.ok) return refuse(result.error);
    const forbidden = auth.authorize(result.principal, decision);
    if (forbidden) return refuse(forbidden, result.scheme);
    log({ event: 'auth.accepted', method, path, scheme: result.scheme });
    c.set('auth', { principal: result.principal, scheme: result.scheme, keyId: result.keyId });
    c.set('body', read.request.body ?? new Uint8Array());
    return next();
  };
}
