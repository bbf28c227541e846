// The in-function check: the whole request, body included, verified inside the integration
// (an API Gateway authorizer never sees the body).
import { readFileSync } from 'node:fs';
import { createAuthenticator, loadConfig } from 'edge-authorizer';
import { authenticate, LambdaAuthenticator, withAuthentication } from 'edge-authorizer/aws-lambda';

const auth = createAuthenticator(loadConfig(readFileSync('auth-config.json', 'utf8'))); // once per container

// A proxy handler (REST v1 or HTTP API v2 events): verified first, 400/401/403 JSON otherwise.
export const upload = withAuthentication(auth, async (event, _context, principal) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ uploadedBy: principal.id, bytes: event.body?.length ?? 0 }),
}));

// Any other shape of handler: pass the request as the client signed it (stage or base path included).
export async function check(method: string, url: string, headers: Record<string, string>, body: string) {
  const { authentic, status, message, principal } = await authenticate(auth, { method, url, headers, body, stage: 'dev' });
  return authentic ? { statusCode: 200, body: `hello ${principal!.id}` } : { statusCode: status, body: message };
}

// mauth-client's model: configure once, then ask each request.
LambdaAuthenticator.configure(auth);

export async function isAuthentic(method: string, url: string, headers: Record<string, string>, body: string) {
  const [authentic, status, message] = await new LambdaAuthenticator(method, url, headers, body).isAuthentic();
  return { authentic, status, message };
}
