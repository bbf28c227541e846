// An API Gateway REQUEST authorizer that uses the package as a consumer would.
import { createAuthenticator, loadConfig, type Authenticator } from 'edge-authorizer';
import { createAuthorizerHandler } from 'edge-authorizer/aws-lambda';

declare const process: { env: Record<string, string | undefined> };

let auth: Authenticator | undefined;
export const handler = createAuthorizerHandler({
  authenticator: () => (auth ??= createAuthenticator(loadConfig(process.env['AUTH_CONFIG'] ?? ''))),
});
