// The API-key format: `ea_<id>_<secret>_<checksum>`, e.g.
// `ea_k3v9x0q2m7t4w8z1_6fJq...43 base62 chars..._1c291ca3`.
//
// - `ea_` marks the key as ours, so secret scanners can recognise it (API_KEY_SCANNER_PATTERN).
// - `<id>` (8 to 40 of a-z, 0-9) is the key record's id: the store is asked for that id only.
// - `<secret>` is 43 base62 characters from the platform's CSPRNG (256 bits).
// - `<checksum>` is the CRC-32 of everything before it, 8 lower-case hex digits. A CRC-32 catches every
//   error burst of up to 32 bits, so every single-character typo (and every swap of two neighbours) is
//   refused by parseApiKey before any store lookup, as is a random string.
//
// The key record keeps only `sha256:<hex>` of the whole key (apiKeySecretHash), never the key.
// Platform-free: Web Crypto and plain code only, the same in Node, Lambda and workerd.

/** Every API key starts with this. */
export const API_KEY_PREFIX = 'ea_';
/** The id part: what the key record's `id` must be for an API key. */
export const API_KEY_ID_PATTERN = /^[a-z0-9]{8,40}$/;
/** The secret part's length (base62 characters; 43 carry 256 bits). */
export const API_KEY_SECRET_LENGTH = 43;
/** The longest API key there is (prefix, a 40-character id, secret, checksum, separators). */
export const API_KEY_MAX_LENGTH = API_KEY_PREFIX.length + 40 + 1 + API_KEY_SECRET_LENGTH + 1 + 8;
/** For secret scanners (a regular expression's source, word-bounded). */
export const API_KEY_SCANNER_PATTERN = String.raw`\bea_[a-z0-9]{8,40}_[A-Za-z0-9]{43}_[0-9a-f]{8}\b`;

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const SECRET_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const GENERATED_ID_LENGTH = 16;

// Int32Array rather than Uint32Array: entries stay small integers for the engine (half of them are
// 2^31 or more, which a Uint32Array hands out as doubles); the final `>>> 0` reads the CRC unsigned.
const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3, as zlib and PNG compute it) of bytes. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The checksum part for the text before it (`ea_<id>_<secret>`): 8 lower-case hex digits of its CRC-32. */
export function apiKeyChecksum(body: string): string {
  return crc32(new TextEncoder().encode(body)).toString(16).padStart(8, '0');
}

/** `length` characters drawn uniformly from `alphabet` (at most 256 characters) by rejection sampling. */
function randomChars(alphabet: string, length: number): string {
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    const bytes = crypto.getRandomValues(new Uint8Array(length * 2));
    for (const b of bytes) {
      if (b >= limit) continue;
      out += alphabet[b % alphabet.length];
      if (out.length === length) break;
    }
  }
  return out;
}

/** Whether `id` can be an API key's id (and so the id of its record). */
export function isApiKeyId(id: string): boolean {
  return API_KEY_ID_PATTERN.test(id);
}

/**
 * A new API key and its id. The id is random (16 characters) unless given.
 *
 * @throws TypeError when a given id is not 8 to 40 of a-z, 0-9.
 * @example
 * const { id, key } = generateApiKey();
 * const record = { id, scheme: 'api-key', secrets: [await apiKeySecretHash(key)], principal: 'svc' };
 */
export function generateApiKey(options: { id?: string } = {}): { id: string; key: string } {
  const id = options.id ?? randomChars(ID_ALPHABET, GENERATED_ID_LENGTH);
  if (!isApiKeyId(id)) throw new TypeError('an API key id must be 8 to 40 of a-z, 0-9');
  const body = `${API_KEY_PREFIX}${id}_${randomChars(SECRET_ALPHABET, API_KEY_SECRET_LENGTH)}`;
  return { id, key: `${body}_${apiKeyChecksum(body)}` };
}

/** What parseApiKey made of a presented key: its id, or why it is not an API key (never echoing it). */
export type ParsedApiKey = { readonly ok: true; readonly id: string } | { readonly ok: false; readonly reason: 'malformed' | 'checksum' };

const MALFORMED: ParsedApiKey = Object.freeze({ ok: false, reason: 'malformed' });
const CHECKSUM: ParsedApiKey = Object.freeze({ ok: false, reason: 'checksum' });
const UNDERSCORE = 0x5f;
const CHECKSUM_LENGTH = 8;

/** Which character codes (0..127) an id and a secret may hold (1) or not (0), and the hex digits' values. */
const ID_CHARS = new Uint8Array(128);
const SECRET_CHARS = new Uint8Array(128);
const HEX_VALUE = new Int8Array(128).fill(-1);
for (const c of ID_ALPHABET) ID_CHARS[c.charCodeAt(0)] = 1;
for (const c of SECRET_ALPHABET) SECRET_CHARS[c.charCodeAt(0)] = 1;
for (let d = 0; d < 16; d++) HEX_VALUE['0123456789abcdef'.charCodeAt(d)] = d;

/** Slicing-by-4 tables: CRC_TABLE_k[n] is the CRC state of byte n followed by k zero bytes. */
const CRC_TABLE_1 = new Int32Array(256);
const CRC_TABLE_2 = new Int32Array(256);
const CRC_TABLE_3 = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  CRC_TABLE_1[n] = (CRC_TABLE[n]! >>> 8) ^ CRC_TABLE[CRC_TABLE[n]! & 0xff]!;
  CRC_TABLE_2[n] = (CRC_TABLE_1[n]! >>> 8) ^ CRC_TABLE[CRC_TABLE_1[n]! & 0xff]!;
  CRC_TABLE_3[n] = (CRC_TABLE_2[n]! >>> 8) ^ CRC_TABLE[CRC_TABLE_2[n]! & 0xff]!;
}

/** One character into a running CRC-32 (int32 state). */
const crcStep = (c: number, ch: number) => CRC_TABLE[(c ^ ch) & 0xff]! ^ (c >>> 8);
/** The CRC-32 state after the prefix every key starts with. */
const CRC_AFTER_PREFIX = [...API_KEY_PREFIX].reduce((c, ch) => crcStep(c, ch.charCodeAt(0)), -1);

/**
 * Where the id of a presented API key ends (its id is `text.slice(3, end)`), or why it is not a key:
 * -1 when it does not have the shape, -2 when its checksum does not match. What {@link parseApiKey}
 * answers, without building an answer: verifiers call it on every request, before any lookup.
 *
 * @example
 * const end = apiKeyIdEnd(presented);
 * if (end > 0) lookup(presented.slice(API_KEY_PREFIX.length, end));
 */
export function apiKeyIdEnd(text: string): number {
  if (typeof text !== 'string' || text.length > API_KEY_MAX_LENGTH) return -1;
  // Exactly `^ea_([a-z0-9]{8,40})_([A-Za-z0-9]{43})_([0-9a-f]{8})$`, read by hand: the secret and
  // checksum have fixed lengths, so the total length places every part. Measured per request before
  // any lookup, the regular expression, an encoder and a hex string cost about a microsecond, and a
  // regular expression test alone more than this whole function. The CRC-32 is taken over the
  // characters, which are ASCII once checked; a character outside a part's alphabet is collected in
  // `bad` rather than branched on, and judged once the loops are done.
  const n = text.length;
  const idEnd = n - CHECKSUM_LENGTH - API_KEY_SECRET_LENGTH - 2;
  const secretEnd = n - CHECKSUM_LENGTH - 1;
  const idLength = idEnd - API_KEY_PREFIX.length;
  if (idLength < 8 || idLength > 40 || !text.startsWith(API_KEY_PREFIX)) return -1;
  if (text.charCodeAt(idEnd) !== UNDERSCORE || text.charCodeAt(secretEnd) !== UNDERSCORE) return -1;
  let c = CRC_AFTER_PREFIX;
  let bad = 0;
  for (let i = API_KEY_PREFIX.length; i < idEnd; i++) {
    const ch = text.charCodeAt(i);
    bad |= (ch >> 7) | (ID_CHARS[ch & 0x7f]! ^ 1);
    c = CRC_TABLE[(c ^ ch) & 0xff]! ^ (c >>> 8);
  }
  c = CRC_TABLE[(c ^ UNDERSCORE) & 0xff]! ^ (c >>> 8);
  // The secret (43 characters) four at a time: slicing-by-4, one table per byte position.
  let i = idEnd + 1;
  for (; i + 4 <= secretEnd; i += 4) {
    const a = text.charCodeAt(i);
    const b = text.charCodeAt(i + 1);
    const d = text.charCodeAt(i + 2);
    const e = text.charCodeAt(i + 3);
    bad |=
      ((a | b | d | e) >> 7) |
      ((SECRET_CHARS[a & 0x7f]! & SECRET_CHARS[b & 0x7f]! & SECRET_CHARS[d & 0x7f]! & SECRET_CHARS[e & 0x7f]!) ^ 1);
    const v = c ^ (a | (b << 8) | (d << 16) | (e << 24));
    c = CRC_TABLE_3[v & 0xff]! ^ CRC_TABLE_2[(v >>> 8) & 0xff]! ^ CRC_TABLE_1[(v >>> 16) & 0xff]! ^ CRC_TABLE[v >>> 24]!;
  }
  for (; i < secretEnd; i++) {
    const ch = text.charCodeAt(i);
    bad |= (ch >> 7) | (SECRET_CHARS[ch & 0x7f]! ^ 1);
    c = CRC_TABLE[(c ^ ch) & 0xff]! ^ (c >>> 8);
  }
  if (bad !== 0) return -1;
  let sum = 0;
  for (let i = secretEnd + 1; i < n; i++) {
    const ch = text.charCodeAt(i);
    const d = ch > 0x7f ? -1 : HEX_VALUE[ch]!;
    if (d < 0) return -1;
    sum = sum * 16 + d;
  }
  return ~c >>> 0 === sum ? idEnd : -2;
}

/**
 * Reads a presented API key: `malformed` when it does not have the shape, `checksum` when its checksum
 * does not match (a typo, a truncated paste, a made-up key). Only an `ok` key is worth a store lookup.
 */
export function parseApiKey(text: string): ParsedApiKey {
  const end = apiKeyIdEnd(text);
  if (end === -1) return MALFORMED;
  if (end === -2) return CHECKSUM;
  return { ok: true, id: text.slice(API_KEY_PREFIX.length, end) };
}

/** The record's secret for a key: `sha256:` and the lower-case hex SHA-256 of the whole key (UTF-8). */
export async function apiKeySecretHash(key: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key)));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return `sha256:${hex}`;
}

/** The form of a stored API-key secret. */
export const API_KEY_SECRET_HASH_PATTERN = /^sha256:[0-9a-f]{64}$/;
