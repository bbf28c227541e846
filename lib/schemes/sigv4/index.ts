export { createSigV4Verifier, SIGV4_SCHEME, type SigV4VerifierOptions, type SigV4Explanation } from './verifier.ts';
export { createSigV4Signer, type SigV4SignerOptions, type SigV4Signer, type PresignOptions } from './signer.ts';
export { canonicalPath, canonicalQuery, canonicalHeaders, canonicalRequest, stringToSign, parseQuery, queryPairs } from './canonical.ts';
export * from './constants.ts';
