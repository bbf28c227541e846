/**
 * Demo integrations behind the authorizer. `echo` answers with what the authorizer passed on;
 * `items` runs the in-function check first (for routes whose bodies the authorizer cannot see).
 */
import { authorizerContextOf, type ProxyEvent, type ProxyResult } from '../lib/adapters/aws-lambda/index.ts';
import { withAuthentication } from '../lib/adapters/aws-lambda/in-function.ts';
import { lambdaAuthenticator } from './lambda-config.ts';

/** What the authorizer passed on (primitives only; it never carries key ids or credentials). */
function authorizerContext(event: ProxyEvent): Record<string, unknown> | null {
  return authorizerContextOf(event) ?? null;
}

export async function echo(event: ProxyEvent): Promise<ProxyResult> {
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ok: true, authorizer: authorizerContext(event) }),
  };
}

export const items = withAuthentication(lambdaAuthenticator, async (event: ProxyEvent, _context: unknown, principal) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ ok: true, principal: principal.id, verifiedInFunction: true, authorizer: authorizerContext(event) }),
}));
