/**
 * The API Gateway REQUEST authorizer (REST APIs and HTTP APIs) as deployed: its configuration was
 * validated by the build and is in the bundle (see lambda-prevalidated.ts). authorizer-runtime.ts is
 * the same authorizer reading and validating AUTH_CONFIG or AUTH_CONFIG_FILE at run time.
 * See lib/adapters/aws-lambda.
 */
import { createAuthorizerHandler } from '../lib/adapters/aws-lambda/authorizer.ts';
import { logAcceptedSetting, logLine } from './lambda-log.ts';
import { prevalidatedAuthenticator } from './lambda-prevalidated.ts';

export const handler = createAuthorizerHandler({
  authenticator: prevalidatedAuthenticator,
  log: logLine,
  logAccepted: logAcceptedSetting(),
});
