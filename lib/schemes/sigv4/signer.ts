import { defaultCrypto } from '#crypto';
import { systemClock, type Clock } from '../../core/clock.ts';
import type { CryptoBackend } from '../../core/crypto.ts';
import { percentEncode } from '../../core/encoding.ts';
import type { HeaderList, SignedRequest } from '../../core/request.ts';
import type { Signer } from '../../core/verifier.ts';
import {
  canonicalHeaders,
  canonicalPath,
  canonicalQuery,
  canonicalRequest,
  queryPairs,
  stringToSign,
  type CanonicalOptions,
} from './canonical.ts';
import {
  ALGORITHM_INFO,
  ALGORITHMS,
  CONTENT_SHA256,
  MAX_PRESIGN_EXPIRES_SECONDS,
  Q_ALGORITHM,
  Q_CREDENTIAL,
  Q_DATE,
  Q_EXPIRES,
  Q_SECURITY_TOKEN,
  Q_SIGNATURE,
  Q_SIGNED_HEADERS,
  SECURITY_TOKEN,
  UNSIGNABLE_HEADERS,
  UNSIGNED_PAYLOAD,
  type SigV4Algorithm,
  type SigV4Profile,
} from './constants.ts';
import { SigningKeyCache } from './signing-key.ts';
import { formatAmzTimestamp } from './time.ts';
import { SIGV4_SCHEME } from './verifier.ts';

/**
 * What {@link createSigV4Signer} signs with: the key, the scope it signs for, and canonicalization switches
 * whose defaults match the AWS SDKs (S3 aside).
 */
export interface SigV4SignerOptions {
  readonly keyId: string;
  readonly secret: string;
  readonly region: string;
  readonly service: string;
  readonly algorithm?: SigV4Algorithm;
  readonly profile?: SigV4Profile;
  readonly sessionToken?: string;
  /** Also send and sign x-amz-content-sha256 (as S3 and the AWS SDKs do). Default false. */
  readonly signContentSha256?: boolean;
  readonly uriEscapePath?: boolean;
  readonly normalizePath?: boolean;
  readonly clock?: Clock;
  readonly crypto?: CryptoBackend;
}

/** How {@link SigV4Signer.presign} builds a presigned URL. */
export interface PresignOptions {
  /** Seconds the URL stays valid (1..604800, default 900). */
  readonly expiresIn?: number;
  /** Sign UNSIGNED-PAYLOAD instead of the body hash (S3 style). Default true. */
  readonly unsignedPayload?: boolean;
}

/** A signer that can also put the signature in the query (presigned URLs), for clients that cannot set headers. */
export interface SigV4Signer extends Signer {
  presign(req: SignedRequest, options?: PresignOptions): Promise<SignedRequest>;
}

/**
 * Creates a signer for SigV4 (AWS4-HMAC-SHA256) or DCI2-HMAC-SHA256. It shares canonicalization
 * with the verifier, so the two cannot drift.
 *
 * @throws TypeError on invalid options; `sign()` and `presign()` reject with TypeError when the
 * clock gives no time in years 0000-9999 (never an impossible timestamp).
 * @example
 * const signer = createSigV4Signer({ keyId, secret, region: 'us-east-1', service: 'execute-api' });
 * const signed = await signer.sign({ method: 'GET', path: '/', query: '', headers: [['host', 'api.example.com']], body: new Uint8Array() });
 */
export function createSigV4Signer(options: SigV4SignerOptions): SigV4Signer {
  const algorithm = options.algorithm ?? 'AWS4-HMAC-SHA256';
  if (!(ALGORITHMS as readonly string[]).includes(algorithm)) throw new TypeError('unsupported algorithm');
  if (!options.keyId) throw new TypeError('keyId is required');
  if (!options.secret) throw new TypeError('secret is required');
  for (const [name, v] of [
    ['region', options.region],
    ['service', options.service],
  ] as const) {
    if (typeof v !== 'string' || !/^[A-Za-z0-9._-]+$/.test(v)) throw new TypeError(`${name} must be a non-empty scope string`);
  }
  const profile = options.profile ?? 'aws';
  const isS3 = options.service === 's3';
  const canon: CanonicalOptions = {
    profile,
    uriEscapePath: options.uriEscapePath ?? !isS3,
    normalizePath: options.normalizePath ?? !isS3,
  };
  const info = ALGORITHM_INFO[algorithm];
  const clock = options.clock ?? systemClock;
  const crypto = options.crypto ?? defaultCrypto;
  const keys = new SigningKeyCache(crypto, options.region, options.service);
  // The signer's own slot of derived keys (one secret: today's key and yesterday's at most).
  const owner = { secrets: [options.secret] };

  function withoutAuth(headers: HeaderList, drop: readonly string[]): Array<[string, string]> {
    return headers.filter(([n]) => !drop.includes(n.toLowerCase())).map(([n, v]) => [n, v] as [string, string]);
  }

  function headersToSign(headers: HeaderList): string[] {
    const names = new Set<string>();
    for (const [n] of headers) {
      const lower = n.toLowerCase();
      if (!UNSIGNABLE_HEADERS.has(lower)) names.add(lower);
    }
    return [...names].sort();
  }

  async function signature(date: string, timestamp: string, canonical: string): Promise<string> {
    const scope = `${date}/${options.region}/${options.service}/${info.terminator}`;
    const key = await keys.get(owner, algorithm, options.secret, date);
    return crypto.hmacSha256Hex(key, stringToSign(algorithm, timestamp, scope, await crypto.sha256Hex(canonical)));
  }

  return {
    scheme: SIGV4_SCHEME,
    async sign(req) {
      const timestamp = formatAmzTimestamp(clock());
      const date = timestamp.slice(0, 8);
      const headers = withoutAuth(req.headers, ['authorization', info.dateHeader, SECURITY_TOKEN]);
      if (!headers.some(([n]) => n.toLowerCase() === 'host')) throw new TypeError('request needs a host header to be signed');
      headers.push([info.dateHeader === 'x-dci-date' ? 'X-DCI-Date' : 'X-Amz-Date', timestamp]);
      // A caller-set x-amz-content-sha256 (a hash, or UNSIGNED-PAYLOAD) is what gets signed, as the AWS SDKs do.
      const declared = headers.find(([n]) => n.toLowerCase() === CONTENT_SHA256)?.[1];
      const payloadHash = declared ?? (await crypto.sha256Hex(req.body ?? new Uint8Array()));
      if (options.signContentSha256 && declared === undefined) headers.push(['x-amz-content-sha256', payloadHash]);
      if (options.sessionToken) headers.push(['X-Amz-Security-Token', options.sessionToken]);
      let signed = headersToSign(headers);
      if (profile === 'dciauth') signed = ['host', info.dateHeader === 'x-dci-date' ? 'x-dci-date' : 'x-amz-date'];
      const draft: SignedRequest = { ...req, headers };
      const canonical = canonicalRequest(
        req.method,
        canonicalPath(req.path, canon),
        canonicalQuery(queryPairs(req.query, profile), profile),
        canonicalHeaders(draft, signed, profile),
        signed,
        payloadHash,
      );
      const sig = await signature(date, timestamp, canonical);
      const credential = `${options.keyId}/${date}/${options.region}/${options.service}/${info.terminator}`;
      const authorization = `${algorithm} Credential=${credential}, SignedHeaders=${signed.join(';')}, Signature=${sig}`;
      return { ...req, headers: [...headers, ['Authorization', authorization]] };
    },
    async presign(req, presignOptions = {}) {
      const expiresIn = presignOptions.expiresIn ?? 900;
      if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_PRESIGN_EXPIRES_SECONDS) {
        throw new TypeError('expiresIn must be 1..604800 seconds');
      }
      const timestamp = formatAmzTimestamp(clock());
      const date = timestamp.slice(0, 8);
      const headers = withoutAuth(req.headers, ['authorization']);
      if (!headers.some(([n]) => n.toLowerCase() === 'host')) throw new TypeError('request needs a host header to be signed');
      const signed = profile === 'dciauth' ? ['host'] : headersToSign(headers);
      const credential = `${options.keyId}/${date}/${options.region}/${options.service}/${info.terminator}`;
      const added: Array<[string, string]> = [
        [Q_ALGORITHM, algorithm],
        [Q_CREDENTIAL, credential],
        [Q_DATE, timestamp],
        [Q_EXPIRES, String(expiresIn)],
        [Q_SIGNED_HEADERS, signed.join(';')],
      ];
      if (options.sessionToken) added.push([Q_SECURITY_TOKEN, options.sessionToken]);
      const extra = added.map(([k, v]) => `${k}=${percentEncode(v)}`).join('&');
      const query = req.query === '' ? extra : `${req.query}&${extra}`;
      const payloadHash =
        (presignOptions.unsignedPayload ?? true) ? UNSIGNED_PAYLOAD : await crypto.sha256Hex(req.body ?? new Uint8Array());
      const draft: SignedRequest = { ...req, headers, query };
      const canonical = canonicalRequest(
        req.method,
        canonicalPath(req.path, canon),
        canonicalQuery(queryPairs(query, profile), profile),
        canonicalHeaders(draft, signed, profile),
        signed,
        payloadHash,
      );
      const sig = await signature(date, timestamp, canonical);
      return { ...req, headers, query: `${query}&${Q_SIGNATURE}=${sig}` };
    },
  };
}
