/**
 * vm-operator's boot options reconciler: `spec.bootOptions` as vSphere's VirtualMachineBootOptions,
 * applied on every reconfiguration where the VM's differ. An option the spec leaves unset (or sets
 * to zero) is left as the VM has it; the firmware is the create's alone.
 */
import type { BootableDevice, Device, VmBootOptions } from '@vsim/vsphere';
import { isEthernetCard } from '@vsim/vsphere';
import { parseDuration } from '../../api/index.js';
import type { VirtualMachine, VirtualMachineBootOptions } from '../../api/types.js';

type BootOptionsChange = { -readonly [K in keyof VmBootOptions]?: VmBootOptions[K] };

const NETWORK_BOOT_PROTOCOLS: Readonly<Record<string, string>> = { IP4: 'ipv4', IP6: 'ipv6' };

/** A metav1.Duration's `Milliseconds()`: whole milliseconds, truncated; 0 when unset (or undecodable). */
const millis = (duration: string | undefined): number =>
  duration === undefined ? 0 : Math.trunc(parseDuration(duration) ?? 0);

/** The options the spec sets that differ from the VM's, but the boot order. */
function optionsChange(options: VirtualMachineBootOptions, current: VmBootOptions): BootOptionsChange {
  const change: BootOptionsChange = {};
  const delay = millis(options.bootDelay);
  if (delay !== 0 && delay !== current.bootDelay) change.bootDelay = delay;
  const retry = options.bootRetry === undefined ? undefined : options.bootRetry === 'Enabled';
  if (retry !== undefined && retry !== current.bootRetryEnabled) change.bootRetryEnabled = retry;
  const retryDelay = millis(options.bootRetryDelay);
  if (retryDelay !== 0 && retryDelay !== current.bootRetryDelay) change.bootRetryDelay = retryDelay;
  const secure = options.efiSecureBoot === undefined ? undefined : options.efiSecureBoot === 'Enabled';
  if (secure !== undefined && secure !== current.efiSecureBootEnabled) change.efiSecureBootEnabled = secure;
  const protocol = NETWORK_BOOT_PROTOCOLS[options.networkBootProtocol ?? ''];
  if (protocol !== undefined && protocol !== current.networkBootProtocol)
    change.networkBootProtocol = protocol;
  return change;
}

/**
 * Whether a VM about to be deployed would have its boot options changed by its first update: a
 * new VM has vSphere's defaults (`defaults`), and its devices do not exist yet, so any boot order
 * counts.
 */
export function bootOptionsSetOnNewVm(vm: VirtualMachine, defaults: VmBootOptions): boolean {
  const options = vm.spec?.bootOptions;
  if (!options) return false;
  return Boolean(options.bootOrder?.length) || Object.keys(optionsChange(options, defaults)).length > 0;
}

/**
 * The boot options a reconfiguration of the VM sets, or undefined when its own are as the spec
 * asks; throws, in vm-operator's words, when the boot order names a device the VM lacks.
 */
export function bootOptionsChange(
  vm: VirtualMachine,
  current: VmBootOptions,
  devices: readonly Device[],
): Partial<VmBootOptions> | undefined {
  const options = vm.spec?.bootOptions;
  if (!options) return undefined;
  const change = optionsChange(options, current);
  const order = bootOrderOf(vm, devices);
  if (order.length > 0 && !sameOrder(order, current.bootOrder)) change.bootOrder = order;
  return Object.keys(change).length > 0 ? change : undefined;
}

const DISK = 'VirtualMachineBootOptionsBootableDiskDevice';
const ETHERNET = 'VirtualMachineBootOptionsBootableEthernetDevice';
const CDROM = 'VirtualMachineBootOptionsBootableCdromDevice';

const diskUuidOf = (device: Device) => (device.backing as { uuid?: string } | undefined)?.uuid;

/** The spec's boot order as vSphere's devices: a disk by its volume's UUID, a NIC by its interface's place. */
function bootOrderOf(vm: VirtualMachine, devices: readonly Device[]): BootableDevice[] {
  const order: BootableDevice[] = [];
  for (const device of vm.spec?.bootOptions?.bootOrder ?? []) {
    const name = device.name ?? '';
    if (device.type === 'Disk') {
      const uuid = vm.status?.volumes?.find((volume) => volume.name === name)?.diskUUID;
      if (!uuid) throw new Error(`unable to locate disk matching name ${JSON.stringify(name)}`);
      const disk = devices.find((d) => d._type === 'VirtualDisk' && diskUuidOf(d) === uuid);
      if (!disk) throw new Error(`unable to locate a disk matching UUID ${JSON.stringify(uuid)}`);
      order.push({ _type: DISK, deviceKey: disk.key });
    } else if (device.type === 'Network') {
      const interfaces = vm.spec?.network?.interfaces;
      if (!vm.spec?.network)
        throw new Error(`spec.network is not defined for VM "${vm.metadata.namespace}/${vm.metadata.name}"`);
      const index = interfaces?.findIndex((iface) => iface.name === name) ?? -1;
      if (index === -1)
        throw new Error(
          `unable to locate a network interface matching name ${JSON.stringify(name)} in spec.network`,
        );
      // The VM's NICs are its interfaces', in their order.
      const nic = devices.filter(isEthernetCard)[index];
      if (!nic) throw new Error(`unable to locate network interface matching name ${JSON.stringify(name)}`);
      order.push({ _type: ETHERNET, deviceKey: nic.key });
    } else if (device.type === 'CDRom') {
      if (!devices.some((d) => d._type === 'VirtualCdrom')) throw new Error('no cdrom device found');
      order.push({ _type: CDROM });
    } else throw new Error(`unsupported bootable device type: ${JSON.stringify(device.type)}`);
  }
  return order;
}

const sameOrder = (a: readonly BootableDevice[], b: readonly BootableDevice[]) =>
  a.length === b.length && a.every((d, i) => d._type === b[i]?._type && d.deviceKey === b[i]?.deviceKey);
