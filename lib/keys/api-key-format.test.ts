import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  API_KEY_MAX_LENGTH,
  API_KEY_SCANNER_PATTERN,
  API_KEY_SECRET_HASH_PATTERN,
  apiKeyChecksum,
  apiKeySecretHash,
  crc32,
  generateApiKey,
  parseApiKey,
} from './api-key-format.ts';

const PRINTABLE = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i));

/** Every key that differs from `key` by one substituted printable character. */
function* substitutions(key: string) {
  for (let i = 0; i < key.length; i++) for (const c of PRINTABLE) if (c !== key[i]) yield key.slice(0, i) + c + key.slice(i + 1);
}

describe('API key format', () => {
  it('crc32 is the IEEE CRC-32 (the check value of "123456789")', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array())).toBe(0);
  });

  it('round-trips: a generated key parses to its id, has the documented shape and 256 random bits', () => {
    const { id, key } = generateApiKey();
    expect(key).toMatch(/^ea_[a-z0-9]{16}_[A-Za-z0-9]{43}_[0-9a-f]{8}$/);
    expect(key.length).toBeLessThanOrEqual(API_KEY_MAX_LENGTH);
    expect(new RegExp(API_KEY_SCANNER_PATTERN).test(`token=${key};`)).toBe(true);
    expect(parseApiKey(key)).toEqual({ ok: true, id });
    // 43 base62 characters: log2(62) * 43 > 256.
    expect(Math.log2(62) * 43).toBeGreaterThan(256);
    expect(apiKeyChecksum(key.slice(0, -9))).toBe(key.slice(-8));
  });

  it('takes a chosen id, and refuses one outside a-z, 0-9 (8 to 40)', () => {
    expect(parseApiKey(generateApiKey({ id: 'billing01' }).key)).toEqual({ ok: true, id: 'billing01' });
    for (const id of ['short', 'UPPERCASE01', 'has_underscore', 'a'.repeat(41), 'with space1']) {
      expect(() => generateApiKey({ id })).toThrow(TypeError);
    }
  });

  it('never repeats a key or an id (1000 draws)', () => {
    const keys = new Set<string>();
    const ids = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const { id, key } = generateApiKey();
      keys.add(key);
      ids.add(id);
    }
    expect(keys.size).toBe(1000);
    expect(ids.size).toBe(1000);
  });

  it('the secret part uses the whole base62 alphabet, and nothing else', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) for (const c of generateApiKey().key.split('_')[2]!) seen.add(c);
    expect(seen.size).toBe(62);
  });

  it('refuses every single-character substitution of a key (each position, every printable ASCII character)', () => {
    const { key } = generateApiKey();
    let n = 0;
    for (const typo of substitutions(key)) {
      expect(parseApiKey(typo).ok, typo).toBe(false);
      n++;
    }
    expect(n).toBe(key.length * (PRINTABLE.length - 1));
  });

  it('refuses every single deleted, duplicated or swapped-neighbour character, and a truncated key', () => {
    const { key } = generateApiKey();
    for (let i = 0; i < key.length; i++) {
      expect(parseApiKey(key.slice(0, i) + key.slice(i + 1)).ok).toBe(false);
      expect(parseApiKey(key.slice(0, i) + key[i] + key.slice(i)).ok).toBe(false);
      if (i + 1 < key.length && key[i] !== key[i + 1]) {
        expect(parseApiKey(key.slice(0, i) + key[i + 1] + key[i] + key.slice(i + 2)).ok).toBe(false);
      }
      expect(parseApiKey(key.slice(0, i)).ok).toBe(false);
    }
    expect(parseApiKey(key + 'a').ok).toBe(false);
    expect(parseApiKey(` ${key}`).ok).toBe(false);
    expect(parseApiKey(key.toUpperCase()).ok).toBe(false);
  });

  it('tells a bad checksum from a malformed key, and reads nothing past the longest key', () => {
    const { key } = generateApiKey();
    // Change the checksum's first digit to another digit (whatever it was), so the shape stays valid.
    const wrongSum = key.slice(0, -8) + (key.at(-8) === '0' ? '1' : '0') + key.slice(-7);
    expect(wrongSum).not.toBe(key);
    expect(parseApiKey(wrongSum)).toEqual({ ok: false, reason: 'checksum' });
    expect(parseApiKey('ea_')).toEqual({ ok: false, reason: 'malformed' });
    expect(parseApiKey('')).toEqual({ ok: false, reason: 'malformed' });
    expect(parseApiKey(key + 'x'.repeat(1_000_000))).toEqual({ ok: false, reason: 'malformed' });
    expect(parseApiKey(42 as unknown as string)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('the record secret is sha256:<hex> of the whole key', async () => {
    const { key } = generateApiKey();
    const secret = await apiKeySecretHash(key);
    expect(secret).toMatch(API_KEY_SECRET_HASH_PATTERN);
    expect(secret).toBe(`sha256:${createHash('sha256').update(key).digest('hex')}`);
    expect(secret).not.toContain(key.split('_')[2]!);
  });

  it('property: any generated key (any id) round-trips, and any one-character substitution is refused', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'), minLength: 8, maxLength: 40 }),
        fc.nat(),
        fc.constantFrom(...PRINTABLE),
        (id, at, c) => {
          const { key } = generateApiKey({ id });
          expect(parseApiKey(key)).toEqual({ ok: true, id });
          const i = at % key.length;
          fc.pre(key[i] !== c);
          expect(parseApiKey(key.slice(0, i) + c + key.slice(i + 1)).ok).toBe(false);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('property: random strings, even ea_-shaped ones with a made-up checksum, are refused', () => {
    const shaped = fc
      .tuple(
        fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'), minLength: 8, maxLength: 40 }),
        fc.string({
          unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'),
          minLength: 43,
          maxLength: 43,
        }),
        fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 8, maxLength: 8 }),
      )
      .filter(([id, secret, sum]) => apiKeyChecksum(`ea_${id}_${secret}`) !== sum)
      .map(([id, secret, sum]) => `ea_${id}_${secret}_${sum}`);
    fc.assert(
      fc.property(fc.oneof(fc.string(), shaped), (text) => {
        expect(parseApiKey(text).ok).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
  it('property: parseApiKey answers exactly as the documented expression and checksum do (key-shaped and arbitrary text)', () => {
    const KEY_RE = /^ea_([a-z0-9]{8,40})_([A-Za-z0-9]{43})_([0-9a-f]{8})$/;
    const reference = (text: string) => {
      if (text.length > API_KEY_MAX_LENGTH) return { ok: false, reason: 'malformed' };
      const m = KEY_RE.exec(text);
      if (!m) return { ok: false, reason: 'malformed' };
      return apiKeyChecksum(text.slice(0, -9)) === m[3] ? { ok: true, id: m[1] } : { ok: false, reason: 'checksum' };
    };
    const part = (alphabet: string, min: number, max: number) =>
      fc.array(fc.constantFrom(...alphabet), { minLength: min, maxLength: max }).map((a) => a.join(''));
    const keyShaped = fc
      .tuple(
        fc.constantFrom('ea_', 'ea', 'eb_', 'EA_'),
        part('abcdefghijklmnopqrstuvwxyz0123456789_A', 6, 42),
        fc.constantFrom('_', '-', ''),
        part('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_ ', 41, 45),
        fc.constantFrom('_', ''),
        part('0123456789abcdefABCDEFg', 7, 9),
      )
      .map((p) => p.join(''));
    const valid = fc.stringMatching(/^[a-z0-9]{8,40}$/).map((id) => generateApiKey({ id }).key);
    fc.assert(
      fc.property(fc.oneof(keyShaped, valid, fc.string({ maxLength: 120 }), fc.string({ unit: 'binary', maxLength: 100 })), (text) => {
        expect(parseApiKey(text)).toEqual(reference(text));
      }),
      { numRuns: 3000 },
    );
  });
});
