/**
 * LinuxPrep, as vm-operator bootstraps a VM with it: a vSphere guest customization (Guest OS
 * Customization) before the power-on, with the VM's host name and domain, its time zone and
 * hardware clock, and the network (see customizationNetwork).
 */
import type { CustomizationSpec } from '@vsim/vsphere';
import { hostNameOf } from '../../api/host-name.js';
import type { VirtualMachine, VirtualMachineBootstrapLinuxPrepSpec } from '../../api/types.js';
import { customizationNetwork } from './guest-network.js';
import type { NicAddressing } from './network.js';
import type { BootstrapSecretData, GlobalDns } from './prerequisites.js';
import { vcdParityFields } from './vcd-parity.js';

/** A VM without a bootstrap's: vm-operator's default LinuxPrep for a Linux guest. */
const DEFAULT_LINUX_PREP: VirtualMachineBootstrapLinuxPrepSpec = { hardwareClockIsUTC: true };

/** The customization vm-operator's LinuxPrep asks vSphere for. */
export function linuxPrepCustomization(
  vm: VirtualMachine,
  nics: readonly NicAddressing[],
  dns: () => GlobalDns,
  /** With the VCD parity capability, what its Secrets hold: its password and script go along. */
  vcdParity?: BootstrapSecretData,
): CustomizationSpec {
  const linuxPrep = vm.spec?.bootstrap?.linuxPrep ?? DEFAULT_LINUX_PREP;
  const password = vcdParity?.linuxPrep?.password;
  return {
    identity: {
      _type: 'CustomizationLinuxPrep',
      hostName: { _type: 'CustomizationFixedName', name: hostNameOf(vm).name },
      domain: vm.spec?.network?.domainName ?? '',
      ...(linuxPrep.timeZone ? { timeZone: linuxPrep.timeZone } : {}),
      ...(linuxPrep.hardwareClockIsUTC !== undefined ? { hwClockUTC: linuxPrep.hardwareClockIsUTC } : {}),
      ...(vcdParity
        ? {
            ...vcdParityFields(vm, linuxPrep.expirePasswordAfterNextLogin, vcdParity.linuxPrep?.scriptText),
            ...(password
              ? { password: { _type: 'CustomizationPassword', value: password, plainText: true } }
              : {}),
          }
        : {}),
    },
    ...customizationNetwork(vm, nics, dns),
  };
}
