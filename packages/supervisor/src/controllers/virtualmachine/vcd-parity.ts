/**
 * vm-operator's guest customization VCD parity (its GuestCustomizationVCDParity capability):
 * LinuxPrep's and Sysprep's identities get what VCF Automation hands a guest.
 */
import { VCFA_ID_ANNOTATION } from '../../api/annotations.js';
import type { VirtualMachine } from '../../api/types.js';

/**
 * With the VCD parity capability, what a LinuxPrep's or Sysprep's identity gets besides: the
 * password's expiry, the script, and VCF Automation's id of the VM as an extra config option.
 */
export function vcdParityFields(
  vm: VirtualMachine,
  expirePassword: boolean | undefined,
  scriptText: string | undefined,
): Record<string, unknown> {
  const id = vm.metadata.annotations?.[VCFA_ID_ANNOTATION];
  return {
    ...(scriptText ? { scriptText } : {}),
    ...(expirePassword ? { resetPassword: true } : {}),
    ...(id ? { extraConfig: [{ _type: 'OptionValue', key: VCFA_HASH_ID_KEY, value: id }] } : {}),
  };
}

/** The extra config key of VCF Automation's id in a customization's identity. */
const VCFA_HASH_ID_KEY = 'vcfaVmHashKey';
