// The OAuth `state` of a login attempt: a compact JWS (HS256, typ `oauth-state+jwt`) carrying the attempt
// id (jti), the provider and the checked `next`, expiring after ttlSeconds. Where the original signed
// its state with the service's private key (as an HMAC secret), this one has its own random secret of at
// least 32 bytes, so the state key can never mint or check user tokens. The signature makes the state
// unforgeable and the expiry bounds it; single use is the store's (`putLoginState`/`takeLoginState` by
// the id), which also keeps the PKCE code verifier: the verifier never travels in the state (the
// browser sees the state, and a verifier it can read would undo PKCE). Platform-free (jose, Web Crypto).
import { SignJWT, jwtVerify } from 'jose';
import { calculatePKCECodeChallenge, generateRandomCodeVerifier } from 'oauth4webapi';
import type { Clock } from '../../core/clock.ts';
import { systemClock } from '../../core/clock.ts';

/** The JWS `typ` of a login state: keeps other HS256 tokens (were the secret ever shared) from passing as one. */
export const STATE_TYP = 'oauth-state+jwt';
/** The longest state `open` reads: ours are a few hundred characters (`next` is at most 2,048). */
export const MAX_STATE_LENGTH = 4096;

/** What a state carries. */
export interface LoginStateClaims {
  /** The login attempt's id (the store's key for the PKCE verifier; the JWT's jti). */
  readonly id: string;
  readonly provider: string;
  /** Where to go after the login (already checked by `checkNextUrl`). */
  readonly next: string;
}

/** Seals and opens login states. */
export interface StateCodec {
  /** The state for a login attempt. @throws TypeError for an id, provider or next of the wrong shape. */
  seal(claims: LoginStateClaims): Promise<string>;
  /** The claims of a state we sealed that has not expired, else undefined (never throws). */
  open(state: string): Promise<LoginStateClaims | undefined>;
}

/** Options of {@link createStateCodec}. */
export interface StateCodecOptions {
  /** A random secret of at least 32 bytes used for nothing else (not a PEM, not the token key). */
  readonly secret: Uint8Array;
  /** How long a login may take, from the redirect to the provider to the callback. Default 600 s. */
  readonly ttlSeconds?: number;
  /** Milliseconds since the epoch (default Date.now). */
  readonly now?: Clock;
}

const ID_SHAPE = /^[A-Za-z0-9_-]{16,128}$/;
const PROVIDER_SHAPE = /^[a-z0-9-]{1,32}$/;

/**
 * A codec for login states keyed by `secret`.
 *
 * @throws TypeError when the secret is shorter than 32 bytes or ttlSeconds is not a positive whole number.
 * @example
 * const states = createStateCodec({ secret: env.STATE_SECRET_BYTES });
 * const state = await states.seal({ id, provider: 'github', next });
 * const claims = await states.open(callbackParams.get('state') ?? ''); // undefined: forged, expired or garbled
 */
export function createStateCodec(options: StateCodecOptions): StateCodec {
  const { secret } = options;
  if (!(secret instanceof Uint8Array) || secret.byteLength < 32) throw new TypeError('state secret must be at least 32 random bytes');
  const ttl = options.ttlSeconds ?? 600;
  if (!Number.isSafeInteger(ttl) || ttl < 1) throw new TypeError('ttlSeconds must be a positive whole number');
  const now = options.now ?? systemClock;
  // A copy: a caller that later reuses its buffer cannot change our key.
  const key = new Uint8Array(secret);

  return {
    async seal({ id, provider, next }) {
      if (typeof id !== 'string' || !ID_SHAPE.test(id)) throw new TypeError('state id must be 16-128 base64url characters');
      if (typeof provider !== 'string' || !PROVIDER_SHAPE.test(provider)) throw new TypeError('state provider is not a provider name');
      if (typeof next !== 'string' || next.length > 2048) throw new TypeError('state next must be a string of at most 2048 characters');
      const iat = Math.floor(now() / 1000);
      return new SignJWT({ provider, next })
        .setProtectedHeader({ alg: 'HS256', typ: STATE_TYP })
        .setJti(id)
        .setIssuedAt(iat)
        .setExpirationTime(iat + ttl)
        .sign(key);
    },

    async open(state) {
      if (typeof state !== 'string' || state.length === 0 || state.length > MAX_STATE_LENGTH) return undefined;
      try {
        const { payload } = await jwtVerify(state, key, {
          algorithms: ['HS256'],
          typ: STATE_TYP,
          requiredClaims: ['jti', 'iat', 'exp'],
          currentDate: new Date(now()),
          // iat can be no older than the ttl either, whatever exp says.
          maxTokenAge: ttl,
        });
        const { jti, provider, next, iat } = payload;
        if (typeof jti !== 'string' || !ID_SHAPE.test(jti)) return undefined;
        if (typeof provider !== 'string' || !PROVIDER_SHAPE.test(provider)) return undefined;
        if (typeof next !== 'string' || next.length > 2048) return undefined;
        // A state from the future is not one we sealed with this clock.
        if (typeof iat !== 'number' || iat > Math.floor(now() / 1000) + 5) return undefined;
        return { id: jti, provider, next };
      } catch {
        return undefined;
      }
    },
  };
}

/** A new login attempt: its id (the state's jti and the store's key) and its PKCE pair. */
export interface LoginAttempt {
  /** 192 random bits, base64url. */
  readonly id: string;
  /** Stays server-side, in the store's login-state row. */
  readonly codeVerifier: string;
  /** S256 of the verifier, sent to the provider in the authorization URL. */
  readonly codeChallenge: string;
}

/** A fresh random login attempt id and PKCE S256 pair. */
export async function newLoginAttempt(): Promise<LoginAttempt> {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  const id = btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
  const codeVerifier = generateRandomCodeVerifier();
  return { id, codeVerifier, codeChallenge: await calculatePKCECodeChallenge(codeVerifier) };
}
