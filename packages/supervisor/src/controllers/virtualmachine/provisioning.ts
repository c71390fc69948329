/**
 * How a VM's deployed disks are provisioned, as vm-operator's create chooses it: the VM's
 * `spec.advanced.defaultVolumeProvisioningMode`, else what the storage policy of its storage
 * class reserves (vSAN's object space reservation), else thin.
 */
import type { DiskProvisioning, VSphere } from '@vsim/vsphere';
import type { VirtualMachine } from '../../api/types.js';
import { STORAGE_CLASS, type StoreReader } from '../../store/kinds.js';

const MODES: Readonly<Record<string, DiskProvisioning>> = {
  Thin: 'thin',
  Thick: 'thick',
  ThickEagerZero: 'eagerZeroedThick',
};

/** The storage policy a storage class names (its `storagePolicyID` parameter), if it names one. */
const storagePolicyIdOf = (kube: StoreReader, storageClass: string): string | undefined => {
  const found = kube.get({ ...STORAGE_CLASS, name: storageClass }) as
    | { parameters?: Record<string, string> }
    | undefined;
  return found?.parameters?.storagePolicyID || undefined;
};

/**
 * The VM's disk provisioning. A policy decides only when it reserves all of an object (thick)
 * or none of it (thin): vm-operator leaves a partial reservation (25% to 75%) to the default,
 * thin, and so the only answer a policy changes is thick. Lazily zeroed: no policy asks for
 * eager zeroing.
 */
export const provisioningOf = (
  vm: VirtualMachine,
  kube: StoreReader,
  vsphere: Pick<VSphere, 'storagePolicies'>,
): DiskProvisioning => {
  const mode = MODES[vm.spec?.advanced?.defaultVolumeProvisioningMode ?? ''];
  if (mode) return mode;
  const storageClass = vm.spec?.storageClass;
  const policy = storageClass ? storagePolicyIdOf(kube, storageClass) : undefined;
  return policy !== undefined && vsphere.storagePolicies.rulesOf(policy).proportionalCapacity === 100
    ? 'thick'
    : 'thin';
};
