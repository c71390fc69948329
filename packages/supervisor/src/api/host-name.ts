import type { VirtualMachine } from './types.js';

/** The host name a VM's guest gets: `spec.network.hostName`, else the VM's name. */
export function hostNameOf(vm: VirtualMachine): { name: string; field: string } {
  const hostName = vm.spec?.network?.hostName;
  return hostName
    ? { name: hostName, field: 'spec.network.hostName' }
    : { name: vm.metadata.name ?? '', field: 'metadata.name' };
}
