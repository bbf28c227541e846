// The raw RSA operation and PKCS#1 v1.5 type-1 padding in BigInt, for MAuth v1 where Web Crypto has
// no raw RSA (its RSASSA-PKCS1-v1_5 always adds a DigestInfo). Platform-free: the Web backend uses
// all of it; the Node backend uses the padding only (node:crypto does the arithmetic).
import type { Bytes } from './crypto.ts';

/** An RSA public key as numbers: modulus, public exponent, and the modulus length in bytes. */
export interface RawRsaPublic {
  readonly n: bigint;
  readonly e: bigint;
  readonly k: number;
}

/** An RSA private key as the CRT numbers (RFC 8017 §3.2, second representation) plus its public half. */
export interface RawRsaPrivate extends RawRsaPublic {
  readonly d: bigint;
  readonly p: bigint;
  readonly q: bigint;
  readonly dp: bigint;
  readonly dq: bigint;
  readonly qi: bigint;
}

/** The smallest type-1 block padding: `00 01`, eight `FF`, `00` (RFC 8017 §7.2 / PKCS#1 v1.5). */
export const TYPE1_OVERHEAD = 11;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Big-endian unsigned bytes as a BigInt (OS2IP); no bytes is 0. */
export function bytesToBigInt(bytes: Bytes): bigint {
  if (bytes.length === 0) return 0n;
  let hex = '';
  for (let i = 0; i < bytes.length; i++) hex += HEX[bytes[i]!];
  return BigInt('0x' + hex);
}

/**
 * `x` as exactly `length` big-endian bytes (I2OSP).
 *
 * @throws RangeError when `x` is negative or does not fit.
 */
export function bigIntToBytes(x: bigint, length: number): Bytes {
  if (x < 0n) throw new RangeError('negative integer');
  const hex = x.toString(16);
  if (hex.length > length * 2) throw new RangeError('integer too large');
  const out = new Uint8Array(length);
  // From the last hex digit backwards; toString(16) writes lower-case, so a digit is c - 48 or c - 87.
  for (let i = length - 1, j = hex.length; j > 0; i--) {
    const lo = hex.charCodeAt(--j);
    const hi = j > 0 ? hex.charCodeAt(--j) : 48;
    out[i] = ((hi <= 57 ? hi - 48 : hi - 87) << 4) | (lo <= 57 ? lo - 48 : lo - 87);
  }
  return out;
}

/** Base64url (JWK members, RFC 7518 §6.3) as a non-negative BigInt; undefined when not base64url. */
export function base64UrlToBigInt(text: unknown): bigint | undefined {
  if (typeof text !== 'string' || text.length === 0 || !/^[A-Za-z0-9_-]+$/.test(text) || text.length % 4 === 1) return undefined;
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const bin = atob(b64);
  let hex = '';
  for (let i = 0; i < bin.length; i++) hex += HEX[bin.charCodeAt(i)];
  return BigInt('0x' + hex);
}

/** Bit length of a positive integer. */
export function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/**
 * `base^exp mod m`. A short exponent (a public one: for e = 65537, 16 squarings and one
 * multiplication) by left-to-right square-and-multiply; a long one (private) by fixed 4-bit windows,
 * four squarings and one multiplication per window whatever its bits, about 15% fewer operations.
 * BigInt arithmetic is variable-time all the same; see {@link rawPrivateCrt} for how the private
 * operation copes.
 */
export function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  if (m === 1n) return 0n;
  let b = base % m;
  if (b < 0n) b += m;
  const bits = bitLength(exp);
  let result = 1n;
  if (bits <= 64) {
    for (let i = bits - 1; i >= 0; i--) {
      result = (result * result) % m;
      if ((exp >> BigInt(i)) & 1n) result = (result * b) % m;
    }
    return result;
  }
  const table = [1n, b];
  for (let i = 2; i < 16; i++) table.push((table[i - 1]! * b) % m);
  for (let shift = (Math.ceil(bits / 4) - 1) * 4; shift >= 0; shift -= 4) {
    result = (result * result) % m;
    result = (result * result) % m;
    result = (result * result) % m;
    result = (result * result) % m;
    result = (result * table[Number((exp >> BigInt(shift)) & 15n)]!) % m;
  }
  return result;
}

/** `a^-1 mod m` (extended Euclid); undefined when `a` and `m` are not coprime. */
export function modInverse(a: bigint, m: bigint): bigint | undefined {
  let [oldR, r] = [((a % m) + m) % m, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) return undefined;
  return ((oldS % m) + m) % m;
}

/**
 * `payload` in a type-1 block of `k` bytes: `00 01`, `FF` up to the payload, `00`, payload (what
 * OpenSSL's RSA_padding_add_PKCS1_type_1 produces; deterministic).
 *
 * @throws RangeError when the payload leaves room for fewer than eight `FF` (more than k - 11 bytes).
 */
export function padType1(payload: Bytes, k: number): Bytes {
  if (payload.length > k - TYPE1_OVERHEAD) throw new RangeError(`payload too long for the key: at most ${k - TYPE1_OVERHEAD} bytes`);
  const block = new Uint8Array(k);
  block[1] = 0x01;
  const sep = k - payload.length - 1;
  block.fill(0xff, 2, sep);
  block.set(payload, sep + 1);
  return block;
}

/**
 * The payload of a type-1 block, the whole block checked: `00 01`, at least eight `FF` and nothing
 * else before the first `00`, then the payload (possibly empty). Undefined for anything else.
 */
export function unpadType1(block: Bytes): Bytes | undefined {
  if (block.length < TYPE1_OVERHEAD || block[0] !== 0x00 || block[1] !== 0x01) return undefined;
  let i = 2;
  while (i < block.length && block[i] === 0xff) i++;
  // The first non-FF byte must be the separator, after at least eight FF.
  if (i >= block.length || block[i] !== 0x00 || i - 2 < 8) return undefined;
  return block.subarray(i + 1);
}

/**
 * The raw public operation `s^e mod n` on a signature exactly `k` bytes long and below `n`; the
 * result as `k` bytes, or undefined when the signature is the wrong length or not below the modulus.
 */
export function rawPublic(key: RawRsaPublic, signature: Bytes): Bytes | undefined {
  if (signature.length !== key.k) return undefined;
  const s = bytesToBigInt(signature);
  if (s >= key.n) return undefined;
  return bigIntToBytes(modPow(s, key.e, key.n), key.k);
}

/** The payload of a type-1 signature: {@link rawPublic}, then {@link unpadType1}. */
export function recoverType1Raw(key: RawRsaPublic, signature: Bytes): Bytes | undefined {
  const block = rawPublic(key, signature);
  return block && unpadType1(block);
}

/** A uniformly random integer in [2, n - 1] from crypto.getRandomValues (Web API, everywhere). */
function randomBelow(n: bigint, k: number): bigint {
  const buf = new Uint8Array(k + 8); // 64 extra bits make the modulo bias negligible
  crypto.getRandomValues(buf);
  return (bytesToBigInt(buf) % (n - 2n)) + 2n;
}

/**
 * The raw private operation `c^d mod n` by the Chinese remainder theorem (m1 = c^dp mod p,
 * m2 = c^dq mod q, h = qi (m1 - m2) mod p, m = m2 + h q), on a `c` below `n`, as `k` bytes.
 *
 * BigInt arithmetic is not constant-time, so the input is blinded (c' = c r^e for a fresh random r,
 * the result multiplied by r^-1): what the timing depends on is then unrelated to the message. The
 * result is checked by the public operation before it is returned (a wrong CRT value would leak a
 * factor of n).
 *
 * @throws RangeError when `c` is not below the modulus; Error when the key's numbers are inconsistent.
 */
export function rawPrivateCrt(key: RawRsaPrivate, c: bigint): Bytes {
  if (c < 0n || c >= key.n) throw new RangeError('input not below the modulus');
  let r = randomBelow(key.n, key.k);
  let rInv = modInverse(r, key.n);
  while (rInv === undefined) {
    r = randomBelow(key.n, key.k);
    rInv = modInverse(r, key.n);
  }
  const blinded = (c * modPow(r, key.e, key.n)) % key.n;
  const m1 = modPow(blinded, key.dp, key.p);
  const m2 = modPow(blinded, key.dq, key.q);
  let h = (key.qi * (m1 - m2)) % key.p;
  if (h < 0n) h += key.p;
  const m = ((m2 + h * key.q) * rInv) % key.n;
  if (modPow(m, key.e, key.n) !== c) throw new Error('RSA private operation failed its check');
  return bigIntToBytes(m, key.k);
}

/** `payload` in a type-1 block, then the raw private operation: OpenSSL's RSA_private_encrypt with PKCS#1 padding. */
export function signType1Raw(key: RawRsaPrivate, payload: Bytes): Bytes {
  return rawPrivateCrt(key, bytesToBigInt(padType1(payload, key.k)));
}
