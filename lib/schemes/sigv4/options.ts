import * as v from 'valibot';
import { ALGORITHMS, MAX_PRESIGN_EXPIRES_SECONDS } from './constants.ts';

const scopeString = v.pipe(v.string(), v.regex(/^[A-Za-z0-9._-]+$/, 'must be letters, digits, ".", "_" or "-"'));
const nonNegativeInt = v.pipe(v.number(), v.integer(), v.minValue(0));

/**
 * `schemes.sigv4` in the configuration (valibot), with its defaults: AWS4-HMAC-SHA256 only, the
 * `aws` profile, 900 s of clock skew, presigned URLs up to 7 days, UNSIGNED-PAYLOAD accepted.
 * `uriEscapePath` and `normalizePath` stay unset unless given (the verifier defaults them by service).
 */
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

/** `schemes.sigv4` as validated, defaults filled in. */
export type SigV4SchemeOptions = v.InferOutput<typeof SigV4SchemeSchema>;
