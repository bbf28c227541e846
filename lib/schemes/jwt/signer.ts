// The bearer side: a ready-made token attached as it is, or a short-lived token minted with jose from a
// private key (PEM PKCS#8 or a private JWK as JSON) for the CLI and the signing fetch.
import { importJWK, importPKCS8, SignJWT, type CryptoKey as JoseKey } from 'jose';
import type { Clock } from '../../core/clock.ts';
import { systemClock } from '../../core/clock.ts';
import type { JwsAlgorithm } from '../../core/crypto.ts';
import { isJwsAlgorithm } from '../../core/jws-keys.ts';
import { pkcs8FromPkcs1, privatePemDer } from '../../core/rsa-pem.ts';
import type { SignedRequest } from '../../core/request.ts';
import type { SchemeSigner } from '../descriptor.ts';
import { BEARER, DEFAULT_SIGNER_TTL_SECONDS, JWT_SCHEME } from './constants.ts';

/** What a JWT signer signs as and what its tokens say. */
export interface JwtSignerOptions {
  /** The key id (`kid` of minted tokens; unused for a ready-made token). */
  readonly keyId: string;
  /** A private key (PEM PKCS#8 or, for RSA, PKCS#1; or a private JWK as JSON text) or a ready-made compact JWT. */
  readonly secret: string;
  readonly issuer?: string | undefined;
  readonly audience?: string | readonly string[] | undefined;
  /** `sub` (default: the key id). */
  readonly subject?: string | undefined;
  /** Lifetime of minted tokens (default 300 s). */
  readonly ttlSeconds?: number | undefined;
  readonly algorithm?: JwsAlgorithm | undefined;
  /** More claims for minted tokens (e.g. `scope`); the registered ones set above win. */
  readonly claims?: Readonly<Record<string, unknown>> | undefined;
  readonly clock?: Clock;
}

const COMPACT_JWS_RE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Whether a signer secret is a ready-made compact JWT rather than a private key. */
export function isCompactJwt(secret: string): boolean {
  return COMPACT_JWS_RE.test(secret.trim());
}

async function importPrivate(secret: string, alg: JwsAlgorithm): Promise<JoseKey> {
  const text = secret.trim();
  try {
    if (text.startsWith('{')) {
      const jwk = JSON.parse(text) as Record<string, unknown>;
      if (typeof jwk !== 'object' || jwk === null || typeof jwk['d'] !== 'string') throw new TypeError('no private member');
      const key = await importJWK(jwk, alg);
      if (key instanceof Uint8Array) throw new TypeError('a symmetric key');
      return key;
    }
    // PKCS#1 (`BEGIN RSA PRIVATE KEY`, as MAuth apps keep keys) is wrapped into the PKCS#8 jose imports.
    if (text.includes('-----BEGIN RSA PRIVATE KEY-----')) {
      const der = pkcs8FromPkcs1(privatePemDer(text).der);
      const body = btoa(String.fromCharCode(...der)).replace(/.{64}/g, '$&\n');
      return await importPKCS8(`-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----`, alg);
    }
    return await importPKCS8(text, alg);
  } catch {
    // jose's and the platform's messages are not ours to promise free of key material.
    throw new TypeError(`the signer key is not a private key for ${alg} (PEM PKCS#8 or a private JWK) nor a compact JWT`);
  }
}

/**
 * Makes a JWT signer: `Authorization: Bearer <token>` in place of any Authorization header. A
 * compact JWT secret is attached as it is; a private key mints a token per request (`iat`, `exp` =
 * iat + ttl, `iss`, `aud`, `sub`, header `kid` and `typ: JWT`). A bad key rejects on the first sign.
 *
 * @throws TypeError for an invalid algorithm, TTL or empty secret.
 * @example
 * const signer = createJwtSigner({ keyId: 'k1', secret: pkcs8Pem, issuer: 'https://auth.example', audience: 'orders' });
 * const signed = await signer.sign({ method: 'GET', path: '/orders', query: '', headers: [] });
 */
export function createJwtSigner(options: JwtSignerOptions): SchemeSigner {
  if (typeof options.secret !== 'string' || options.secret.trim() === '') throw new TypeError('the signer secret must not be empty');
  const alg = options.algorithm ?? 'RS256';
  if (!isJwsAlgorithm(alg)) throw new TypeError('the signer algorithm must be an asymmetric JWS algorithm');
  const ttl = options.ttlSeconds ?? DEFAULT_SIGNER_TTL_SECONDS;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 86400) throw new TypeError('ttlSeconds must be 1..86400');
  const clock = options.clock ?? systemClock;
  const ready = isCompactJwt(options.secret) ? options.secret.trim() : undefined;
  let key: Promise<JoseKey> | undefined;

  async function token(): Promise<string> {
    if (ready) return ready;
    key ??= importPrivate(options.secret, alg);
    key.catch(() => (key = undefined));
    const k = await key;
    const now = Math.floor(clock() / 1000);
    const jwt = new SignJWT({ ...(options.claims ?? {}) })
      .setProtectedHeader({ alg, typ: 'JWT', kid: options.keyId })
      .setIssuedAt(now)
      .setExpirationTime(now + ttl)
      .setSubject(options.subject ?? options.keyId);
    if (options.issuer !== undefined) jwt.setIssuer(options.issuer);
    if (options.audience !== undefined) jwt.setAudience(typeof options.audience === 'string' ? options.audience : [...options.audience]);
    return jwt.sign(k);
  }

  return {
    scheme: JWT_SCHEME,
    async sign(req: SignedRequest): Promise<SignedRequest> {
      const t = await token();
      const headers = req.headers.filter(([n]) => n.toLowerCase() !== 'authorization');
      headers.push(['Authorization', `${BEARER} ${t}`]);
      return { ...req, headers };
    },
  };
}
