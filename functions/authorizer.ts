/**
 * The API Gateway REQUEST authorizer (REST APIs and HTTP APIs) as deployed: its configuration was
 * validated by the build and is in the bundle (see lambda-prevalidated.ts). authorizer-runtime.ts is
 * the same authorizer reading and validating AUTH_CONFIG or AUTH_CONFIG_FILE at run time.
 * See lib/adapters/aws-lambda.
 */
import { createAuthorizerHandler } from '../lib/adapters/aws-lambda/authorizer.ts';
import { logAcceptedSetting, logLine } from './lambda-log.ts';
import { prevalidatedAuthenticator } from './lambda-prevalidated.ts';
import { prevalidated } from './prevalidated-config.ts';

// Key stores whose configuration asks for `hydrate` load their keys in the init phase, which Lambda
// runs before the first invocation: the first request finds them cached. Only such configurations
// pay for it (the check is on the configuration the build put in the bundle). A failure here is
// left to the first call, which reports it.
if (prevalidated.config.keyStores.some((s) => s.hydrate !== false)) {
  try {
    await (await prevalidatedAuthenticator()).hydrate();
  } catch {
    // prevalidatedAuthenticator() logged a configuration error; the handler throws it again per call.
  }
}

export const handler = createAuthorizerHandler({
  authenticator: prevalidatedAuthenticator,
  log: logLine,
  logAccepted: logAcceptedSetting(),
});
