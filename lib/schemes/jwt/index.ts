export { createJwtVerifier, jwtCredentials, type JwtVerifierOptions, type JwtIssuer, type JwksOpener, type JwksStore } from './verifier.ts';
export { createJwtSigner, isCompactJwt, type JwtSignerOptions } from './signer.ts';
export { carriesJwt, findToken, decodeJwt, decodeBase64Url, type TokenSources, type FoundToken, type DecodedJwt } from './token.ts';
export { JwtSchemeSchema, JwtIssuerSchema, type JwtSchemeOptions, type JwtIssuerOptions } from './options.ts';
export { jwtScheme } from './scheme.ts';
export { jwtImplementation } from './implementation.ts';
export * from './constants.ts';
