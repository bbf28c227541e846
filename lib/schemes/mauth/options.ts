import * as v from 'valibot';
import { DEFAULT_TIME_SKEW_SECONDS } from './constants.ts';

const SIGN_VERSIONS = ['v1', 'v2', 'v1,v2'] as const;

/**
 * `schemes.mauth` in the configuration (valibot), with its defaults: ±300 s, v1 accepted when a
 * request carries no v2, no fallback from a failed v2 to v1, 2048-bit keys at least, v2 signatures.
 * Keys (app public keys by app uuid) come from `keys[]` or a key store, as for every scheme.
 */
export const MAuthSchemeSchema = v.strictObject({
  timeSkewSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(3600)), DEFAULT_TIME_SKEW_SECONDS),
  /** `V2_ONLY_AUTHENTICATE`: refuse requests that carry only v1. */
  v2Only: v.optional(v.boolean(), false),
  /** UNSAFE (the original's behaviour): when v2 fails and v1 is present, try v1, which does not sign the query. */
  unsafeV1Fallback: v.optional(v.boolean(), false),
  minKeyBits: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1024), v.maxValue(16384)), 2048),
  /** `MAUTH_SIGN_VERSIONS` for our signers (CLI, signing fetch): the first is the default variant. */
  signVersions: v.optional(v.pipe(v.array(v.picklist(SIGN_VERSIONS)), v.nonEmpty()), ['v2']),
});

/** `schemes.mauth` as validated, defaults filled in. */
export type MAuthSchemeOptions = v.InferOutput<typeof MAuthSchemeSchema>;
