export { createSigV4Verifier, SIGV4_SCHEME, SIGV4_CREDENTIALS, type SigV4VerifierOptions, type SigV4Explanation } from './verifier.ts';
export { createSigV4Signer, type SigV4SignerOptions, type SigV4Signer, type PresignOptions } from './signer.ts';
export { canonicalPath, canonicalQuery, canonicalHeaders, canonicalRequest, stringToSign, parseQuery, queryPairs } from './canonical.ts';
export { SigV4SchemeSchema, type SigV4SchemeOptions } from './options.ts';
export { sigv4Scheme } from './scheme.ts';
export { sigv4Implementation } from './implementation.ts';
export * from './constants.ts';
