/**
 * The API Gateway REQUEST authorizer (REST APIs and HTTP APIs), reading its configuration at run
 * time: AUTH_CONFIG (JSON text) or AUTH_CONFIG_FILE, validated once per container. For deployments
 * that pass the configuration as text; authorizer.ts, whose configuration the build validated, is
 * the default. See lib/adapters/aws-lambda.
 */
import { createAuthorizerHandler } from '../lib/adapters/aws-lambda/authorizer.ts';
import { logAcceptedSetting, logLine } from './lambda-log.ts';
import { lambdaAuthenticator } from './lambda-config.ts';

// As in authorizer.ts: key stores configured with `hydrate` load their keys in the init phase. The
// configuration is read here only when the environment names one; a bad one is logged now and again
// by the first call.
if (process.env.AUTH_CONFIG || process.env.AUTH_CONFIG_FILE) {
  try {
    await lambdaAuthenticator().hydrate();
  } catch {
    // Reported by lambdaAuthenticator() (config.invalid) and thrown again by every call.
  }
}

export const handler = createAuthorizerHandler({
  authenticator: lambdaAuthenticator,
  log: logLine,
  logAccepted: logAcceptedSetting(),
});
