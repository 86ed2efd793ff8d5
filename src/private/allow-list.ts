/** A CloudFront Function (cloudfront-js-2.0) that answers 403 to viewers outside the CIDRs. */
export function allowListCode(cidrs: string[]): string {
  // [first address, number of addresses] of each range, as numbers (JS numbers hold 2^32 exactly).
  const ranges = cidrs.map(cidr => {
    const [ip, bits = '32'] = cidr.split('/');
    const address = ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
    const size = 2 ** (32 - Number(bits));
    return [address - (address % size), size];
  });
  return [
    `var RANGES = ${JSON.stringify(ranges)};`,
    'function handler(event) {',
    '  var p = event.viewer.ip.split(".");',
    '  var ip = ((+p[0]) * 16777216) + ((+p[1]) * 65536) + ((+p[2]) * 256) + (+p[3]);',
    '  for (var i = 0; i < RANGES.length; i++) {',
    '    if (ip >= RANGES[i][0] && ip < RANGES[i][0] + RANGES[i][1]) return event.request;',
    '  }',
    '  return { statusCode: 403, statusDescription: "Forbidden" };',
    '}',
  ].join('\n');
}
