// Signed responses, as mauth-client-ruby offers them: a service signs its answer (status, body, its app
// uuid, time) with the same headers, and a client checks that the answer came from that app.
//   v1: STATUS \n body \n app_uuid \n time            v2: STATUS \n hex(sha512(body)) \n app_uuid \n time
import type { CryptoBackend } from '../../core/crypto.ts';
import type { HeaderList } from '../../core/request.ts';
import type { AuthResult } from '../../core/result.ts';
import { defaultCrypto } from '#crypto';
import { joinLines } from './canonical.ts';
import { mauthHeaderSigner, type MAuthSignerOptions } from './signer.ts';
import { createMAuthVerifier, remoteCheckOf, sha512Hex, type MAuthVerifierOptions } from './verifier.ts';

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

/**
 * Signs responses as `appUuid` (the private key is imported on first use).
 *
 * @throws TypeError for a bad app uuid, key or versions.
 * @example
 * const signResponse = createMAuthResponseSigner({ appUuid, privateKey, versions: ['v2'] });
 * const headers = (await signResponse({ status: 200, headers: [['content-type', 'application/json']], body })).headers;
 */
export function createMAuthResponseSigner(options: MAuthSignerOptions): (response: MAuthResponse) => Promise<MAuthResponse> {
  const signHeaders = mauthHeaderSigner(options);
  const crypto = options.crypto ?? defaultCrypto;
  return async (response) => {
    const status = String(response.status);
    const headers = await signHeaders(response.headers, (version, time) =>
      responseStringToSign(crypto, version, status, response.body, options.appUuid, time),
    );
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
  // A remote-mode store checks requests by posting them to the key service, which knows no responses:
  // every genuine response would fail, and each response body would be sent to the service.
  if (remoteCheckOf(options.keys))
    throw new TypeError('a MAuth response verifier needs app public keys: a remote-mode key store cannot check responses');
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
