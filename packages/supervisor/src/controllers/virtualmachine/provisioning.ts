/**
 * How a VM's deployed disks are provisioned, as vm-operator's create chooses it: the VM's
 * `spec.advanced.defaultVolumeProvisioningMode`, else what the storage policy of its storage
 * class reserves (vSAN's object space reservation), else thin.
 */
import type { DiskProvisioning, VSphere } from '@vsim/vsphere';
import type { VirtualMachine } from '../../api/types.js';

const MODES: Readonly<Record<string, DiskProvisioning>> = {
  Thin: 'thin',
  Thick: 'thick',
  ThickEagerZero: 'eagerZeroedThick',
};

/**
 * The VM's disk provisioning, `storagePolicyId` the policy its storage class names; a problem,
 * in vm-operator's words, when vSphere has no policy of that id (its lookup fails the create).
 * A policy decides only when it reserves all of an object (thick) or none of it (thin):
 * vm-operator leaves a partial reservation (25% to 75%) to the default, thin, and so the only
 * answer a policy changes is thick. Lazily zeroed: no policy asks for eager zeroing.
 */
export const provisioningOf = (
  vm: VirtualMachine,
  storagePolicyId: string | undefined,
  vsphere: Pick<VSphere, 'storagePolicies'>,
): DiskProvisioning | { problem: string } => {
  const mode = MODES[vm.spec?.advanced?.defaultVolumeProvisioningMode ?? ''];
  if (mode) return mode;
  if (storagePolicyId === undefined) return 'thin';
  const rules = vsphere.storagePolicies.rulesOf(storagePolicyId);
  if (!rules)
    return {
      problem: `failed to get storage profiles for ID: ${storagePolicyId}: ServerFaultCode: A specified parameter was not correct: profileId`,
    };
  return rules.proportionalCapacity === 100 ? 'thick' : 'thin';
};
