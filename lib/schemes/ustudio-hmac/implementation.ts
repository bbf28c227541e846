import type { SchemeImplementation } from '../descriptor.ts';
import { defineScheme } from '../descriptor.ts';
import { USTUDIO_ALGORITHM, USTUDIO_SCHEME } from './constants.ts';
import type { UStudioSchemeOptions } from './options.ts';
import { carriesUStudio } from './parse.ts';
import { createMemoryReplayCache } from './replay.ts';
import { createUStudioSigner } from './signer.ts';
import { createUStudioVerifier, USTUDIO_CREDENTIALS } from './verifier.ts';

/**
 * USTUDIO-HMAC-V2 without its options schema (see `SchemeImplementation`). A signer's key is the key id
 * (`id`) and the shared secret (`secret`). No failure body of its own: the original (a tornado
 * decorator) answers a bare 401, so the adapters' shape is used.
 */
export const ustudioHmacImplementation: SchemeImplementation<UStudioSchemeOptions> = defineScheme<UStudioSchemeOptions>({
  id: USTUDIO_SCHEME,
  claims: carriesUStudio,
  createVerifier(o, deps) {
    return createUStudioVerifier({
      keys: deps.keys,
      ...(deps.clock ? { clock: deps.clock } : {}),
      ...(deps.crypto ? { crypto: deps.crypto } : {}),
      ...(o.freshness
        ? {
            freshness: {
              skewSeconds: o.timeSkewSeconds,
              requireNonce: o.requireNonce,
              // One cache per verifier: per isolate or per process (see createMemoryReplayCache).
              replayCache: o.replayCacheSize === 0 ? false : createMemoryReplayCache({ maxEntries: o.replayCacheSize }),
            },
          }
        : {}),
    });
  },
  createSigner(o, key, settings = {}) {
    return createUStudioSigner({
      keyId: key.id,
      secret: key.secret,
      freshness: o.freshness,
      ...(settings.clock ? { clock: settings.clock } : {}),
      ...(settings.crypto ? { crypto: settings.crypto } : {}),
    });
  },
  // The original answers 401 without a challenge; this names the scheme.
  challenges: () => [{ scheme: USTUDIO_ALGORITHM }],
  body: 'raw-body',
  credentials: USTUDIO_CREDENTIALS,
  cacheableAcrossRoutes: false,
});
