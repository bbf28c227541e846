export {
  createMAuthVerifier,
  MAUTH_CREDENTIALS,
  MAUTH_MESSAGES,
  type MAuthVerifierOptions,
  type AuthenticationTicket,
  type RemoteTicketCheck,
} from './verifier.ts';
export { createMAuthSigner, parseSignVersions, type MAuthSignerOptions } from './signer.ts';
export { createMAuthResponseSigner, createMAuthResponseVerifier, responseStringToSign, type MAuthResponse } from './response.ts';
export { normalizePathV2, encodeQueryV2, stringToSignV1, stringToSignV2, unquotePlus, quoteV2 } from './canonical.ts';
export { mauthFailureBody, mauthFailureMessage, type MAuthFailureBody } from './failure.ts';
export { MAuthSchemeSchema, type MAuthSchemeOptions } from './options.ts';
export { mauthScheme } from './scheme.ts';
export { mauthImplementation } from './implementation.ts';
export * from './constants.ts';
