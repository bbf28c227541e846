import * as v from 'valibot';
import { DEFAULT_API_KEY_HEADER } from './constants.ts';
import { headerNameProblem } from './header-name.ts';

/**
 * `schemes["api-key"]` in the configuration (valibot), with its defaults: keys in `X-Api-Key`, and
 * the key handed to API Gateway as the usage-plan key. Keys (hashes of keys, by key id) come from
 * `keys[]` or a key store, as for every scheme.
 */
export const ApiKeySchemeSchema = v.strictObject({
  /** The header the key travels in, matched case-insensitively (default `X-Api-Key`). */
  header: v.optional(
    v.pipe(
      v.string(),
      v.check(
        (h) => headerNameProblem(h) === undefined,
        'must be an HTTP header name other than Authorization, Host, Cookie or a signature header',
      ),
    ),
    DEFAULT_API_KEY_HEADER,
  ),
  /**
   * REST APIs: the Lambda authorizer's answer carries the presented key as `usageIdentifierKey`, so
   * usage plans with `apiKeySource: AUTHORIZER` count it (default true). Off: the key never leaves
   * the authorizer. HTTP APIs never get it.
   */
  usageIdentifierKey: v.optional(v.boolean(), true),
});

/** `schemes["api-key"]` as validated, defaults filled in. */
export type ApiKeySchemeOptions = v.InferOutput<typeof ApiKeySchemeSchema>;
