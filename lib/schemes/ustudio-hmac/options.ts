import * as v from 'valibot';
import { DEFAULT_REPLAY_CACHE_SIZE, DEFAULT_SKEW_SECONDS } from './constants.ts';

/**
 * `schemes.ustudio-hmac` in the configuration (valibot). Everything is about our freshness extension,
 * which is off by default so that requests verify exactly as ustudio-hmac-tornado 0.3.0's do. Keys
 * (shared secrets by key id) come from `keys[]` or a key store, as for every scheme.
 */
export const UStudioSchemeSchema = v.strictObject({
  /** Require and check a signed `X-UStudio-Timestamp` (and nonce), refuse replays: ours, not the original's. */
  freshness: v.optional(v.boolean(), false),
  /** With `freshness`: allowed distance between the signed time and now, both ways. */
  timeSkewSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(3600)), DEFAULT_SKEW_SECONDS),
  /** With `freshness`: refuse requests without an `X-UStudio-Nonce`. */
  requireNonce: v.optional(v.boolean(), false),
  /** With `freshness`: how many accepted signatures each instance remembers (0: no replay cache). */
  replayCacheSize: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1_000_000)), DEFAULT_REPLAY_CACHE_SIZE),
});

/** `schemes.ustudio-hmac` as validated, defaults filled in. */
export type UStudioSchemeOptions = v.InferOutput<typeof UStudioSchemeSchema>;
