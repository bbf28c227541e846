import * as v from 'valibot';
import { builtInSchemes, type SchemeRegistry } from '../schemes/registry.ts';

const nonNegativeInt = v.pipe(v.number(), v.integer(), v.minValue(0));

/**
 * One `keys[]` entry; `scheme` must be one of the registry's ids.
 *
 * @example
 * const KeyOfMine = createKeySchema(builtInSchemes);
 */
export function createKeySchema(registry: SchemeRegistry) {
  return v.pipe(
    v.strictObject({
      id: v.pipe(v.string(), v.minLength(1), v.maxLength(256), v.regex(/^[^\s,]+$/, 'must not contain spaces or commas')),
      scheme: v.optional(v.picklist(registry.ids as string[])),
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
}

/** `keys[]` entries under the built-in schemes. Marked pure, so a bundle that never reads it (the Lambda functions) does not build it at import. */
export const KeySchema = /* @__PURE__ */ createKeySchema(builtInSchemes);

/**
 * One `routes[]` rule: the paths and methods it matches and what they require (public, permissions,
 * in-function verification).
 */
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

/** The `lambda` section: how the API Gateway authorizer answers HTTP APIs and which base paths route rules ignore. */
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

/**
 * The `limits` section: bounds on body, headers and URL checked before any parsing or crypto, each with a
 * ceiling so a configuration cannot lift them without end.
 */
export const LimitsSchema = v.strictObject({
  maxBodyBytes: v.optional(v.pipe(nonNegativeInt, v.maxValue(100 * 1024 * 1024)), 1024 * 1024),
  maxHeaderBytes: v.optional(v.pipe(nonNegativeInt, v.maxValue(256 * 1024)), 32 * 1024),
  maxHeaderCount: v.optional(v.pipe(nonNegativeInt, v.maxValue(1000)), 128),
  maxUrlBytes: v.optional(v.pipe(nonNegativeInt, v.maxValue(64 * 1024)), 16 * 1024),
});

/**
 * The configuration document's schema for a registry: `schemes.<id>` is each registered scheme's
 * options schema (each optional; unknown ids refused), `keys[].scheme` one of the registry's ids.
 *
 * @example
 * const result = v.safeParse(createConfigSchema(builtInSchemes.with(toyScheme)), doc);
 */
export function createConfigSchema(registry: SchemeRegistry) {
  const schemes: Record<string, v.OptionalSchema<v.GenericSchema<unknown, unknown>, undefined>> = {};
  for (const d of registry.schemes) schemes[d.id] = v.optional(d.options);
  return v.strictObject({
    $schema: v.optional(v.string()),
    schemes: v.strictObject(schemes) as v.GenericSchema<unknown, Readonly<Record<string, unknown>>>,
    routes: v.optional(v.array(RouteSchema), [{ path: '*', methods: ['*'], public: false, permissions: [], verifyInFunction: false }]),
    lambda: v.optional(LambdaSchema, {}),
    limits: v.optional(LimitsSchema, {}),
    keys: v.optional(v.array(createKeySchema(registry)), []),
  });
}

/** The configuration document's schema under the built-in schemes. */
export const ConfigSchema = createConfigSchema(builtInSchemes);

/**
 * A validated configuration. `schemes` maps each configured scheme id to its options as that
 * scheme's schema output them; only the scheme itself reads them (through the registry).
 */
export type Config = v.InferOutput<typeof ConfigSchema>;
/** One validated `keys[]` entry, before `keyRecords()` turns it into a key record. */
export type KeyConfig = Config['keys'][number];
/** One validated `routes[]` rule with defaults filled in: what `createRouteTable()` compiles. */
export type RouteConfig = v.InferOutput<typeof RouteSchema>;
