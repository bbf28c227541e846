// The authenticator without the configuration schemas: it is built from scheme implementations and
// options a schema already output. `createAuthenticator` (authenticator.ts) validates the options
// with the registry's valibot schemas first; the Lambda authorizer's bundle, whose configuration the
// build validated, calls assembleAuthenticator directly and so carries no valibot code. Nothing here
// may import valibot or a scheme's options schema (a test checks the bundle).
import type { Clock } from './core/clock.ts';
import type { CryptoBackend } from './core/crypto.ts';
import { authError, type AuthError } from './core/errors.ts';
import type { SignedRequest } from './core/request.ts';
import { hasHeader, headerMap } from './core/request.ts';
import type { AuthResult, Principal } from './core/result.ts';
import type { CredentialParts, Verifier } from './core/verifier.ts';
import type { Config, KeyStoreSpec } from './config/schema.ts';
import { configuredSchemes, keyRecords } from './config/records.ts';
import { createMemoryKeyStore } from './keys/memory.ts';
import { requireRecordScheme } from './keys/usable.ts';
import type { FetchLike, KeyStore, SharedDocumentCache } from './keys/types.ts';
import { createRouteTable, strictestOf, type RouteDecision } from './policy/routes.ts';
import type { Challenge, SchemeImplementation, SchemeVerifier } from './schemes/descriptor.ts';
import type { SchemeRegistry } from './schemes/registry.ts';

/** What an authenticator's verifiers share, and (for `createAuthenticator`) the registry its configuration was validated against. */
export interface AuthenticatorDeps {
  /**
   * One store for every scheme, overriding the configuration's `keys[]` and `keyStores[]` (tests,
   * embedders). With more than one scheme configured, each record it gives must name its `scheme`, as
   * in a `keyStores[]` entry that serves several (a record without one is the store's fault): else an
   * API key's stored hash would be a uStudio secret, or a MAuth app's key would sign JWTs.
   */
  readonly keys?: KeyStore;
  /**
   * Opens a `keyStores[]` entry of the configuration (the adapter knows its platform: the Lambda
   * authorizer opens Secrets Manager, the Worker KV and secret bindings). Without it a configuration
   * with `keyStores` is refused. Called once per entry, when the authenticator is built.
   */
  readonly openKeyStore?: (spec: KeyStoreSpec, index: number) => KeyStore;
  readonly clock?: Clock;
  readonly crypto?: CryptoBackend;
  /** The `fetch` schemes call for documents they fetch themselves (a JWKS); the global one by default. */
  readonly fetch?: FetchLike;
  /** A cache shared between instances (Workers KV) for fetched documents; see {@link SharedDocumentCache}. */
  readonly sharedCache?: SharedDocumentCache;
  /** The schemes the configuration may name (default: the built-in ones); the one `loadConfig` used. */
  readonly registry?: SchemeRegistry;
}

/** A scheme the configuration turns on: its implementation, its validated options and its verifier. */
export interface ActiveScheme {
  /** The scheme's implementation: the registry's descriptor when `createAuthenticator` built it. */
  readonly descriptor: SchemeImplementation;
  readonly options: unknown;
  readonly verifier: SchemeVerifier;
}

/** Which configured scheme a request speaks, or why none can be picked. */
export type SchemeSelection = { readonly ok: true; readonly scheme: ActiveScheme } | { readonly ok: false; readonly error: AuthError };

/**
 * The configured schemes, the route rules and the limits of one configuration, as one object:
 * picks the scheme a request speaks, verifies it and judges its route. Made by
 * `createAuthenticator` (which validates each scheme's options with the registry's schemas) or
 * {@link assembleAuthenticator} (for a configuration validated before, at build time).
 */
export interface Authenticator {
  /** The registry the configuration was validated against; absent when it was validated at build time. */
  readonly registry?: SchemeRegistry;
  /** The configured schemes, in registry order. */
  readonly schemes: readonly ActiveScheme[];
  readonly verifiers: readonly Verifier[];
  /** The `WWW-Authenticate` challenges of every configured scheme, in registry order. */
  readonly challenges: readonly Challenge[];
  /** Every request part any configured scheme carries credentials in (stripped before a request goes to an origin). */
  readonly credentials: CredentialParts;
  /**
   * The credential parts to strip from a request that was not authenticated here (a public route):
   * every scheme-specific header and query key, and `Authorization` only when a configured scheme
   * speaks it (an origin's own `Authorization: Bearer` on a public route stays).
   */
  credentialsIn(req: SignedRequest): CredentialParts;
  readonly config: Config;
  /** The stores the configuration's `keyStores[]` opened, in its order. */
  readonly keyStores: readonly KeyStore[];
  /**
   * Loads what each `keyStores[]` entry's `hydrate` asks for (every record, or the listed ids) into its
   * cache, all stores at once. Call it at cold start (the Lambda authorizer does, during its init
   * phase). Never rejects: a store that fails is tried again by the first request that needs it.
   */
  hydrate(): Promise<void>;
  /**
   * What the route rules say about a request, judged on every reading of its raw path that an origin
   * could act on (the strictest wins; see `lib/policy/routes.ts`). Given several candidate paths (an
   * API Gateway event may name its resource more than one way), the strictest decision over all of
   * them; likewise over several methods (`methodReadings`: the method on the wire and any override
   * an origin may act on instead; `undefined`, too many overrides, is refused). With `behindBasePaths`
   * (what the Lambda adapters pass), each path is also judged as an app that takes the configured
   * `lambda.basePaths` off itself may act on it: once, repeatedly, after an occurrence anywhere, in any
   * case (see `basePathTails` in `lib/policy/routes.ts`); and `tailsOnly` paths are judged only that
   * way (a custom domain's path whose resource another candidate names). Never throws.
   */
  decide(
    method: string | readonly string[] | undefined,
    rawPath: string | readonly string[],
    options?: { readonly behindBasePaths?: boolean; readonly tailsOnly?: readonly string[] },
  ): RouteDecision;
  /**
   * The configured scheme whose credentials the request carries, by each descriptor's `claims()`.
   * None: `ERR_AUTH_MISSING`, or `ERR_AUTH_UNSUPPORTED` when an `Authorization` header of another
   * scheme is present. More than one: `ERR_AUTH_MALFORMED` ("credentials of more than one
   * scheme"), never a pick, so a client cannot steer a request to the weaker scheme. Never throws.
   */
  select(req: SignedRequest): SchemeSelection;
  /** Checks limits, picks the scheme the request speaks ({@link Authenticator.select}) and verifies it. Never throws. */
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
 * Builds the verifiers a configuration turns on from scheme implementations, and the router between
 * them. Each configured scheme's options are what `options(implementation, config.schemes[id])`
 * returns: `createAuthenticator` validates them there with the registry's schemas; passing them
 * through as they stand is right only for a configuration that `loadConfig` output with the same
 * schemes (at build time, for the Lambda authorizer's bundle). Not part of the package's exports.
 *
 * @throws TypeError when the configuration names a scheme none of `implementations` has, or when
 * `options` or a scheme's factory refuses.
 * @example
 * // functions/lambda-prevalidated.ts: a configuration the build validated against builtInSchemes.
 * const auth = assembleAuthenticator(prevalidated.config, builtInImplementations, {}, (_scheme, validated) => validated);
 */
export function assembleAuthenticator<S extends SchemeImplementation>(
  config: Config,
  implementations: readonly S[],
  deps: AuthenticatorDeps,
  options: (implementation: S, raw: unknown) => unknown,
): Authenticator {
  const shared = deps.keys && configuredSchemes(config).length > 1 ? requireRecordScheme(deps.keys) : deps.keys;
  const inline = shared ?? createMemoryKeyStore(keyRecords(config));
  const opened: KeyStore[] = [];
  const storeFor = new Map<string, KeyStore>();
  if (!deps.keys) {
    config.keyStores.forEach((spec, i) => {
      if (!deps.openKeyStore) throw new TypeError(`keyStores[${i}]: a "${spec.type}" key store cannot be opened here`);
      const store = deps.openKeyStore(spec, i);
      opened.push(store);
      // A store that serves several schemes must say whose each record is (see requireRecordScheme).
      const served = spec.schemes.length > 1 ? requireRecordScheme(store) : store;
      for (const scheme of spec.schemes) storeFor.set(scheme, served);
    });
  }
  const common = (id: string) => ({
    keys: storeFor.get(id) ?? inline,
    ...(deps.clock ? { clock: deps.clock } : {}),
    ...(deps.crypto ? { crypto: deps.crypto } : {}),
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    ...(deps.sharedCache ? { sharedCache: deps.sharedCache } : {}),
  });
  const wanted = new Set(configuredSchemes(config));
  const known = new Set(implementations.map((i) => i.id));
  for (const id of wanted) if (!known.has(id)) throw new TypeError(`schemes.${id}: no such scheme is registered`);
  const schemes: ActiveScheme[] = implementations
    .filter((i) => wanted.has(i.id))
    .map((descriptor) => {
      const o = options(descriptor, config.schemes[descriptor.id]);
      return { descriptor, options: o, verifier: descriptor.createVerifier(o, common(descriptor.id)) };
    });
  const verifiers: Verifier[] = schemes.map((s) => s.verifier);
  const challenges = schemes.flatMap((s) => s.descriptor.challenges(s.options));
  const byId = new Map(schemes.map((s) => [s.descriptor.id, s]));
  const routes = createRouteTable(config.routes, config.lambda.basePaths);
  // The verifiers' claims and credentials, which follow their options (an API key's configured header).
  const credentials: CredentialParts = {
    headers: [...new Set(schemes.flatMap((s) => s.verifier.credentials.headers.map((h) => h.toLowerCase())))],
    query: [...new Set(schemes.flatMap((s) => s.verifier.credentials.query))],
  };
  // The verifiers' claims and credentials, not the descriptors': they know their options (a JWT verifier
  // reads the `auth-token` header and the `jwt` query parameter only when configured to).
  const select = (req: SignedRequest): SchemeSelection => {
    // Every scheme is asked (no short cut on the first claim): two claims are refused, never a pick.
    let claimed: ActiveScheme | undefined;
    let claims = 0;
    for (const s of schemes) {
      if (!s.verifier.claims(req)) continue;
      claimed = s;
      claims++;
    }
    if (claims === 1) return { ok: true, scheme: claimed! };
    if (claims > 1) return { ok: false, error: authError('ERR_AUTH_MALFORMED', 'credentials of more than one scheme') };
    const hasAuth = hasHeader(req.headers, 'authorization');
    return {
      ok: false,
      error: hasAuth
        ? authError('ERR_AUTH_UNSUPPORTED', 'unsupported authorization scheme')
        : authError('ERR_AUTH_MISSING', 'request is not signed'),
    };
  };
  const decideOne = (method: string | readonly string[], path: string, behindBasePaths: boolean, tailsOnly = false): RouteDecision =>
    // Bounded before any parsing: route readings are linear, but there is no reason to read a huge path at all.
    path.length > config.limits.maxUrlBytes
      ? { ok: false, error: authError('ERR_AUTH_MALFORMED', 'request URL is too long') }
      : routes.decide(method, path, behindBasePaths, tailsOnly);
  return {
    ...(deps.registry ? { registry: deps.registry } : {}),
    schemes,
    verifiers,
    challenges,
    credentials,
    credentialsIn(req) {
      // Authorization goes only when a scheme this request speaks carries its credentials there; two
      // Authorization headers arrive joined with ",", and a scheme may speak in any part of the value.
      const parts = headerMap(req.headers)
        .get('authorization')
        ?.flatMap((value) => value.split(','))
        .map((part) => part.trim())
        .filter((part) => part !== '');
      // Each part alone, without the query (the request as a whole has been asked about it once).
      const variants = [req, ...(parts ?? []).map((part): SignedRequest => ({ ...req, query: '', headers: [['authorization', part]] }))];
      const claimsAuthorization = schemes.some(
        (s) =>
          variants.some((r) => s.verifier.claims(r)) && s.verifier.credentials.headers.some((h) => h.toLowerCase() === 'authorization'),
      );
      return claimsAuthorization
        ? credentials
        : { headers: credentials.headers.filter((h) => h !== 'authorization'), query: credentials.query };
    },
    config,
    keyStores: opened,
    async hydrate() {
      await Promise.all([
        // What a verifier fetches itself (a JWT issuer's JWKS). Never rejects by contract; guarded anyway.
        ...schemes.map(async (s) => {
          try {
            await s.verifier.hydrate?.();
          } catch {
            // The first request tries again.
          }
        }),
        ...opened.map(async (store, i) => {
          const wanted = config.keyStores[i]?.hydrate;
          const h = (store as { hydrate?: (ids?: Iterable<string>) => Promise<unknown> }).hydrate;
          if (!wanted || typeof h !== 'function') return;
          try {
            await h.call(store, wanted === true ? undefined : wanted);
          } catch {
            // hydrate() of the cached store never rejects; a store of another kind may. The first request tries again.
          }
        }),
      ]);
    },
    decide(method, rawPath, options) {
      if (method === undefined) return { ok: false, error: authError('ERR_AUTH_MALFORMED', 'request names too many method overrides') };
      const behind = options?.behindBasePaths === true;
      const tailsOnly = behind ? (options?.tailsOnly ?? []) : [];
      // Each path is read once and judged for every method (RouteTable.decide).
      if (typeof rawPath === 'string' && tailsOnly.length === 0) return decideOne(method, rawPath, behind);
      // A refusal wins whatever the others say: stop at the first.
      const decisions: RouteDecision[] = [];
      // The whole paths first: a path that repeats a base path too often is refused there, before the rest is read.
      for (const [path, only] of [
        ...tailsOnly.map((p) => [p, true] as const),
        ...(typeof rawPath === 'string' ? [rawPath] : rawPath).map((p) => [p, false] as const),
      ]) {
        const d = decideOne(method, path, behind, only);
        if (!d.ok) return d;
        decisions.push(d);
      }
      return strictestOf(decisions);
    },
    authorize(principal, decision) {
      if (!decision.ok) return decision.error;
      const missing = decision.permissions.filter((p) => !principal.permissions.includes(p));
      return missing.length === 0 ? undefined : authError('ERR_FORBIDDEN', 'the principal lacks a permission this route requires');
    },
    cacheableAcrossRoutes: (scheme) => byId.get(scheme)?.descriptor.cacheableAcrossRoutes === true,
    select,
    async authenticate(req) {
      const limited = checkLimits(req, config.limits);
      if (limited) return { ok: false, error: limited };
      const selected = select(req);
      if (!selected.ok) return selected;
      return selected.scheme.verifier.verify(req);
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
