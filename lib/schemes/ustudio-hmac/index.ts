export { createUStudioVerifier, USTUDIO_CREDENTIALS, type UStudioVerifierOptions, type UStudioFreshnessOptions } from './verifier.ts';
export { createUStudioSigner, type UStudioSignerOptions } from './signer.ts';
export { createMemoryReplayCache, type ReplayCache } from './replay.ts';
export {
  canonicalQuery,
  parseQuery,
  quote,
  unquotePlus,
  stringToSign,
  stringToSignHead,
  FRESHNESS_LINE_PREFIX,
  type FreshnessFields,
} from './canonical.ts';
export { UStudioSchemeSchema, type UStudioSchemeOptions } from './options.ts';
export { ustudioScheme } from './scheme.ts';
export { ustudioHmacImplementation } from './implementation.ts';
export * from './constants.ts';
