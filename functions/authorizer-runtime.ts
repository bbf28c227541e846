/**
 * The API Gateway REQUEST authorizer (REST APIs and HTTP APIs), reading its configuration at run
 * time: AUTH_CONFIG (JSON text) or AUTH_CONFIG_FILE, validated once per container. For deployments
 * that pass the configuration as text; authorizer.ts, whose configuration the build validated, is
 * the default. See lib/adapters/aws-lambda.
 */
import { createAuthorizerHandler } from '../lib/adapters/aws-lambda/authorizer.ts';
import { logAcceptedSetting, logLine } from './lambda-log.ts';
import { lambdaAuthenticator } from './lambda-config.ts';

export const handler = createAuthorizerHandler({
  authenticator: lambdaAuthenticator,
  log: logLine,
  logAccepted: logAcceptedSetting(),
});
