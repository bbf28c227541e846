/** Wire names of the SigV4 family (AWS Signature Version 4 and python-dciauth's DCI2 flavour). */
export const AWS4_ALGORITHM = 'AWS4-HMAC-SHA256';
export const DCI2_ALGORITHM = 'DCI2-HMAC-SHA256';
export const ALGORITHMS = [AWS4_ALGORITHM, DCI2_ALGORITHM] as const;
export type SigV4Algorithm = (typeof ALGORITHMS)[number];

export interface AlgorithmInfo {
  /** Prefix of the first HMAC key: the algorithm name minus "-HMAC-SHA256". */
  readonly keyPrefix: string;
  /** Last element of the credential scope. */
  readonly terminator: string;
  /** Header the signer writes the timestamp to. */
  readonly dateHeader: string;
}

export const ALGORITHM_INFO: Readonly<Record<SigV4Algorithm, AlgorithmInfo>> = {
  [AWS4_ALGORITHM]: { keyPrefix: 'AWS4', terminator: 'aws4_request', dateHeader: 'x-amz-date' },
  [DCI2_ALGORITHM]: { keyPrefix: 'DCI2', terminator: 'dci2_request', dateHeader: 'x-dci-date' },
};

export const AMZ_DATE = 'x-amz-date';
export const DCI_DATE = 'x-dci-date';
export const CONTENT_SHA256 = 'x-amz-content-sha256';
export const SECURITY_TOKEN = 'x-amz-security-token';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

export const Q_ALGORITHM = 'X-Amz-Algorithm';
export const Q_CREDENTIAL = 'X-Amz-Credential';
export const Q_DATE = 'X-Amz-Date';
export const Q_EXPIRES = 'X-Amz-Expires';
export const Q_SIGNED_HEADERS = 'X-Amz-SignedHeaders';
export const Q_SIGNATURE = 'X-Amz-Signature';
export const Q_SECURITY_TOKEN = 'X-Amz-Security-Token';

/** Seven days: the longest presigned URL AWS allows. */
export const MAX_PRESIGN_EXPIRES_SECONDS = 604_800;
export const DEFAULT_SKEW_SECONDS = 900;
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
