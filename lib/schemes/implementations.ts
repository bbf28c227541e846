import type { SchemeImplementation } from './descriptor.ts';
import { sigv4Implementation } from './sigv4/implementation.ts';
import { jwtImplementation } from './jwt/implementation.ts';
import { mauthImplementation } from './mauth/implementation.ts';
import { ustudioHmacImplementation } from './ustudio-hmac/implementation.ts';
import { apiKeyImplementation } from './api-key/implementation.ts';

/**
 * The built-in schemes' implementations, without their options schemas: what an authenticator
 * needs for a configuration that was validated elsewhere (the Lambda authorizer's bundle, whose
 * configuration the build validated against {@link builtInSchemes}). The same schemes, in the same
 * order, as `builtInSchemes` in `registry.ts`, which a test holds them to; adding a scheme adds a
 * line to each.
 *
 * @example
 * const auth = assembleAuthenticator(config, builtInImplementations);
 */
export const builtInImplementations: readonly SchemeImplementation[] = Object.freeze([
  sigv4Implementation,
  mauthImplementation,
  ustudioHmacImplementation,
  apiKeyImplementation,
  jwtImplementation,
]);
