// Puts an API key on a request: the one header, any earlier copy of it removed.
import { parseApiKey } from '../../keys/api-key-format.ts';
import type { SchemeSigner } from '../descriptor.ts';
import { API_KEY_SCHEME, DEFAULT_API_KEY_HEADER } from './constants.ts';
import { checkHeaderName } from './header-name.ts';

/** The key a signer sends, and the header it goes in. */
export interface ApiKeySignerOptions {
  /** The whole API key (`ea_<id>_<secret>_<checksum>`), never its hash; whitespace around it is dropped. */
  readonly key: string;
  /** The header (default `X-Api-Key`). */
  readonly header?: string;
  /** When given, the id the key must carry (a configuration's key id). */
  readonly keyId?: string;
}

/**
 * Makes a signer that sends `key` in its header (for `createSignedFetch`, `edge-auth sign`).
 *
 * @throws TypeError when the key is not an API key (wrong form or checksum; a `sha256:` hash is not a
 * key), carries another id than `keyId`, or the header name is not allowed. Messages never quote the key.
 * @example
 * const signedFetch = createSignedFetch(createApiKeySigner({ key: process.env.EDGE_AUTH_API_KEY! }));
 */
export function createApiKeySigner(options: ApiKeySignerOptions): SchemeSigner {
  // A key read from a file or the environment comes with its newline; no key holds whitespace.
  const key = typeof options.key === 'string' ? options.key.trim() : options.key;
  if (typeof key === 'string' && key.startsWith('sha256:'))
    throw new TypeError('the key given is the hash a key record holds, not an API key: sign with the key itself');
  const parsed = typeof key === 'string' ? parseApiKey(key) : undefined;
  if (!parsed?.ok) throw new TypeError('the key given is not an API key (ea_<id>_<secret>_<checksum>, checksum included)');
  if (options.keyId !== undefined && options.keyId !== parsed.id) throw new TypeError('the API key does not carry the key id given');
  const header = checkHeaderName(options.header ?? DEFAULT_API_KEY_HEADER);
  const lower = header.toLowerCase();
  return {
    scheme: API_KEY_SCHEME,
    sign(req) {
      const headers = req.headers.filter(([n]) => n.length !== lower.length || n.toLowerCase() !== lower);
      return Promise.resolve({ ...req, headers: [...headers, [header, key]] });
    },
  };
}
