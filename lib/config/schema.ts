import * as v from 'valibot';
import { ALGORITHMS, MAX_PRESIGN_EXPIRES_SECONDS } from '../schemes/sigv4/constants.ts';

const scopeString = v.pipe(v.string(), v.regex(/^[A-Za-z0-9._-]+$/, 'must be letters, digits, ".", "_" or "-"'));
const nonNegativeInt = v.pipe(v.number(), v.integer(), v.minValue(0));

export const SigV4SchemeSchema = v.strictObject({
  region: scopeString,
  service: scopeString,
  algorithms: v.optional(v.pipe(v.array(v.picklist(ALGORITHMS)), v.nonEmpty('needs at least one algorithm')), ['AWS4-HMAC-SHA256']),
  profile: v.optional(v.picklist(['aws', 'dciauth']), 'aws'),
  uriEscapePath: v.optional(v.boolean()),
  normalizePath: v.optional(v.boolean()),
  clockSkewSeconds: v.optional(v.pipe(nonNegativeInt, v.maxValue(3600)), 900),
  allowPresigned: v.optional(v.boolean(), true),
  maxPresignExpiresSeconds: v.optional(v.pipe(nonNegativeInt, v.maxValue(MAX_PRESIGN_EXPIRES_SECONDS)), MAX_PRESIGN_EXPIRES_SECONDS),
  allowUnsignedPayload: v.optional(v.boolean(), true),
});

export const KeySchema = v.pipe(
  v.strictObject({
    id: v.pipe(v.string(), v.minLength(1), v.maxLength(256), v.regex(/^[^\s,]+$/, 'must not contain spaces or commas')),
    scheme: v.optional(v.picklist(['sigv4'])),
    secret: v.optional(v.pipe(v.string(), v.minLength(8, 'must be at least 8 characters'))),
    secrets: v.optional(v.pipe(v.array(v.pipe(v.string(), v.minLength(8, 'must be at least 8 characters'))), v.nonEmpty())),
    principal: v.pipe(v.string(), v.minLength(1)),
    permissions: v.optional(v.array(v.pipe(v.string(), v.minLength(1))), []),
    sessionToken: v.optional(v.pipe(v.string(), v.minLength(1))),
    notBefore: v.optional(nonNegativeInt),
    expiresAt: v.optional(nonNegativeInt),
    disabled: v.optional(v.boolean(), false),
  }),
  v.check((k) => (k.secret === undefined) !== (k.secrets === undefined), 'a key needs exactly one of "secret" or "secrets"'),
);

export const RouteSchema = v.strictObject({
  /** "/exact", "/prefix/*" or "*" */
  path: v.pipe(v.string(), v.regex(/^(\*|\/[^*]*\*?)$/, 'must be "*", "/exact" or "/prefix/*"')),
  methods: v.optional(v.array(v.pipe(v.string(), v.regex(/^(\*|[A-Z]+)$/, 'must be an upper-case method or "*"'))), ['*']),
  /** Public routes skip authentication; everything else is guarded (fail closed). */
  public: v.optional(v.boolean(), false),
  /** Permissions the principal must all hold on this route (else 403). */
  permissions: v.optional(v.array(v.pipe(v.string(), v.minLength(1))), []),
  /**
   * API Gateway only: the authorizer cannot see bodies, so requests with a body on this route are
   * passed on with `verification: "in-function"` and the integration must run the in-function check.
   */
  verifyInFunction: v.optional(v.boolean(), false),
});

export const LambdaSchema = v.strictObject({
  /** HTTP APIs: answer `{ isAuthorized, context }` (the authorizer has enableSimpleResponses) instead of a policy. */
  httpApiSimpleResponses: v.optional(v.boolean(), true),
  /**
   * Custom-domain base paths ("/v1", "/orders/v2") in front of the API's resource paths. API Gateway
   * leaves them in the path; route rules are judged on the path without them too. The in-function
   * check strips them from the URL it is given.
   */
  basePaths: v.optional(v.array(v.pipe(v.string(), v.regex(/^(\/[^/*?#\s]+)+$/, 'must be "/segment" or "/a/b"'))), []),
});

export const LimitsSchema = v.strictObject({
  maxBodyBytes: v.optional(v.pipe(nonNegativeInt, v.maxValue(100 * 1024 * 1024)), 1024 * 1024),
  maxHeaderBytes: v.optional(v.pipe(nonNegativeInt, v.maxValue(256 * 1024)), 32 * 1024),
  maxHeaderCount: v.optional(v.pipe(nonNegativeInt, v.maxValue(1000)), 128),
  maxUrlBytes: v.optional(v.pipe(nonNegativeInt, v.maxValue(64 * 1024)), 16 * 1024),
});

export const ConfigSchema = v.strictObject({
  $schema: v.optional(v.string()),
  schemes: v.strictObject({
    sigv4: v.optional(SigV4SchemeSchema),
  }),
  routes: v.optional(v.array(RouteSchema), [{ path: '*', methods: ['*'], public: false, permissions: [], verifyInFunction: false }]),
  lambda: v.optional(LambdaSchema, {}),
  limits: v.optional(LimitsSchema, {}),
  keys: v.optional(v.array(KeySchema), []),
});

export type Config = v.InferOutput<typeof ConfigSchema>;
export type KeyConfig = v.InferOutput<typeof KeySchema>;
export type RouteConfig = v.InferOutput<typeof RouteSchema>;
