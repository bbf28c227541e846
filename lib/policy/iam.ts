import type { Principal } from '../core/result.ts';
import type { RouteConfig } from '../config/schema.ts';

/** An IAM policy document as API Gateway Lambda authorizers return it. */
export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: Array<{ Action: 'execute-api:Invoke'; Effect: 'Allow' | 'Deny'; Resource: string[] }>;
}

/** The parts of an `execute-api` ARN: `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path}`. */
export interface ApiArn {
  readonly prefix: string; // arn:aws:execute-api:region:account:apiId
  readonly stage: string;
  readonly method: string;
  readonly path: string; // without the leading "/"
}

/** Parses a `methodArn` (REST) or `routeArn` (HTTP API). `undefined` when it is not an execute-api ARN. */
export function parseApiArn(arn: string): ApiArn | undefined {
  const m = /^(arn:aws[\w-]*:execute-api:[\w-]+:[^:/]+:[^:/]+)\/([^/]+)\/([^/]+)\/?(.*)$/.exec(arn);
  if (!m) return undefined;
  return { prefix: m[1]!, stage: m[2]!, method: m[3]!, path: m[4]! };
}

function routeResources(api: ApiArn, route: RouteConfig): string[] {
  // "/exact" -> "exact", "/prefix/*" -> "prefix/*", "*" -> "*" (in IAM, "*" also matches "/").
  const path = route.path === '*' ? '*' : route.path.slice(1);
  return route.methods.map((m) => `${api.prefix}/${api.stage}/${m === '*' ? '*' : m}/${path}`);
}

/**
 * The policy a cached answer may stand on for every route, or `undefined` when no policy can be that
 * for this principal. It exists only for a principal that every route admits (public, or every
 * permission held): then it allows every route, and whatever a later call's ARN, the route table
 * would have let the same principal in too (a path no route matches needs no permission).
 *
 * A principal that some route refuses gets none, because IAM cannot say what the route table says. IAM
 * compares a Resource as case-sensitive text in which `*` matches anything, "/", ".." and ";"
 * included, while the route table reads a path as an origin may route it: case folded, dot segments
 * removed, ";" parameters dropped, "/admin" under "/admin/*". So an Allow beside a Deny of the refused
 * route would still cover `/Admin/users`, `/admin;v=1/users`, `/admin./users`, `/admin` or
 * `/items/../admin/users`, which the route table refuses. Such a principal's answer must name its
 * own call only ({@link singlePolicy}); a cached copy then refuses other calls (fail closed).
 *
 * `alsoAllow` names the call being answered (its own Allow): the routes' resources are IAM text, and
 * the call may be spelled otherwise (HEAD under a GET rule, "/Items/1", a path no rule names).
 *
 * What a cached answer admits that the authorizer asked directly would refuse, none of it a
 * permission the principal lacks: a request refused to everyone for its form or size (a path with a
 * control character or an escape that is not UTF-8, a URL, query or headers over the limits,
 * credentials of two schemes) whose ARN the answer covers; and, from an in-function route's answer
 * (a call with a body, allowed unverified and marked `verification: in-function`), the same method and
 * path without a body, for any value of the identity source, still marked so that the integration's
 * own check (withAuthentication, confirmAuthorizerBody) refuses it.
 */
export function principalPolicy(
  api: ApiArn,
  routes: readonly RouteConfig[],
  principal: Principal,
  alsoAllow: readonly string[] = [],
): PolicyDocument | undefined {
  const allow: string[] = [];
  for (const route of routes) {
    const permitted = route.public || route.permissions.every((p) => principal.permissions.includes(p));
    if (!permitted) return undefined;
    allow.push(...routeResources(api, route));
  }
  allow.push(...alsoAllow);
  return allow.length === 0 ? undefined : document(allow, []);
}

/**
 * A policy that allows or denies exactly one ARN (signature answers, public routes, in-function
 * routes, forbidden calls). IAM reads `*` and `?` in a Resource as wildcards and has no escape for
 * them, so an Allow for a path that contains one would cover other routes: it becomes a Deny. The
 * one exception is an emulator's ARN that holds the route template itself (`rest/{proxy*}`): pass
 * that template, and a path equal to it is allowed.
 */
export function singlePolicy(effect: 'Allow' | 'Deny', arn: string, template?: string): PolicyDocument {
  const path = parseApiArn(arn)?.path ?? arn;
  const isTemplate = template !== undefined && path === template.replace(/^\//, '');
  return effect === 'Allow' && (isTemplate || !/[*?]/.test(path)) ? document([arn], []) : document([], [arn]);
}

function document(allow: string[], deny: string[]): PolicyDocument {
  const Statement: PolicyDocument['Statement'] = [];
  if (allow.length > 0) Statement.push({ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [...new Set(allow)] });
  if (deny.length > 0) Statement.push({ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: [...new Set(deny)] });
  if (Statement.length === 0) Statement.push({ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: ['*'] });
  return { Version: '2012-10-17', Statement };
}
