// PEM and DER for the RSA key forms both backends take: the label of a PEM picks the form, and PKCS#1
// bodies are wrapped into the SPKI / PKCS#8 containers Web Crypto imports. Platform-free. Errors are
// TypeErrors whose messages name the form expected, never the key text.
import type { RsaPublicKeyInput } from './crypto.ts';

/** A public key's DER as its PEM label names it. */
export interface PublicDer {
  readonly type: 'spki' | 'pkcs1';
  readonly der: Uint8Array<ArrayBuffer>;
}

/** A private key's DER as its PEM label names it. */
export interface PrivateDer {
  readonly type: 'pkcs1' | 'pkcs8';
  readonly der: Uint8Array<ArrayBuffer>;
}

/** The members of an RSA public JWK that make the key; the rest (alg, use, kid, ...) is not read. */
export interface RsaPublicJwk {
  readonly kty: 'RSA';
  readonly n: string;
  readonly e: string;
}

const PEM_RE = /^\s*-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\s]+?)-----END \1-----\s*$/;

/** The label and DER of one PEM block; undefined when the text is not exactly one PEM block. */
export function parsePem(pem: unknown): { label: string; der: Uint8Array<ArrayBuffer> } | undefined {
  if (typeof pem !== 'string') return undefined;
  const m = PEM_RE.exec(pem);
  if (!m) return undefined;
  let bin: string;
  try {
    bin = atob(m[2]!.replace(/\s+/g, ''));
  } catch {
    return undefined;
  }
  const der = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) der[i] = bin.charCodeAt(i);
  return { label: m[1]!, der };
}

function derLength(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>>= 8) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

function derNode(tag: number, ...parts: ArrayLike<number>[]): Uint8Array<ArrayBuffer> {
  const length = parts.reduce((sum, p) => sum + p.length, 0);
  const head = [tag, ...derLength(length)];
  const out = new Uint8Array(head.length + length);
  out.set(head);
  let at = head.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// AlgorithmIdentifier { rsaEncryption (1.2.840.113549.1.1.1), NULL }
const RSA_ALGORITHM_IDENTIFIER = [0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00];

/** A PKCS#1 RSAPublicKey in a SubjectPublicKeyInfo with the rsaEncryption algorithm (RFC 5280 §4.1). */
export function spkiFromPkcs1(der: Uint8Array): Uint8Array<ArrayBuffer> {
  return derNode(0x30, RSA_ALGORITHM_IDENTIFIER, derNode(0x03, [0x00], der));
}

/** A PKCS#1 RSAPrivateKey in a version-0 PKCS#8 PrivateKeyInfo with the rsaEncryption algorithm (RFC 5208 §5). */
export function pkcs8FromPkcs1(der: Uint8Array): Uint8Array<ArrayBuffer> {
  return derNode(0x30, [0x02, 0x01, 0x00], RSA_ALGORITHM_IDENTIFIER, derNode(0x04, der));
}

const PUBLIC_LABEL = { spki: 'PUBLIC KEY', pkcs1: 'RSA PUBLIC KEY' } as const;
const PRIVATE_TYPE: Readonly<Record<string, PrivateDer['type']>> = { 'RSA PRIVATE KEY': 'pkcs1', 'PRIVATE KEY': 'pkcs8' };
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'];

/**
 * The DER of a PEM public key whose label matches its format (`PUBLIC KEY` for spki, `RSA PUBLIC KEY`
 * for pkcs1): a private key's PEM is refused here, before any platform could derive a public key from it.
 *
 * @throws TypeError when the text is not one PEM block with that label.
 */
export function publicPemDer(input: Extract<RsaPublicKeyInput, { pem: string }>): PublicDer {
  const format = input.format;
  const pem = parsePem(input.pem);
  if (format !== 'spki' && format !== 'pkcs1') throw new TypeError('not an RSA public key: unknown format');
  if (!pem || pem.label !== PUBLIC_LABEL[format]) {
    throw new TypeError(`not an RSA public key: expected one PEM block labelled "${PUBLIC_LABEL[format]}" (${format})`);
  }
  return { type: format, der: pem.der };
}

/**
 * The members of a public RSA JWK: `kty` "RSA" and base64url `n` and `e`, and no private member.
 *
 * @throws TypeError otherwise.
 */
export function publicJwk(jwk: Readonly<Record<string, unknown>>): RsaPublicJwk {
  if (typeof jwk !== 'object' || jwk === null || jwk.kty !== 'RSA') throw new TypeError('not an RSA public key: JWK kty is not "RSA"');
  if (PRIVATE_JWK_MEMBERS.some((m) => m in jwk)) throw new TypeError('not an RSA public key: the JWK holds a private key');
  const b64url = /^[A-Za-z0-9_-]+$/;
  if (typeof jwk.n !== 'string' || typeof jwk.e !== 'string' || !b64url.test(jwk.n) || !b64url.test(jwk.e)) {
    throw new TypeError('not an RSA public key: JWK n and e must be base64url');
  }
  return { kty: 'RSA', n: jwk.n, e: jwk.e };
}

/**
 * The DER of a PEM private key: `RSA PRIVATE KEY` (PKCS#1) or `PRIVATE KEY` (PKCS#8, its algorithm
 * checked by the backend). Encrypted, EC and public PEMs are refused.
 *
 * @throws TypeError otherwise; the message never quotes the key.
 */
export function privatePemDer(text: string): PrivateDer {
  const pem = parsePem(text);
  const type = pem && PRIVATE_TYPE[pem.label];
  if (!pem || !type) {
    throw new TypeError('not an RSA private key: expected one PEM block labelled "RSA PRIVATE KEY" (PKCS#1) or "PRIVATE KEY" (PKCS#8)');
  }
  return { type, der: pem.der };
}
