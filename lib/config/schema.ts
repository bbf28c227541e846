import * as v from 'valibot';
import type { SchemeRegistry } from '../schemes/registry.ts';
import type { KeyRecord } from '../keys/types.ts';
import { isHttpsOrLoopbackHttp } from '../keys/loopback.ts';

const nonNegativeInt = v.pipe(v.number(), v.integer(), v.minValue(0));

const schemeIds = (registry: SchemeRegistry) => v.pipe(v.array(v.picklist(registry.ids as string[])), v.nonEmpty());
const bindingName = v.pipe(v.string(), v.regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'must be a binding name (letters, digits, "_")'));

/** `keyStores[].cache`: the cache in front of the store (lib/keys/cache.ts has the defaults and docs/key-stores.md why). */
export const KeyCacheSchema = v.strictObject({
  ttlSeconds: v.optional(v.pipe(v.number(), v.minValue(1), v.maxValue(86_400))),
  maxEntries: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1_000_000))),
  negativeTtlSeconds: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(3_600))),
  maxNegativeTtlSeconds: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(86_400))),
  maxNegativeEntries: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1_000_000))),
  staleIfErrorSeconds: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(86_400))),
  missesPerSecond: v.optional(v.pipe(v.number(), v.minValue(0.01), v.maxValue(10_000))),
  missBurst: v.optional(v.pipe(v.number(), v.minValue(1), v.maxValue(100_000))),
});

/**
 * `keyStores[].hydrate`: what to load before the first request. `true`: every record, where the store
 * holds them in one value (a bundle secret, a secret binding); a list: those key ids (one lookup each).
 */
const HydrateSchema = v.optional(
  v.union([v.boolean(), v.pipe(v.array(v.pipe(v.string(), v.minLength(1), v.maxLength(256))), v.maxLength(1000))]),
  false,
);

/**
 * `keyStores[]`: where the keys of the listed schemes live instead of the inline `keys[]`. Which stores
 * a platform can open is the adapter's business (the Lambda authorizer: Secrets Manager; the Worker:
 * Workers KV and secret bindings); the document only says which store serves which scheme.
 */
export function createKeyStoreSchema(registry: SchemeRegistry) {
  return v.variant('type', [
    v.pipe(
      v.strictObject({
        type: v.literal('secrets-manager'),
        schemes: schemeIds(registry),
        /** One secret per key id, named prefix + id. */
        prefix: v.optional(
          v.pipe(v.string(), v.minLength(1), v.maxLength(256), v.regex(/^[A-Za-z0-9/_+=.@-]+$/, 'must be a secret name prefix')),
        ),
        /** One secret holding every record (`{"keys":[...]}`), by name or ARN. */
        bundle: v.optional(
          v.pipe(v.string(), v.minLength(1), v.maxLength(2048), v.regex(/^[A-Za-z0-9/_+=.@:-]+$/, 'must be a secret name or ARN')),
        ),
        /** Pinned region (default: AWS_REGION of the function). */
        region: v.optional(v.pipe(v.string(), v.regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region such as us-east-1'))),
        /** A VPC or local endpoint (default: the SDK's). */
        endpoint: v.optional(v.pipe(v.string(), v.url(), v.regex(/^https?:\/\//, 'must be an http(s) URL'))),
        /** Also read AWSPENDING, so that a secret being rotated verifies during the rotation (default true). */
        pending: v.optional(v.boolean(), true),
        timeoutMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(50), v.maxValue(30_000)), 2_000),
        maxAttempts: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(5)), 2),
        cache: v.optional(KeyCacheSchema, {}),
        hydrate: HydrateSchema,
      }),
      v.check(
        (s) => (s.prefix === undefined) !== (s.bundle === undefined),
        'a secrets-manager store needs exactly one of "prefix" or "bundle"',
      ),
    ),
    v.strictObject({
      type: v.literal('workers-kv'),
      schemes: schemeIds(registry),
      /** The KV namespace binding; each record under prefix + id. */
      binding: bindingName,
      prefix: v.optional(v.pipe(v.string(), v.maxLength(256)), ''),
      /** KV's own edge cache for reads (at least 60 s, KV's minimum). */
      cacheTtlSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(60), v.maxValue(86_400)), 60),
      cache: v.optional(KeyCacheSchema, {}),
      hydrate: HydrateSchema,
    }),
    v.pipe(
      v.strictObject({
        type: v.literal('mauth-key-service'),
        /** The one scheme it serves: `["mauth"]`. */
        schemes: schemeIds(registry),
        /** The service's base URL (`MAUTH_URL`); `/mauth/v1/...` is appended. */
        url: v.pipe(
          v.string(),
          v.maxLength(2048),
          v.url(),
          v.regex(/^https?:\/\/[^?#@]+$/i, 'must be an http(s) URL without query, fragment or credentials'),
        ),
        /**
         * Allow `url` to be plain http to a host other than loopback (a sidecar at localhost needs
         * nothing). The keys the service serves decide what is accepted: only where the network itself
         * protects the connection.
         */
        insecureHttp: v.optional(v.boolean(), false),
        /** `local`: fetch each app's public key and verify here; `remote`: the service checks each request (`MAUTH_MODE`). */
        mode: v.optional(v.picklist(['local', 'remote']), 'local'),
        /** Our app uuid (`APP_UUID`): the requests to the service are signed as this app. */
        appUuid: v.pipe(
          v.string(),
          v.regex(/^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/, 'must be an app uuid'),
        ),
        /**
         * Where our PEM private key (`PRIVATE_KEY`) is, never the key itself: `{"env": NAME}` (the
         * Lambda function's environment, a Worker's bindings) or `{"binding": NAME}` (a Worker's secret binding).
         */
        privateKey: v.union([v.strictObject({ env: bindingName }), v.strictObject({ binding: bindingName })]),
        /** The signatures our requests carry (`MAUTH_SIGN_VERSIONS`). */
        signVersions: v.optional(v.picklist(['v1', 'v2', 'v1,v2']), 'v2'),
        /** The longest one HTTP attempt may take. */
        timeoutMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(50), v.maxValue(30_000)), 2_000),
        /** Attempts per lookup or ticket; only timeouts, network errors, 429 and 5xx are retried. */
        maxAttempts: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(5)), 3),
        /** The longest a lookup or ticket check may take, attempts and back-off included. */
        totalTimeoutMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(50), v.maxValue(60_000)), 5_000),
        /** Local mode's cache (remote mode caches nothing: each ticket is checked). */
        cache: v.optional(KeyCacheSchema, {}),
        hydrate: HydrateSchema,
      }),
      v.check((s) => s.schemes.length === 1 && s.schemes[0] === 'mauth', 'a mauth-key-service store serves "schemes": ["mauth"] only'),
      v.forward(
        v.check(
          (s) => s.insecureHttp || isHttpsOrLoopbackHttp(s.url),
          'must be https (http only to a loopback host: localhost, 127.x.x.x or [::1]; or set "insecureHttp": true): the keys it serves decide what is accepted',
        ),
        ['url'],
      ),
    ),
    v.strictObject({
      type: v.literal('secret-binding'),
      schemes: schemeIds(registry),
      /** A secret (or var) binding holding every record as JSON: `{"keys":[...]}` or an array. */
      binding: bindingName,
      cache: v.optional(KeyCacheSchema, {}),
      hydrate: HydrateSchema,
    }),
  ]);
}

/**
 * One `routes[]` rule: the paths and methods it matches and what they require (public, permissions,
 * in-function verification).
 */
export const RouteSchema = v.strictObject({
  /** "/exact", "/prefix/*" or "*" */
  path: v.pipe(v.string(), v.regex(/^(\*|\/[^*]*\*?)$/, 'must be "*", "/exact" or "/prefix/*"')),
  methods: v.optional(
    v.pipe(
      v.array(v.pipe(v.string(), v.regex(/^(\*|[A-Z]+)$/, 'must be an upper-case method or "*"'))),
      v.minLength(1, 'must name at least one method (or "*")'),
    ),
    ['*'],
  ),
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
   * leaves them in the path; route rules judge a path under one without it, whichever endpoint was
   * called, so a rule may not name a path under one (`loadConfig` refuses it). The in-function check
   * strips them from the URL it is given.
   */
  basePaths: v.optional(
    v.pipe(
      v.array(v.pipe(v.string(), v.regex(/^(\/[^/*?#\s]+)+$/, 'must be "/segment" or "/a/b"'))),
      v.maxLength(16, 'at most 16 base paths'),
    ),
    [],
  ),
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
    /** Key records, each read by `parseKeyRecord` (lib/keys/record.ts), the one format every store holds. */
    keys: v.optional(v.array(v.unknown()), []),
    keyStores: v.optional(v.array(createKeyStoreSchema(registry)), []),
  });
}

/**
 * A validated configuration. `schemes` maps each configured scheme id to its options as that
 * scheme's schema output them; only the scheme itself reads them (through the registry).
 */
export type Config = Omit<v.InferOutput<ReturnType<typeof createConfigSchema>>, 'keys'> & { readonly keys: readonly KeyRecord[] };
/** One `keys[]` entry as `loadConfig` outputs it: a key record. */
export type KeyConfig = KeyRecord;
/** One `keyStores[]` entry with defaults filled in. */
export type KeyStoreSpec = Config['keyStores'][number];
/** One validated `routes[]` rule with defaults filled in: what `createRouteTable()` compiles. */
export type RouteConfig = v.InferOutput<typeof RouteSchema>;
