// What an API-key failure says to a client: the original Flask service's error body,
// {"error":"Not Authorized","message":"...","status":401}, with the status's name in "error".
import type { AuthError } from '../../core/errors.ts';
import { API_KEY_MESSAGES, DEFAULT_API_KEY_HEADER } from './constants.ts';

/** The original's error body. */
export interface ApiKeyFailureBody {
  readonly error: string;
  readonly message: string;
  readonly status: number;
}

/** The names the original's error handlers give each status. */
const STATUS_NAMES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Not Authorized',
  403: 'Forbidden',
  413: 'Request Entity Too Large',
  503: 'Service Unavailable',
};

/**
 * The failure body of an API-key request (the scheme descriptor's `failureBody`). `error` is already
 * in its public form (an unknown key id looks like a wrong key); every refusal of a key itself has
 * one message, and none quotes the key; a request without one (whichever part noticed) names the header. A key store fault is worded generically (its internal message
 * may name a record's field).
 */
export function apiKeyFailureBody(error: AuthError, options: { readonly header?: string } = {}): ApiKeyFailureBody {
  const message =
    error.code === 'ERR_AUTH_MISSING'
      ? API_KEY_MESSAGES.missing(options.header ?? DEFAULT_API_KEY_HEADER)
      : error.code === 'ERR_KEYSTORE_UNAVAILABLE'
        ? API_KEY_MESSAGES.unavailable
        : error.code === 'ERR_SIGNATURE_INVALID' || error.code === 'ERR_KEY_NOT_FOUND'
          ? API_KEY_MESSAGES.invalid
          : error.message;
  return { error: STATUS_NAMES[error.status] ?? 'Error', message, status: error.status };
}
