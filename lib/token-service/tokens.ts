// Mints and checks the token service's JWTs with jose and the signing key set (signing-keys.ts): user
// tokens (aud = the user audience) and per-service tokens (aud = the service) that the edge's JWT
// verifier and dhq-auth's PyJWT `Verifyer` accept. Unlike the original, user tokens are never an HMAC
// keyed by the PEM text, and service tokens always expire.
import { decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { assertPermissions, isServiceName } from './permissions.ts';
import type { ParsedSigningKeys, SigningKey } from './signing-keys.ts';
import type { Permissions, TokenIssuer, UserTokenClaims } from './types.ts';

/** 14 days, as the original's user tokens. */
export const DEFAULT_USER_TOKEN_TTL_SECONDS = 14 * 86400;
/**
 * One hour. The original's service tokens never expired, so a leaked one (they travel to browsers and
 * third-party services) and a revoked permission stayed good forever; clients ask `/auth/authorize` again.
 */
export const DEFAULT_SERVICE_TOKEN_TTL_SECONDS = 3600;
/** Allowed clock difference, as the edge's JWT verifier's default. */
export const DEFAULT_TOKEN_CLOCK_TOLERANCE_SECONDS = 30;
/** Longest token `verifyUserToken` decodes, as the edge's default `maxTokenBytes`. */
export const MAX_USER_TOKEN_CHARS = 8 * 1024;
/** Longest user id a token carries (the edge refuses longer claim strings). */
export const MAX_USERID_LENGTH = 256;

/** What a token issuer is made from. */
export interface TokenIssuerOptions {
  /** The parsed key set, or a function answering the current one (the app re-reads the secret store). */
  readonly keys: ParsedSigningKeys | (() => Promise<ParsedSigningKeys>);
  /** `iss`: the service's public base URL. */
  readonly issuer: string;
  /** `aud` of user tokens; default `issuer`. No service may be named like it. */
  readonly userAudience?: string;
  readonly userTokenTtlSeconds?: number;
  readonly serviceTokenTtlSeconds?: number;
  readonly clockToleranceSeconds?: number;
  /**
   * Whether service tokens carry `aud` = the service (default true). false is a compatibility choice for
   * services still verifying with dhq-auth's PyJWT `Verifyer`: it calls `jwt.decode` without `audience=`,
   * and PyJWT then refuses every token that has an `aud` (InvalidAudienceError). Without `aud` only the
   * `service` claim says whom a token is for, so verifiers must check it (the edge: `service`).
   */
  readonly serviceTokenAudience?: boolean;
  /** The clock in milliseconds since the epoch (default `Date.now`). */
  readonly now?: () => number;
}

/** A {@link TokenIssuer} that also tells which service names it can mint for. */
export interface ServiceTokenIssuer extends TokenIssuer {
  readonly issuer: string;
  readonly userAudience: string;
  /**
   * Throws a TypeError for a name no service token may carry: outside the service-name charset, or the
   * user audience (a token for it would pass as a user token). Call it when configuring services.
   */
  assertServiceName(service: string): void;
}

/**
 * The longest a token of an issuer with these options may live, clock tolerance included: what
 * `parseSigningKeySet` keeps a retired key published for.
 */
export function maxTokenLifetimeSeconds(
  options: Pick<TokenIssuerOptions, 'userTokenTtlSeconds' | 'serviceTokenTtlSeconds' | 'clockToleranceSeconds'> = {},
): number {
  return (
    Math.max(
      options.userTokenTtlSeconds ?? DEFAULT_USER_TOKEN_TTL_SECONDS,
      options.serviceTokenTtlSeconds ?? DEFAULT_SERVICE_TOKEN_TTL_SECONDS,
    ) + (options.clockToleranceSeconds ?? DEFAULT_TOKEN_CLOCK_TOLERANCE_SECONDS)
  );
}

function positiveSeconds(name: string, value: number | undefined, fallback: number, max: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < 1 || v > max) throw new TypeError(`${name} must be an integer from 1 to ${max}`);
  return v;
}

function text(name: string, value: unknown, max: number): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max)
    throw new TypeError(`${name} must be a string of 1-${max} characters`);
  return value;
}

// Claims only a service token carries: a user token holding one is not ours to accept as a login.
const SERVICE_CLAIMS = ['service', 'permissions'];

/**
 * A token issuer over a signing key set. Mints with the current key (header `kid`, `typ: JWT`), checks
 * user tokens against every published key, pinned to that key's algorithm.
 *
 * @throws TypeError for bad options.
 */
export function createTokenIssuer(options: TokenIssuerOptions): ServiceTokenIssuer {
  const issuer = text('issuer', options.issuer, 1024);
  const userAudience = text('userAudience', options.userAudience ?? issuer, 1024);
  const userTtl = positiveSeconds('userTokenTtlSeconds', options.userTokenTtlSeconds, DEFAULT_USER_TOKEN_TTL_SECONDS, 366 * 86400);
  const serviceTtl = positiveSeconds(
    'serviceTokenTtlSeconds',
    options.serviceTokenTtlSeconds,
    DEFAULT_SERVICE_TOKEN_TTL_SECONDS,
    366 * 86400,
  );
  const tolerance = options.clockToleranceSeconds ?? DEFAULT_TOKEN_CLOCK_TOLERANCE_SECONDS;
  if (!Number.isSafeInteger(tolerance) || tolerance < 0 || tolerance > 300)
    throw new TypeError('clockToleranceSeconds must be an integer from 0 to 300');
  const now = options.now ?? Date.now;
  const source = options.keys;
  const keys = typeof source === 'function' ? source : () => Promise.resolve(source);
  const nowSeconds = () => Math.floor(now() / 1000);
  // A retired key's window is checked against our clock as well, so a long-lived parsed set still drops it.
  const live = (k: SigningKey, t: number) => k.publishedUntil === undefined || k.publishedUntil > t;

  function assertServiceName(service: string): void {
    if (!isServiceName(service)) throw new TypeError('service name must be 1-128 characters of A-Z a-z 0-9 . : -');
    if (service === userAudience) throw new TypeError('service name must differ from the user-token audience');
  }

  const serviceAudience = options.serviceTokenAudience ?? true;

  async function sign(claims: Record<string, unknown>, audience: string | undefined, ttl: number): Promise<string> {
    const { current } = await keys();
    const iat = nowSeconds();
    const jwt = new SignJWT(claims).setProtectedHeader({ alg: current.alg, kid: current.kid, typ: 'JWT' }).setIssuer(issuer);
    if (audience !== undefined) jwt.setAudience(audience);
    return jwt
      .setIssuedAt(iat)
      .setExpirationTime(iat + ttl)
      .sign(current.privateKey);
  }

  async function verifyUserToken(token: string): Promise<UserTokenClaims | undefined> {
    try {
      if (typeof token !== 'string' || token.length === 0 || token.length > MAX_USER_TOKEN_CHARS) return undefined;
      const header = decodeProtectedHeader(token);
      if (typeof header.kid !== 'string') return undefined;
      const t = nowSeconds();
      const key = (await keys()).published.find((k) => k.kid === header.kid && live(k, t));
      // The key's own algorithm, never the header's choice: no `none`, no HS256 keyed by public-key text.
      if (!key || header.alg !== key.alg) return undefined;
      const { payload } = await jwtVerify(token, key.publicKey, {
        algorithms: [key.alg],
        issuer,
        audience: userAudience,
        requiredClaims: ['exp', 'iat'],
        clockTolerance: tolerance,
        currentDate: new Date(t * 1000),
        typ: 'JWT',
      });
      const { userid, exp, iat } = payload;
      if (typeof userid !== 'string' || userid.length === 0 || userid.length > MAX_USERID_LENGTH) return undefined;
      if (typeof exp !== 'number' || typeof iat !== 'number' || iat > t + tolerance) return undefined;
      // A retired key signs nothing new: a token it "issued" after its retirement was made by whoever
      // holds the key (a leaked key is retired at once, and its forgeries stop there).
      if (key.retiredAt !== undefined && iat > key.retiredAt + tolerance) return undefined;
      if (SERVICE_CLAIMS.some((c) => Object.hasOwn(payload, c))) return undefined;
      if (Array.isArray(payload.aud) && payload.aud.length !== 1) return undefined;
      return { userid, exp, iat };
    } catch {
      return undefined;
    }
  }

  return {
    issuer,
    userAudience,
    assertServiceName,
    async issueUserToken(userid: string) {
      return sign({ userid: text('userid', userid, MAX_USERID_LENGTH) }, userAudience, userTtl);
    },
    verifyUserToken,
    async issueServiceToken(userid: string, service: string, permissions: Permissions) {
      assertServiceName(service);
      assertPermissions(permissions);
      return sign(
        { userid: text('userid', userid, MAX_USERID_LENGTH), permissions, service },
        serviceAudience ? service : undefined,
        serviceTtl,
      );
    },
    async publicKeyPem() {
      return (await keys()).current.spkiPem;
    },
    async jwks() {
      const t = nowSeconds();
      return { keys: (await keys()).published.filter((k) => live(k, t)).map((k) => ({ ...k.publicJwk })) };
    },
  };
}
