import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clientKeyOf } from './client-key.ts';

describe('clientKeyOf', () => {
  it.each([
    ['198.51.100.7', '198.51.100.7'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['2001:0DB8:0001:0002:0:0:0:9', '2001:db8:1:2::/64'],
    ['[2001:db8:1:2::9]', '2001:db8:1:2::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['::ffff:198.51.100.7', '198.51.100.7'],
    ['::ffff:c633:6407', '198.51.100.7'],
    ['0:0:0:0:0:FFFF:C633:6407', '198.51.100.7'],
    ['64:ff9b::198.51.100.7', '64:ff9b:0:0::/64'],
    // A proxy that writes the client's port too (Azure Application Gateway): the port is not the client.
    ['198.51.100.7:50001', '198.51.100.7'],
    ['[2001:db8:1:2::9]:50001', '2001:db8:1:2::/64'],
    ['[::ffff:198.51.100.7]:443', '198.51.100.7'],
    ['unknown', 'unknown'],
    ['not:an:address', 'not:an:address'],
  ])('%s -> %s', (address, key) => {
    expect(clientKeyOf(address)).toBe(key);
  });

  it('gives a client one key whatever source port a proxy writes beside its address', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.ipV6(), fc.integer({ min: 0, max: 65535 }), (v4, v6, port) => {
        expect(clientKeyOf(`${v4}:${port}`)).toBe(clientKeyOf(v4));
        expect(clientKeyOf(`[${v6}]:${port}`)).toBe(clientKeyOf(v6));
      }),
      { numRuns: 2000 },
    );
  });

  it('gives every address of one /64 the same key, and addresses of different /64s different keys', () => {
    const group = fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16));
    fc.assert(
      fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), fc.array(group, { minLength: 4, maxLength: 4 }), (a, host) => {
        const prefix = a.slice(0, 4);
        expect(clientKeyOf([...prefix, ...host].join(':'))).toBe(clientKeyOf(a.join(':')));
        const other = [...prefix];
        other[3] = ((parseInt(other[3]!, 16) + 1) & 0xffff).toString(16);
        expect(clientKeyOf([...other, ...host].join(':'))).not.toBe(clientKeyOf(a.join(':')));
      }),
    );
  });
});
