// The token service's signing key set: a JSON document kept in a secret store (a Workers secret, AWS
// Secrets Manager, an env var in development; never in the repository), parsed into imported keys.
// Errors name field paths and what is wrong, never a value: the document holds private keys.
import { exportJWK, exportPKCS8, exportSPKI, generateKeyPair, importJWK, importPKCS8, type CryptoKey, type JWK } from 'jose';
import { isJsonObject, JsonTextError, parseJsonSafe } from '../config/json.ts';

/** The algorithms the token service signs with: asymmetric only (never an HMAC, never `none`). */
export const SIGNING_ALGORITHMS = Object.freeze(['RS256', 'EdDSA', 'ES256'] as const);

/** One of {@link SIGNING_ALGORITHMS}. */
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/** Smallest RSA modulus accepted, as the edge's JWT verifier requires by default. */
export const MIN_RSA_BITS = 2048;

/** Longest signing key set document accepted (a handful of PEM keys fit easily). */
export const MAX_SIGNING_KEY_SET_CHARS = 256 * 1024;

/** Most keys one document may hold (current plus retired ones still published). */
export const MAX_SIGNING_KEYS = 16;

/** One entry of the document, as {@link generateSigningKey} makes it and the secret store keeps it. */
export interface SigningKeyEntry {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  /** PKCS#8 PEM (`BEGIN PRIVATE KEY`) or a private JWK object. */
  readonly privateKey: string | Readonly<Record<string, unknown>>;
  /** ISO 8601 date-time from which the key no longer signs; absent on the current key. */
  readonly retiredAt?: string;
}

/** One imported key of the set. */
export interface SigningKey {
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  /** Non-extractable; signs only with `alg`. */
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  /** The public JWK as the JWKS publishes it: key members plus `kid`, `alg`, `use: "sig"`. */
  readonly publicJwk: Readonly<Record<string, string>>;
  /** SubjectPublicKeyInfo PEM (what `/auth/public-key` serves). */
  readonly spkiPem: string;
  /** Epoch seconds after which the key is no longer published; undefined for the current key. */
  readonly publishedUntil: number | undefined;
  /** Epoch seconds when the key stopped signing; undefined for the current key. */
  readonly retiredAt: number | undefined;
}

/** A parsed signing key set: the current signer and every key still published (current first). */
export interface ParsedSigningKeys {
  readonly current: SigningKey;
  /** The current key, then retired keys whose tokens may still be live at parse time. */
  readonly published: readonly SigningKey[];
}

/** Why a signing key set was refused: each issue names a field path and a problem, never a value. */
export class SigningKeySetError extends Error {
  readonly issues: readonly string[];
  constructor(issues: readonly string[]) {
    super(`signing key set refused: ${issues.join('; ')}`);
    this.name = 'SigningKeySetError';
    this.issues = issues;
  }
}

const KID_RE = /^[A-Za-z0-9._:-]{1,128}$/;
// Date-time with a zone (Z or an offset), so the same text means the same instant everywhere.
const ISO_DATE_TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const PKCS8_PEM_RE = /^\s*-----BEGIN PRIVATE KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END PRIVATE KEY-----\s*$/;
const ENTRY_MEMBERS = new Set(['kid', 'alg', 'privateKey', 'retiredAt']);
const KEY_TYPES: Readonly<Record<SigningAlgorithm, { readonly kty: string; readonly crv?: string }>> = {
  RS256: { kty: 'RSA' },
  ES256: { kty: 'EC', crv: 'P-256' },
  EdDSA: { kty: 'OKP', crv: 'Ed25519' },
};

function isSigningAlgorithm(alg: unknown): alg is SigningAlgorithm {
  return typeof alg === 'string' && (SIGNING_ALGORITHMS as readonly string[]).includes(alg);
}

/** Bits of a base64url big-endian integer (an RSA modulus), leading zero bits not counted. */
function base64UrlBits(b64: string): number {
  const bin = atob(b64.replace(/-/g, '+').replace(/_/g, '/'));
  let i = 0;
  while (i < bin.length && bin.charCodeAt(i) === 0) i++;
  if (i === bin.length) return 0;
  return (bin.length - i - 1) * 8 + (32 - Math.clz32(bin.charCodeAt(i)));
}

// Usage members would restrict or contradict the import's own settings (extractable, sign): ours decide.
function withoutUsage(jwk: JWK): JWK {
  const { key_ops: _ops, ext: _ext, use: _use, ...rest } = jwk;
  return rest;
}

interface CheckedEntry {
  readonly path: string;
  readonly kid: string;
  readonly alg: SigningAlgorithm;
  readonly privateKey: string | Record<string, unknown>;
  readonly retiredAt: number | undefined;
}

function checkEntry(entry: unknown, path: string, issues: string[]): CheckedEntry | undefined {
  if (!isJsonObject(entry)) {
    issues.push(`${path}: must be an object`);
    return undefined;
  }
  const before = issues.length;
  for (const m of Object.keys(entry))
    if (!ENTRY_MEMBERS.has(m)) issues.push(`${path}: unknown member (allowed: kid, alg, privateKey, retiredAt)`);
  const { kid, alg, privateKey, retiredAt } = entry;
  if (typeof kid !== 'string' || !KID_RE.test(kid)) issues.push(`${path}.kid: must be 1-128 characters of A-Z a-z 0-9 . _ : -`);
  if (!isSigningAlgorithm(alg)) issues.push(`${path}.alg: must be one of ${SIGNING_ALGORITHMS.join(', ')}`);
  if (typeof privateKey === 'string') {
    if (!PKCS8_PEM_RE.test(privateKey))
      issues.push(`${path}.privateKey: must be a PKCS#8 PEM ("BEGIN PRIVATE KEY") or a private JWK object`);
  } else if (isJsonObject(privateKey)) {
    if (!Object.hasOwn(privateKey, 'd')) issues.push(`${path}.privateKey: the JWK holds no private key ("d")`);
    if (Object.hasOwn(privateKey, 'alg') && privateKey.alg !== alg) issues.push(`${path}.privateKey.alg: differs from ${path}.alg`);
    if (Object.hasOwn(privateKey, 'kid') && privateKey.kid !== kid) issues.push(`${path}.privateKey.kid: differs from ${path}.kid`);
  } else {
    issues.push(`${path}.privateKey: must be a PKCS#8 PEM ("BEGIN PRIVATE KEY") or a private JWK object`);
  }
  let retired: number | undefined;
  if (retiredAt !== undefined) {
    retired = typeof retiredAt === 'string' && ISO_DATE_TIME_RE.test(retiredAt) ? Date.parse(retiredAt) : NaN;
    if (!Number.isFinite(retired)) issues.push(`${path}.retiredAt: must be an ISO 8601 date-time with a zone (e.g. 2026-01-31T00:00:00Z)`);
  }
  if (issues.length > before) return undefined;
  return {
    path,
    kid: kid as string,
    alg: alg as SigningAlgorithm,
    privateKey: privateKey as string | Record<string, unknown>,
    retiredAt: retired,
  };
}

/** Imports one entry for its algorithm only, checking the key type matches it; issues name the path only. */
async function importEntry(e: CheckedEntry, publishedUntil: number | undefined, issues: string[]): Promise<SigningKey | undefined> {
  const where = `${e.path}.privateKey`;
  let extractable: CryptoKey;
  try {
    // Extractable only for this step: the public half is derived from it, then it is dropped.
    extractable =
      typeof e.privateKey === 'string'
        ? await importPKCS8(e.privateKey, e.alg, { extractable: true })
        : ((await importJWK(withoutUsage({ ...(e.privateKey as JWK), alg: e.alg }), e.alg, { extractable: true })) as CryptoKey);
  } catch {
    issues.push(
      `${where}: cannot be imported as a ${e.alg} private key (${KEY_TYPES[e.alg].kty}${KEY_TYPES[e.alg].crv ? ` ${KEY_TYPES[e.alg].crv}` : ''})`,
    );
    return undefined;
  }
  if (extractable.type !== 'private') {
    issues.push(`${where}: is not a private key`);
    return undefined;
  }
  const jwk = (await exportJWK(extractable)) as Record<string, unknown>;
  const want = KEY_TYPES[e.alg];
  if (jwk.kty !== want.kty || (want.crv !== undefined && jwk.crv !== want.crv)) {
    issues.push(`${where}: key type does not suit ${e.alg} (needs ${want.kty}${want.crv ? ` ${want.crv}` : ''})`);
    return undefined;
  }
  if (want.kty === 'RSA' && (typeof jwk.n !== 'string' || base64UrlBits(jwk.n) < MIN_RSA_BITS)) {
    issues.push(`${where}: RSA key smaller than ${MIN_RSA_BITS} bits`);
    return undefined;
  }
  const members = want.kty === 'RSA' ? ['kty', 'n', 'e'] : want.kty === 'EC' ? ['kty', 'crv', 'x', 'y'] : ['kty', 'crv', 'x'];
  const publicJwk: Record<string, string> = {};
  for (const m of members) publicJwk[m] = String(jwk[m]);
  Object.assign(publicJwk, { kid: e.kid, alg: e.alg, use: 'sig' });
  const privateKey = (await importJWK(withoutUsage({ ...(jwk as JWK), alg: e.alg }), e.alg, { extractable: false })) as CryptoKey;
  const publicKey = (await importJWK({ ...publicJwk }, e.alg, { extractable: true })) as CryptoKey;
  return Object.freeze({
    kid: e.kid,
    alg: e.alg,
    privateKey,
    publicKey,
    publicJwk: Object.freeze(publicJwk),
    spkiPem: (await exportSPKI(publicKey)).trim(),
    publishedUntil,
    retiredAt: e.retiredAt === undefined ? undefined : Math.floor(e.retiredAt / 1000),
  });
}

/**
 * Parses and imports the signing key set document `{"keys":[{kid, alg, privateKey, retiredAt?}]}`.
 * Exactly one key has no `retiredAt`: the current signer. A retired key stays published (its tokens
 * stay verifiable) until `retiredAt + maxTokenLifetimeSeconds`, then it is dropped; so keep retired
 * keys in the document at least that long after retiring them.
 *
 * @param maxTokenLifetimeSeconds the longest a token of ours may live, clock tolerance included
 *   (see `maxTokenLifetimeSeconds()` in tokens.ts).
 * @throws SigningKeySetError naming the field paths at fault and why (never a value).
 * @throws TypeError when `maxTokenLifetimeSeconds` is not a positive integer.
 */
export async function parseSigningKeySet(text: string, now: Date, maxTokenLifetimeSeconds: number): Promise<ParsedSigningKeys> {
  if (!Number.isSafeInteger(maxTokenLifetimeSeconds) || maxTokenLifetimeSeconds <= 0)
    throw new TypeError('maxTokenLifetimeSeconds must be a positive integer');
  if (typeof text !== 'string' || text.length === 0) throw new SigningKeySetError(['(document): is empty']);
  if (text.length > MAX_SIGNING_KEY_SET_CHARS)
    throw new SigningKeySetError([`(document): longer than ${MAX_SIGNING_KEY_SET_CHARS} characters`]);
  let doc: unknown;
  try {
    doc = parseJsonSafe(text);
  } catch (e) {
    // JsonTextError messages give a position and a kind only, never the text.
    throw new SigningKeySetError([`(document): ${e instanceof JsonTextError ? e.message : 'not valid JSON'}`]);
  }
  if (!isJsonObject(doc)) throw new SigningKeySetError(['(document): must be an object {"keys": [...]}']);
  const issues: string[] = [];
  for (const m of Object.keys(doc)) if (m !== 'keys') issues.push(`(document): unknown member (allowed: keys)`);
  const keys = doc.keys;
  if (!Array.isArray(keys) || keys.length === 0) throw new SigningKeySetError([...issues, 'keys: must be a non-empty array']);
  if (keys.length > MAX_SIGNING_KEYS) throw new SigningKeySetError([...issues, `keys: at most ${MAX_SIGNING_KEYS} keys`]);

  const entries: CheckedEntry[] = [];
  keys.forEach((k, i) => {
    const e = checkEntry(k, `keys[${i}]`, issues);
    if (e) entries.push(e);
  });
  const seen = new Map<string, string>();
  for (const e of entries) {
    const first = seen.get(e.kid);
    if (first !== undefined) issues.push(`${e.path}.kid: same kid as ${first}.kid`);
    else seen.set(e.kid, e.path);
  }
  const current = entries.filter((e) => e.retiredAt === undefined);
  if (issues.length === 0 && current.length !== 1)
    issues.push(
      current.length === 0
        ? 'keys: no current key (exactly one key must have no retiredAt)'
        : `keys: ${current.map((e) => e.path).join(', ')} all lack retiredAt (exactly one key may be current)`,
    );
  if (issues.length > 0) throw new SigningKeySetError(issues);

  const nowSeconds = Math.floor(now.getTime() / 1000);
  const imported: SigningKey[] = [];
  for (const e of entries) {
    const until = e.retiredAt === undefined ? undefined : Math.floor(e.retiredAt / 1000) + maxTokenLifetimeSeconds;
    // Every key is imported, live or not, so that a broken retired key is found before its window ends.
    const key = await importEntry(e, until, issues);
    if (key && (until === undefined || until > nowSeconds)) imported.push(key);
  }
  if (issues.length > 0) throw new SigningKeySetError(issues);
  const currentKey = imported.find((k) => k.publishedUntil === undefined)!;
  return Object.freeze({ current: currentKey, published: Object.freeze([currentKey, ...imported.filter((k) => k !== currentKey)]) });
}

/**
 * A new signing key entry for the document (the demo and `npm start` make one; production keys are
 * made the same way and put in the secret store): RSA 2048 for RS256, P-256 for ES256, Ed25519 for EdDSA.
 *
 * @param kid defaults to `<alg>-<UTC date>-<random hex>`.
 */
export async function generateSigningKey(alg: SigningAlgorithm = 'RS256', kid?: string): Promise<SigningKeyEntry> {
  if (!isSigningAlgorithm(alg)) throw new TypeError(`alg must be one of ${SIGNING_ALGORITHMS.join(', ')}`);
  if (kid !== undefined && !KID_RE.test(kid)) throw new TypeError('kid must be 1-128 characters of A-Z a-z 0-9 . _ : -');
  const { privateKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'RS256' ? { modulusLength: MIN_RSA_BITS } : alg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
  });
  const random = Array.from(crypto.getRandomValues(new Uint8Array(4)), (b) => b.toString(16).padStart(2, '0')).join('');
  return {
    kid: kid ?? `${alg.toLowerCase()}-${new Date().toISOString().slice(0, 10)}-${random}`,
    alg,
    privateKey: await exportPKCS8(privateKey),
  };
}
