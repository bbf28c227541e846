/**
 * The token service's configuration document (`TOKEN_SERVICE_CONFIG`, JSON, no secrets) validated with
 * valibot, and the secrets it is run with, which come from the platform's secret store: a Workers
 * secret binding, AWS Secrets Manager or the environment (docs/token-service.md).
 */
import * as v from 'valibot';
import { parseJsonSafe } from '../config/json.ts';
import { issueLines, SAFE_ISSUE_MESSAGES } from '../core/issues.ts';
import { SERVICE_NAME_RE } from './permissions.ts';

const SECONDS_PER_DAY = 86_400;
const serviceName = v.pipe(v.string(), v.regex(SERVICE_NAME_RE, 'must be 1-128 letters, digits or . : -'));
const httpUrl = v.pipe(v.string(), v.maxLength(2048), v.url(), v.regex(/^https?:\/\//, 'must be an http(s) URL'));
const limit = v.strictObject({
  limit: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1_000_000)),
  windowSeconds: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(SECONDS_PER_DAY)),
});

const ProviderSchema = v.strictObject({
  clientId: v.pipe(v.string(), v.minLength(1), v.maxLength(512)),
  scopes: v.optional(v.pipe(v.array(v.pipe(v.string(), v.minLength(1), v.maxLength(128))), v.maxLength(16))),
  /** Endpoints other than the provider's own (a stand-in provider on 127.0.0.1 in tests and `npm run start:auth`). */
  endpoints: v.optional(
    v.strictObject({
      authorizationEndpoint: v.optional(httpUrl),
      tokenEndpoint: v.optional(httpUrl),
      /** GitHub's `/user`, Google's OIDC userinfo. */
      userinfoEndpoint: v.optional(httpUrl),
      /** GitHub only: `/user/emails`. */
      emailsEndpoint: v.optional(httpUrl),
    }),
  ),
  timeoutMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(30_000))),
  /** Plain http endpoints, and only on loopback: for local development and tests. */
  allowInsecureLoopback: v.optional(v.boolean(), false),
});

const ServiceSchema = v.union([
  /** The same permissions for every user (demos, internal tools). */
  v.strictObject({ static: v.record(v.pipe(v.string(), v.maxLength(128)), v.unknown()) }),
  /** An HTTP endpoint asked with `{service, userid}` (POST JSON), answering the permissions object. */
  v.strictObject({ url: httpUrl, timeoutMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(30_000))) }),
]);

/** `TOKEN_SERVICE_CONFIG`. */
export const TokenServiceConfigSchema = v.strictObject({
  /** The service's public base URL; the OAuth callback is `<publicUrl>/auth/oauth_callback`. */
  publicUrl: httpUrl,
  /** `iss` of every token (default: publicUrl). */
  issuer: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(2048))),
  /** `aud` of user tokens (default: publicUrl); no service may have this name. */
  userAudience: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(2048))),
  /** Where `next` may point: exact origins (`https://app.example.com`). */
  allowedOrigins: v.pipe(v.array(v.pipe(v.string(), v.maxLength(2048))), v.minLength(1), v.maxLength(64)),
  /** Where a login goes without `next` (default: the first allowed origin). */
  defaultNext: v.optional(httpUrl),
  userTokenTtlSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(60), v.maxValue(30 * SECONDS_PER_DAY)), 14 * SECONDS_PER_DAY),
  serviceTokenTtlSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(60), v.maxValue(SECONDS_PER_DAY)), 3600),
  /**
   * false: service tokens carry no `aud`, only `service` (for services still verifying with dhq-auth's
   * PyJWT `Verifyer`, which refuses any token with an `aud`); default true.
   */
  serviceTokenAudience: v.optional(v.boolean(), true),
  /** The signing algorithm new keys are made with by the tools (`npm run start:auth`); keys say their own. */
  providers: v.pipe(
    v.strictObject({ github: v.optional(ProviderSchema), google: v.optional(ProviderSchema) }),
    v.check((p) => p.github !== undefined || p.google !== undefined, 'must name at least one provider'),
  ),
  /** Per service, where its permissions come from (functions are added in code: createTokenServiceParts's `permissionFunctions`). */
  services: v.optional(v.record(serviceName, ServiceSchema), {}),
  jsonp: v.optional(v.boolean(), false),
  /** Answer CORS for the allowed origins (no credentials). */
  cors: v.optional(v.boolean(), false),
  rateLimits: v.optional(v.strictObject({ login: v.optional(limit), api: v.optional(limit) }), {}),
});

/** A validated `TOKEN_SERVICE_CONFIG`, defaults filled in (docs/token-service.md, "Configuration"). */
export type TokenServiceConfig = v.InferOutput<typeof TokenServiceConfigSchema>;

/** A bad configuration document: every line names a field path and what is wrong, never a value. */
export class TokenServiceConfigError extends Error {
  constructor(readonly issues: readonly string[]) {
    super(`invalid token service configuration: ${issues.join('; ')}`);
    this.name = 'TokenServiceConfigError';
  }
}

/**
 * Validates `TOKEN_SERVICE_CONFIG` (text or parsed).
 * @throws TokenServiceConfigError naming each bad field.
 */
export function loadTokenServiceConfig(input: unknown): TokenServiceConfig {
  if (input === undefined || input === '') throw new TokenServiceConfigError(['(document): missing (is TOKEN_SERVICE_CONFIG set?)']);
  let doc: unknown = input;
  if (typeof input === 'string') {
    try {
      doc = parseJsonSafe(input);
    } catch (e) {
      throw new TokenServiceConfigError([`(document): not valid JSON: ${(e as Error).message}`]);
    }
  }
  const result = v.safeParse(TokenServiceConfigSchema, doc, SAFE_ISSUE_MESSAGES);
  if (!result.success) throw new TokenServiceConfigError(issueLines(result.issues, '(document)'));
  return result.output;
}
