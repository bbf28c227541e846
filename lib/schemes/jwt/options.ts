import * as v from 'valibot';
import { JWS_ALGORITHM_NAMES } from '../../core/jws-keys.ts';
import { parseKeyRecord } from '../../keys/record.ts';
import {
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  DEFAULT_MAX_TOKEN_BYTES,
  DEFAULT_MIN_RSA_BITS,
  DEFAULT_SIGNER_TTL_SECONDS,
  DEFAULT_TOKEN_CACHE_SIZE,
  MAX_TOKEN_BYTES_RANGE,
} from './constants.ts';

const text = (max: number) =>
  v.pipe(v.string(), v.minLength(1, 'must not be empty'), v.maxLength(max, `must be at most ${max} characters`));
const claimName = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/, 'must be a claim name (letters, digits, "_", ".", ":", "-")'),
  v.check((s) => s !== '__proto__' && s !== 'constructor' && s !== 'prototype', 'must not be a reserved name'),
);
const isPublicKey = (k: unknown) => parseKeyRecord({ id: 'inline', principal: 'inline', publicKeys: [k] }).ok;
// http only to loopback (tests, local emulators); a JWKS over plain http elsewhere could be replaced in transit.
const JWKS_URL_RE = /^(https:\/\/[^/?#\s]+|http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?)(\/[^\s#]*)?$/;

/**
 * One trusted issuer: which tokens it may sign (by `iss`), for whom (`aud`), with which algorithms and
 * keys, and how its claims become a principal and permissions. `issuer` and `audience` are required
 * keys, so that "no check" (`null`) is written down rather than forgotten.
 */
export const JwtIssuerSchema = v.pipe(
  v.strictObject({
    /** The `iss` the tokens carry; null: tokens without `iss` (dhq-auth), at most one such issuer. */
    issuer: v.nullable(text(1024)),
    /** Accepted `aud` value(s): a token must name at least one; null: `aud` is not checked. */
    audience: v.nullable(v.union([text(1024), v.pipe(v.array(text(1024)), v.nonEmpty('needs at least one audience'), v.maxLength(32))])),
    algorithms: v.pipe(v.array(v.picklist(JWS_ALGORITHM_NAMES)), v.nonEmpty('needs at least one algorithm')),
    clockToleranceSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(300)), DEFAULT_CLOCK_TOLERANCE_SECONDS),
    /** false: tokens without `exp` are accepted (dhq-auth service tokens); a compatibility option, off by default. */
    requireExp: v.optional(v.boolean(), true),
    /** Refuse tokens issued (`iat`, then required) longer ago than this. */
    maxTokenAgeSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(366 * 86400))),
    /** Inline public keys: PEM (SPKI, as dhq-auth's `/auth/public-key` serves it, or PKCS#1) or public JWKs (their `kid` names them). */
    publicKeys: v.optional(
      v.pipe(
        v.array(v.unknown()),
        v.maxLength(32, 'at most 32 keys'),
        v.check((keys) => keys.every(isPublicKey), 'each must be PEM public-key text or a public JWK'),
      ),
    ),
    /** The issuer's JWKS (https, or http to loopback only). */
    jwksUrl: v.optional(v.pipe(v.string(), v.maxLength(2048), v.regex(JWKS_URL_RE, 'must be an https URL'))),
    /** Keys from the scheme's key store: records by kid holding `publicKeys`. */
    keyStore: v.optional(v.boolean(), false),
    /** The claim that names the principal (dhq-auth: `userid`). */
    principalClaim: v.optional(claimName, 'sub'),
    /**
     * Put before the principal claim's value (`"partner:"`). With several issuers, a `sub` is unique
     * only within its issuer: a prefix per issuer keeps two issuers' principals apart.
     */
    principalPrefix: v.optional(v.pipe(v.string(), v.maxLength(64))),
    /**
     * Claims whose values become permissions: a space-separated string (`scope`), an array of strings, or
     * an object whose members set to `true` name permissions (dhq-auth's `permissions`).
     */
    permissionClaims: v.optional(v.pipe(v.array(claimName), v.maxLength(8)), ['scope', 'permissions']),
    /** dhq-auth: the `service` claim a token must carry (its audience). */
    service: v.optional(text(256)),
  }),
  v.check((i) => i.publicKeys !== undefined || i.jwksUrl !== undefined || i.keyStore, 'needs publicKeys, jwksUrl or keyStore: true'),
);

/** The signer's token, minted from a private key (CLI `sign`, the signing fetch). */
export const JwtSignerSchema = v.strictObject({
  issuer: v.optional(text(1024)),
  audience: v.optional(v.union([text(1024), v.pipe(v.array(text(1024)), v.nonEmpty(), v.maxLength(32))])),
  /** `sub`; the signer key's id when absent. */
  subject: v.optional(text(256)),
  ttlSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(86400)), DEFAULT_SIGNER_TTL_SECONDS),
  algorithm: v.optional(v.picklist(JWS_ALGORITHM_NAMES), 'RS256'),
  /** More claims to put in the token (e.g. `scope`); registered claims set above win. */
  claims: v.optional(v.record(claimName, v.union([v.string(), v.number(), v.boolean(), v.array(v.string())]))),
});

/**
 * `schemes.jwt` in the configuration (valibot), with its defaults: tokens from `Authorization: Bearer`
 * only, 8 KiB at most, 2048-bit RSA keys at least, 1,000 verified tokens cached.
 */
export const JwtSchemeSchema = v.pipe(
  v.strictObject({
    issuers: v.pipe(v.array(JwtIssuerSchema), v.nonEmpty('needs at least one issuer'), v.maxLength(16)),
    /** Also read a token from the `auth-token` header (dhq-auth clients). */
    authTokenHeader: v.optional(v.boolean(), false),
    /** Also read a token from the `jwt` query parameter (dhq-auth's login redirect); it lands in access logs. */
    queryParameter: v.optional(v.boolean(), false),
    maxTokenBytes: v.optional(
      v.pipe(v.number(), v.integer(), v.minValue(MAX_TOKEN_BYTES_RANGE[0]), v.maxValue(MAX_TOKEN_BYTES_RANGE[1])),
      DEFAULT_MAX_TOKEN_BYTES,
    ),
    minRsaBits: v.optional(v.pipe(v.number(), v.integer(), v.minValue(2048), v.maxValue(16384)), DEFAULT_MIN_RSA_BITS),
    /** Verified tokens remembered (0: none). */
    tokenCacheSize: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(100000)), DEFAULT_TOKEN_CACHE_SIZE),
    signer: v.optional(JwtSignerSchema),
  }),
  v.check((o) => o.issuers.filter((i) => i.issuer === null).length <= 1, 'at most one issuer may be null'),
  // Key-store records name no issuer: with two such issuers, one's keys would sign for the other.
  v.check((o) => o.issuers.filter((i) => i.keyStore).length <= 1, 'at most one issuer may read the key store (keyStore: true)'),
  v.check((o) => {
    const names = o.issuers.flatMap((i) => (i.issuer === null ? [] : [i.issuer]));
    return new Set(names).size === names.length;
  }, 'each issuer may be configured once'),
);

/** `schemes.jwt` as validated, defaults filled in. */
export type JwtSchemeOptions = v.InferOutput<typeof JwtSchemeSchema>;
/** One `schemes.jwt.issuers[]` entry as validated. */
export type JwtIssuerOptions = v.InferOutput<typeof JwtIssuerSchema>;
/** `schemes.jwt.signer` as validated. */
export type JwtSignerOptions = v.InferOutput<typeof JwtSignerSchema>;
