export { createTokenService, type TokenServiceParts, type TokenServiceOptions, type LoginStateCodec, type TokenServiceLog } from './app.ts';
export { createTokenServiceFromConfig, DEFAULT_RATE_LIMITS, type TokenServiceSecrets, type TokenServicePlatform } from './assemble.ts';
export { loadTokenServiceConfig, TokenServiceConfigSchema, TokenServiceConfigError, type TokenServiceConfig } from './config.ts';
export { createTokenServiceWorker, type TokenServiceEnv, type TokenServiceWorkerOptions } from './worker.ts';
export {
  createTokenIssuer,
  maxTokenLifetimeSeconds,
  DEFAULT_USER_TOKEN_TTL_SECONDS,
  DEFAULT_SERVICE_TOKEN_TTL_SECONDS,
  type TokenIssuerOptions,
  type ServiceTokenIssuer,
} from './tokens.ts';
export {
  parseSigningKeySet,
  generateSigningKey,
  SigningKeySetError,
  SIGNING_ALGORITHMS,
  type SigningAlgorithm,
  type SigningKeyEntry,
  type SigningKey,
  type ParsedSigningKeys,
} from './signing-keys.ts';
export {
  createPermissionProviders,
  PermissionProviderError,
  isServiceName,
  type PermissionFunction,
  type PermissionProviderConfig,
} from './permissions.ts';
export { runHook, type HookName } from './hooks.ts';
export { workersRateLimiter, databaseRateLimiter, RateLimiterError, type WorkersRateLimitBinding } from './rate-limit.ts';
export { openD1Store, type D1DatabaseLike } from './store/d1.ts';
export { openPostgresStore, type PostgresStoreOptions } from './store/postgres.ts';
export { createKyselyStore, type KyselyStoreOptions } from './store/kysely-store.ts';
export { migrate, MIGRATION_NAMES } from './store/migrations.ts';
export { StoreInputError } from './store/errors.ts';
export { md5Hex } from './md5.ts';
export {
  createOAuthProvider,
  callbackError,
  OAUTH_PROVIDER_DEFAULTS,
  type OAuthProviderConfig,
  type OAuthEndpoints,
} from './oauth/providers.ts';
export { createStateCodec, newLoginAttempt, type StateCodec } from './oauth/state.ts';
export { checkNextUrl, parseAllowedOrigins, withJwt, withError } from './oauth/next-url.ts';
export * from './types.ts';
