import type { Authenticator } from '../../authenticator.ts';
import type { AuthSuccess } from '../../core/result.ts';
import { headerMap } from '../../core/request.ts';
import { parseApiArn, principalPolicy, singlePolicy, type PolicyDocument } from '../../policy/iam.ts';
import { authenticateAny } from './signed-paths.ts';
import { isHttpApiEvent, requestFromAuthorizerEvent, restSignedPaths, routePath, type AuthorizerEvent } from './events.ts';

/** What the integration finds in `requestContext.authorizer` (REST) or `.authorizer.lambda` (HTTP API): primitives only. */
export interface AuthorizerContext {
  [key: string]: string | number | boolean;
  principal: string;
  scheme: string;
  keyId: string;
  /** Comma-separated. */
  permissions: string;
  /**
   * "complete": fully verified here. "body-hash": verified, but the body must still hash to
   * `bodySha256` (run the in-function check). "in-function": NOT verified (the route asks the
   * integration to verify the whole request). "none": a public route.
   */
  verification: 'complete' | 'body-hash' | 'in-function' | 'none';
}

export interface RestAuthorizerResult {
  principalId: string;
  policyDocument: PolicyDocument;
  context: AuthorizerContext;
  usageIdentifierKey?: string;
}

export interface SimpleAuthorizerResult {
  isAuthorized: boolean;
  context: AuthorizerContext;
}

export type AuthorizerResult = RestAuthorizerResult | SimpleAuthorizerResult;

/** One log line per decision; the code and route, never credentials or key ids. */
export interface AuthorizerLogEntry {
  readonly event: 'authorizer.allow' | 'authorizer.deny' | 'authorizer.unauthorized' | 'authorizer.error';
  readonly code?: string;
  readonly method: string;
  readonly path: string;
  readonly verification?: string;
}

export interface AuthorizerOptions {
  /** The authenticator (from the configuration), possibly built lazily; a rejection is a configuration failure (500). */
  readonly authenticator: () => Authenticator | Promise<Authenticator>;
  readonly log?: (entry: AuthorizerLogEntry) => void;
}

/** The exact message API Gateway turns into a 401. */
export const UNAUTHORIZED = 'Unauthorized';

function hasBody(headers: ReturnType<typeof headerMap>): boolean {
  const length = headers.get('content-length')?.[0];
  return headers.has('transfer-encoding') || (length !== undefined && length.trim() !== '0');
}

/**
 * Creates the REQUEST authorizer for REST APIs (IAM policy) and HTTP APIs (simple responses, or
 * a policy when `lambda.httpApiSimpleResponses` is false). Authentication failures throw
 * `Error('Unauthorized')` (401); authenticated but not permitted is a Deny (403); a key store or
 * configuration failure throws another error (500). Nothing but a verified request is allowed.
 */
export function createAuthorizerHandler(options: AuthorizerOptions): (event: AuthorizerEvent) => Promise<AuthorizerResult> {
  const log = options.log ?? (() => undefined);
  return async (event) => {
    const method = isHttpApiEvent(event) ? event.requestContext.http.method : event.httpMethod;
    const path = routePath(event);
    let auth: Authenticator;
    try {
      auth = await options.authenticator();
    } catch (e) {
      log({ event: 'authorizer.error', code: 'ERR_CONFIG', method, path });
      throw new Error('authorizer configuration error', { cause: e });
    }
    const arn = isHttpApiEvent(event) ? event.routeArn : event.methodArn;
    const simple = isHttpApiEvent(event) && auth.config.lambda.httpApiSimpleResponses;
    const api = parseApiArn(arn);
    if (!api && !simple) {
      log({ event: 'authorizer.error', code: 'ERR_BAD_ARN', method, path });
      throw new Error('authorizer event has no execute-api ARN');
    }

    const respond = (
      allowed: boolean,
      principalId: string,
      context: AuthorizerContext,
      extra: { usageIdentifierKey?: string },
      policy: () => PolicyDocument,
    ): AuthorizerResult => {
      log({ event: allowed ? 'authorizer.allow' : 'authorizer.deny', method, path, verification: context.verification });
      if (simple) return { isAuthorized: allowed, context };
      return { principalId, policyDocument: policy(), context, ...extra };
    };

    const rule = auth.route(method, path);
    const anonymous = (verification: 'none' | 'in-function'): AuthorizerContext => ({
      principal: '',
      scheme: '',
      keyId: '',
      permissions: '',
      verification,
    });
    if (rule?.public) return respond(true, 'anonymous', anonymous('none'), {}, () => singlePolicy('Allow', arn));

    const signed = requestFromAuthorizerEvent(event);
    const withBody = hasBody(headerMap(signed.headers));
    if (withBody && rule?.verifyInFunction) {
      // Not verified here: allow this one call only, and tell the integration it must verify.
      return respond(true, 'unverified', anonymous('in-function'), {}, () => singlePolicy('Allow', arn));
    }

    // Without a body the request is complete here; with one, only schemes that sign a body hash
    // in a header can be checked, and the hash is handed on (pendingBodySha256).
    const result = await authenticateAny(
      auth,
      withBody ? signed : { ...signed, body: new Uint8Array() },
      isHttpApiEvent(event) ? [] : restSignedPaths(event),
    );
    if (!result.ok) {
      if (result.error.code === 'ERR_KEYSTORE_UNAVAILABLE') {
        log({ event: 'authorizer.error', code: result.error.code, method, path });
        throw new Error('key store unavailable');
      }
      log({ event: 'authorizer.unauthorized', code: result.error.code, method, path });
      throw new Error(UNAUTHORIZED);
    }
    const context = contextOf(result);
    const forbidden = auth.authorize(result.principal, method, path);
    const usage =
      !isHttpApiEvent(event) && result.usageIdentifierKey !== undefined ? { usageIdentifierKey: result.usageIdentifierKey } : {};
    return respond(!forbidden, result.principal.id, context, usage, () => {
      const policy = principalPolicy(api!, auth.config.routes, result.principal);
      // Name this very call too, so the answer holds however the ARN spells the resource.
      if (forbidden) policy.Statement.push({ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: [arn] });
      return policy;
    });
  };
}

function contextOf(result: AuthSuccess): AuthorizerContext {
  return {
    principal: result.principal.id,
    scheme: result.scheme,
    keyId: result.keyId,
    permissions: result.principal.permissions.join(','),
    verification: result.pendingBodySha256 !== undefined ? 'body-hash' : 'complete',
    ...(result.pendingBodySha256 !== undefined ? { bodySha256: result.pendingBodySha256 } : {}),
  };
}
