// Wire names of the SigV4 family (AWS Signature Version 4 and python-dciauth's DCI2 flavour).

/** AWS Signature Version 4: the first token of the Authorization header and the `X-Amz-Algorithm` value. */
export const AWS4_ALGORITHM = 'AWS4-HMAC-SHA256';
/** python-dciauth's algorithm: SigV4 with the `DCI2` key prefix, the `dci2_request` terminator and `x-dci-date`. */
export const DCI2_ALGORITHM = 'DCI2-HMAC-SHA256';
/** Every algorithm of the family, AWS first (the default); a verifier accepts only those it is configured with. */
export const ALGORITHMS = [AWS4_ALGORITHM, DCI2_ALGORITHM] as const;
/** One of {@link ALGORITHMS}: the names a verifier or signer can be configured with. */
export type SigV4Algorithm = (typeof ALGORITHMS)[number];

/** What differs between the algorithms of the family; the rest of canonicalization and signing is shared. */
export interface AlgorithmInfo {
  /** Prefix of the first HMAC key: the algorithm name minus "-HMAC-SHA256". */
  readonly keyPrefix: string;
  /** Last element of the credential scope. */
  readonly terminator: string;
  /** Header the signer writes the timestamp to. */
  readonly dateHeader: string;
}

/** Key prefix, scope terminator and date header per algorithm, so code looks them up instead of branching on names. */
export const ALGORITHM_INFO: Readonly<Record<SigV4Algorithm, AlgorithmInfo>> = {
  [AWS4_ALGORITHM]: { keyPrefix: 'AWS4', terminator: 'aws4_request', dateHeader: 'x-amz-date' },
  [DCI2_ALGORITHM]: { keyPrefix: 'DCI2', terminator: 'dci2_request', dateHeader: 'x-dci-date' },
};

/** Header with the AWS4 request timestamp (`YYYYMMDDTHHMMSSZ`). */
export const AMZ_DATE = 'x-amz-date';
/** Header with the DCI2 request timestamp (python-dciauth's name for `x-amz-date`). */
export const DCI_DATE = 'x-dci-date';
/** Header declaring the payload hash the signature covers (hex SHA-256 or `UNSIGNED-PAYLOAD`); S3 and the AWS SDKs send it. */
export const CONTENT_SHA256 = 'x-amz-content-sha256';
/** Header with a temporary credential's session token: a credential itself, never forwarded to the origin. */
export const SECURITY_TOKEN = 'x-amz-security-token';
/** Payload hash value that leaves the body out of the signature (S3, presigned URLs). */
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/** Presigned-URL parameter naming the algorithm. */
export const Q_ALGORITHM = 'X-Amz-Algorithm';
/** Presigned-URL parameter with `<key id>/<date>/<region>/<service>/<terminator>`. */
export const Q_CREDENTIAL = 'X-Amz-Credential';
/** Presigned-URL parameter with the signing timestamp (`YYYYMMDDTHHMMSSZ`). */
export const Q_DATE = 'X-Amz-Date';
/** Presigned-URL parameter with how many seconds after `X-Amz-Date` the URL stays valid. */
export const Q_EXPIRES = 'X-Amz-Expires';
/** Presigned-URL parameter listing the signed header names, `;`-separated. */
export const Q_SIGNED_HEADERS = 'X-Amz-SignedHeaders';
/** Presigned-URL parameter with the hex signature; left out of the canonical query, which it cannot sign. */
export const Q_SIGNATURE = 'X-Amz-Signature';
/** Presigned-URL parameter with the session token of a temporary credential. */
export const Q_SECURITY_TOKEN = 'X-Amz-Security-Token';

/** Seven days: the longest presigned URL AWS allows. */
export const MAX_PRESIGN_EXPIRES_SECONDS = 604_800;
/** Fifteen minutes: how far a signed timestamp may be from now, either way, unless configured (as AWS allows). */
export const DEFAULT_SKEW_SECONDS = 900;
/** Hex SHA-256 of nothing: the payload hash of a request without a body, known without hashing. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Headers a signer leaves unsigned because proxies add, drop or rewrite them (as the AWS SDKs do). */
export const UNSIGNABLE_HEADERS = new Set([
  'authorization',
  'cache-control',
  'connection',
  'expect',
  'from',
  'keep-alive',
  'max-forwards',
  'pragma',
  'referer',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'user-agent',
  'x-amzn-trace-id',
]);

/** Canonicalization profile: AWS's rules, or python-dciauth's (PROTOCOLS.md section 1). */
export type SigV4Profile = 'aws' | 'dciauth';
