/** The guest operating systems the model names: their ids, full names and families. */
import { GUEST_OS_IDENTIFIERS } from '../generated/guest-os-identifiers.js';

const GUEST_FULL_NAMES: Record<string, string> = {
  otherGuest: 'Other (32-bit)',
  otherGuest64: 'Other (64-bit)',
  otherLinux64Guest: 'Other Linux (64-bit)',
  ubuntu64Guest: 'Ubuntu Linux (64-bit)',
  debian12_64Guest: 'Debian GNU/Linux 12 (64-bit)',
  rhel8_64Guest: 'Red Hat Enterprise Linux 8 (64-bit)',
  rhel9_64Guest: 'Red Hat Enterprise Linux 9 (64-bit)',
  vmwarePhoton64Guest: 'VMware Photon OS (64-bit)',
  windows9_64Guest: 'Microsoft Windows 10 (64-bit)',
  windows11_64Guest: 'Microsoft Windows 11 (64-bit)',
  windows2019srvNext_64Guest: 'Microsoft Windows Server 2022 (64-bit)',
};

/** The full name vCenter shows for a guest id; an id it has no name for shows as itself. */
export const guestFullName = (guestId: string): string => GUEST_FULL_NAMES[guestId] ?? guestId;

/** Every guest id the model has a name for. */
export const GUEST_IDS: readonly string[] = Object.keys(GUEST_FULL_NAMES);

/** The ids vSphere 8.0 added to VirtualMachineGuestOsIdentifier, which the generated bindings (7.0) lack. */
const VSPHERE_8_GUEST_IDS: readonly string[] = [
  'almalinux_64Guest',
  'crxSys1Guest',
  'darwin22_64Guest',
  'darwin23_64Guest',
  'debian12Guest',
  'debian12_64Guest',
  'debian13Guest',
  'debian13_64Guest',
  'freebsd14Guest',
  'freebsd14_64Guest',
  'freebsd15Guest',
  'freebsd15_64Guest',
  'fusionos_64Guest',
  'kylinlinux_64Guest',
  'miraclelinux_64Guest',
  'oracleLinux10_64Guest',
  'other6xLinux64Guest',
  'other6xLinuxGuest',
  'other7xLinux64Guest',
  'other7xLinuxGuest',
  'pardus_64Guest',
  'prolinux_64Guest',
  'rhel10_64Guest',
  'rockylinux_64Guest',
  'vmkernel8Guest',
  'vmkernel9Guest',
  'windows11_64Guest',
  'windows12_64Guest',
  'windows2022srvNext_64Guest',
];

/**
 * The guest ids a host accepts in a VM's configuration: vim25's VirtualMachineGuestOsIdentifier
 * (generated from the API's bindings, which stop at 7.0), those vSphere 8.0 added, and the ones
 * the model names. A set: every create or reconfigure that names a guest id asks it.
 */
export const KNOWN_GUEST_IDS: ReadonlySet<string> = new Set([
  ...GUEST_OS_IDENTIFIERS,
  ...VSPHERE_8_GUEST_IDS,
  ...GUEST_IDS,
]);

export const isKnownGuestId = (guestId: string): boolean => KNOWN_GUEST_IDS.has(guestId);

/** Linux guests: any id naming Linux, and the distributions whose ids do not. */
const LINUX_GUEST =
  /linux|^(centos|coreos|debian|fedora|mandrake|mandriva|opensuse|redhat|rhel|suse|sles|ubuntu|vmwarephoton)./i;

/**
 * The family of a guest id (VirtualMachineGuestOsFamily), as govmomi's GuestIDToFamily reads it
 * (and vm-operator with it): Darwin, Linux, Solaris, NetWare, Windows, in that order of
 * precedence, and the rest (`otherGuest`, FreeBSD, DOS, ESXi) `otherGuestFamily`.
 */
export const guestFamily = (guestId: string): string =>
  /^darwin./i.test(guestId)
    ? 'darwinGuestFamily'
    : LINUX_GUEST.test(guestId)
      ? 'linuxGuest'
      : /^solaris./i.test(guestId)
        ? 'solarisGuest'
        : /^netware./i.test(guestId)
          ? 'netwareGuest'
          : /^win./i.test(guestId)
            ? 'windowsGuest'
            : 'otherGuestFamily';
