import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { md5Hex } from './md5.ts';

describe('md5Hex', () => {
  // RFC 1321, appendix A.5.
  it.each([
    ['', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['a', '0cc175b9c0f1b6a831c399e269772661'],
    ['abc', '900150983cd24fb0d6963f7d28e17f72'],
    ['message digest', 'f96b697d7cb7938d525a2f31aaf161d0'],
    ['abcdefghijklmnopqrstuvwxyz', 'c3fcd3d76192e4007dfb496cca67e13b'],
    ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 'd174ab98d277d9f5a5611c2c9f419d9f'],
    ['12345678901234567890123456789012345678901234567890123456789012345678901234567890', '57edf4a22be3c955ac49da2e2107b67a'],
  ])('RFC 1321 vector %j', (input, digest) => {
    expect(md5Hex(input)).toBe(digest);
  });

  it('hashes the UTF-8 bytes, as the original service does (email with non-ASCII characters)', () => {
    expect(md5Hex('zoë@example.com')).toBe(createHash('md5').update('zoë@example.com', 'utf8').digest('hex'));
  });

  it('agrees with node:crypto around the padding boundaries (55, 56, 63, 64, 65 bytes) and on long input', () => {
    for (const n of [1, 54, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 100_000]) {
      const text = 'x'.repeat(n);
      expect(md5Hex(text), `length ${n}`).toBe(createHash('md5').update(text).digest('hex'));
    }
  });
});
