// TEMPORARY (issue 7): stands in for the package's main entry ('edge-authorizer') until the package
// build lands (dist/ + package.json "exports"); only tsconfig.sources.json uses it. Remove it then,
// and type-check the examples with tsconfig.json against the built package.
export { createAuthenticator, type Authenticator, type AuthenticatorDeps } from '../../lib/authenticator.ts';
export { loadConfig, ConfigError, type Config } from '../../lib/config/index.ts';
export { createSigV4Signer, type SigV4Signer, type SigV4SignerOptions } from '../../lib/schemes/sigv4/index.ts';
export type { Signer } from '../../lib/core/verifier.ts';
