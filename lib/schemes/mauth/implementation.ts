import type { SchemeImplementation } from '../descriptor.ts';
import { defineScheme } from '../descriptor.ts';
import { MAUTH_SCHEME } from './constants.ts';
import type { MAuthSchemeOptions } from './options.ts';
import { mauthFailureBody } from './failure.ts';
import { carriesMAuth } from './parse.ts';
import { createMAuthSigner, parseSignVersions } from './signer.ts';
import { createMAuthVerifier, MAUTH_CREDENTIALS } from './verifier.ts';

/**
 * MAuth without its options schema (see `SchemeImplementation`). A signer's key is the app uuid (`id`)
 * and its private key PEM (`secret`); the variant is the sign versions (`v1`, `v2` or `v1,v2`).
 */
export const mauthImplementation: SchemeImplementation<MAuthSchemeOptions> = defineScheme<MAuthSchemeOptions>({
  id: MAUTH_SCHEME,
  claims: carriesMAuth,
  createVerifier(o, deps) {
    return createMAuthVerifier({
      keys: deps.keys,
      ...(deps.clock ? { clock: deps.clock } : {}),
      ...(deps.crypto ? { crypto: deps.crypto } : {}),
      timeSkewSeconds: o.timeSkewSeconds,
      v2Only: o.v2Only,
      unsafeV1Fallback: o.unsafeV1Fallback,
      minKeyBits: o.minKeyBits,
    });
  },
  createSigner(o, key, settings = {}) {
    const variant = settings.variant ?? o.signVersions[0]!;
    if (!(o.signVersions as readonly string[]).includes(variant))
      throw new TypeError(`sign versions must be one of ${o.signVersions.join(', ')}`);
    return createMAuthSigner({
      appUuid: key.id,
      privateKey: key.secret,
      versions: parseSignVersions(variant),
      ...(settings.clock ? { clock: settings.clock } : {}),
      ...(settings.crypto ? { crypto: settings.crypto } : {}),
    });
  },
  signerVariants: (o) => o.signVersions,
  // The original answers 401 without a challenge; these name the two header forms.
  challenges: () => [{ scheme: 'MWSV2' }, { scheme: 'MWS' }],
  // The original middleware's body, {"errors":{"mauth":["<message>"]}}, with its messages.
  failureBody: (error, o) => mauthFailureBody(error, o),
  body: 'raw-body',
  credentials: MAUTH_CREDENTIALS,
  cacheableAcrossRoutes: false,
});
