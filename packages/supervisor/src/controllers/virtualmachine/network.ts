/**
 * A VirtualMachine's network interfaces, as vm-operator's vSphere Distributed Switch
 * provider makes them: one net-operator NetworkInterface per `spec.network.interfaces`
 * entry, named `<vm>-<network>-<interface>` (`<vm>-<interface>` for the namespace's default
 * network), owned by the VM so that they go with it. The VM waits until each is Ready and
 * then gets NICs on their portgroups with their MACs. Being owned, their changes reach the
 * VM through its owner reference, as vm-operator's watch of what it owns does.
 */
import type { VirtualMachine, VirtualMachineNetworkInterfaceSpec } from '../../api/types.js';
import { networkInterfaceName } from '../../api/vm-network-validation.js';
import { isKubeError } from '../../store/errors.js';
import type { KubeStore } from '../../store/kube-store.js';
import { controllerOf, controllerReference, type KubeObject, merged } from '../../store/meta.js';
import { NET_OPERATOR_API_VERSION } from '../net-operator/index.js';
import {
  CONDITION,
  conditionOf,
  isAbsent,
  isConditionTrue,
  isFalse,
  isTrue,
  REASON,
  type Verdict,
} from './conditions.js';

/** An address net-operator reported on a NetworkInterface. */
export interface NicIpConfig {
  ip: string;
  ipFamily: string;
  gateway?: string;
  subnetMask?: string;
  /** The prefix length; it wins over `subnetMask`. */
  prefix?: number;
}

/** What net-operator reported on a NetworkInterface: its addresses and how they are assigned. */
export interface NicAddressingStatus {
  ipConfigs?: readonly NicIpConfig[];
  /** `staticpool`, `dhcp` or `none`; unset: the static pool when it gave an IPv4, else DHCP. */
  ipAssignmentMode?: string;
  /** The same for IPv6; unset: none. */
  ipv6AssignmentMode?: string;
  /** The interface's portgroup (its key or moref value). */
  networkID?: string;
}

/** One interface of the VM and what net-operator gave it. */
export interface NicAddressing {
  spec: VirtualMachineNetworkInterfaceSpec;
  macAddress: string;
  status: NicAddressingStatus;
}

/** A NIC to create: the portgroup (its key or moref value), the MAC and the addresses net-operator chose. */
export interface PlannedNic extends NicAddressing {
  networkID: string;
}

export interface NetworkPlan {
  /** Absent for a VM without networking (disabled, or no interfaces): vm-operator deletes the condition. */
  verdict: Verdict;
  nics: PlannedNic[];
  /**
   * An interface is held by another controller, or the API server refused to write it:
   * nothing of it reaches this VM, so it is retried with backoff, as vm-operator's reconcile
   * error is.
   */
  retry: boolean;
  /**
   * Every interface not ready is one net-operator has not reported on yet (and is not being
   * deleted): vm-operator's create waits for those (up to 15 s) before it reports anything,
   * and so does the VM.
   */
  pending: boolean;
}

interface NetworkInterfaceStatus extends NicAddressingStatus {
  conditions?: {
    type: string;
    status: 'True' | 'False' | 'Unknown';
    reason: string;
    message: string;
    lastTransitionTime: string;
  }[];
  macAddress?: string;
}

/** How the reconcile writes NetworkInterfaces: as its own writes, which do not requeue it. */
export interface NicWrites {
  create(nic: KubeObject): KubeObject;
  update(nic: KubeObject): KubeObject;
}

/**
 * Makes the missing NetworkInterfaces and tells whether all of them are Ready. One of the
 * name that no controller owns is adopted, as vm-operator's create-or-update sets its
 * controller reference; one another controller owns stays theirs, and the VM waits.
 */
export function planNetwork(kube: KubeStore, vm: VirtualMachine, writes: NicWrites): NetworkPlan {
  const spec = vm.spec?.network;
  if (spec?.disabled || !spec?.interfaces?.length)
    return { verdict: isAbsent(CONDITION.networkReady), nics: [], retry: false, pending: false };
  const nics: PlannedNic[] = [];
  const waiting: string[] = [];
  let retry = false;
  /** What the API server said to writes it refused. */
  const refused: string[] = [];
  let reported = false;
  for (const iface of spec?.interfaces ?? []) {
    const name = interfaceObjectName(vm, iface);
    let object = interfaceObject(kube, vm, name);
    const owner = object && controllerOf(object);
    if (owner && owner.uid !== vm.metadata.uid) {
      waiting.push(`${name} (controlled by ${owner.kind} ${owner.name})`);
      retry = true;
      continue;
    }
    try {
      if (!object)
        object = writes.create(networkInterfaceOf(vm, name, iface.network?.name ?? '', iface.name));
      else if (!owner) object = writes.update(adopted(object, vm, iface.name));
    } catch (error) {
      // E.g. a VM name longer than a label value may be: vm-operator reports the error.
      if (!isKubeError(error)) throw error;
      refused.push(error.message);
      retry = true;
      continue;
    }
    const status = (object as { status?: NetworkInterfaceStatus }).status;
    if (!isConditionTrue(status?.conditions, 'Ready') || !status?.macAddress || !status.networkID) {
      waiting.push(name);
      // Reported on, or going (net-operator reports nothing on an interface being deleted).
      if (conditionOf(status?.conditions, 'Ready') !== undefined || object.metadata.deletionTimestamp)
        reported = true;
      continue;
    }
    nics.push({
      networkID: status.networkID,
      macAddress: status.macAddress,
      spec: iface,
      status,
    });
  }
  if (refused.length > 0)
    return {
      verdict: isFalse(CONDITION.networkReady, REASON.notReady, refused.join('; ')),
      nics,
      retry,
      pending: false,
    };
  if (waiting.length > 0)
    return {
      verdict: isFalse(
        CONDITION.networkReady,
        REASON.notReady,
        `NetworkInterface ${waiting.join(', ')} is not ready`,
      ),
      nics,
      retry,
      pending: !retry && !reported,
    };
  return { verdict: isTrue(CONDITION.networkReady), nics, retry, pending: false };
}

/** The labels vm-operator finds a VM's NetworkInterfaces by. */
export const VM_NAME_LABEL = 'vmoperator.vmware.com/vm-name';
export const VM_INTERFACE_NAME_LABEL = 'vmoperator.vmware.com/vm-interface-name';

const interfaceLabels = (vm: VirtualMachine, iface: string): Record<string, string> => ({
  [VM_NAME_LABEL]: vm.metadata.name as string,
  [VM_INTERFACE_NAME_LABEL]: iface,
});

const adopted = (nic: KubeObject, vm: VirtualMachine, iface: string): KubeObject =>
  merged(nic, {
    metadata: merged(nic.metadata, {
      labels: merged(nic.metadata.labels ?? {}, interfaceLabels(vm, iface)),
      ownerReferences: [...(nic.metadata.ownerReferences ?? []), controllerReference(vm)],
    }),
  });

/** The default network's interface names none: net-operator knows its namespace's default. */
function networkInterfaceOf(
  vm: VirtualMachine,
  name: string,
  networkName: string,
  iface: string,
): KubeObject {
  return {
    apiVersion: NET_OPERATOR_API_VERSION,
    kind: 'NetworkInterface',
    metadata: {
      name,
      namespace: vm.metadata.namespace as string,
      labels: interfaceLabels(vm, iface),
      ownerReferences: [controllerReference(vm)],
    },
    spec: networkName === '' ? { type: 'vmxnet3' } : { networkName, type: 'vmxnet3' },
  };
}

/** The NetworkInterface object's name of one of the VM's interfaces. */
const interfaceObjectName = (vm: VirtualMachine, iface: VirtualMachineNetworkInterfaceSpec) =>
  networkInterfaceName(vm.metadata.name as string, iface.network?.name ?? '', iface.name);

const interfaceObject = (kube: KubeStore, vm: VirtualMachine, name: string) =>
  kube.direct.get({
    apiVersion: NET_OPERATOR_API_VERSION,
    kind: 'NetworkInterface',
    namespace: vm.metadata.namespace as string,
    name,
  }) as (KubeObject & { status?: NetworkInterfaceStatus }) | undefined;

/**
 * Why an interface of the VM is not ready, in vm-operator's words (its wait for the
 * NetworkInterface, whose Ready condition says why), or undefined when every one is.
 */
export function interfaceNotReady(kube: KubeStore, vm: VirtualMachine): string | undefined {
  const spec = vm.spec?.network;
  if (spec?.disabled) return undefined;
  for (const iface of spec?.interfaces ?? []) {
    const status = interfaceObject(kube, vm, interfaceObjectName(vm, iface))?.status as
      | NetworkInterfaceStatus
      | undefined;
    const ready = conditionOf(status?.conditions, 'Ready');
    if (ready?.status === 'True' && status?.macAddress && status.networkID) continue;
    return ready?.status === 'False'
      ? `network interface is not ready: ${ready.reason} - ${ready.message}`
      : 'network interface is not ready yet';
  }
  return undefined;
}

/**
 * What net-operator gave each of a deployed VM's interfaces, read without writing anything;
 * undefined while one has no MAC yet.
 */
export function readAddressing(kube: KubeStore, vm: VirtualMachine): NicAddressing[] | undefined {
  const spec = vm.spec?.network;
  if (spec?.disabled) return [];
  const out: NicAddressing[] = [];
  for (const iface of spec?.interfaces ?? []) {
    const status = interfaceObject(kube, vm, interfaceObjectName(vm, iface))?.status;
    if (!status?.macAddress) return undefined;
    out.push({ spec: iface, macAddress: status.macAddress, status });
  }
  return out;
}
