/**
 * The guest customization (vSphere's Guest OS Customization) a VM's bootstrap asks for before a
 * power-on: LinuxPrep's or Sysprep's.
 */
import type { CustomizationSpec } from '@vsim/vsphere';
import type { VirtualMachine } from '../../api/types.js';
import { linuxPrepCustomization } from './linux-prep.js';
import type { NicAddressing } from './network.js';
import type { BootstrapSecretData, GlobalDns } from './prerequisites.js';
import { sysprepCustomization } from './sysprep.js';

/** The bootstrap provider that customizes the VM, if any: not disabled, and not turned off for this power-on. */
export const guestCustomizationOf = (vm: VirtualMachine) => {
  const bootstrap = vm.spec?.bootstrap;
  const provider = bootstrap?.disabled ? undefined : (bootstrap?.sysprep ?? bootstrap?.linuxPrep);
  return provider?.customizeAtNextPowerOn === false ? undefined : provider;
};

/** The CustomizationSpec of the VM's LinuxPrep or Sysprep. */
export function guestCustomization(
  vm: VirtualMachine,
  nics: readonly NicAddressing[],
  dns: () => GlobalDns,
  secrets: BootstrapSecretData,
): CustomizationSpec {
  return vm.spec?.bootstrap?.sysprep
    ? sysprepCustomization(vm, nics, dns, secrets)
    : linuxPrepCustomization(vm, nics, dns);
}
