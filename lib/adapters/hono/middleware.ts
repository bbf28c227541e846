import type { Context, MiddlewareHandler } from 'hono';
import { publicError, type Authenticator } from '../../authenticator.ts';
import { authError, type AuthError } from '../../core/errors.ts';
import { splitUrl, type SignedRequest } from '../../core/request.ts';
import { methodOverrideValues, methodReadings } from '../../policy/routes.ts';
import type { Principal } from '../../core/result.ts';
import { headerPairs, readRequest, type ReadRequest } from '../fetch-request.ts';
import { acceptedLogRate, sampled } from '../log-accepted.ts';
import { challengeHeader } from '../../schemes/descriptor.ts';
import { schemeFailureBody } from '../failure-body.ts';

/** What the middleware leaves on the context for the routes behind it. */
export interface EdgeAuthVariables {
  auth: { principal: Principal; scheme: string; keyId: string } | undefined;
  /**
   * The body bytes that were read; the request stream itself is consumed. The signature covers them when
   * the scheme signs the body (`body` in its descriptor) and the request signs its payload (a SigV4
   * `UNSIGNED-PAYLOAD`, which `allowUnsignedPayload` permits, does not); bearer schemes never cover them.
   */
  body: Uint8Array;
  /** The request as read (raw path and query, headers, body): what a proxy forwards, minus credentials. */
  request: SignedRequest;
}

/**
 * One structured log entry: every rejection (`auth.rejected`, with its code and status), and accepted
 * requests (`auth.accepted`) only when {@link EdgeAuthOptions.logAccepted} asks for them. It carries
 * the method, the route path and the scheme, never credentials, signatures or key ids.
 */
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
  /** Where decisions are logged (default: nowhere). Every rejection is; accepted requests as `logAccepted` says. */
  readonly log?: (entry: AuthLogEntry) => void;
  /**
   * Whether accepted requests are logged too. `false` (the default): rejections only, which keeps
   * logging off the hot path (a log line per request costs a busy Worker much of its throughput).
   * `true`: every accepted request. A number from 0 to 1: that share of them, drawn at
   * random per request (`0.01` logs about one in a hundred); `0` is `false` and `1` is `true`. Or a
   * function that returns one of these for a request (e.g. read from an env binding, as the
   * Worker reads LOG_ACCEPTED); it is asked once per accepted request, so keep it cheap.
   */
  readonly logAccepted?: boolean | number | ((c: Context) => boolean | number);
  /** The random source `logAccepted` samples with, uniform in [0, 1) (default `Math.random`); tests pass their own. */
  readonly random?: () => number;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  413: 'Payload Too Large',
  503: 'Service Unavailable',
};

/** What the answers to rejections of one authenticator share, built on its first rejection: its configuration does not change. */
interface RejectionShape {
  /** The `WWW-Authenticate` value of a 401: every configured scheme's challenges, in registry order (RFC 9110 section 11.6.1). */
  readonly challenge: string;
  /** Whether any configured scheme has a failure body of its own (else the scheme a request speaks need not be picked again). */
  readonly ownBodies: boolean;
}

const rejectionShapes = new WeakMap<Authenticator, RejectionShape>();

function shapeOf(auth: Authenticator): RejectionShape {
  let shape = rejectionShapes.get(auth);
  if (shape === undefined) {
    shape = {
      challenge: challengeHeader(auth.challenges),
      ownBodies: auth.schemes.some((s) => s.descriptor.failureBody !== undefined),
    };
    rejectionShapes.set(auth, shape);
  }
  return shape;
}

function reject(c: Context, auth: Authenticator, error: AuthError, req?: SignedRequest): Response {
  const shown = publicError(error);
  const shape = shapeOf(auth);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'cache-control': 'no-store' };
  if (shown.status === 401 && shape.challenge !== '') headers['www-authenticate'] = shape.challenge;
  // A scheme with a failure shape of its own (MAuth's {"errors":{"mauth":[...]}}) answers in it.
  const own = req && shape.ownBodies ? schemeFailureBody(auth, req, shown) : undefined;
  const body = JSON.stringify(
    own ?? {
      error: shown.code,
      message: shown.message,
      status: shown.status,
      reason: STATUS_TEXT[shown.status] ?? 'Error',
    },
  );
  return c.body(body, shown.status as 400, headers);
}

/** Logs a rejection (its code and status, the method, the route path, the scheme when one was verified) and answers it. */
function refuse(
  c: Context,
  auth: Authenticator,
  log: (entry: AuthLogEntry) => void,
  method: string,
  path: string,
  error: AuthError,
  scheme?: string,
  req?: SignedRequest,
): Response {
  log(
    scheme
      ? { event: 'auth.rejected', code: error.code, status: error.status, method, path, scheme }
      : { event: 'auth.rejected', code: error.code, status: error.status, method, path },
  );
  return reject(c, auth, error, req);
}

/**
 * Hono middleware that verifies the configured schemes on guarded routes. Public routes pass
 * untouched; a verified request continues with `c.get('auth')` and `c.get('body')` set; anything
 * else is answered here (400/401/403/413/503, JSON, `WWW-Authenticate` on 401 with the challenges
 * of every configured scheme, as the registry's descriptors give them; a failed verification in the
 * body shape of the scheme the request speaks when its descriptor has `failureBody`, as MAuth does).
 * Never throws for bad input.
 * Every rejection goes to `log`; accepted requests only with `logAccepted` (sampled if a rate).
 *
 * @throws TypeError when `logAccepted` is neither a boolean, a number from 0 to 1 nor a function;
 * a `logAccepted` function that returns anything else fails that request (500, through Hono's `onError`).
 * @example
 * app.use('*', edgeAuth({ authenticator: createAuthenticator(loadConfig(json)) }));
 * // Log every rejection and about 1% of accepted requests:
 * app.use('*', edgeAuth({ authenticator, log: (e) => console.log(JSON.stringify(e)), logAccepted: 0.01 }));
 */
export function edgeAuth(options: EdgeAuthOptions): MiddlewareHandler<{ Variables: EdgeAuthVariables }> {
  const log = options.log ?? (() => undefined);
  const { logAccepted } = options;
  // A fixed setting is checked here, once; a function's answer per accepted request.
  let rateOf: (c: Context) => number;
  if (typeof logAccepted === 'function') rateOf = (c) => acceptedLogRate(logAccepted(c));
  else {
    const rate = acceptedLogRate(logAccepted);
    rateOf = () => rate;
  }
  const random = options.random ?? Math.random;
  const logsAccepted = (c: Context): boolean => sampled(rateOf(c), random);
  return async (c, next) => {
    const auth = typeof options.authenticator === 'function' ? options.authenticator(c) : options.authenticator;
    const raw = c.req.raw;
    const method = raw.method;
    const { path: rawPath, query } = splitUrl(raw.url);
    // Route rules are judged on the raw path (what the origin will get), in every reading an origin could
    // make of it, and on every method it could act on (a method-override header or `_method`).
    // The headers are walked once, for this and for reading the request below.
    const pairs = headerPairs(raw);
    const decision = auth.decide(methodReadings(method, methodOverrideValues(pairs), query), rawPath);
    const path = decision.ok ? decision.path : '(refused)';
    if (!decision.ok) return refuse(c, auth, log, method, path, decision.error);
    let read: ReadRequest;
    try {
      // A promise only when there is a body to read: a GET is read synchronously.
      const pending = readRequest(raw, rawPath, query, auth.config.limits.maxBodyBytes, pairs);
      read = pending instanceof Promise ? await pending : pending;
    } catch {
      // A body stream that fails mid-read is the client's doing (an abort, a broken chunked encoding).
      return refuse(c, auth, log, method, path, authError('ERR_AUTH_MALFORMED', 'request body could not be read'));
    }
    if (!read.ok) return refuse(c, auth, log, method, path, read.error);
    c.set('request', read.request);
    if (decision.public) {
      c.set('auth', undefined);
      c.set('body', read.request.body ?? new Uint8Array());
      return next();
    }
    const result = await auth.authenticate(read.request);
    if (!result.ok) return refuse(c, auth, log, method, path, result.error, undefined, read.request);
    const forbidden = auth.authorize(result.principal, decision);
    if (forbidden) return refuse(c, auth, log, method, path, forbidden, result.scheme);
    if (logsAccepted(c)) log({ event: 'auth.accepted', method, path, scheme: result.scheme });
    c.set('auth', { principal: result.principal, scheme: result.scheme, keyId: result.keyId });
    c.set('body', read.request.body ?? new Uint8Array());
    return next();
  };
}
