// mauth-client-python's requests signer, `MAuth(APP_UUID, private_key, mauth_sign_versions)`, as a
// signer for createSignedFetch: the same arguments, the same default versions.
import type { Clock } from '../../core/clock.ts';
import type { CryptoBackend } from '../../core/crypto.ts';
import type { SchemeSigner } from '../../schemes/descriptor.ts';
import { createMAuthSigner, parseSignVersions } from '../../schemes/mauth/signer.ts';

/**
 * A MAuth signer made as the original's `MAuth(app_uuid, private_key, mauth_sign_versions)`: the sign
 * versions are `signVersions` ("v1", "v2" or "v1,v2"), else `MAUTH_SIGN_VERSIONS` from the environment,
 * else `v1` as the original (v1 does not sign the query: prefer "v2" where the other side accepts it).
 *
 * @throws TypeError for a bad app uuid, an empty key or bad versions (naming the option, never a value).
 * @example
 * const mauth = mauthSigner(APP_UUID, readFileSync('private.key', 'utf8'));
 * const result = await createSignedFetch(mauth)(url);
 */
export function mauthSigner(
  appUuid: string,
  privateKey: string,
  signVersions?: string,
  settings: { readonly env?: Readonly<Record<string, string | undefined>>; readonly clock?: Clock; readonly crypto?: CryptoBackend } = {},
): SchemeSigner {
  const env = settings.env ?? (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
  const versions = parseSignVersions(signVersions ?? env['MAUTH_SIGN_VERSIONS'] ?? 'v1');
  return createMAuthSigner({
    appUuid,
    privateKey,
    versions,
    ...(settings.clock ? { clock: settings.clock } : {}),
    ...(settings.crypto ? { crypto: settings.crypto } : {}),
  });
}
