import type { SchemeImplementation } from '../descriptor.ts';
import { defineScheme } from '../descriptor.ts';
import { CONTENT_SHA256, type SigV4Algorithm } from './constants.ts';
import type { SigV4SchemeOptions } from './options.ts';
import { carriesSigV4 } from './parse.ts';
import { createSigV4Signer } from './signer.ts';
import { createSigV4Verifier, SIGV4_CREDENTIALS, SIGV4_SCHEME } from './verifier.ts';

function canonicalOptions(o: SigV4SchemeOptions) {
  return {
    region: o.region,
    service: o.service,
    profile: o.profile,
    ...(o.uriEscapePath !== undefined ? { uriEscapePath: o.uriEscapePath } : {}),
    ...(o.normalizePath !== undefined ? { normalizePath: o.normalizePath } : {}),
  };
}

/**
 * The SigV4 family (AWS Signature Version 4 and python-dciauth's DCI2), header and presigned-URL
 * authentication: what {@link sigv4Scheme} does, without its options schema (see
 * `SchemeImplementation`). Recognised by an `Authorization` header whose first token is of the
 * family or by `X-Amz-*` presigning parameters. The body is covered through a hash: declared in
 * `x-amz-content-sha256`, or computed from the body (`header-hash`). A signature proves one
 * request, so its answers are never cached across routes.
 *
 * @throws TypeError from `createSigner` when `variant` is not one of the configured algorithms, and
 * from either factory on options the SigV4 verifier or signer refuses.
 * @example
 * const verifier = sigv4Implementation.createVerifier(v.parse(SigV4SchemeSchema, { region: 'us-east-1', service: 'execute-api' }), { keys });
 * const signer = sigv4Implementation.createSigner(options, { id: 'AKIDEXAMPLE', secret }, { variant: 'DCI2-HMAC-SHA256' });
 */
export const sigv4Implementation: SchemeImplementation<SigV4SchemeOptions> = defineScheme<SigV4SchemeOptions>({
  id: SIGV4_SCHEME,
  claims: carriesSigV4,
  createVerifier(o, deps) {
    return createSigV4Verifier({
      ...canonicalOptions(o),
      keys: deps.keys,
      ...(deps.clock ? { clock: deps.clock } : {}),
      ...(deps.crypto ? { crypto: deps.crypto } : {}),
      algorithms: o.algorithms,
      clockSkewSeconds: o.clockSkewSeconds,
      allowPresigned: o.allowPresigned,
      maxPresignExpiresSeconds: o.maxPresignExpiresSeconds,
      allowUnsignedPayload: o.allowUnsignedPayload,
    });
  },
  createSigner(o, key, settings = {}) {
    const algorithm = settings.variant ?? o.algorithms[0]!;
    if (!(o.algorithms as readonly string[]).includes(algorithm))
      throw new TypeError(`algorithm must be one of ${o.algorithms.join(', ')}`);
    return createSigV4Signer({
      ...canonicalOptions(o),
      algorithm: algorithm as SigV4Algorithm,
      keyId: key.id,
      secret: key.secret,
      ...(key.sessionToken ? { sessionToken: key.sessionToken } : {}),
      ...(settings.clock ? { clock: settings.clock } : {}),
      ...(settings.crypto ? { crypto: settings.crypto } : {}),
    });
  },
  signerVariants: (o) => o.algorithms,
  challenges: (o) => o.algorithms.map((a) => ({ scheme: a, params: { realm: o.service } })),
  body: 'header-hash',
  bodyHashHeader: CONTENT_SHA256,
  credentials: SIGV4_CREDENTIALS,
  cacheableAcrossRoutes: false,
});
