import { describe, expect, it } from 'vitest';
import { guestFamily } from './guest-os.js';

describe('guestFamily', () => {
  it.each([
    ['ubuntu64Guest', 'linuxGuest'],
    ['vmwarePhoton64Guest', 'linuxGuest'],
    ['rhel9_64Guest', 'linuxGuest'],
    ['almalinux_64Guest', 'linuxGuest'],
    ['otherLinux64Guest', 'linuxGuest'],
    ['windows2019srvNext_64Guest', 'windowsGuest'],
    ['winNetStandardGuest', 'windowsGuest'],
    ['darwin23_64Guest', 'darwinGuestFamily'],
    ['solaris11_64Guest', 'solarisGuest'],
    ['netware6Guest', 'netwareGuest'],
    ['otherGuest64', 'otherGuestFamily'],
    ['freebsd14_64Guest', 'otherGuestFamily'],
    ['vmkernel8Guest', 'otherGuestFamily'],
    // A bare prefix names no distribution.
    ['ubuntu', 'otherGuestFamily'],
  ])('%s is %s', (guestId, family) => {
    expect(guestFamily(guestId)).toBe(family);
  });
});
