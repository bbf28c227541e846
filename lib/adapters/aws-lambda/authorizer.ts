import type { Authenticator } from '../../authenticator.ts';
import { EMPTY_SHA256_HEX } from '../../core/crypto.ts';
import type { AuthSuccess } from '../../core/result.ts';
import { hasHeader, type HeaderList, type SignedRequest } from '../../core/request.ts';
import { parseApiArn, principalPolicy, singlePolicy, type PolicyDocument } from '../../policy/iam.ts';
import { methodOverrideValues, methodReadings } from '../../policy/routes.ts';
import { acceptedLogRate, sampled, type LogAccepted } from '../log-accepted.ts';
import { authenticateAny } from './signed-paths.ts';
import { decideLambdaRoute, readEvent, type AuthorizerEvent } from './events.ts';

/** What the integration finds in `requestContext.authorizer` (REST) or `.authorizer.lambda` (HTTP API): primitives only. */
export interface AuthorizerContext {
  [key: string]: string | number | boolean;
  principal: string;
  scheme: string;
  /** Comma-separated. */
  permissions: string;
  /**
   * "complete": verified here, nothing left to confirm (the signature does not cover the body, as
   * with UNSIGNED-PAYLOAD). "body-hash": verified for a body that hashes to `bodySha256` (the
   * client's signed hash, or the empty body's hash when the request declared no body): the
   * integration must confirm it before trusting the body (`withAuthentication` or
   * `confirmAuthorizerBody`). "in-function": NOT verified (the route asks the integration to verify
   * the whole request). "none": a public route, or a refused path (Deny).
   */
  verification: 'complete' | 'body-hash' | 'in-function' | 'none';
}

/**
 * The REST API answer: an IAM policy for the called ARN, the context the integration reads, and the
 * usage-plan key if any.
 */
export interface RestAuthorizerResult {
  principalId: string;
  policyDocument: PolicyDocument;
  context: AuthorizerContext;
  usageIdentifierKey?: string;
}

/** The HTTP API simple response (`enableSimpleResponses`): allowed or not, and the context. */
export interface SimpleAuthorizerResult {
  isAuthorized: boolean;
  context: AuthorizerContext;
}

/** Either answer; which one depends on the event's API kind and `lambda.httpApiSimpleResponses`. */
export type AuthorizerResult = RestAuthorizerResult | SimpleAuthorizerResult;

/** One log line per decision; the code and route, never credentials or key ids. */
export interface AuthorizerLogEntry {
  readonly event: 'authorizer.allow' | 'authorizer.deny' | 'authorizer.unauthorized' | 'authorizer.error';
  readonly code?: string;
  readonly method: string;
  readonly path: string;
  readonly verification?: string;
}

/** What {@link createAuthorizerHandler} needs: where the authenticator comes from, and where each decision is logged. */
export interface AuthorizerOptions {
  /** The authenticator (from the configuration), possibly built lazily; a rejection is a configuration failure (500). */
  readonly authenticator: () => Authenticator | Promise<Authenticator>;
  /** Where decisions are logged (default: nowhere). Every deny, 401 and error is; allows as `logAccepted` says. */
  readonly log?: (entry: AuthorizerLogEntry) => void;
  /**
   * Whether allows are logged too: `false` (the default), `true`, or a sampling rate from 0 to 1. A log
   * line per allow costs more than the verification (and the first one, in a cold container, the most).
   */
  readonly logAccepted?: LogAccepted;
  /** The random source a `logAccepted` rate samples with, uniform in [0, 1) (default `Math.random`); tests pass their own. */
  readonly random?: () => number;
}

/** The exact message API Gateway turns into a 401. */
export const UNAUTHORIZED = 'Unauthorized';

/** SHA-256 of the empty body: what a signature over a request without a body covers. */
export const EMPTY_BODY_SHA256 = EMPTY_SHA256_HEX;

/** A failure of ours (key store, configuration), not of the request: thrown as a non-Unauthorized error (500). */
class ServerFault extends Error {}

/** Whether the request says it has a body: a Transfer-Encoding, or a first Content-Length other than 0. One pass, no map. */
function declaresBody(headers: HeaderList): boolean {
  let length: string | undefined;
  for (const [name, value] of headers) {
    if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') return true;
    if (length === undefined && name.length === 14 && name.toLowerCase() === 'content-length') length = value;
  }
  return length !== undefined && length.trim() !== '0';
}

const ANONYMOUS = { principal: '', scheme: '', permissions: '' } as const;

/**
 * Creates the REQUEST authorizer for REST APIs (IAM policy) and HTTP APIs (simple responses, or
 * a policy when `lambda.httpApiSimpleResponses` is false). Authentication failures and events of
 * any unexpected shape throw `Error('Unauthorized')` (401); authenticated but not permitted, or a
 * path no reading of which is safe to route, is a Deny (403); only a key store or configuration
 * failure throws another error (500). Nothing but a verified request is allowed, and a signature
 * scheme's Allow names exactly the called ARN, so a cached answer cannot serve another route.
 * What the body and caching rules are comes from the scheme's descriptor (`body`,
 * `cacheableAcrossRoutes`); the authorizer names no scheme.
 *
 * @throws TypeError at once when `logAccepted` is neither a boolean nor a rate from 0 to 1. Error from
 * the returned handler: `Error('Unauthorized')` for a request that is not authenticated (401), any
 * other message when the authenticator or key store fails (500).
 * @example
 * export const handler = createAuthorizerHandler({ authenticator: () => createAuthenticator(loadConfig(json)) });
 */
export function createAuthorizerHandler(options: AuthorizerOptions): (event: AuthorizerEvent) => Promise<AuthorizerResult> {
  const logAll = options.log ?? (() => undefined);
  const allowLogRate = acceptedLogRate(options.logAccepted);
  const random = options.random ?? Math.random;
  // Every deny, 401 and error goes to the log; an allow only as `logAccepted` says.
  const log = (entry: AuthorizerLogEntry): void => {
    if (entry.event !== 'authorizer.allow' || sampled(allowLogRate, random)) logAll(entry);
  };
  return async (event) => {
    let auth: Authenticator;
    try {
      auth = await options.authenticator();
    } catch (e) {
      log({ event: 'authorizer.error', code: 'ERR_CONFIG', method: '', path: '' });
      throw new Error('authorizer configuration error', { cause: e });
    }
    try {
      return await decide(auth, event, log);
    } catch (e) {
      if (e instanceof ServerFault) throw new Error(e.message);
      if (!(e instanceof Error && e.message === UNAUTHORIZED))
        log({ event: 'authorizer.unauthorized', code: 'ERR_EVENT_MALFORMED', method: '', path: '' });
      throw new Error(UNAUTHORIZED);
    }
  };
}

async function decide(auth: Authenticator, event: unknown, log: (entry: AuthorizerLogEntry) => void): Promise<AuthorizerResult> {
  const read = readEvent(event);
  if (!read) {
    log({ event: 'authorizer.unauthorized', code: 'ERR_EVENT_MALFORMED', method: '', path: '' });
    throw new Error(UNAUTHORIZED);
  }
  const { request: signed, arn } = read;
  const method = signed.method;
  const simple = read.kind === 'http' && auth.config.lambda.httpApiSimpleResponses;
  const api = parseApiArn(arn);
  if (!api && !simple) {
    // API Gateway always sends one; an event without it cannot be answered with a policy.
    log({ event: 'authorizer.unauthorized', code: 'ERR_EVENT_MALFORMED', method, path: '' });
    throw new Error(UNAUTHORIZED);
  }
  const decision = decideLambdaRoute(
    auth,
    methodReadings(method, methodOverrideValues(signed.headers), signed.query),
    read.routePaths,
    read.mappedPath,
  );
  const path = decision.ok ? decision.path : '(refused)';

  const respond = (
    allowed: boolean,
    principalId: string,
    context: AuthorizerContext,
    extra: { usageIdentifierKey?: string },
    policy: () => PolicyDocument,
  ): AuthorizerResult => {
    const document = simple ? undefined : policy();
    // An Allow that IAM could not express exactly (a wildcard in the called path) came back as a Deny.
    const widened = allowed && document !== undefined && !document.Statement.some((st) => st.Effect === 'Allow');
    log({
      event: allowed && !widened ? 'authorizer.allow' : 'authorizer.deny',
      method,
      path,
      verification: context.verification,
      ...(allowed ? (widened ? { code: 'ERR_PATH_REJECTED' } : {}) : { code: 'ERR_FORBIDDEN' }),
    });
    if (!document) return { isAuthorized: allowed, context };
    return { principalId, policyDocument: document, context, ...extra };
  };

  if (!decision.ok) {
    log({ event: 'authorizer.deny', code: decision.error.code, method, path });
    if (simple) return { isAuthorized: false, context: { ...ANONYMOUS, verification: 'none' } };
    return { principalId: 'anonymous', policyDocument: singlePolicy('Deny', arn), context: { ...ANONYMOUS, verification: 'none' } };
  }
  if (decision.public)
    return respond(true, 'anonymous', { ...ANONYMOUS, verification: 'none' }, {}, () => singlePolicy('Allow', arn, read.template));

  const withBody = declaresBody(signed.headers);
  if (withBody && decision.verifyInFunction) {
    // Not verified here: allow this one call only, and tell the integration it must verify.
    return respond(true, 'unverified', { ...ANONYMOUS, verification: 'in-function' }, {}, () => singlePolicy('Allow', arn, read.template));
  }

  // The body is never here; what can be proved without it is the scheme's to say (its descriptor's
  // `body`). "header-hash": first ask for what the declared hash proves (handed on as
  // pendingBodySha256); only a request that declares no body is then verified as having an empty
  // one. "raw-body": only a request that declares no body can be verified, as bodyless. "none": the
  // body is not signed. Each assumption of an empty body goes into the context for the integration
  // to confirm (HTTP/2 clients may omit Content-Length, so "no body" is a belief, not a fact).
  const selected = auth.select(signed);
  const coverage = selected.ok ? selected.scheme.descriptor.body : undefined;
  if (coverage === 'raw-body' && withBody) {
    log({ event: 'authorizer.unauthorized', code: 'ERR_PAYLOAD_HASH_REQUIRED', method, path });
    throw new Error(UNAUTHORIZED);
  }
  // Asked without the body only where that can prove something: a header-hash request that declares
  // neither a body nor a hash of one could only answer ERR_PAYLOAD_HASH_REQUIRED, or fail before that on
  // what the bodyless check fails on too (nothing before it reads the body), so it is asked once, as
  // bodyless: one parse instead of two and no failure thrown (GETs from most SigV4 clients).
  const bodylessOnly = coverage === 'raw-body' || (coverage === 'header-hash' && !withBody && !declaresBodyHash(selected, signed));
  let result = bodylessOnly ? undefined : await authenticateAny(auth, { ...signed, body: undefined }, read.signedPaths);
  let assumedEmpty = false;
  if (!result || (coverage === 'header-hash' && !result.ok && result.error.code === 'ERR_PAYLOAD_HASH_REQUIRED' && !withBody)) {
    result = await authenticateAny(auth, { ...signed, body: new Uint8Array() }, read.signedPaths);
    assumedEmpty = true;
  }
  if (!result.ok) {
    if (result.error.code === 'ERR_KEYSTORE_UNAVAILABLE') {
      log({ event: 'authorizer.error', code: result.error.code, method, path });
      throw new ServerFault('key store unavailable');
    }
    if (result.error.status === 403) {
      // Authentic credentials that are not meant for this API (a JWT for another audience or service):
      // a Deny of this one call, never a 401 the client would answer by authenticating again.
      log({ event: 'authorizer.deny', code: result.error.code, method, path });
      if (simple) return { isAuthorized: false, context: { ...ANONYMOUS, verification: 'none' } };
      return { principalId: 'anonymous', policyDocument: singlePolicy('Deny', arn), context: { ...ANONYMOUS, verification: 'none' } };
    }
    log({ event: 'authorizer.unauthorized', code: result.error.code, method, path });
    throw new Error(UNAUTHORIZED);
  }
  const context = contextOf(result, assumedEmpty);
  const forbidden = auth.authorize(result.principal, decision);
  const usage = read.kind === 'rest' && result.usageIdentifierKey !== undefined ? { usageIdentifierKey: result.usageIdentifierKey } : {};
  return respond(!forbidden, result.principal.id, context, usage, () => {
    // A signature proves one request: its answer names exactly this call, so a cached copy can
    // authorize nothing else. Bearer credentials (the descriptor's cacheableAcrossRoutes) get a
    // policy over every route only when every route admits the principal: IAM cannot express a
    // refused route as the route table reads it (principalPolicy), so any other principal's answer
    // names this call alone, and a cached copy refuses its other calls rather than allow too much.
    const own = singlePolicy(forbidden ? 'Deny' : 'Allow', arn, read.template);
    if (forbidden || !auth.cacheableAcrossRoutes(result.scheme)) return own;
    // The routes' resources are IAM text, and this call may be spelled otherwise (HEAD under a GET
    // rule, "/Items/1", a path no rule names): the wide answer names it too, as its own answer does.
    const ownAllow = own.Statement.find((s) => s.Effect === 'Allow')?.Resource ?? [];
    // A call IAM cannot name (a "*" or "?" in its path) is refused as such (logged ERR_PATH_REJECTED).
    if (ownAllow.length === 0) return own;
    return principalPolicy(api!, auth.config.routes, result.principal, ownAllow) ?? own;
  });
}

/** Whether the request carries the header in which the selected scheme declares a body hash (unknown: true). */
function declaresBodyHash(selected: ReturnType<Authenticator['select']>, req: SignedRequest): boolean {
  const header = selected.ok ? selected.scheme.descriptor.bodyHashHeader : undefined;
  return header === undefined || hasHeader(req.headers, header);
}

function contextOf(result: AuthSuccess, assumedEmpty: boolean): AuthorizerContext {
  const bodySha256 = result.pendingBodySha256 ?? (assumedEmpty ? EMPTY_BODY_SHA256 : undefined);
  return {
    principal: result.principal.id,
    scheme: result.scheme,
    permissions: result.principal.permissions.join(','),
    verification: bodySha256 !== undefined ? 'body-hash' : 'complete',
    ...(bodySha256 !== undefined ? { bodySha256 } : {}),
  };
}
