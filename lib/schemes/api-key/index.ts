export { createApiKeyVerifier, apiKeyCredentials, type ApiKeyVerifierOptions } from './verifier.ts';
export { createApiKeySigner, type ApiKeySignerOptions } from './signer.ts';
export { readApiKeyHeader, carriesHeader, type ApiKeyHeader, type ApiKeyHeaderFailure } from './parse.ts';
export { apiKeyRecordIssues, holdsOnlyHashes, type ApiKeyRecordIssue } from './record.ts';
export { apiKeyFailureBody, type ApiKeyFailureBody } from './failure.ts';
export { ApiKeySchemeSchema, type ApiKeySchemeOptions } from './options.ts';
export { checkHeaderName, headerNameProblem } from './header-name.ts';
export { apiKeyScheme } from './scheme.ts';
export { apiKeyImplementation } from './implementation.ts';
export * from './constants.ts';
export {
  API_KEY_MAX_LENGTH,
  API_KEY_SCANNER_PATTERN,
  API_KEY_PREFIX,
  apiKeySecretHash,
  generateApiKey,
  parseApiKey,
} from '../../keys/api-key-format.ts';
