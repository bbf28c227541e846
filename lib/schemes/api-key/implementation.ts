import type { SchemeImplementation } from '../descriptor.ts';
import { defineScheme } from '../descriptor.ts';
import { API_KEY_SCHEME, DEFAULT_API_KEY_HEADER } from './constants.ts';
import { apiKeyFailureBody } from './failure.ts';
import type { ApiKeySchemeOptions } from './options.ts';
import { carriesHeader } from './parse.ts';
import { apiKeyRecordIssues } from './record.ts';
import { createApiKeySigner } from './signer.ts';
import { apiKeyCredentials, createApiKeyVerifier } from './verifier.ts';

const DEFAULT_LOWER = DEFAULT_API_KEY_HEADER.toLowerCase();

/**
 * API keys without their options schema (see `SchemeImplementation`). A signer's key is the key id
 * (`id`) and the whole API key (`secret`): a record's `sha256:` hash cannot sign, so the CLI takes the
 * key from a file (`--private-key FILE`) or the environment (`--secret-env NAME`). The descriptor's
 * `claims` and `credentials` are those of the default header; the verifier's follow `header`.
 */
export const apiKeyImplementation: SchemeImplementation<ApiKeySchemeOptions> = defineScheme<ApiKeySchemeOptions>({
  id: API_KEY_SCHEME,
  claims: (req) => carriesHeader(req, DEFAULT_LOWER),
  createVerifier(o, deps) {
    return createApiKeyVerifier({
      keys: deps.keys,
      ...(deps.clock ? { clock: deps.clock } : {}),
      ...(deps.crypto ? { crypto: deps.crypto } : {}),
      header: o.header,
      usageIdentifierKey: o.usageIdentifierKey,
    });
  },
  createSigner(o, key, settings = {}) {
    if (settings.variant !== undefined) throw new TypeError('the api-key scheme has no variants');
    return createApiKeySigner({ key: key.secret, keyId: key.id, header: o.header });
  },
  // The original answers 401 without a challenge; this one names the header to send.
  challenges: (o) => [{ scheme: 'ApiKey', params: { header: o.header } }],
  // The original service's body, {"error":"Not Authorized","message":"...","status":401}.
  failureBody: (error, o) => apiKeyFailureBody(error, o),
  recordIssues: (record) => apiKeyRecordIssues(record),
  body: 'none',
  credentials: apiKeyCredentials(DEFAULT_API_KEY_HEADER),
  cacheableAcrossRoutes: true,
});
