import { isIPv4, isIPv6 } from 'net';

/** An IPv4 or IPv6 address, or a CIDR of one. */
export function isCidr(cidr: string): boolean {
  const [address, bits, extra] = cidr.split('/');
  if (extra !== undefined) return false;
  const max = isIPv4(address) ? 32 : isIPv6(address) ? 128 : -1;
  if (max < 0) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max);
}

export function isIpv6Cidr(cidr: string): boolean {
  return isIPv6(cidr.split('/')[0]);
}

/**
 * The eight 16-bit groups of an IPv6 address (`::` expanded, an IPv4 tail such as
 * `::ffff:192.0.2.1` folded into two groups). The function's code below does the same in ES5.
 */
export function hextets(ip: string): number[] {
  let text = ip;
  if (text.includes('.')) {
    const at = text.lastIndexOf(':');
    const v4 = text.slice(at + 1).split('.').map(Number);
    text = `${text.slice(0, at + 1)}${(v4[0] * 256 + v4[1]).toString(16)}:${(v4[2] * 256 + v4[3]).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const first = head ? head.split(':') : [];
  const last = tail === undefined ? [] : tail ? tail.split(':') : [];
  const groups = [...first, ...Array(8 - first.length - last.length).fill('0'), ...last];
  return groups.map(g => parseInt(g, 16));
}

/**
 * A CloudFront Function (cloudfront-js-2.0) that answers 403 to viewers outside the CIDRs,
 * IPv4 (the viewer's dotted address) and IPv6 (CloudFront gives IPv6 viewers' addresses as they
 * connected) alike.
 */
export function allowListCode(cidrs: string[]): string {
  // IPv4: [first address, number of addresses] as numbers (JS numbers hold 2^32 exactly).
  const v4 = cidrs.filter(c => !isIpv6Cidr(c)).map(cidr => {
    const [ip, bits = '32'] = cidr.split('/');
    const address = ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
    const size = 2 ** (32 - Number(bits));
    return [address - (address % size), size];
  });
  // IPv6: [eight groups, prefix length].
  const v6 = cidrs.filter(isIpv6Cidr).map(cidr => {
    const [ip, bits = '128'] = cidr.split('/');
    return [hextets(ip), Number(bits)];
  });
  return [
    `var V4 = ${JSON.stringify(v4)};`,
    `var V6 = ${JSON.stringify(v6)};`,
    'function hextets(ip) {',
    '  if (ip.indexOf(".") >= 0) {',
    '    var at = ip.lastIndexOf(":");',
    '    var q = ip.slice(at + 1).split(".");',
    '    ip = ip.slice(0, at + 1) + ((+q[0]) * 256 + (+q[1])).toString(16) + ":" + ((+q[2]) * 256 + (+q[3])).toString(16);',
    '  }',
    '  var halves = ip.split("::");',
    '  var first = halves[0] ? halves[0].split(":") : [];',
    '  var last = halves.length > 1 && halves[1] ? halves[1].split(":") : [];',
    '  var groups = first.slice();',
    '  for (var z = 8 - first.length - last.length; z > 0; z--) groups.push("0");',
    '  groups = groups.concat(last);',
    '  var out = [];',
    '  for (var i = 0; i < 8; i++) out.push(parseInt(groups[i], 16));',
    '  return out;',
    '}',
    'function allowed(ip) {',
    '  if (ip.indexOf(":") < 0) {',
    '    var p = ip.split(".");',
    '    var n = ((+p[0]) * 16777216) + ((+p[1]) * 65536) + ((+p[2]) * 256) + (+p[3]);',
    '    for (var i = 0; i < V4.length; i++) if (n >= V4[i][0] && n < V4[i][0] + V4[i][1]) return true;',
    '    return false;',
    '  }',
    '  var h = hextets(ip.toLowerCase());',
    '  for (var r = 0; r < V6.length; r++) {',
    '    var bits = V6[r][1], match = true;',
    '    for (var g = 0; g < 8 && bits > 0 && match; g++) {',
    '      var take = bits >= 16 ? 16 : bits;',
    '      var mask = (65535 << (16 - take)) & 65535;',
    '      if ((h[g] & mask) !== (V6[r][0][g] & mask)) match = false;',
    '      bits -= take;',
    '    }',
    '    if (match) return true;',
    '  }',
    '  return false;',
    '}',
    'function handler(event) {',
    '  if (allowed(event.viewer.ip)) return event.request;',
    '  return { statusCode: 403, statusDescription: "Forbidden" };',
    '}',
  ].join('\n');
}

/**
 * The address family whose every address the CIDRs cover together (`0.0.0.0/0`, or
 * `0.0.0.0/1` with `128.0.0.0/1`…), or undefined: a list that adds up to the whole internet
 * allows or exempts everyone while it reads as a restriction.
 */
export function familyCoveredWhole(cidrs: string[]): 'IPv4' | 'IPv6' | undefined {
  const ranges = (family: 'IPv4' | 'IPv6') => cidrs.filter(c => (family === 'IPv6') === isIpv6Cidr(c)).map(c => {
    const [address, bits] = c.split('/');
    const width = family === 'IPv4' ? 32 : 128;
    const prefix = bits === undefined ? width : Number(bits);
    const value = family === 'IPv4'
      ? address.split('.').reduce((n, part) => n * 256n + BigInt(Number(part)), 0n)
      : hextets(address).reduce((n, group) => n * 65536n + BigInt(group), 0n);
    const size = 2n ** BigInt(width - prefix);
    const start = (value / size) * size;
    return [start, start + size] as const;
  }).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const family of ['IPv4', 'IPv6'] as const) {
    let reached = 0n;
    for (const [start, end] of ranges(family)) {
      if (start > reached) break;
      if (end > reached) reached = end;
    }
    if (reached === 2n ** (family === 'IPv4' ? 32n : 128n)) return family;
  }
  return undefined;
}
