import type { Clock } from './core/clock.ts';
import type { CryptoBackend } from './core/crypto.ts';
import { authError, type AuthError } from './core/errors.ts';
import type { SignedRequest } from './core/request.ts';
import { headerMap } from './core/request.ts';
import type { AuthResult, Principal } from './core/result.ts';
import type { CredentialParts, Verifier } from './core/verifier.ts';
import type { Config } from './config/schema.ts';
import { keyRecords } from './config/load.ts';
import { createMemoryKeyStore } from './keys/memory.ts';
import type { KeyStore } from './keys/types.ts';
import { createRouteTable, type RouteDecision } from './policy/routes.ts';
import { createSigV4Verifier } from './schemes/sigv4/verifier.ts';

export interface AuthenticatorDeps {
  /** Defaults to the configuration's inline keys. */
  readonly keys?: KeyStore;
  readonly clock?: Clock;
  readonly crypto?: CryptoBackend;
}

export interface Authenticator {
  readonly verifiers: readonly Verifier[];
  /** Every request part any configured scheme carries credentials in (stripped before a request goes to an origin). */
  readonly credentials: CredentialParts;
  /**
   * The credential parts to strip from a request that was not authenticated here (a public route):
   * every scheme-specific header and query key, and `Authorization` only when a configured scheme
   * speaks it (an origin's own `Authorization: Bearer` on a public route stays).
   */
  credentialsIn(req: SignedRequest): CredentialParts;
  readonly config: Config;
  /**
   * What the route rules say about a request, judged on every reading of its raw path that an origin
   * could act on (the strictest wins; see `lib/policy/routes.ts`). Never throws.
   */
  decide(method: string, rawPath: string): RouteDecision;
  /** Checks limits, picks the scheme the request speaks and verifies it. Never throws. */
  authenticate(req: SignedRequest): Promise<AuthResult>;
  /** Whether an authenticated principal may call the route: `ERR_FORBIDDEN` (403) when it lacks a permission the route requires. */
  authorize(principal: Principal, decision: RouteDecision): AuthError | undefined;
  /** Whether a verified answer of this scheme may stand for other routes (bearer credentials) or only for the call it verified (signatures). */
  cacheableAcrossRoutes(scheme: string): boolean;
}

function checkLimits(req: SignedRequest, limits: Config['limits']): AuthError | undefined {
  if (req.headers.length > limits.maxHeaderCount) return authError('ERR_AUTH_MALFORMED', 'too many request headers');
  let bytes = 0;
  for (const [n, v] of req.headers) bytes += n.length + v.length + 4;
  if (bytes > limits.maxHeaderBytes) return authError('ERR_AUTH_MALFORMED', 'request headers are too large');
  if (req.path.length + req.query.length + 1 > limits.maxUrlBytes) return authError('ERR_AUTH_MALFORMED', 'request URL is too long');
  if (req.body && req.body.length > limits.maxBodyBytes) return authError('ERR_BODY_TOO_LARGE', 'request body is too large');
  return undefined;
}

/**
 * Builds the verifiers a configuration turns on and the router between them.
 *
 * @example
 * const auth = createAuthenticator(loadConfig(json));
 * const result = await auth.authenticate(request);
 */
export function createAuthenticator(config: Config, deps: AuthenticatorDeps = {}): Authenticator {
  const keys = deps.keys ?? createMemoryKeyStore(keyRecords(config));
  const common = { keys, ...(deps.clock ? { clock: deps.clock } : {}), ...(deps.crypto ? { crypto: deps.crypto } : {}) };
  const verifiers: Verifier[] = [];
  const s = config.schemes.sigv4;
  if (s) {
    verifiers.push(
      createSigV4Verifier({
        ...common,
        region: s.region,
        service: s.service,
        algorithms: s.algorithms,
        profile: s.profile,
        clockSkewSeconds: s.clockSkewSeconds,
        allowPresigned: s.allowPresigned,
        maxPresignExpiresSeconds: s.maxPresignExpiresSeconds,
        allowUnsignedPayload: s.allowUnsignedPayload,
        ...(s.uriEscapePath !== undefined ? { uriEscapePath: s.uriEscapePath } : {}),
        ...(s.normalizePath !== undefined ? { normalizePath: s.normalizePath } : {}),
      }),
    );
  }
  const routes = createRouteTable(config.routes);
  const credentials: CredentialParts = {
    headers: [...new Set(verifiers.flatMap((v) => v.credentials.headers.map((h) => h.toLowerCase())))],
    query: [...new Set(verifiers.flatMap((v) => v.credentials.query))],
  };
  return {
    verifiers,
    credentials,
    credentialsIn(req) {
      // Two Authorization headers arrive joined with ","; a scheme may speak in any part of the value.
      const parts = headerMap(req.headers)
        .get('authorization')
        ?.flatMap((value) => value.split(','))
        .map((part) => part.trim())
        .filter((part) => part !== '');
      const variants = [req, ...(parts ?? []).map((part): SignedRequest => ({ ...req, headers: [['authorization', part]] }))];
      const claimed = verifiers.some((v) => variants.some((r) => v.claims(r)));
      return claimed ? credentials : { headers: credentials.headers.filter((h) => h !== 'authorization'), query: credentials.query };
    },
    config,
    decide(method, rawPath) {
      // Bounded before any parsing: route readings are linear, but there is no reason to read a huge path at all.
      if (rawPath.length > config.limits.maxUrlBytes)
        return { ok: false, error: authError('ERR_AUTH_MALFORMED', 'request URL is too long') };
      return routes.decide(method, rawPath);
    },
    authorize(principal, decision) {
      if (!decision.ok) return decision.error;
      const missing = decision.permissions.filter((p) => !principal.permissions.includes(p));
      return missing.length === 0 ? undefined : authError('ERR_FORBIDDEN', 'the principal lacks a permission this route requires');
    },
    cacheableAcrossRoutes: (scheme) => verifiers.find((v) => v.scheme === scheme)?.cacheableAcrossRoutes === true,
    async authenticate(req) {
      const limited = checkLimits(req, config.limits);
      if (limited) return { ok: false, error: limited };
      const verifier = verifiers.find((v) => v.claims(req));
      if (!verifier) {
        const hasAuth = headerMap(req.headers).has('authorization');
        return {
          ok: false,
          error: hasAuth
            ? authError('ERR_AUTH_UNSUPPORTED', 'unsupported authorization scheme')
            : authError('ERR_AUTH_MISSING', 'request is not signed'),
        };
      }
      return verifier.verify(req);
    },
  };
}

/**
 * The form of an error a client may see: an unknown key looks exactly like a bad signature, so
 * responses never reveal which key ids exist. Logs keep the real code.
 */
export function publicError(error: AuthError): AuthError {
  if (error.code === 'ERR_KEY_NOT_FOUND') return authError('ERR_SIGNATURE_INVALID', 'signature does not match');
  return error;
}
