// Signed responses, as mauth-client-ruby offers them: a service signs its answer (status, body, its app
// uuid, time) with the same headers, and a client checks that the answer came from that app.
//   v1: STATUS \n body \n app_uuid \n time            v2: STATUS \n hex(sha512(body)) \n app_uuid \n time
import type { Clock } from '../../core/clock.ts';
import { systemClock } from '../../core/clock.ts';
import type { CryptoBackend, RsaPrivateKey } from '../../core/crypto.ts';
import { toBase64 } from '../../core/encoding.ts';
import type { HeaderList } from '../../core/request.ts';
import type { AuthResult } from '../../core/result.ts';
import { defaultCrypto } from '#crypto';
import { V1_AUTH_HEADER, V1_TIME_HEADER, V2_AUTH_HEADER, V2_TIME_HEADER, WIRE_HEADERS, type MAuthVersion } from './constants.ts';
import { joinLines } from './canonical.ts';
import { createMAuthVerifier, sha512Hex, type MAuthVerifierOptions } from './verifier.ts';

/** A response as signed and checked: its status, headers and body bytes. */
export interface MAuthResponse {
  readonly status: number;
  readonly headers: HeaderList;
  readonly body: Uint8Array;
}

const encoder = new TextEncoder();

/** The strings a response signs (exported for tests and `explain`). */
export async function responseStringToSign(
  crypto: CryptoBackend,
  version: 1 | 2,
  status: string,
  body: Uint8Array,
  appUuid: string,
  time: string,
): Promise<Uint8Array> {
  if (version === 1) return joinLines([encoder.encode(status), body, encoder.encode(appUuid), encoder.encode(time)]);
  return encoder.encode([status, await sha512Hex(crypto, body), appUuid, time].join('\n'));
}

const MAUTH_HEADERS = new Set([V1_AUTH_HEADER, V1_TIME_HEADER, V2_AUTH_HEADER, V2_TIME_HEADER]);

/**
 * Signs responses as `appUuid` (the private key is imported on first use).
 *
 * @throws TypeError for a bad app uuid, key or versions.
 * @example
 * const signResponse = createMAuthResponseSigner({ appUuid, privateKey, versions: ['v2'] });
 * const headers = (await signResponse({ status: 200, headers: [['content-type', 'application/json']], body })).headers;
 */
export function createMAuthResponseSigner(options: {
  readonly appUuid: string;
  readonly privateKey: string;
  readonly versions?: readonly MAuthVersion[];
  readonly clock?: Clock;
  readonly crypto?: CryptoBackend;
}): (response: MAuthResponse) => Promise<MAuthResponse> {
  if (!/^[^\s:;]{1,128}$/.test(options.appUuid)) throw new TypeError('appUuid must be an app uuid');
  const versions = options.versions ?? ['v2'];
  if (versions.length === 0 || !versions.every((v) => v === 'v1' || v === 'v2')) throw new TypeError('versions must be v1 and/or v2');
  const crypto = options.crypto ?? defaultCrypto;
  const clock = options.clock ?? systemClock;
  const rsa = crypto.rsa;
  if (!rsa) throw new TypeError('the crypto backend has no RSA operations');
  let key: Promise<RsaPrivateKey> | undefined;
  return async (response) => {
    key ??= rsa.importPrivateKey(options.privateKey);
    key.catch(() => (key = undefined));
    const k = await key;
    const time = String(Math.floor(clock() / 1000));
    const status = String(response.status);
    const headers = response.headers.filter(([n]) => !MAUTH_HEADERS.has(n.toLowerCase()));
    if (versions.includes('v1')) {
      const sts = await responseStringToSign(crypto, 1, status, response.body, options.appUuid, time);
      const sig = await rsa.signType1(k, encoder.encode(await sha512Hex(crypto, sts)));
      headers.push([WIRE_HEADERS.v1Auth, `MWS ${options.appUuid}:${toBase64(sig)}`], [WIRE_HEADERS.v1Time, time]);
    }
    if (versions.includes('v2')) {
      const sts = await responseStringToSign(crypto, 2, status, response.body, options.appUuid, time);
      const sig = await rsa.signSha512(k, sts);
      headers.push([WIRE_HEADERS.v2Auth, `MWSV2 ${options.appUuid}:${toBase64(sig)};`], [WIRE_HEADERS.v2Time, time]);
    }
    return { ...response, headers };
  };
}

/**
 * Checks a signed response against the app public keys in `keys` (the app uuid is the key id), with
 * the request verifier's rules: v2 first, time window, v2-only mode.
 *
 * @throws TypeError on invalid options (remote mode cannot check responses).
 * @example
 * const verifyResponse = createMAuthResponseVerifier({ keys });
 * const result = await verifyResponse({ status: res.status, headers: [...res.headers], body });
 */
export function createMAuthResponseVerifier(
  options: Omit<MAuthVerifierOptions, 'remote' | 'stringsToSign'>,
): (response: MAuthResponse) => Promise<AuthResult> {
  const verifier = createMAuthVerifier({
    ...options,
    stringsToSign: async (crypto, req, claim) => ({
      primary: await responseStringToSign(crypto, claim.version, req.method, req.body ?? new Uint8Array(), claim.appUuid, claim.time),
      alternatives: [],
    }),
  });
  return (response) =>
    verifier.verify({ method: String(response.status), path: '/', query: '', headers: response.headers, body: response.body });
}
