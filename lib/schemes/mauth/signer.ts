// MAuth signing, v1 and/or v2 (MAUTH_SIGN_VERSIONS), as mauth-client-python's RequestSigner does.
import type { Clock } from '../../core/clock.ts';
import { systemClock } from '../../core/clock.ts';
import type { CryptoBackend, RsaPrivateKey } from '../../core/crypto.ts';
import { toBase64 } from '../../core/encoding.ts';
import { sha512Hex } from './verifier.ts';
import type { HeaderList, SignedRequest } from '../../core/request.ts';
import { defaultCrypto } from '#crypto';
import type { SchemeSigner } from '../descriptor.ts';
import { encodeQueryV2, normalizePathV2, stringToSignV1, stringToSignV2 } from './canonical.ts';
import {
  MAUTH_SCHEME,
  V1_AUTH_HEADER,
  V1_TIME_HEADER,
  V2_AUTH_HEADER,
  V2_TIME_HEADER,
  WIRE_HEADERS,
  type MAuthVersion,
} from './constants.ts';

/** What a MAuth signer signs as: app uuid, private key, versions. */
export interface MAuthSignerOptions {
  /** The app uuid the requests are signed as (`APP_UUID`). */
  readonly appUuid: string;
  /** The app's private key, PEM: PKCS#1 (`BEGIN RSA PRIVATE KEY`) or PKCS#8 (`BEGIN PRIVATE KEY`) (`PRIVATE_KEY`). */
  readonly privateKey: string;
  /** Which signatures to add (`MAUTH_SIGN_VERSIONS`): default v2 (the original defaults to v1; v1 does not sign the query). */
  readonly versions?: readonly MAuthVersion[];
  readonly clock?: Clock;
  readonly crypto?: CryptoBackend;
}

/** `v1`, `v2` or `v1,v2` as MAUTH_SIGN_VERSIONS spells them. */
export function parseSignVersions(text: string): MAuthVersion[] {
  const versions = text
    .split(',')
    .map((v) => v.trim().toLowerCase())
    .filter((v) => v !== '');
  if (versions.length === 0 || !versions.every((v) => v === 'v1' || v === 'v2'))
    throw new TypeError('sign versions must be "v1", "v2" or "v1,v2"');
  return [...new Set(versions)] as MAuthVersion[];
}

const MAUTH_HEADERS = new Set([V1_AUTH_HEADER, V1_TIME_HEADER, V2_AUTH_HEADER, V2_TIME_HEADER]);

/** What a message (a request or a response) signs for one version at one time. */
export type MAuthStringsFor = (version: 1 | 2, time: string) => Uint8Array | Promise<Uint8Array>;

/**
 * The signing both directions share: options checked once, the private key imported on first use (and
 * again after a failed import), and MAuth headers for the configured versions put in place of any the
 * message carried. Not part of the package's exports.
 *
 * @throws TypeError for a bad app uuid, key or versions.
 */
export function mauthHeaderSigner(options: MAuthSignerOptions): (headers: HeaderList, stringsFor: MAuthStringsFor) => Promise<HeaderList> {
  if (typeof options.appUuid !== 'string' || !/^[^\s:;]{1,128}$/.test(options.appUuid)) throw new TypeError('appUuid must be an app uuid');
  if (typeof options.privateKey !== 'string' || options.privateKey.length === 0) throw new TypeError('privateKey must be PEM text');
  const versions = options.versions ?? ['v2'];
  if (versions.length === 0 || !versions.every((v) => v === 'v1' || v === 'v2')) throw new TypeError('versions must be v1 and/or v2');
  const clock = options.clock ?? systemClock;
  const crypto = options.crypto ?? defaultCrypto;
  const rsa = crypto.rsa;
  if (!rsa) throw new TypeError('the crypto backend has no RSA operations');
  let key: Promise<RsaPrivateKey> | undefined;
  const encoder = new TextEncoder();
  return async (messageHeaders, stringsFor) => {
    key ??= rsa.importPrivateKey(options.privateKey);
    key.catch(() => (key = undefined));
    const k = await key;
    const time = String(Math.floor(clock() / 1000));
    const headers = messageHeaders.filter(([n]) => !MAUTH_HEADERS.has(n.toLowerCase()));
    if (versions.includes('v1')) {
      const signature = await rsa.signType1(k, encoder.encode(await sha512Hex(crypto, await stringsFor(1, time))));
      headers.push([WIRE_HEADERS.v1Auth, `MWS ${options.appUuid}:${toBase64(signature)}`], [WIRE_HEADERS.v1Time, time]);
    }
    if (versions.includes('v2')) {
      const signature = await rsa.signSha512(k, await stringsFor(2, time));
      headers.push([WIRE_HEADERS.v2Auth, `MWSV2 ${options.appUuid}:${toBase64(signature)};`], [WIRE_HEADERS.v2Time, time]);
    }
    return headers;
  };
}

/**
 * Makes a MAuth signer. The private key is imported on the first signature (a bad key rejects then,
 * with a message that never quotes it).
 *
 * @throws TypeError for a bad app uuid or versions.
 * @example
 * const signer = createMAuthSigner({ appUuid, privateKey: process.env.PRIVATE_KEY!, versions: ['v1', 'v2'] });
 * const signed = await signer.sign({ method: 'GET', path: '/items', query: '', headers: [], body: new Uint8Array() });
 */
export function createMAuthSigner(options: MAuthSignerOptions): SchemeSigner {
  const signHeaders = mauthHeaderSigner(options);
  const crypto = options.crypto ?? defaultCrypto;
  return {
    scheme: MAUTH_SCHEME,
    async sign(req: SignedRequest): Promise<SignedRequest> {
      const body = req.body ?? new Uint8Array();
      const headers = await signHeaders(req.headers, async (version, time) => {
        if (version === 1) return stringToSignV1(req.method, req.path, body, options.appUuid, time);
        const path = normalizePathV2(req.path);
        if (path === '') throw new TypeError('a MAuth v2 request needs a path');
        return stringToSignV2(req.method, path, await sha512Hex(crypto, body), options.appUuid, time, encodeQueryV2(req.query));
      });
      return { ...req, headers };
    },
  };
}
