// USTUDIO-HMAC-V2 signing, as ustudio-hmac-tornado 0.3.0's `authenticated_request` does it, plus our
// freshness extension's headers when asked for.
import type { Clock } from '../../core/clock.ts';
import { systemClock } from '../../core/clock.ts';
import type { CryptoBackend, HmacKey } from '../../core/crypto.ts';
import type { SignedRequest } from '../../core/request.ts';
import { defaultCrypto } from '#crypto';
import type { SchemeSigner } from '../descriptor.ts';
import { hasAmbiguousName, stringToSign } from './canonical.ts';
import {
  AUTH_HEADER,
  MAX_KEY_ID_LENGTH,
  NONCE_HEADER,
  TIMESTAMP_HEADER,
  USTUDIO_ALGORITHM,
  USTUDIO_SCHEME,
  WIRE_HEADERS,
} from './constants.ts';

/** What a USTUDIO-HMAC-V2 signer signs as. */
export interface UStudioSignerOptions {
  /** The key id (`hmac_key`). */
  readonly keyId: string;
  /** The shared secret (`hmac_secret`), used as its UTF-8 bytes. */
  readonly secret: string;
  /**
   * Our freshness extension: add a signed `X-UStudio-Timestamp` (now, epoch seconds) and, unless
   * `nonce: false`, a random `X-UStudio-Nonce`. Only for verifiers that have the extension on; the
   * original server refuses nothing for it, but it does not check it either.
   */
  readonly freshness?: boolean | { readonly nonce?: boolean };
  readonly clock?: Clock;
  readonly crypto?: CryptoBackend;
}

const OURS = new Set([AUTH_HEADER, TIMESTAMP_HEADER, NONCE_HEADER]);

/** 16 random bytes as base64url (22 characters). */
function randomNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Makes a USTUDIO-HMAC-V2 signer: it puts `Authorization: USTUDIO-HMAC-V2 <key> <hex digest>` in place
 * of any Authorization header the request had (and, with `freshness`, the timestamp and nonce headers).
 * The request's method, raw path, query and body are signed as they are: send them unchanged.
 *
 * @throws TypeError for a key id that has a space or comma or is too long, or an empty secret; `sign`
 * rejects (TypeError) a method that is not an HTTP token.
 * @example
 * const signer = createUStudioSigner({ keyId: 'k1', secret: process.env.HMAC_SECRET! });
 * const signed = await signer.sign({ method: 'GET', path: '/items', query: 'a=1', headers: [], body: new Uint8Array() });
 */
export function createUStudioSigner(options: UStudioSignerOptions): SchemeSigner {
  if (typeof options.keyId !== 'string' || !/^[^\s,]+$/.test(options.keyId) || options.keyId.length > MAX_KEY_ID_LENGTH)
    throw new TypeError('keyId must be 1 to 256 characters without spaces or commas');
  if (typeof options.secret !== 'string' || options.secret.length === 0) throw new TypeError('secret must be a non-empty string');
  const clock = options.clock ?? systemClock;
  const backend = options.crypto ?? defaultCrypto;
  const fresh = options.freshness === true || (typeof options.freshness === 'object' && options.freshness !== null);
  const withNonce = fresh && !(typeof options.freshness === 'object' && options.freshness.nonce === false);
  let key: Promise<HmacKey> | undefined;
  return {
    scheme: USTUDIO_SCHEME,
    async sign(req: SignedRequest): Promise<SignedRequest> {
      // What verifiers refuse (and the wire cannot carry) is not signed.
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}$/.test(req.method)) throw new TypeError('the request method must be an HTTP token');
      if (hasAmbiguousName(req.query)) throw new TypeError('a query parameter name must not decode to "=", "&" or a control character');
      key ??= backend.importHmacKey(options.secret);
      key.catch(() => (key = undefined));
      const k = await key;
      const freshness = fresh ? { timestamp: String(Math.floor(clock() / 1000)), nonce: withNonce ? randomNonce() : '' } : undefined;
      const digest = await backend.hmacSha256Hex(k, stringToSign(req.method, req.path, req.query, req.body ?? new Uint8Array(), freshness));
      const headers: Array<readonly [string, string]> = req.headers.filter(([n]) => !OURS.has(n.toLowerCase()));
      headers.push([WIRE_HEADERS.auth, `${USTUDIO_ALGORITHM} ${options.keyId} ${digest}`]);
      if (freshness) {
        headers.push([WIRE_HEADERS.timestamp, freshness.timestamp]);
        if (freshness.nonce !== '') headers.push([WIRE_HEADERS.nonce, freshness.nonce]);
      }
      return { ...req, headers };
    },
  };
}
