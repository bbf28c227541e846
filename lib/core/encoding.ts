const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The UTF-8 bytes of `text`: the form every hash and HMAC input takes (one shared encoder). */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decodes UTF-8, throwing `TypeError` on invalid sequences (never silently replacing them). */
export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lower-case hex of `bytes`, as SigV4 writes hashes and signatures; table-driven because it runs on every request. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]!];
  return out;
}

// 1 for the codes of "0"-"9" and "a"-"f", 0 for every other code below 128.
const LOWER_HEX = new Uint8Array(128);
for (const c of '0123456789abcdef') LOWER_HEX[c.charCodeAt(0)] = 1;

/**
 * Whether `text` is exactly `length` lower-case hex digits (hashes and signatures on the wire). No
 * regex and no branch per character: a signature is random, so a branch on each digit's class would
 * be mispredicted about half the time.
 */
export function isLowerHex(text: string, length: number): boolean {
  if (text.length !== length) return false;
  let ok = 1;
  // Every code unit's bits gathered: any one at or above 0x80 (whose low seven bits may look like a
  // digit, as U+0130 looks like "0") refuses the whole text.
  let high = 0;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    high |= c;
    ok &= LOWER_HEX[c & 0x7f]!;
  }
  return ok === 1 && high < 0x80;
}

/**
 * Decodes standard base64 (API Gateway bodies, request.json `bodyBase64`) into bytes.
 *
 * @throws DOMException (`InvalidCharacterError`) when `text` is not base64, as `atob` does.
 */
export function fromBase64(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Standard base64 of `bytes`, for bodies that are not UTF-8 text (request.json `bodyBase64`). */
export function toBase64(bytes: Uint8Array): string {
  const n = bytes.length;
  const out = new Uint8Array(Math.ceil(n / 3) * 4);
  let o = 0;
  let i = 0;
  // Three bytes to four characters, written as ASCII codes and decoded once: linear, one string built
  // (a body of a few MiB takes milliseconds, where a string grown a character at a time takes far longer).
  for (; i + 2 < n; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out[o++] = B64[v >>> 18]!;
    out[o++] = B64[(v >>> 12) & 63]!;
    out[o++] = B64[(v >>> 6) & 63]!;
    out[o++] = B64[v & 63]!;
  }
  if (i < n) {
    const two = i + 1 < n;
    const v = (bytes[i]! << 16) | (two ? bytes[i + 1]! << 8 : 0);
    out[o++] = B64[v >>> 18]!;
    out[o++] = B64[(v >>> 12) & 63]!;
    out[o++] = two ? B64[(v >>> 6) & 63]! : 0x3d;
    out[o++] = 0x3d;
  }
  return ascii.decode(out);
}

/** The codes of the base64 alphabet (RFC 4648 section 4), by value. */
const B64 = new TextEncoder().encode('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');
const ascii = new TextDecoder();

/** True for RFC 3986 unreserved characters: ALPHA / DIGIT / "-" / "." / "_" / "~". */
export function isUnreserved(c: number): boolean {
  return (
    (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e
  );
}

const PCT = Array.from({ length: 256 }, (_, i) => '%' + i.toString(16).toUpperCase().padStart(2, '0'));

/**
 * RFC 3986 percent-encoding of the UTF-8 bytes of `text`: everything but unreserved characters is
 * escaped with upper-case hex. `keep` may name extra ASCII characters left literal (for example "/").
 */
export function percentEncode(text: string, keep = ''): string {
  let out = '';
  let plain = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80 || !(isUnreserved(c) || keep.includes(text[i]!))) {
      plain = false;
      break;
    }
  }
  if (plain) return text;
  const bytes = encoder.encode(text);
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    out += isUnreserved(c) || (c < 0x80 && keep.includes(String.fromCharCode(c))) ? String.fromCharCode(c) : PCT[c];
  }
  return out;
}

/** The value of a hex digit's character code (either case), or -1. */
export function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * Percent-decodes `text` into a string. Malformed escapes ("%zz", a lone "%") stay literal, as
 * WHATWG URL parsing and most servers treat them; invalid UTF-8 after decoding throws `TypeError`.
 * With `plusIsSpace`, "+" decodes to a space (application/x-www-form-urlencoded).
 */
export function percentDecode(text: string, plusIsSpace = false): string {
  if (!text.includes('%') && !(plusIsSpace && text.includes('+'))) return text;
  const src = encoder.encode(text);
  const out = new Uint8Array(src.length);
  let n = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === 0x25 && i + 2 < src.length) {
      const h = hexVal(src[i + 1]!);
      const l = hexVal(src[i + 2]!);
      if (h >= 0 && l >= 0) {
        out[n++] = (h << 4) | l;
        i += 2;
        continue;
      }
    }
    out[n++] = plusIsSpace && c === 0x2b ? 0x20 : c;
  }
  return decoder.decode(out.subarray(0, n));
}
