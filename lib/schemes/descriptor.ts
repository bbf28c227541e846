import type * as v from 'valibot';
import type { Clock } from '../core/clock.ts';
import type { AuthError } from '../core/errors.ts';
import type { CryptoBackend } from '../core/crypto.ts';
import type { SignedRequest } from '../core/request.ts';
import type { CredentialParts, Signer, Verifier } from '../core/verifier.ts';
import type { FetchLike, KeyRecord, KeyStore, SharedDocumentCache } from '../keys/types.ts';

/**
 * How a scheme's signature covers the request body, which decides what an API Gateway authorizer
 * (which never sees the body) can prove:
 * - `header-hash`: a body hash the request declares in a header is signed (SigV4's
 *   `x-amz-content-sha256`); without that header the signature covers the body itself. The authorizer
 *   verifies the declared hash and hands it on, or verifies a request that declares no body as bodyless.
 * - `raw-body`: the signature covers the body bytes (MAuth, uStudio). Only a request that declares no
 *   body can be verified at the authorizer; one with a body needs `verifyInFunction`.
 * - `none`: the body is not covered at all (bearer credentials: API keys, JWT).
 */
export type BodyCoverage = 'header-hash' | 'raw-body' | 'none';

/** One `WWW-Authenticate` challenge (RFC 9110 section 11.6.1): an auth-scheme token and its parameters. */
export interface Challenge {
  readonly scheme: string;
  readonly params?: Readonly<Record<string, string>>;
}

/** What every verifier of an authenticator shares: where keys come from, the clock and the crypto backend. */
export interface SchemeDeps {
  readonly keys: KeyStore;
  readonly clock?: Clock;
  readonly crypto?: CryptoBackend;
  /** The `fetch` a scheme that fetches documents itself (a JWT issuer's JWKS) calls; the global one by default. */
  readonly fetch?: FetchLike;
  /** A cache the platform shares between instances (Workers KV), for documents fetched from the network. */
  readonly sharedCache?: SharedDocumentCache;
}

/** The key a signer signs as: a configuration key record reduced to what signing needs. */
export interface SignerKey {
  readonly id: string;
  /** The secret to sign with (of a rotation, the newest). */
  readonly secret: string;
  /** A session token the scheme sends with the key (SigV4's X-Amz-Security-Token), if the record has one. */
  readonly sessionToken?: string;
}

/** How a signer is made, beyond its options and key. */
export interface SignerSettings {
  readonly clock?: Clock;
  readonly crypto?: CryptoBackend;
  /** One of the scheme's `signerVariants(options)` (SigV4: the algorithm); default: the first. */
  readonly variant?: string;
}

/** The strings a signature was checked against, for `edge-auth explain`. Never secrets or the signature. */
export interface SignatureExplanation {
  readonly algorithm: string;
  readonly mode: string;
  readonly scope: string;
  readonly signedHeaders: readonly string[];
  readonly canonicalRequest: string;
  readonly stringToSign: string;
  readonly payloadHash: string;
  /** Every canonical form tried, the first being the main one. */
  readonly alternatives: ReadonlyArray<{ canonicalRequest: string; stringToSign: string }>;
  /**
   * Values the strings above contain that a printout must not show, and where they come from (MAuth:
   * the app uuid, a key id). `edge-auth explain` replaces each with its length and a short hash.
   */
  readonly redact?: ReadonlyArray<{ readonly where: string; readonly value: string }>;
}

/** A scheme's verifier, which may also explain what it checked a request against. */
export interface SchemeVerifier extends Verifier {
  /**
   * Loads what the verifier fetches itself (a JWT issuer's JWKS) before the first request; the
   * authenticator's `hydrate()` calls it. It never rejects: a failure is tried again on first use.
   */
  hydrate?(): Promise<void>;
  /**
   * True when each `verify` asks a remote service to judge the request (MAuth's remote mode): one
   * call per verification, the body included. Adapters that check a request under several readings
   * of its path then try fewer of them (see `MAX_REMOTE_PATHS` in lib/adapters/aws-lambda/signed-paths.ts).
   */
  readonly asksRemotely?: boolean;
  /** @throws AuthFailure when the request carries no credentials of this scheme or they cannot be parsed. */
  explain?(req: SignedRequest): Promise<SignatureExplanation>;
}

/** A scheme's signer; `presign` for schemes that can put credentials in the URL. */
export interface SchemeSigner extends Signer {
  presign?(req: SignedRequest, options?: { readonly expiresIn?: number }): Promise<SignedRequest>;
}

/**
 * What a scheme does, without the schema that validates its options: everything in a
 * {@link SchemeDescriptor} but `options`. An authenticator is built from these and options a
 * schema has already output, so code that receives a configuration validated elsewhere (the Lambda
 * authorizer's bundle, validated by the build) needs no schema library. Each scheme's descriptor is
 * its implementation plus its options schema.
 *
 * `O` is the scheme's options as its schema outputs them (defaults applied). Methods are declared
 * as methods so a `SchemeImplementation<SigV4Options>` can stand in a `SchemeImplementation` list.
 */
export interface SchemeImplementation<O = unknown> {
  /** The key under `schemes` in the configuration, `keys[].scheme`, `--scheme` and `AuthSuccess.scheme`. */
  readonly id: string;
  /**
   * Whether the request carries this scheme's credentials at all: cheap (a header's presence or first
   * token), no crypto. Under the default options; where options move the credentials (API keys'
   * `header`), the authenticator asks the verifier, whose `claims` and `credentials` follow them.
   */
  claims(req: SignedRequest): boolean;
  /**
   * Makes the scheme's verifier.
   *
   * @throws TypeError on options the schema would not have let through.
   */
  createVerifier(options: O, deps: SchemeDeps): SchemeVerifier;
  /**
   * Makes a signer that signs as `key`.
   *
   * @throws TypeError on invalid options, key or variant.
   */
  createSigner(options: O, key: SignerKey, settings?: SignerSettings): SchemeSigner;
  /** The variants a signer may pick under these options (SigV4: the algorithms), the default first; none when it has no choice. */
  signerVariants?(options: O): readonly string[];
  /** The `WWW-Authenticate` challenges a 401 carries for this scheme under these options. */
  challenges(options: O): readonly Challenge[];
  /**
   * The JSON body an HTTP answer to a failed request of this scheme carries, where the scheme's users
   * expect their own shape (MAuth: `{"errors":{"mauth":["<message>"]}}`); absent: the adapters' shape.
   * `error` is the public form (key-not-found already looks like a bad signature). Used by the Hono
   * middleware and the in-function HTTP answers for a request that speaks this scheme, or for an
   * unsigned request when this is the only configured scheme; it changes the body, never the status.
   * It must not name key ids, signatures or secrets.
   */
  failureBody?(error: AuthError, options: O): unknown;
  /**
   * What this scheme needs of a key record beyond the common format (API keys: only `sha256:<hex>`
   * hashes, an id a key can carry): each field (`secrets[1]`, relative to the record) and what is
   * wrong, never a value. `loadConfig` refuses a `keys[]` record of this scheme with any. Absent: none.
   */
  recordIssues?(record: KeyRecord): ReadonlyArray<{ readonly path: string; readonly message: string }>;
  /** How its signature covers the body (see {@link BodyCoverage}). */
  readonly body: BodyCoverage;
  /**
   * With `header-hash`: the header that declares the body's hash (lower-case; SigV4's
   * `x-amz-content-sha256`). An authorizer verifies a request that carries neither it nor a body as
   * bodyless at once: asked without the body, such a request could only fail.
   */
  readonly bodyHashHeader?: string;
  /** The request parts that carry its credentials: stripped before a request goes to an origin. */
  readonly credentials: CredentialParts;
  /**
   * Whether a verified answer may stand for other routes (API Gateway caches authorizer answers by
   * identity source): false for signatures, which prove one request; true only for bearer credentials.
   */
  readonly cacheableAcrossRoutes: boolean;
}

/**
 * Everything the rest of the library knows about one scheme: its {@link SchemeImplementation} and
 * the valibot schema of its options. Each `lib/schemes/<id>/scheme.ts` exports one of these and
 * `lib/schemes/registry.ts` lists them; configuration, router, middleware, authorizer and CLI read
 * descriptors and never name a scheme.
 *
 * `O` is the scheme's options as its schema outputs them (defaults applied).
 */
export interface SchemeDescriptor<O = unknown> extends SchemeImplementation<O> {
  /** Validates `schemes.<id>` (valibot), filling in defaults; its issues name fields, never values. */
  readonly options: v.GenericSchema<unknown, O>;
}

/**
 * Declares a scheme descriptor (or, without `options`, a scheme implementation), checking its
 * shape at compile time and its id at load time.
 *
 * @throws TypeError when the id is not lower-case letters, digits and "-" (it is a configuration key).
 * @example
 * export const toyScheme = defineScheme({ id: 'toy', options: ToyOptions, claims, createVerifier, ... });
 */
export function defineScheme<O>(descriptor: SchemeDescriptor<O>): SchemeDescriptor<O>;
export function defineScheme<O>(implementation: SchemeImplementation<O>): SchemeImplementation<O>;
export function defineScheme<O>(scheme: SchemeImplementation<O>): SchemeImplementation<O> {
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(scheme.id)) throw new TypeError('a scheme id must be lower-case letters, digits and "-"');
  return Object.freeze(scheme);
}

/**
 * A `WWW-Authenticate` value from challenges: `AWS4-HMAC-SHA256 realm="execute-api", Toy realm="x"`
 * (parameters as quoted strings, `"` and `\` escaped); with `params: false`, the scheme tokens only.
 * An empty string when there are none.
 *
 * @example
 * res.headers.set('www-authenticate', challengeHeader(auth.challenges));
 */
export function challengeHeader(challenges: readonly Challenge[], options: { readonly params?: boolean } = {}): string {
  const withParams = options.params ?? true;
  const parts = challenges.map((c) => {
    const params = withParams ? Object.entries(c.params ?? {}) : [];
    if (params.length === 0) return c.scheme;
    return `${c.scheme} ${params.map(([k, val]) => `${k}="${val.replace(/["\\]/g, '\\$&')}"`).join(', ')}`;
  });
  return [...new Set(parts)].join(', ');
}
