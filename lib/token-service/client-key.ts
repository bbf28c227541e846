/**
 * The rate-limit key for a client address: an IPv4 address as it is, an IPv6 address by its /64 (one
 * customer's share: a host picks any address inside its /64 at will, so counting per address would
 * give one client 2^64 budgets). IPv4-mapped IPv6 counts as the IPv4 address. A port after the
 * address is dropped. Anything else (no address, a name) is kept as given, bounded.
 *
 * @example
 * clientKeyOf('2001:db8:1:2:aaaa::1') // '2001:db8:1:2::/64'
 * clientKeyOf('198.51.100.7')         // '198.51.100.7'
 */
export function clientKeyOf(address: string): string {
  // A proxy may write the client's port too (`198.51.100.7:50001`, `[2001:db8::1]:50001`): a client
  // picks its source port, so the port is no part of who it is.
  const a = address
    .trim()
    .replace(/^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/, '$1')
    .replace(/^\[([^\]]*)\](?::\d{1,5})?$/, '$1')
    .replace(/%.*$/, '');
  if (!a.includes(':')) return a.slice(0, 64);
  const groups = expandIpv6(a);
  if (!groups) return a.slice(0, 64);
  // IPv4-mapped (::ffff:198.51.100.7, or in hex ::ffff:c633:6407): the IPv4 address.
  if (groups.slice(0, 5).every((g) => g === '0') && groups[5] === 'ffff') {
    const [hi, lo] = [parseInt(groups[6]!, 16), parseInt(groups[7]!, 16)];
    return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  }
  return `${groups.slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address (lower-case, no leading zeros), or undefined when it is not one. */
function expandIpv6(a: string): string[] | undefined {
  let text = a.toLowerCase();
  // An embedded IPv4 tail (::ffff:1.2.3.4, 64:ff9b::1.2.3.4 and the like) becomes two groups.
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const [b1, b2, b3, b4] = v4.slice(1).map(Number) as [number, number, number, number];
    if ([b1, b2, b3, b4].some((b) => b > 255)) return undefined;
    text = text.slice(0, v4.index) + `${((b1 << 8) | b2).toString(16)}:${((b3 << 8) | b4).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return groups.map((g) => g.replace(/^0+(?=.)/, ''));
}
