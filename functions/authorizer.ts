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

// Key stores whose configuration asks for `hydrate`, and verifiers that fetch documents themselves
// (a JWT issuer's JWKS), load in the init phase, which Lambda runs before the first invocation: the
// first request finds them cached. The authenticator is built here either way (the first call would
// build it), so the import plus first call costs what it did. A failure here is left to the first
// call, which reports it.
try {
  const auth = await prevalidatedAuthenticator();
  if (prevalidated.config.keyStores.some((s) => s.hydrate !== false) || auth.schemes.some((s) => s.verifier.hydrate)) await auth.hydrate();
} catch {
  // prevalidatedAuthenticator() logged a configuration error; the handler throws it again per call.
}

export const handler = createAuthorizerHandler({
  authenticator: prevalidatedAuthenticator,
  log: logLine,
  logAccepted: logAcceptedSetting(),
});
