// The configuration the build validated, for the authorizer's bundle. This file is only a stand-in:
// infra/build.mjs replaces it, in build/lambda/authorizer/index.mjs only, with the document that
// loadConfig output at build time from AUTH_CONFIG_FILE (and the SHA-256 of the file's bytes).
// Anywhere else (another bundler, a test importing the sources) importing it throws, so nothing can
// run on a configuration that no build validated, and nothing at run time can supply one.
import type { Config } from '../lib/config/schema.ts';
import type { SchemeImplementation } from '../lib/schemes/descriptor.ts';

/**
 * What the build put in the bundle: the validated configuration (defaults filled in), the SHA-256 (hex)
 * of the file it came from, and the implementations of the schemes it turns on (only those: a SigV4
 * authorizer carries no MAuth code).
 */
export interface PrevalidatedConfig {
  readonly config: Config;
  readonly sha256: string;
  readonly implementations: readonly SchemeImplementation[];
}

function notBuilt(): never {
  throw new Error('functions/prevalidated-config.ts is replaced by infra/build.mjs; run the authorizer from its bundle');
}

/** The build's validated configuration (in the bundle); importing the stand-in throws. */
export const prevalidated: PrevalidatedConfig = notBuilt();
