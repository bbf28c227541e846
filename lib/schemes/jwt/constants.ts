/** The scheme id: `schemes.jwt`, `keys[].scheme`, `--scheme jwt`. */
export const JWT_SCHEME = 'jwt';

/** Where a bearer token normally travels: `Authorization: Bearer <token>` (RFC 6750 section 2.1). */
export const AUTHORIZATION_HEADER = 'authorization';
/** The auth-scheme token before a bearer token (matched case-insensitively, RFC 9110 section 11.1). */
export const BEARER = 'Bearer';
/** dhq-auth's header for a token (opt-in: `authTokenHeader`). */
export const AUTH_TOKEN_HEADER = 'auth-token';
/** dhq-auth's query parameter for a token, as its login redirect hands it over (opt-in: `queryParameter`). */
export const JWT_QUERY_PARAMETER = 'jwt';

/** Longest token accepted unless configured otherwise (bytes of the compact form). */
export const DEFAULT_MAX_TOKEN_BYTES = 8 * 1024;
/** Bounds of `maxTokenBytes`. */
export const MAX_TOKEN_BYTES_RANGE = [512, 64 * 1024] as const;
/** Allowed clock difference for exp, nbf and iat unless an issuer says otherwise. */
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;
/** Verified tokens remembered unless configured otherwise (0 turns the cache off). */
export const DEFAULT_TOKEN_CACHE_SIZE = 1000;
/** Most token characters the verified-token cache holds, whatever its entry count (16 Mi). */
export const MAX_TOKEN_CACHE_CHARS = 16 * 1024 * 1024;
/** Smallest RSA modulus accepted (RFC 7518 section 3.3 asks for 2048 bits). */
export const DEFAULT_MIN_RSA_BITS = 2048;
/** Most permissions one token may carry (the key records' limit). */
export const MAX_PERMISSIONS = 256;
/** The longest principal, permission or kid a token may carry (the key records' limits). */
export const MAX_CLAIM_STRING_LENGTH = 256;
/** Lifetime of a token our signer mints unless configured otherwise. */
export const DEFAULT_SIGNER_TTL_SECONDS = 300;
