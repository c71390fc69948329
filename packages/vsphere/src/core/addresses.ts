/**
 * IP addresses as Go's parsers read them (netip, strict; and Kubernetes' ParseIPSloppy, which
 * takes leading zeros) and as the API server's validation judges them; vSphere's specs carry
 * them in the same text forms (dotted IPv4, RFC 4291 IPv6).
 */

/**
 * `strict` is Go's netip; `sloppy` also takes leading zeros (IPv4 octets, IPv6 groups of
 * more than four digits), as Kubernetes' ParseIPSloppy, the older Go parser, does.
 */
export type IpSyntax = 'strict' | 'sloppy';

/** The first ten bytes of an IPv4-mapped IPv6 address are zero, the next two 0xff. */
const V4_MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];
const HEX_DIGITS = /^[0-9a-fA-F]*/;

export function parseIpv4(text: string, syntax: IpSyntax): number[] | undefined {
  const fields = text.split('.');
  const octets = fields.map((field) =>
    /^[0-9]+$/.test(field) && (syntax === 'sloppy' || !/^0[0-9]/.test(field)) ? Number(field) : Number.NaN,
  );
  return fields.length === 4 && octets.every((octet) => octet <= 255) ? octets : undefined;
}

function parseIpv6(text: string, syntax: IpSyntax): number[] | undefined {
  const bytes: number[] = [];
  let ellipsis = -1;
  let rest = text;
  if (rest.startsWith('::')) {
    ellipsis = 0;
    rest = rest.slice(2);
  }
  while (rest !== '' && bytes.length < 16) {
    const group = rest;
    const digits = HEX_DIGITS.exec(group)?.[0] ?? '';
    const value = Number.parseInt(digits, 16);
    if (digits === '' || (syntax === 'strict' ? digits.length > 4 : value > 0xffff)) return undefined;
    rest = group.slice(digits.length);
    if (rest.startsWith('.')) {
      // An IPv4 address may stand for the last two groups only.
      if ((ellipsis < 0 && bytes.length !== 12) || bytes.length > 12) return undefined;
      const octets = parseIpv4(group, syntax);
      if (!octets) return undefined;
      bytes.push(...octets);
      rest = '';
      break;
    }
    bytes.push(value >> 8, value & 0xff);
    if (rest === '') break;
    if (!rest.startsWith(':') || rest.length === 1) return undefined;
    rest = rest.slice(1);
    if (rest.startsWith(':')) {
      if (ellipsis >= 0) return undefined;
      ellipsis = bytes.length;
      rest = rest.slice(1);
    }
  }
  if (rest !== '') return undefined;
  // "::" stands for one zero group at least.
  if (bytes.length === 16) return ellipsis < 0 ? bytes : undefined;
  if (ellipsis < 0) return undefined;
  bytes.splice(ellipsis, 0, ...new Array<number>(16 - bytes.length).fill(0));
  return bytes;
}

/** An address's 16 bytes, IPv4 kept IPv4-mapped as Go keeps it; the first '.' or ':' tells the family. */
function parseIp(text: string, syntax: IpSyntax): number[] | undefined {
  const family = /[.:]/.exec(text)?.[0];
  if (family === '.') {
    const octets = parseIpv4(text, syntax);
    return octets && [...V4_MAPPED_PREFIX, ...octets];
  }
  return family === ':' ? parseIpv6(text, syntax) : undefined;
}

const isV4Mapped = (bytes: number[]): boolean => V4_MAPPED_PREFIX.every((byte, i) => bytes[i] === byte);

/** Go's net.IP String(): dotted IPv4, else IPv6 with its first longest run of two zero groups or more as "::". */
function formatIp(bytes: number[]): string {
  if (isV4Mapped(bytes)) return bytes.slice(12).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0));
  let zerosStart = -1;
  let zerosLength = 1;
  for (let i = 0; i < 8; ) {
    let end = i;
    while (groups[end] === 0) end++;
    if (end - i > zerosLength) [zerosStart, zerosLength] = [i, end - i];
    i = Math.max(end, i + 1);
  }
  const hex = groups.map((group) => group.toString(16));
  if (zerosStart < 0) return hex.join(':');
  return `${hex.slice(0, zerosStart).join(':')}::${hex.slice(zerosStart + zerosLength).join(':')}`;
}

/**
 * Kubernetes' IsValidIP: an address, strictly written, not IPv4-mapped, in canonical form; the
 * first rule it breaks, as apimachinery returns at the first.
 */
export function ipProblems(text: string): string[] {
  const address = parseIp(text, 'sloppy');
  if (!address) return ['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'];
  const strict = parseIp(text, 'strict');
  if (!strict) return ['must not have leading 0s'];
  if (text.includes(':') && isV4Mapped(strict)) return ['must not be an IPv4-mapped IPv6 address'];
  const canonical = formatIp(address);
  return text === canonical ? [] : [`must be in canonical form (${JSON.stringify(canonical)})`];
}

/** The prefix length of a dotted IPv4 mask (the bits it sets); undefined when it is no address. */
export function ipv4PrefixLength(mask: string | undefined): number | undefined {
  const octets = mask === undefined ? undefined : parseIpv4(mask, 'strict');
  if (!octets) return undefined;
  let bits = 0;
  for (const octet of octets) for (let bit = 7; bit >= 0; bit--) if (octet & (1 << bit)) bits++;
  return bits;
}

/** A prefix length as a dotted IPv4 mask. */
export function ipv4Mask(prefix: number): string {
  const bits = prefix <= 0 ? 0 : (0xffffffff << (32 - Math.min(prefix, 32))) >>> 0;
  return [24, 16, 8, 0].map((shift) => (bits >>> shift) & 0xff).join('.');
}

/** Go's net.ParseIP: an IPv4 or IPv6 address, strictly written, without zone. */
export const isIp = (text: string): boolean => parseIp(text, 'strict') !== undefined;

/** A dotted IPv4 address, strictly written. */
export const isIpv4 = (text: string): boolean => parseIpv4(text, 'strict') !== undefined;

/** An IPv6 address, strictly written (`::` once for a run of zero groups, an IPv4 tail allowed). */
export const isIpv6 = (text: string): boolean =>
  text.includes(':') && parseIpv6(text, 'strict') !== undefined;

/** The family of an address as Go's `ip.To4() != nil` tells it (an IPv4-mapped IPv6 one is IPv4). */
export function ipFamily(text: string): 4 | 6 | undefined {
  const bytes = parseIp(text, 'strict');
  if (!bytes) return undefined;
  return isV4Mapped(bytes) ? 4 : 6;
}

/**
 * Whether an address (or a CIDR's) is one a host is reached at, as Go's net.IP tells it: not
 * unspecified, loopback, link-local unicast or link-local multicast; false when it is none.
 */
export function isUsableIp(text: string): boolean {
  const bytes = parseIp(parseCidr(text)?.address ?? text, 'strict');
  if (!bytes) return false;
  if (isV4Mapped(bytes)) {
    const [a, b, c, d] = bytes.slice(12) as [number, number, number, number];
    const unspecified = a === 0 && b === 0 && c === 0 && d === 0;
    return !unspecified && a !== 127 && !(a === 169 && b === 254) && !(a === 224 && b === 0 && c === 0);
  }
  const [first = 0, second = 0] = bytes;
  const zeroUpTo15 = bytes.slice(0, 15).every((byte) => byte === 0);
  const unspecified = zeroUpTo15 && bytes[15] === 0;
  const loopback = zeroUpTo15 && bytes[15] === 1;
  const linkLocalUnicast = first === 0xfe && (second & 0xc0) === 0x80;
  const linkLocalMulticast = first === 0xff && (second & 0x0f) === 0x02;
  return !unspecified && !loopback && !linkLocalUnicast && !linkLocalMulticast;
}

/** The family of a CIDR's address (see ipFamily); undefined when it is no CIDR. */
export const cidrFamily = (text: string): 4 | 6 | undefined => {
  const cidr = parseCidr(text);
  return cidr && ipFamily(cidr.address);
};

/** Go's net.ParseCIDR: a strict address without zone, '/', a prefix length the family allows. */
export function parseCidr(text: string): { address: string; prefix: number } | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const address = text.slice(0, slash);
  const prefix = text.slice(slash + 1);
  const maxPrefix = address.includes(':') ? 128 : 32;
  return parseIp(address, 'strict') !== undefined && /^[0-9]+$/.test(prefix) && Number(prefix) <= maxPrefix
    ? { address, prefix: Number(prefix) }
    : undefined;
}

export const isCidr = (text: string): boolean => parseCidr(text) !== undefined;
