// The token service's parts and the contracts between them. The Hono app (app.ts) is written against
// these interfaces only; each part has its own file and tests, and runs unchanged on Workers and Node
// (Web APIs, jose, kysely, oauth4webapi; no platform imports).

/** A user as stored and as the original's `/auth/check` profile shows it (snake_case on the wire). */
export interface User {
  /** md5 hex of the email (the original's user id). */
  readonly id: string;
  /** `<provider>:<provider's user id>` of the latest login. */
  readonly providerId: string;
  /** Lower-cased; unique case-insensitively. */
  readonly username: string;
  readonly name: string | null;
  readonly email: string;
  readonly avatarUrl: string | null;
  /** When the user first logged in. */
  readonly joinDate: Date;
  /** True once the user chose their username through `/auth/update` (it can be set once). */
  readonly usernameChosen: boolean;
}

/** A provider profile mapped the original's way (`_normilize_profile`), before the user is stored. */
export interface NormalizedProfile {
  readonly provider: string;
  /** `<provider>:<provider's id>`. */
  readonly providerId: string;
  readonly name: string | null;
  readonly email: string;
  /** The wanted username (GitHub login, else the email's local part), not yet de-duplicated. */
  readonly username: string;
  readonly avatarUrl: string | null;
}

/** What `setUsername` did. */
export type SetUsernameOutcome = 'updated' | 'already-set' | 'taken' | 'unknown-user';

/** The users table and the service's other state, over one SQL database (PostgreSQL or D1). */
export interface TokenServiceStore {
  /** Runs the migrations that have not run yet (idempotent, safe to call at every start). */
  migrate(): Promise<void>;
  getUser(id: string): Promise<User | undefined>;
  /** Case-insensitive, as the original's `func.lower(username) == func.lower(x)`. */
  getUserByUsername(username: string): Promise<User | undefined>;
  /**
   * The original's `create_or_get_user`: creates the user (id = md5(email)) with the first free
   * username (`name`, `name1`, `name2`, … case-insensitively), or updates provider id, name and avatar of
   * an existing one (an existing user's username is kept). `created` tells which.
   */
  upsertUserFromProfile(profile: NormalizedProfile, now: Date): Promise<{ readonly user: User; readonly created: boolean }>;
  /** Sets the username once (`/auth/update`); a username another user has (case-insensitively) is `taken`. */
  setUsername(id: string, username: string): Promise<SetUsernameOutcome>;
  deleteUser(id: string): Promise<boolean>;
  /**
   * Records a login attempt's one-time state: its id, the PKCE verifier and when it expires.
   * The verifier never leaves the server. With `now`, attempts expired at `now` are removed first.
   */
  putLoginState(
    state: { readonly id: string; readonly provider: string; readonly codeVerifier: string; readonly expiresAt: Date },
    now?: Date,
  ): Promise<void>;
  /**
   * Takes a login state once: the first call for an id that exists and has not expired at `now`
   * answers it and removes it atomically; every later call (a replay), or one after expiry, answers
   * undefined. Also removes expired states.
   */
  takeLoginState(id: string, now: Date): Promise<{ readonly provider: string; readonly codeVerifier: string } | undefined>;
  /**
   * A fixed-window counter for rate limits: adds one to `key` in the window that holds `now` and
   * answers the count so far in that window (atomic under concurrency).
   */
  hit(key: string, windowSeconds: number, now: Date): Promise<number>;
  close(): Promise<void>;
}

/** Decides whether a caller may go on: the Workers rate-limit binding, or a counter in the database. */
export interface RateLimiter {
  /** True when the call with this key is within the limit. Rejects on a limiter fault (the app answers 503, fail closed). */
  allow(key: string): Promise<boolean>;
}

/** A permission answer, as the original's `get_permissions(service, userid)` returns it. */
export type Permissions = Readonly<Record<string, unknown>>;

/** Per service: a function, or an HTTP endpoint asked with the service and user id. */
export interface PermissionProviders {
  /** Whether a service is configured (unknown services get no token). */
  has(service: string): boolean;
  /** The user's permissions for a service. Rejects (with a code, no values) when the provider fails or answers badly. */
  get(service: string, user: User): Promise<Permissions>;
}

/** The original's extension hooks. A hook that throws is logged by code and does not stop the flow. */
export interface Hooks {
  onNewUser?(user: User): void | Promise<void>;
  onUserLogin?(user: User): void | Promise<void>;
  onUserLogout?(user: User): void | Promise<void>;
}

/** Claims of a verified user token. */
export interface UserTokenClaims {
  readonly userid: string;
  readonly exp: number;
  readonly iat: number;
}

/** Mints and checks the service's tokens (jose, asymmetric keys with kid; never an HMAC keyed by a PEM). */
export interface TokenIssuer {
  /** A user token: `{userid}` with iss, aud (the user-token audience), iat, exp and kid. */
  issueUserToken(userid: string): Promise<string>;
  /** A user token's claims, or undefined for anything that is not a valid, unexpired user token of ours. */
  verifyUserToken(token: string): Promise<UserTokenClaims | undefined>;
  /** A service token: `{userid, permissions, service}` with iss, aud = service, iat, exp and kid. */
  issueServiceToken(userid: string, service: string, permissions: Permissions): Promise<string>;
  /** The current signing key's public key, SPKI PEM (`/auth/public-key`). */
  publicKeyPem(): Promise<string>;
  /** Public keys of the current key and of previous keys whose tokens may still be live. */
  jwks(): Promise<{ readonly keys: readonly Record<string, unknown>[] }>;
}

/** One OAuth2 provider's client side, with configurable endpoints. */
export interface OAuthProvider {
  /** `github` or `google`. */
  readonly name: string;
  /** The URL to send the browser to (authorization-code flow, PKCE S256 where the provider supports it). */
  authorizationUrl(input: { readonly state: string; readonly codeChallenge: string; readonly redirectUri: string }): URL;
  /**
   * Exchanges the code and reads the profile, mapped the original's way. Rejects with an
   * `OAuthLoginError` on a provider error, a timeout, or a profile without a usable email.
   */
  completeLogin(
    input: { readonly code: string; readonly codeVerifier: string; readonly redirectUri: string },
    store: Pick<TokenServiceStore, 'getUser'>,
  ): Promise<NormalizedProfile>;
}

/** Why a login failed, by code only (the provider's text never reaches the caller or the logs). */
export class OAuthLoginError extends Error {
  constructor(
    readonly code: 'provider-error' | 'provider-timeout' | 'provider-bad-answer' | 'no-email' | 'access-denied',
    message: string,
  ) {
    super(message);
    this.name = 'OAuthLoginError';
  }
}
