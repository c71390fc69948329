import { describe, expect, it } from 'vitest';
import {
  ipFamily,
  ipProblems,
  ipv4Mask,
  ipv4PrefixLength,
  isCidr,
  isIp,
  isIpv4,
  isIpv6,
  parseIpv4,
} from './addresses.js';

describe('IP addresses', () => {
  it('reads dotted IPv4', () => {
    expect(['0.0.0.0', '10.0.0.1', '255.255.255.255'].every(isIpv4)).toBe(true);
    expect(['256.0.0.1', '10.0.0', '01.2.3.4', '1.2.3.4.5', ''].some(isIpv4)).toBe(false);
  });

  it('reads IPv6 with one :: at most and an IPv4 tail', () => {
    expect(
      [
        '::',
        '::1',
        'fe80::1',
        '2001:db8:101::230:6eff:fe04:d9ff',
        '1:2:3:4:5:6:7:8',
        '::ffff:10.0.0.1',
      ].every(isIpv6),
    ).toBe(true);
    expect(
      [
        '1::2::3',
        '1:2:3:4:5:6:7',
        '1:2:3:4:5:6:7:8:9',
        'g::1',
        '12345::',
        '::10.0.0.256',
        '1:2:3:4:5:6:7::8',
      ].some(isIpv6),
    ).toBe(false);
    expect(isIp('nfs.example.com')).toBe(false);
  });

  it('takes leading zeros only when sloppy, as Kubernetes does', () => {
    expect(parseIpv4('010.0.0.1', 'strict')).toBeUndefined();
    expect(parseIpv4('010.0.0.1', 'sloppy')).toEqual([10, 0, 0, 1]);
    expect(ipProblems('010.0.0.1')).toEqual(['must not have leading 0s']);
    expect(ipProblems('10.0.0')).toEqual(['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']);
    expect(ipProblems('::ffff:10.0.0.1')).toEqual(['must not be an IPv4-mapped IPv6 address']);
    expect(ipProblems('2001:DB8::1')).toEqual(['must be in canonical form ("2001:db8::1")']);
    expect(ipProblems('2001:db8:0:0:1:0:0:1')).toEqual(['must be in canonical form ("2001:db8::1:0:0:1")']);
    expect(ipProblems('10.0.0.1')).toEqual([]);
  });

  it('tells families, CIDRs and masks as Go does', () => {
    expect([ipFamily('10.0.0.1'), ipFamily('::ffff:10.0.0.1'), ipFamily('fe80::1'), ipFamily('x')]).toEqual([
      4,
      4,
      6,
      undefined,
    ]);
    expect(['10.0.0.0/8', 'fe80::/10', '0.0.0.0/0'].every(isCidr)).toBe(true);
    expect(['10.0.0.0/33', 'fe80::/129', '10.0.0.0', '10.0.0.0/x'].some(isCidr)).toBe(false);
    expect([
      ipv4PrefixLength('255.255.255.0'),
      ipv4PrefixLength('255.255.0.0'),
      ipv4PrefixLength('x'),
    ]).toEqual([24, 16, undefined]);
    expect([ipv4Mask(24), ipv4Mask(0), ipv4Mask(32)]).toEqual([
      '255.255.255.0',
      '0.0.0.0',
      '255.255.255.255',
    ]);
  });
});
