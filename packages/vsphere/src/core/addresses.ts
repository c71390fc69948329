/** IP addresses in the text forms vSphere's specs carry them: dotted IPv4, RFC 4291 IPv6. */

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HEXTET = /^[0-9a-f]{1,4}$/i;

export const isIpv4 = (text: string): boolean => IPV4.test(text);

/** Eight groups of up to four hex digits, `::` once for a run of zero groups, an IPv4 tail allowed. */
export const isIpv6 = (text: string): boolean => {
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const groups = halves.map((half) => (half === '' ? [] : half.split(':')));
  const all = groups.flat();
  const last = all[all.length - 1];
  // An IPv4 tail stands for two groups.
  const tail = last?.includes('.') ? (isIpv4(last) ? 2 : -1) : 0;
  if (tail < 0) return false;
  const hextets = tail ? all.slice(0, -1) : all;
  if (!hextets.every((g) => HEXTET.test(g))) return false;
  const count = hextets.length + tail;
  return halves.length === 2 ? count < 8 : count === 8;
};

export const isIpAddress = (text: string): boolean => isIpv4(text) || isIpv6(text);
