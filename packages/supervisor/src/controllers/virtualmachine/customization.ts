/**
 * The guest customization (vSphere's Guest OS Customization) a VM's bootstrap asks for before a
 * power-on from off: LinuxPrep's or Sysprep's. As vm-operator decides: when the bootstrap's
 * `customizeAtNextPowerOn` is set, it says; when it is not, the VM is customized whenever the
 * customization differs from the last one made, whose hash the VM keeps in an annotation.
 */
import { type CustomizationSpec, guestFamily } from '@vsim/vsphere';
import { canonicalJson } from '../../api/conversion/paths.js';
import type { VirtualMachine } from '../../api/types.js';
import { BootstrapDataError } from './bootstrap-data.js';
import { linuxPrepCustomization } from './linux-prep.js';
import type { NicAddressing } from './network.js';
import type { BootstrapSecretData, GlobalDns } from './prerequisites.js';
import { sysprepCustomization } from './sysprep.js';
import { xxHash64 } from './xxhash64.js';

/** The hash of the last customization made (vm-operator's annotation; the value is the simulator's own hash of it). */
export const CUSTOMIZATION_HASH_ANNOTATION = 'vmoperator.vmware.com/bootstrap-hash-customspec';

export type CustomizingProvider = 'linuxPrep' | 'sysprep';

/** vm-operator's annotation that, set to `disable`, keeps its customizations from the guest. */
export const CUSTOMIZATION_BYPASS_ANNOTATION = 'vmoperator.vmware.com/vsphere-customization';

export const customizationBypassed = (vm: VirtualMachine): boolean =>
  vm.metadata.annotations?.[CUSTOMIZATION_BYPASS_ANNOTATION] === 'disable';

/**
 * The bootstrap provider that customizes the guest, in vm-operator's order (LinuxPrep, then
 * Sysprep), unless the bootstrap is disabled or turned off for the next power-on. A VM without a
 * bootstrap is customized with LinuxPrep, its hardware clock in UTC, when its guest (`guestId`,
 * asked only then) is Linux and its spec names no CD-ROM, as vm-operator defaults it: an ISO
 * image's Linux may lack the tools a customization needs.
 */
export function customizingProviderOf(
  vm: VirtualMachine,
  guestId: () => string,
): CustomizingProvider | undefined {
  const bootstrap = vm.spec?.bootstrap;
  if (!bootstrap)
    return !vm.spec?.hardware?.cdrom?.length && guestFamily(guestId()) === 'linuxGuest'
      ? 'linuxPrep'
      : undefined;
  if (bootstrap.disabled || bootstrap.cloudInit) return undefined;
  const provider = bootstrap.linuxPrep ? 'linuxPrep' : bootstrap.sysprep ? 'sysprep' : undefined;
  return provider && bootstrap[provider]?.customizeAtNextPowerOn !== false ? provider : undefined;
}

/**
 * The CustomizationSpec of the VM's LinuxPrep or Sysprep; a BootstrapDataError, in vm-operator's
 * words, when it cannot be made.
 */
export function guestCustomization(
  vm: VirtualMachine,
  provider: CustomizingProvider,
  nics: readonly NicAddressing[],
  dns: () => GlobalDns,
  secrets: BootstrapSecretData,
  vcdParity = false,
): CustomizationSpec {
  try {
    return provider === 'sysprep'
      ? sysprepCustomization(vm, nics, dns, secrets, vcdParity)
      : linuxPrepCustomization(vm, nics, dns, vcdParity ? secrets : undefined);
  } catch (error) {
    if (error instanceof BootstrapDataError)
      throw new BootstrapDataError(`failed to create bootstrap data: ${error.message}`);
    throw error;
  }
}

export const customizationHash = (spec: CustomizationSpec): string =>
  xxHash64(Buffer.from(canonicalJson(spec)));

/** Whether this power-on customizes the guest: the latch when set, else a customization not made yet. */
export function customizationNeeded(
  vm: VirtualMachine,
  provider: CustomizingProvider,
  hash: string,
): boolean {
  const latch = vm.spec?.bootstrap?.[provider]?.customizeAtNextPowerOn;
  return latch ?? hash !== vm.metadata.annotations?.[CUSTOMIZATION_HASH_ANNOTATION];
}
