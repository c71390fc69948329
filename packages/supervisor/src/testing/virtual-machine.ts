import type { VirtualMachine } from '../api/types.js';

/** A hub VirtualMachine `ns1/vm1` (uid `uid-1`) of this spec and these labels, as a reconcile reads one. */
export const hubVm = (
  spec: NonNullable<VirtualMachine['spec']>,
  labels: Record<string, string> = {},
): VirtualMachine => ({
  apiVersion: 'vmoperator.vmware.com/v1alpha6',
  kind: 'VirtualMachine',
  metadata: { name: 'vm1', namespace: 'ns1', uid: 'uid-1', labels },
  spec,
});
