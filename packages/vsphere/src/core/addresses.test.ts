import { describe, expect, it } from 'vitest';
import { isIpAddress, isIpv4, isIpv6 } from './addresses.js';

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
    expect(isIpAddress('nfs.example.com')).toBe(false);
  });
});
