/**
 * Stable error codes and the HTTP status each maps to. Callers switch on `code`, never on classes
 * or messages; messages are for humans and never carry secrets, signatures, tokens or key ids.
 */
export const ErrorCodes = {
  ERR_AUTH_MISSING: 401,
  ERR_AUTH_MALFORMED: 400,
  ERR_AUTH_UNSUPPORTED: 401,
  ERR_SIGNATURE_INVALID: 401,
  ERR_REQUEST_EXPIRED: 401,
  ERR_REQUEST_NOT_YET_VALID: 401,
  ERR_SCOPE_MISMATCH: 401,
  ERR_PAYLOAD_HASH_MISMATCH: 401,
  ERR_PAYLOAD_HASH_REQUIRED: 401,
  ERR_PATH_REJECTED: 400,
  ERR_KEY_NOT_FOUND: 401,
  ERR_FORBIDDEN: 403,
  ERR_AUDIENCE_MISMATCH: 403,
  ERR_BODY_TOO_LARGE: 413,
  ERR_KEYSTORE_UNAVAILABLE: 503,
} as const;

/** One of the stable codes callers switch on (a key of {@link ErrorCodes}); never parse messages instead. */
export type ErrorCode = keyof typeof ErrorCodes;

/** The failure half of a verification result. */
export interface AuthError {
  readonly code: ErrorCode;
  readonly status: number;
  readonly message: string;
}

/**
 * Builds the failure half of a result with the status that belongs to `code`; `message` must name no
 * secret, signature, token or key id.
 */
export function authError(code: ErrorCode, message: string): AuthError {
  return { code, status: ErrorCodes[code], message };
}

/**
 * Thrown inside a verifier to abort with a stable code; `verify()` catches it and returns it as
 * `{ ok: false, error }`, so no caller ever sees it thrown.
 */
export class AuthFailure extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'AuthFailure';
    this.code = code;
    this.status = ErrorCodes[code];
  }
  toAuthError(): AuthError {
    return authError(this.code, this.message);
  }
}

/**
 * Aborts a verification step with a stable code; typed `never` so the compiler narrows after the call.
 *
 * @throws AuthFailure always, carrying `code` and its status; `verify()` returns it as `{ ok: false, error }`.
 */
export function fail(code: ErrorCode, message: string): never {
  throw new AuthFailure(code, message);
}

/**
 * Runs a verification step that throws {@link AuthFailure} and answers with a result instead: the
 * failure's code, or `ERR_AUTH_MALFORMED` for anything else thrown (never an accept, never a throw).
 *
 * @example
 * verify: (req) => failureAsResult(() => verifyOrThrow(req)),
 */
export function failureAsResult<T>(run: () => T | Promise<T>): Promise<T | { readonly ok: false; readonly error: AuthError }> {
  let p: T | Promise<T>;
  try {
    p = run();
  } catch (e) {
    return Promise.resolve(asFailureResult(e));
  }
  // An answer already there (a verifier that judged without waiting) is settled as it is; a promise gets a
  // rejection handler rather than an async wrapper: one promise step less per verification either way.
  if (p instanceof Promise) return p.then(undefined, asFailureResult);
  // Any other thenable is adopted, and its rejection caught too.
  if (typeof (p as { then?: unknown } | null)?.then === 'function') return Promise.resolve(p).then(undefined, asFailureResult);
  return Promise.resolve(p);
}

/** What a verifier answers for something thrown: an AuthFailure's code, `ERR_AUTH_MALFORMED` for anything else. */
export function asFailureResult(e: unknown): { readonly ok: false; readonly error: AuthError } {
  if (e instanceof AuthFailure) return { ok: false, error: e.toAuthError() };
  return { ok: false, error: authError('ERR_AUTH_MALFORMED', 'request could not be parsed') };
}
