// The package root, `edge-authorizer`: verifiers, signers, the authenticator, configuration, errors
// and key stores. Platform adapters are separate entry points (edge-authorizer/hono,
// edge-authorizer/aws-lambda, edge-authorizer/fetch), so an import pays only for what it names.
export { createAuthenticator, publicError, type Authenticator, type AuthenticatorDeps } from './authenticator.ts';
export { withSchemes, type SchemeSet } from './with-schemes.ts';
export { loadConfig, ConfigError, type Config, type KeyConfig, type KeyStoreSpec, type RouteConfig } from './config/index.ts';
export { ErrorCodes, authError, type AuthError, type ErrorCode } from './core/errors.ts';
export type { SignedRequest, HeaderList } from './core/request.ts';
export type { AuthResult, AuthSuccess, AuthFailureResult, Principal } from './core/result.ts';
export type { Verifier, Signer, CredentialParts } from './core/verifier.ts';
export type { Clock } from './core/clock.ts';
export type { CryptoBackend, HmacKey } from './core/crypto.ts';
export { KeyStoreError, type KeyStore, type KeyRecord, type KeyStoreFault, type PublicKeyMaterial } from './keys/types.ts';
export { createMemoryKeyStore } from './keys/memory.ts';
export {
  createCachedKeyStore,
  keySourceFrom,
  KEY_CACHE_DEFAULTS,
  type CachedKeyStore,
  type KeyCacheEvent,
  type KeyCacheOptions,
  type KeyCacheStats,
  type KeyLookup,
  type KeySource,
  type HydrateReport,
} from './keys/cache.ts';
export {
  parseKeyRecord,
  parseKeyRecords,
  parseKeyRecordJson,
  recordIssueLines,
  type KeyRecordIssue,
  type KeyRecordResult,
  type KeyRecordBundle,
} from './keys/record.ts';
export { importedPublicKey } from './keys/public-key.ts';
export { workersKvSource, type KvNamespaceLike, type WorkersKvSourceOptions } from './keys/workers-kv.ts';
export { secretBindingSource, type SecretBindingSourceOptions } from './keys/secret-binding.ts';
export {
  mauthKeyServiceSource,
  createMAuthKeyServiceStore,
  createMAuthRemoteStore,
  MAUTH_KEY_SERVICE_DEFAULTS,
  type MAuthKeyServiceOptions,
  type MAuthRemoteKeyStore,
} from './keys/mauth-key-service.ts';
export {
  openJwksStore,
  parseJwks,
  JWKS_DEFAULTS,
  type JwksStore,
  type JwksStoreOptions,
  type JwksDocumentStats,
  type ParsedJwks,
} from './keys/jwks.ts';
export { kvSharedCache, type KvDocumentNamespaceLike, type KvSharedCacheOptions } from './keys/kv-shared-cache.ts';
export type { FetchLike, SharedDocumentCache } from './keys/types.ts';
export { builtInSchemes, createSchemeRegistry, type SchemeRegistry } from './schemes/registry.ts';
export {
  defineScheme,
  challengeHeader,
  type SchemeDescriptor,
  type SchemeImplementation,
  type SchemeDeps,
  type SchemeVerifier,
  type SchemeSigner,
  type SignerKey,
  type SignerSettings,
  type SignatureExplanation,
  type BodyCoverage,
  type Challenge,
} from './schemes/descriptor.ts';
export {
  createSigV4Verifier,
  createSigV4Signer,
  sigv4Scheme,
  SIGV4_SCHEME,
  AWS4_ALGORITHM,
  DCI2_ALGORITHM,
  type SigV4VerifierOptions,
  type SigV4Explanation,
  type SigV4SignerOptions,
  type SigV4Signer,
  type PresignOptions,
  type SigV4Algorithm,
  type SigV4Profile,
} from './schemes/sigv4/index.ts';
export {
  createUStudioVerifier,
  createUStudioSigner,
  createMemoryReplayCache,
  ustudioScheme,
  USTUDIO_SCHEME,
  type UStudioVerifierOptions,
  type UStudioFreshnessOptions,
  type UStudioSignerOptions,
  type ReplayCache,
} from './schemes/ustudio-hmac/index.ts';
export {
  createMAuthVerifier,
  createMAuthSigner,
  createMAuthResponseSigner,
  createMAuthResponseVerifier,
  mauthScheme,
  MAUTH_SCHEME,
  type MAuthVerifierOptions,
  type MAuthSignerOptions,
  type MAuthResponse,
  type AuthenticationTicket,
  type RemoteTicketCheck,
} from './schemes/mauth/index.ts';
export {
  createJwtVerifier,
  createJwtSigner,
  jwtScheme,
  JWT_SCHEME,
  type JwtVerifierOptions,
  type JwtSignerOptions,
  type JwtIssuer,
  type JwksOpener,
  type JwtSchemeOptions,
} from './schemes/jwt/index.ts';
export {
  createApiKeyVerifier,
  createApiKeySigner,
  apiKeyScheme,
  API_KEY_SCHEME,
  DEFAULT_API_KEY_HEADER,
  API_KEY_MAX_LENGTH,
  API_KEY_SCANNER_PATTERN,
  apiKeySecretHash,
  generateApiKey,
  parseApiKey,
  type ApiKeyVerifierOptions,
  type ApiKeySignerOptions,
  type ApiKeySchemeOptions,
} from './schemes/api-key/index.ts';
