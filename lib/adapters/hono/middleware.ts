import type { Context, MiddlewareHandler } from 'hono';
import { publicError, type Authenticator } from '../../authenticator.ts';
import type { AuthError } from '../../core/errors.ts';
import type { Principal } from '../../core/result.ts';
import { toSignedRequest } from '../fetch-request.ts';

/** What the middleware leaves on the context for the routes behind it. */
export interface EdgeAuthVariables {
  auth: { principal: Principal; scheme: string; keyId: string } | undefined;
  /** The body bytes that were read (and verified); the request stream itself is consumed. */
  body: Uint8Array;
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

function challenge(auth: Authenticator): string {
  const s = auth.config.schemes.sigv4;
  return (s?.algorithms ?? []).map((a) => `${a} realm="${s!.service}"`).join(', ');
}

function reject(c: Context, auth: Authenticator, error: AuthError): Response {
  const shown = publicError(error);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'cache-control': 'no-store' };
  if (shown.status === 401) headers['www-authenticate'] = challenge(auth);
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
 * else is answered here (400/401/403/413/503, JSON, `WWW-Authenticate` on 401).
 */
export function edgeAuth(options: EdgeAuthOptions): MiddlewareHandler<{ Variables: EdgeAuthVariables }> {
  const log = options.log ?? (() => undefined);
  return async (c, next) => {
    const auth = typeof options.authenticator === 'function' ? options.authenticator(c) : options.authenticator;
    const method = c.req.method;
    const path = c.req.path;
    const rule = auth.route(method, path);
    if (rule?.public) {
      c.set('auth', undefined);
      c.set('body', new Uint8Array(await c.req.arrayBuffer()));
      return next();
    }
    const read = await toSignedRequest(c.req.raw, auth.config.limits.maxBodyBytes);
    if (!read.ok) {
      log({ event: 'auth.rejected', code: read.error.code, status: read.error.status, method, path });
      return reject(c, auth, read.error);
    }
    const result = await auth.authenticate(read.request);
    if (!result.ok) {
      log({ event: 'auth.rejected', code: result.error.code, status: result.error.status, method, path });
      return reject(c, auth, result.error);
    }
    const forbidden = auth.authorize(result.principal, method, path);
    if (forbidden) {
      log({ event: 'auth.rejected', code: forbidden.code, status: forbidden.status, method, path, scheme: result.scheme });
      return reject(c, auth, forbidden);
    }
    log({ event: 'auth.accepted', method, path, scheme: result.scheme });
    c.set('auth', { principal: result.principal, scheme: result.scheme, keyId: result.keyId });
    c.set('body', read.request.body ?? new Uint8Array());
    return next();
  };
}
