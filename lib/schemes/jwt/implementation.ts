import type { SchemeImplementation } from '../descriptor.ts';
import { defineScheme } from '../descriptor.ts';
import { isJwsAlgorithm, JWS_ALGORITHM_NAMES } from '../../core/jws-keys.ts';
import { JWT_SCHEME } from './constants.ts';
import type { JwtSchemeOptions } from './options.ts';
import { createJwtSigner } from './signer.ts';
import { carriesJwt } from './token.ts';
import { openJwksStore } from '../../keys/jwks.ts';
import { createJwtVerifier, jwtCredentials, type JwksOpener } from './verifier.ts';

// An issuer's `jwksUrl` is read through the JWKS key store (on the key cache; Workers KV when shared).
const defaultOpenJwks: JwksOpener = openJwksStore;

/**
 * JWT bearer tokens without their options schema (see `SchemeImplementation`). A signer's key is a
 * private key (PEM PKCS#8 or a private JWK as JSON) that mints tokens as `schemes.jwt.signer` says, or
 * a ready-made compact JWT attached as it is. The variant is the algorithm a minted token is signed
 * with (default `schemes.jwt.signer.algorithm`, else RS256).
 */
export const jwtImplementation: SchemeImplementation<JwtSchemeOptions> = defineScheme<JwtSchemeOptions>({
  id: JWT_SCHEME,
  // Every source a configuration could turn on; a verifier claims only its own (verifier.claims).
  claims: (req) => carriesJwt(req, { authTokenHeader: true, queryParameter: true }),
  createVerifier(o, deps) {
    return createJwtVerifier({
      issuers: o.issuers,
      keys: deps.keys,
      ...(deps.clock ? { clock: deps.clock } : {}),
      ...(deps.crypto ? { crypto: deps.crypto } : {}),
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
      ...(deps.sharedCache ? { sharedCache: deps.sharedCache } : {}),
      openJwks: defaultOpenJwks,
      authTokenHeader: o.authTokenHeader,
      queryParameter: o.queryParameter,
      maxTokenBytes: o.maxTokenBytes,
      minRsaBits: o.minRsaBits,
      tokenCacheSize: o.tokenCacheSize,
    });
  },
  createSigner(o, key, settings = {}) {
    const s = o.signer;
    if (settings.variant !== undefined && !isJwsAlgorithm(settings.variant))
      throw new TypeError(`the algorithm must be one of ${JWS_ALGORITHM_NAMES.join(', ')}`);
    return createJwtSigner({
      keyId: key.id,
      secret: key.secret,
      issuer: s?.issuer,
      audience: s?.audience,
      subject: s?.subject,
      ttlSeconds: s?.ttlSeconds,
      algorithm: settings.variant ?? s?.algorithm,
      claims: s?.claims,
      ...(settings.clock ? { clock: settings.clock } : {}),
    });
  },
  // The algorithm a minted token is signed with (`--algorithm`): the configured one first.
  signerVariants: (o) => {
    const first = o.signer?.algorithm ?? 'RS256';
    return [first, ...JWS_ALGORITHM_NAMES.filter((a) => a !== first)];
  },
  challenges: () => [{ scheme: 'Bearer' }],
  body: 'none',
  credentials: jwtCredentials({ authTokenHeader: true, queryParameter: true }),
  cacheableAcrossRoutes: true,
});
