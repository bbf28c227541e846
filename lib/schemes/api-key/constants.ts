/** The scheme id: `schemes["api-key"]`, `keys[].scheme`, `--scheme api-key`. */
export const API_KEY_SCHEME = 'api-key';

/** The header the key travels in unless `schemes["api-key"].header` names another (matched case-insensitively). */
export const DEFAULT_API_KEY_HEADER = 'X-Api-Key';

/** What a client is told, in the original's body (`{"error":"Not Authorized","message":...,"status":401}`). Never a key. */
export const API_KEY_MESSAGES = {
  missing: (header: string) => `The request carries no API key: the ${header} header is missing or empty.`,
  duplicate: (header: string) => `The request has more than one ${header} header.`,
  tooLong: (header: string) => `The ${header} header is too long to be an API key.`,
  invalid: 'The API key is not valid.',
  recordInvalid: 'The API key cannot be checked: its key record is not usable.',
  unavailable: 'Unable to authenticate: the key store could not be reached.',
} as const;

/**
 * Header names the key may not travel in: they carry other meanings to HTTP, to API Gateway or to
 * the other schemes (an `Authorization` key would be claimed by every Authorization scheme too).
 */
export const RESERVED_HEADERS: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'host',
  'cookie',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'x-amz-date',
  'x-amz-security-token',
  'x-amz-content-sha256',
  'mcc-authentication',
  'mcc-time',
  'x-mws-authentication',
  'x-mws-time',
];
