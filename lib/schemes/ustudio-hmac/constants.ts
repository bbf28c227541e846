/** The scheme id: `schemes.ustudio-hmac`, `keys[].scheme`, `--scheme ustudio-hmac`. */
export const USTUDIO_SCHEME = 'ustudio-hmac';

/** The algorithm token, the first of the Authorization header's three (compared case-sensitively, as the original does). */
export const USTUDIO_ALGORITHM = 'USTUDIO-HMAC-V2';

/** The header the credentials travel in (lower-cased here). */
export const AUTH_HEADER = 'authorization';

/**
 * Our freshness extension's headers (not part of the original protocol): the signing time, epoch
 * seconds, digits only, and an optional client nonce. Lower-cased here.
 */
export const TIMESTAMP_HEADER = 'x-ustudio-timestamp';
/** The freshness extension's optional nonce header (lower-cased here). */
export const NONCE_HEADER = 'x-ustudio-nonce';

/** The headers as clients write them (for signers and docs). */
export const WIRE_HEADERS = {
  auth: 'Authorization',
  timestamp: 'X-UStudio-Timestamp',
  nonce: 'X-UStudio-Nonce',
} as const;

/** Default freshness window, both directions, when the extension is on. */
export const DEFAULT_SKEW_SECONDS = 300;

/** Default number of signatures the in-memory replay cache remembers. */
export const DEFAULT_REPLAY_CACHE_SIZE = 10_000;

/** Longest Authorization header accepted: the algorithm, a key id at its limit, a 64-digit digest and two spaces. */
export const MAX_AUTH_HEADER_LENGTH = USTUDIO_ALGORITHM.length + 1 + 256 + 1 + 64;

/** Longest key id accepted (the key-record format's own bound). */
export const MAX_KEY_ID_LENGTH = 256;

/** A nonce: 8 to 128 characters of base64url, hex or a UUID. */
export const NONCE_RE = /^[A-Za-z0-9_-]{8,128}$/;

/** A timestamp: epoch seconds, digits only, at most 12 of them. */
export const TIMESTAMP_RE = /^\d{1,12}$/;
