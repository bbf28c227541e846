// MAuth v1 and v2 verification. v2 first; a request that carries v2 is judged by v2 alone (unless the
// unsafe fallback is asked for), because v1 does not sign the query: mauth-client-python falls back to
// v1 when v2 fails, so a request carrying both can have its query changed and still pass there.
import type { Clock } from '../../core/clock.ts';
import { systemClock } from '../../core/clock.ts';
import { timingSafeEqualBytesText } from '../../core/compare.ts';
import type { CryptoBackend, RsaBackend, RsaPublicKey, SyncRsaBackend } from '../../core/crypto.ts';
import { toBase64, toHex } from '../../core/encoding.ts';
import { AuthFailure, fail, failureAsResult, type ErrorCode } from '../../core/errors.ts';
import type { SignedRequest } from '../../core/request.ts';
import type { AuthResult } from '../../core/result.ts';
import type { CredentialParts } from '../../core/verifier.ts';
import { defaultCrypto } from '#crypto';
import { isUsable } from '../../keys/usable.ts';
import type { KeyRecord, KeyStore } from '../../keys/types.ts';
import type { SchemeVerifier, SignatureExplanation } from '../descriptor.ts';
import { encodeQueryV2, normalizePathV2, stringToSignV1, stringToSignV1Parts, stringToSignV2 } from './canonical.ts';
import { DEFAULT_TIME_SKEW_SECONDS, MAUTH_SCHEME, V1_AUTH_HEADER, V1_TIME_HEADER, V2_AUTH_HEADER, V2_TIME_HEADER } from './constants.ts';
import { carriesMAuth, mauthHeaders, parseVersion, type MAuthClaim } from './parse.ts';

/** The request parts MAuth carries credentials in. */
export const MAUTH_CREDENTIALS: CredentialParts = {
  headers: [V1_AUTH_HEADER, V1_TIME_HEADER, V2_AUTH_HEADER, V2_TIME_HEADER],
  query: [],
};

/** The original's messages, which its users' tests and dashboards know. */
export const MAUTH_MESSAGES = {
  missing: 'Authentication Failed. No mAuth signature present; X-MWS-Authentication header is blank, MCC-Authentication header is blank.',
  missingV2Only: 'Authentication Failed. No mAuth signature present; MCC-Authentication header is blank.',
  v2Required: 'This service requires mAuth v2 mcc-authentication header but only v1 x-mws-authentication is present',
  signature: 'Signature verification failed for request.',
  time: (skew: number) => `Time verification failed. Not within ${skew}s of now.`,
  unavailable: 'Unable to authenticate: the mAuth key service could not be reached.',
} as const;

/**
 * How a remote-mode verifier asks the MAuth service: the authentication ticket the original posts to
 * `/mauth/v1/authentication_tickets.json`. Resolves true for authentic, false for inauthentic (412,
 * 404); rejects (a KeyStoreError) when the service cannot answer.
 */
export type RemoteTicketCheck = (ticket: AuthenticationTicket) => Promise<boolean>;

/** The original's authentication ticket (mauth_client/authenticator.py `_build_authentication_ticket`). */
export interface AuthenticationTicket {
  readonly verb: string;
  readonly app_uuid: string;
  readonly client_signature: string;
  readonly request_url: string;
  readonly request_time: string;
  readonly b64encoded_body: string;
  readonly query_string?: string;
  readonly token?: string;
}

/** Where a MAuth verifier finds app keys, and its rules (time window, v2-only, the unsafe fallback, key size, remote mode). */
export interface MAuthVerifierOptions {
  /** Records by app uuid holding the app's public key(s) (`publicKey`/`publicKeys`). */
  readonly keys: KeyStore;
  readonly clock?: Clock;
  readonly crypto?: CryptoBackend;
  /** Allowed distance between the signed time and now, both ways (default 300, the original's drift). */
  readonly timeSkewSeconds?: number;
  /** Only v2 is accepted (`V2_ONLY_AUTHENTICATE`); a v1-only request gets the original's message. */
  readonly v2Only?: boolean;
  /**
   * UNSAFE, off by default: when a request carries both versions and v2 fails, try v1 as the original
   * does. v1 does not sign the query, so with this on a request's query can be changed and still pass.
   */
  readonly unsafeV1Fallback?: boolean;
  /** Smallest RSA modulus accepted (default 2048). */
  readonly minKeyBits?: number;
  /**
   * Remote mode: the MAuth service judges each signature; `keys` then only names principals. Default:
   * `keys.checkAuthenticationTicket` when the store has one (a remote-mode MAuth key service store).
   */
  readonly remote?: RemoteTicketCheck;
  /** What is signed (default: a request's strings). Response verification (response.ts) passes its own. */
  readonly stringsToSign?: typeof stringsToSign;
}

// Imported public keys, per backend (a key object of one backend is refused by the other) and per
// record: a cached store hands out the same record object until it changes, so each key is imported once.
const importedBy = new WeakMap<RsaBackend, WeakMap<KeyRecord, Promise<RsaPublicKey[]>>>();

/** Lower-case hex SHA-512 with the backend's fastest face (Web Crypto's digest when it has none). */
export async function sha512Hex(crypto: CryptoBackend, data: Uint8Array): Promise<string> {
  const sync = crypto.sync?.sha512Hex;
  if (sync) return sync(data);
  if (crypto.sha512Hex) return crypto.sha512Hex(data);
  return toHex(new Uint8Array(await globalThis.crypto.subtle.digest('SHA-512', data as Uint8Array<ArrayBuffer>)));
}

/**
 * What local mode checks an app against when the store does not know it, or it may not sign now:
 * an RSA public key of the size the verifier's apps have (the smallest here of at least `minKeyBits`:
 * 2,048 bits by default, MAuth's usual size), so that the time taken does not tell which app uuids
 * exist. Each modulus is the product of two primes thrown away when it was made, with its top 15 bits
 * set: a signature the decoy refuses at once as too large for it is too large for nearly every real
 * key of that size too. Its answer is never read: the request is refused.
 *
 * It hides an app whose key is of the decoy's size; one with a key of another size (or several keys)
 * can still be told apart by a signature of its size, which costs it an RSA operation and the decoy none.
 */
const DECOY_MODULI: ReadonlyArray<readonly [bits: number, n: string]> = [
  [
    2048,
    [
      '___kj1z0XCaW4ydxgdqfFvHy4lLqrnSwuTv5_EHrycTgMpMm7fD_INL1yyumCvZGyH-FSKfY6dXhW8LNuEoyukYZe39Jb5oV',
      'MQ5GTGLhPlnYlj3vV9r4hBNETvYB3DX73M8rQq5qtFWbzNNV_H7cpjH3mO_quQk_IWOMMVHD_v5aOevWJiwnalrsXYyWsaZn',
      'LWzeFlFAnQC99iorgV3ncSSfbq4PpuNs4XkPVRYqryhFvLTRnXKT1CxrTvmkrWnNOztcP6TUu74nfaU2pzN_dPYVMYvbxpAQ',
      'DwPta_JRT-gTBQMU3wJ9niT5TfvO51ZYo2aOjrXuYzbLiYZ9QLmATw',
    ].join(''),
  ],
  [
    3072,
    [
      '__7XvII9_R4ymIqzIX7CLP3SlrJv7P6qvDhFpCAItEokVeRFsQN_nQ_aB1s2vitZlRpsz5Sq5rejVID4iPEurBLXBioVVhPz',
      '5uN689FiCjjjAL8bW72F2HUiykCBfuxz2cEkTa03i3guxmfCP2R4y0iFNxjjOJSxh4NgmZ9XxZjCY0mWItbxi9wQ_oghsAcc',
      '14GbGTII9TNq8o8GSYGQz1N9T_PtT8rDAddnmXv-jb4SXkWwg3djQWidq9sPhM6TAb2nRGb_9HWDHaQp96JKvq8RiSPCgXgM',
      'tmVG3F_5XRnwbvWVTBVT2ViN5QnF3HiMiD0kesUKjrnpdC68YeM41fbXDk3KJppvLWmuFswtINJotZJCgXy0t0qzqO5pBkIj',
      'aiGjINBsoZKN3jAOAUJZ_hlox0m5Cac7XoaFfQFVIVGvyc_e_Bi2nUFlwAj8W2edH6CfdMK1iggm83j9r6LeiZwRH46Wh7-7',
      'GvMyPsqF_Xvdfjf1mGcgof1u5ABFGppF',
    ].join(''),
  ],
  [
    4096,
    [
      '__9Z-oczbQBWTt3RW8cYccohoc9xCsuO2ZT57at32qywWW5E4IaD78jrQhutMj9GMWDs1bIWdpsLy1M2_J_f0oK4iQSxW7Pf',
      'UK23L8hnC9Kefzrd5OJkcMwV0X2yHRRY_dcwX8Bdnj43RfjcfQypUgLJVK2P9jkTjN2_3hf-MQ-5hv7D514ZUjWzi6jku7NG',
      'eIE-OdH4eJXRnG3Hcpxq84IvK6Ay6KZZCl95CYEI3xXBRkn0uBzUQ9iHV9aXWZbFvv6R6zfycPUMejPGNVG9cM-UuKp3MV_v',
      '8zjbtgf6AqUWV2oIL0yipAEtKbEfmteiKhvhDGXRuVQSdeta1VnexZFatDSQPl7U4A0LvTCw4zpUMSXE__1oTejLyNRg1pIp',
      'Eotp_kiA167Yni-h61DC_sLHwKBLrd7dQKqegnrxhp1URtySbG43JU-RYdEQ7re3A5b9azjSRwFS4hlLau2d5L3wMs4AnKqP',
      'K2XF-sPV8HxytJgnTS7iiXZVYKVIymUtX70_WoHuXTmWEFYQWh02wk0ZBzl9o_y-sDx-BLcNd5jTny4r9tNRpx4dKNKnOnWg',
      '7rLGYYmSlpeuaChEup3a0s7fZl2vrsQbF4TCeko3opS7N3hFpmynBzeLObPBNa4Q5X0Wp-zswKqi8yyB_VIl0EN8lpcOkKF3',
      'N_kPP3_Gl8c',
    ].join(''),
  ],
];

/** The decoy record for a verifier that accepts keys of at least `minBits` (exported for tests, not from the package). */
export function decoyFor(minBits: number): KeyRecord {
  const [, n] = DECOY_MODULI.find(([bits]) => bits >= minBits) ?? DECOY_MODULI[DECOY_MODULI.length - 1]!;
  return {
    id: '',
    scheme: MAUTH_SCHEME,
    secrets: [],
    publicKeys: [{ format: 'jwk', jwk: { kty: 'RSA', n, e: 'AQAB' } }],
    principal: '',
    permissions: [],
  };
}

// The synchronous face's imports (node:crypto), per record: a record's keys imported at once, or its failure.
const importedSync = new WeakMap<SyncRsaBackend, WeakMap<KeyRecord, RsaPublicKey[]>>();

function publicKeysOfSync(rsa: SyncRsaBackend, record: KeyRecord): RsaPublicKey[] {
  let imported = importedSync.get(rsa);
  if (!imported) importedSync.set(rsa, (imported = new WeakMap()));
  let keys = imported.get(record);
  if (!keys) {
    keys = (record.publicKeys ?? []).map((m) => rsa.importPublicKey(m));
    imported.set(record, keys);
  }
  return keys;
}

function publicKeysOf(rsa: RsaBackend, record: KeyRecord): Promise<RsaPublicKey[]> {
  let imported = importedBy.get(rsa);
  if (!imported) importedBy.set(rsa, (imported = new WeakMap()));
  let keys = imported.get(record);
  if (!keys) {
    keys = Promise.all((record.publicKeys ?? []).map((m) => rsa.importPublicKey(m)));
    imported.set(record, keys);
    // A record whose key cannot be imported is tried again with its next version, not remembered.
    keys.catch(() => imported.delete(record));
  }
  return keys;
}

/** Base64 digit values by character code (0..255); -1 for anything else. */
const B64 = new Int32Array(256).fill(-1);
for (let i = 0; i < 64; i++) B64['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;

/** The digit value of the character at `i` of `text`: -1 when it is not a base64 digit. */
const digit = (text: string, i: number) => {
  const c = text.charCodeAt(i);
  return c < 256 ? B64[c]! : -1;
};

/**
 * The signature's bytes, or undefined when it is not base64. Accepts exactly what `atob` accepts of
 * text without whitespace (which the header's form excludes): padding optional, but when present the
 * length is a multiple of four, and a final group of one digit refused. Four digits at a time into
 * the bytes directly: measured inside a whole verify (2048-bit signature, 344 characters), 1.5 to
 * 2 µs less than atob and a copy out of its string, though the two cost about the same in a loop alone.
 */
export function decodeSignature(text: string): Uint8Array | undefined {
  let end = text.length;
  if (end > 0 && text.charCodeAt(end - 1) === 0x3d) {
    if (end % 4 !== 0) return undefined;
    end -= text.charCodeAt(end - 2) === 0x3d ? 2 : 1;
  }
  const rest = end % 4;
  if (rest === 1) return undefined;
  const full = end - rest;
  const out = new Uint8Array((full / 4) * 3 + (rest === 0 ? 0 : rest - 1));
  let at = 0;
  for (let i = 0; i < full; i += 4) {
    const a = digit(text, i);
    const b = digit(text, i + 1);
    const c = digit(text, i + 2);
    const d = digit(text, i + 3);
    if ((a | b | c | d) < 0) return undefined;
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    out[at++] = n >> 16;
    out[at++] = (n >> 8) & 0xff;
    out[at++] = n & 0xff;
  }
  if (rest > 0) {
    const a = digit(text, full);
    const b = digit(text, full + 1);
    const c = rest === 3 ? digit(text, full + 2) : 0;
    if ((a | b | c) < 0) return undefined;
    const n = (a << 18) | (b << 12) | (c << 6);
    out[at++] = n >> 16;
    if (rest === 3) out[at++] = (n >> 8) & 0xff;
  }
  return out;
}

/** What each version signs for a request, for `explain` and for the check itself. */
export async function stringsToSign(
  crypto: CryptoBackend,
  req: SignedRequest,
  claim: MAuthClaim,
): Promise<{ readonly primary: Uint8Array; readonly alternatives: readonly Uint8Array[] }> {
  const body = req.body ?? new Uint8Array();
  return stringsWithDigest(req, claim, claim.version === 1 ? '' : await sha512Hex(crypto, body));
}

/** {@link stringsToSign} given the body's hex SHA-512 (unused by v1), for callers that hash synchronously. */
function stringsWithDigest(
  req: SignedRequest,
  claim: MAuthClaim,
  digest: string,
): { readonly primary: Uint8Array; readonly alternatives: readonly Uint8Array[] } {
  const body = req.body ?? new Uint8Array();
  if (claim.version === 1) return { primary: stringToSignV1(req.method, req.path, body, claim.appUuid, claim.time), alternatives: [] };
  const path = normalizePathV2(req.path);
  const literal = encodeQueryV2(req.query, 'literal');
  const primary = stringToSignV2(req.method, path, digest, claim.appUuid, claim.time, literal);
  // Python leaves "/" literal in the query, Ruby encodes it: both are accepted. The two encodings differ
  // only there (every other byte is written alike, and a literal "/" comes only from a "/").
  const encoded = literal.includes('/') ? literal.replaceAll('/', '%2F') : literal;
  return {
    primary,
    alternatives: encoded === literal ? [] : [stringToSignV2(req.method, path, digest, claim.appUuid, claim.time, encoded)],
  };
}

/**
 * The ticket check of a store that offers one (lib/keys/mauth-key-service.ts, remote mode).
 *
 * @internal
 */
export function remoteCheckOf(keys: KeyStore): RemoteTicketCheck | undefined {
  const check = (keys as { checkAuthenticationTicket?: unknown }).checkAuthenticationTicket;
  return typeof check === 'function' ? (ticket) => (check as RemoteTicketCheck).call(keys, ticket) : undefined;
}

/**
 * Makes a MAuth verifier (v1 and v2) over a key store of app public keys.
 *
 * @throws TypeError on invalid options.
 * @example
 * const verifier = createMAuthVerifier({ keys: createMemoryKeyStore([{ id: appUuid, secrets: [], publicKeys: [{ format: 'spki', pem }], principal: 'app', permissions: [] }]) });
 * const result = await verifier.verify(req);
 */
export function createMAuthVerifier(options: MAuthVerifierOptions): SchemeVerifier {
  const { keys } = options;
  if (!keys || typeof keys.get !== 'function') throw new TypeError('keys must be a KeyStore');
  const clock = options.clock ?? systemClock;
  const crypto = options.crypto ?? defaultCrypto;
  const skew = options.timeSkewSeconds ?? DEFAULT_TIME_SKEW_SECONDS;
  if (!Number.isInteger(skew) || skew < 1 || skew > 3600) throw new TypeError('timeSkewSeconds must be 1..3600');
  const minBits = options.minKeyBits ?? 2048;
  if (!Number.isInteger(minBits) || minBits < 1024) throw new TypeError('minKeyBits must be at least 1024');
  const decoy = decoyFor(minBits);
  const v2Only = options.v2Only === true;
  const unsafeFallback = options.unsafeV1Fallback === true && !v2Only;
  const rsa = crypto.rsa;
  const remote = options.remote ?? remoteCheckOf(keys);
  if (!rsa && !remote) throw new TypeError('the crypto backend has no RSA operations');
  const strings = options.stringsToSign ?? stringsToSign;

  function checkTime(claim: MAuthClaim, nowMs: number): void {
    const t = Number(claim.time);
    const now = nowMs / 1000;
    if (now - t > skew) fail('ERR_REQUEST_EXPIRED', MAUTH_MESSAGES.time(skew));
    if (t - now > skew) fail('ERR_REQUEST_NOT_YET_VALID', MAUTH_MESSAGES.time(skew));
  }

  /** The app's record when usable now: the store's answer, awaited by the caller (one async step less per request). */
  function usableRecord(record: KeyRecord | undefined, nowMs: number): KeyRecord | undefined {
    return record && isUsable(record, MAUTH_SCHEME, Math.floor(nowMs / 1000)) ? record : undefined;
  }

  // On Node every step answers at once (node:crypto): no promise per step.
  const sync = crypto.sync;
  const syncRsa =
    sync?.rsa && sync.sha512Hex && sync.sha512HexParts && !options.stringsToSign
      ? { rsa: sync.rsa, sha512Hex: sync.sha512Hex, sha512HexParts: sync.sha512HexParts }
      : undefined;

  function signatureMatchesSync(
    req: SignedRequest,
    claim: MAuthClaim,
    record: KeyRecord,
    s: NonNullable<typeof syncRsa>,
    floorBits = minBits,
  ): boolean {
    const signature = decodeSignature(claim.signature);
    if (!signature) return false;
    let publicKeys: RsaPublicKey[];
    try {
      publicKeys = publicKeysOfSync(s.rsa, record);
    } catch {
      fail('ERR_KEYSTORE_UNAVAILABLE', 'the app public key cannot be used');
    }
    const body = req.body ?? new Uint8Array();
    if (claim.version === 1) {
      // The string to sign is hashed from its parts: the body is not copied.
      const digest = s.sha512HexParts(stringToSignV1Parts(req.method, req.path, body, claim.appUuid, claim.time));
      for (const key of publicKeys) {
        if (key.bits < floorBits) continue;
        const payload = s.rsa.recoverType1(key, signature);
        if (payload && timingSafeEqualBytesText(payload, digest)) return true;
      }
      return false;
    }
    const { primary, alternatives } = stringsWithDigest(req, claim, s.sha512Hex(body));
    for (const key of publicKeys) {
      if (key.bits < floorBits) continue;
      for (const sts of [primary, ...alternatives]) if (s.rsa.verifySha512(key, sts, signature)) return true;
    }
    return false;
  }

  async function signatureMatches(req: SignedRequest, claim: MAuthClaim, record: KeyRecord, floorBits = minBits): Promise<boolean> {
    const signature = decodeSignature(claim.signature);
    if (!signature) return false;
    let publicKeys: RsaPublicKey[];
    try {
      publicKeys = await publicKeysOf(rsa!, record);
    } catch {
      // A record whose public key is not an RSA key the backend imports: the store's fault, not the client's.
      fail('ERR_KEYSTORE_UNAVAILABLE', 'the app public key cannot be used');
    }
    const { primary, alternatives } = await strings(crypto, req, claim);
    for (const key of publicKeys) {
      if (key.bits < floorBits) continue;
      if (claim.version === 1) {
        const payload = await rsa!.recoverType1(key, signature);
        if (payload && timingSafeEqualBytesText(payload, await sha512Hex(crypto, primary))) return true;
      } else {
        for (const sts of [primary, ...alternatives]) if (await rsa!.verifySha512(key, sts, signature)) return true;
      }
    }
    return false;
  }

  async function remoteMatches(req: SignedRequest, claim: MAuthClaim): Promise<boolean> {
    // What no RSA key of the accepted sizes can have made is refused here, without asking the service
    // (and without encoding the body for it): a signature is as long as its key's modulus.
    const signature = decodeSignature(claim.signature);
    if (!signature || signature.length < minBits / 8) return false;
    const ticket: AuthenticationTicket = {
      verb: req.method,
      app_uuid: claim.appUuid,
      client_signature: claim.signature,
      request_url: req.path,
      request_time: claim.time,
      // Encoded for each ticket, not remembered by body object: a caller may refill one buffer for the
      // next request, and a ticket must carry the bytes being verified now.
      b64encoded_body: toBase64(req.body ?? new Uint8Array()),
      ...(claim.version === 2 ? { query_string: req.query, token: 'MWSV2' } : {}),
    };
    try {
      return await remote!(ticket);
    } catch {
      fail('ERR_KEYSTORE_UNAVAILABLE', MAUTH_MESSAGES.unavailable);
    }
  }

  async function verifyClaim(req: SignedRequest, claim: MAuthClaim, nowMs: number): Promise<AuthResult> {
    checkTime(claim, nowMs);
    if (req.body === undefined) fail('ERR_PAYLOAD_HASH_REQUIRED', 'MAuth signs the body: the request body is needed to verify it');
    let found: KeyRecord | undefined;
    try {
      found = await keys.get(claim.appUuid);
    } catch {
      fail('ERR_KEYSTORE_UNAVAILABLE', MAUTH_MESSAGES.unavailable);
    }
    const record = usableRecord(found, nowMs);
    if (remote) {
      if (!(await remoteMatches(req, claim))) fail('ERR_SIGNATURE_INVALID', MAUTH_MESSAGES.signature);
      return {
        ok: true,
        scheme: MAUTH_SCHEME,
        keyId: claim.appUuid,
        principal: record ? { id: record.principal, permissions: record.permissions } : { id: claim.appUuid, permissions: [] },
      };
    }
    if (!record) {
      // The decoy is checked whatever its size: a minKeyBits above it must not make an unknown app free.
      if (syncRsa) signatureMatchesSync(req, claim, decoy, syncRsa, 0);
      else await signatureMatches(req, claim, decoy, 0);
      fail('ERR_KEY_NOT_FOUND', MAUTH_MESSAGES.signature);
    }
    const matched = syncRsa ? signatureMatchesSync(req, claim, record, syncRsa) : await signatureMatches(req, claim, record);
    if (!matched) fail('ERR_SIGNATURE_INVALID', MAUTH_MESSAGES.signature);
    return { ok: true, scheme: MAUTH_SCHEME, keyId: claim.appUuid, principal: { id: record.principal, permissions: record.permissions } };
  }

  async function verifyOrThrow(req: SignedRequest): Promise<AuthResult> {
    const nowMs = clock();
    if (typeof nowMs !== 'number' || !Number.isFinite(nowMs))
      fail('ERR_REQUEST_EXPIRED', 'the verifier has no usable time to check against');
    const headers = mauthHeaders(req);
    const v2 = parseVersion(req, 2, headers);
    const v1 = parseVersion(req, 1, headers);
    if (v2) {
      if (!v2.ok) {
        if (unsafeFallback && v1?.ok) return await verifyClaim(req, v1.claim, nowMs);
        fail(v2.code, v2.message);
      }
      try {
        return await verifyClaim(req, v2.claim, nowMs);
      } catch (e) {
        // The original's fallback, only when asked for, and never past a key store that is down.
        if (!unsafeFallback || !v1?.ok || !(e instanceof AuthFailure) || e.code === 'ERR_KEYSTORE_UNAVAILABLE') throw e;
        return await verifyClaim(req, v1.claim, nowMs);
      }
    }
    if (v1) {
      if (v2Only) fail('ERR_AUTH_UNSUPPORTED', MAUTH_MESSAGES.v2Required);
      if (!v1.ok) fail(v1.code, v1.message);
      return await verifyClaim(req, v1.claim, nowMs);
    }
    fail('ERR_AUTH_MISSING', v2Only ? MAUTH_MESSAGES.missingV2Only : MAUTH_MESSAGES.missing);
  }

  return {
    scheme: MAUTH_SCHEME,
    claims: carriesMAuth,
    cacheableAcrossRoutes: false,
    asksRemotely: remote !== undefined,
    credentials: MAUTH_CREDENTIALS,
    verify: (req) => failureAsResult(() => verifyOrThrow(req)),
    async explain(req): Promise<SignatureExplanation> {
      const parsed = parseVersion(req, 2) ?? parseVersion(req, 1);
      if (!parsed) fail('ERR_AUTH_MISSING', MAUTH_MESSAGES.missing);
      if (!parsed.ok) fail(parsed.code as ErrorCode, parsed.message);
      const { claim } = parsed;
      const { primary, alternatives } = await strings(crypto, req, claim);
      const text = (b: Uint8Array) => new TextDecoder().decode(b);
      return {
        algorithm: claim.version === 2 ? 'MWSV2' : 'MWS',
        mode: 'header',
        scope: '',
        signedHeaders: claim.version === 2 ? ['mcc-time'] : ['x-mws-time'],
        canonicalRequest: text(primary),
        stringToSign: text(primary),
        payloadHash: claim.version === 2 ? await sha512Hex(crypto, req.body ?? new Uint8Array()) : '',
        alternatives: [primary, ...alternatives].map((b) => ({ canonicalRequest: text(b), stringToSign: text(b) })),
        // The app uuid is a key id: a printout shows it redacted.
        redact: [{ where: 'the app uuid', value: claim.appUuid }],
      };
    },
  };
}
