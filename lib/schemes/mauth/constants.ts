/** The scheme id: `schemes.mauth`, `keys[].scheme`, `--scheme mauth`. */
export const MAUTH_SCHEME = 'mauth';

/** v1 (MWS): `X-MWS-Authentication: MWS <app_uuid>:<base64 signature>` (lower-cased here). */
export const V1_AUTH_HEADER = 'x-mws-authentication';
/** v1's time header: epoch seconds, digits only. */
export const V1_TIME_HEADER = 'x-mws-time';
/** v1's token, before the app uuid. */
export const V1_TOKEN = 'MWS';

/** v2 (MWSV2): `MCC-Authentication: MWSV2 <app_uuid>:<base64 signature>;` (lower-cased here). */
export const V2_AUTH_HEADER = 'mcc-authentication';
/** v2's time header: epoch seconds, digits only. */
export const V2_TIME_HEADER = 'mcc-time';
/** v2's token, before the app uuid. */
export const V2_TOKEN = 'MWSV2';

/** The headers as clients write them (for signers and docs). */
export const WIRE_HEADERS = {
  v1Auth: 'X-MWS-Authentication',
  v1Time: 'X-MWS-Time',
  v2Auth: 'MCC-Authentication',
  v2Time: 'MCC-Time',
} as const;

/** The original's allowed drift: requests older (and, here, newer) than this are refused. */
export const DEFAULT_TIME_SKEW_SECONDS = 300;

/** Longest authentication header accepted (a 4096-bit signature is 684 base64 characters). */
export const MAX_AUTH_HEADER_LENGTH = 2048;

/** Signature versions a signer can put on a request. */
export type MAuthVersion = 'v1' | 'v2';
