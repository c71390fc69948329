/**
 * A VirtualMachine's network interfaces, as vm-operator's vSphere Distributed Switch
 * provider makes them: one net-operator NetworkInterface per `spec.network.interfaces`
 * entry, named `<vm>-<network>-<interface>` (`<vm>-<interface>` for the namespace's default
 * network), owned by the VM so that they go with it. The VM waits until each is Ready and
 * then gets NICs on their portgroups with their MACs. Being owned, their changes reach the
 * VM through its owner reference, as vm-operator's watch of what it owns does.
 */

import { GROUP } from '../../api/index.js';
import type { VirtualMachine, VirtualMachineNetworkInterfaceSpec } from '../../api/types.js';
import { networkInterfaceName } from '../../api/vm-network-validation.js';
import { isKubeError } from '../../store/errors.js';
import type { KubeStore } from '../../store/kube-store.js';
import {
  controllerReference,
  type KubeObject,
  merged,
  type OwnerReference,
  withOwnerReference,
} from '../../store/meta.js';
import { NET_OPERATOR_API_VERSION } from '../net-operator/index.js';
import { CONDITION, conditionOf, isAbsent, isFalse, isTrue, REASON, type Verdict } from './conditions.js';

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
   * Why an interface is not ready, in vm-operator's words (`network interface "eth0" error:
   * ...`), or undefined when every one is.
   */
  problem?: string;
  /**
   * An interface is another VM's, or the API server refused to write it: nothing of it reaches
   * this VM, so it is retried with backoff, as vm-operator's reconcile error is.
   */
  retry: boolean;
  /**
   * The interface not ready is one net-operator has not reported on yet (and is not being
   * deleted): vm-operator waits for it (up to 15 s) before it reports anything, and so does the
   * VM, which its NetworkInterface's status requeues.
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

const NO_NETWORK: NetworkPlan = Object.freeze({
  verdict: isAbsent(CONDITION.networkReady),
  nics: Object.freeze([]) as unknown as PlannedNic[],
  retry: false,
  pending: false,
});

/**
 * vm-operator's CreateAndWaitForNetworkInterfaces, interface by interface: each one's
 * NetworkInterface made, or brought to what vm-operator's create-or-patch sets (its labels, its
 * network, the VM as its controller: an owner reference more where another kind controls it),
 * then waited for. The first interface that is another VM's, that the API server refuses or
 * that is not ready stops the plan, with vm-operator's error.
 */
export function planNetwork(kube: KubeStore, vm: VirtualMachine, writes: NicWrites): NetworkPlan {
  const spec = vm.spec?.network;
  // No network, or a disabled one, has no condition; one without interfaces is ready.
  if (!spec || spec.disabled) return NO_NETWORK;
  const nics: PlannedNic[] = [];
  for (const iface of spec.interfaces ?? []) {
    const { name, found } = interfaceOf(kube, vm, iface);
    // As controller-runtime's SetControllerReference, a controller is another by group, kind and name.
    const other = found?.metadata.ownerReferences?.find((ref) => ref.controller && !refersTo(ref, vm));
    if (other?.kind === 'VirtualMachine' && isVmOperatorKind(other))
      return notReady(
        iface,
        nics,
        `network interface CR ${name} is already owned by VM ${other.name}`,
        true,
        false,
      );
    let object: KubeObject & { status?: NetworkInterfaceStatus };
    try {
      const wanted = found ? patched(found, vm, iface, other !== undefined) : undefined;
      object = found
        ? wanted === found
          ? found
          : writes.update(wanted as KubeObject)
        : writes.create(networkInterfaceOf(vm, name, iface));
    } catch (error) {
      // E.g. a VM name longer than a label value may be: vm-operator reports the error.
      if (!isKubeError(error)) throw error;
      return notReady(iface, nics, error.message, true, false);
    }
    const status = object.status;
    const ready = conditionOf(status?.conditions, 'Ready');
    if (ready?.status === 'True' && status?.macAddress && status.networkID) {
      nics.push({ networkID: status.networkID, macAddress: status.macAddress, spec: iface, status });
      continue;
    }
    if (ready?.status === 'False')
      return notReady(
        iface,
        nics,
        `network interface is not ready: ${ready.reason} - ${ready.message}`,
        false,
        false,
      );
    // Net-operator reports nothing on an interface being deleted: vm-operator's wait ends.
    return notReady(
      iface,
      nics,
      'network interface is not ready yet',
      false,
      !object.metadata.deletionTimestamp,
    );
  }
  return { verdict: isTrue(CONDITION.networkReady), nics, retry: false, pending: false };
}

/** The plan of an interface that stops it, with vm-operator's error. */
function notReady(
  iface: VirtualMachineNetworkInterfaceSpec,
  nics: PlannedNic[],
  problem: string,
  retry: boolean,
  pending: boolean,
): NetworkPlan {
  const message = `network interface "${iface.name}" error: ${problem}`;
  return {
    verdict: isFalse(CONDITION.networkReady, REASON.notReady, message),
    nics,
    problem: message,
    retry,
    pending,
  };
}

const isVmOperatorKind = (ref: { apiVersion: string }) => ref.apiVersion.startsWith(`${GROUP}/`);

/** Whether a reference names the VM: by group, kind and name, as controller-runtime compares them. */
const refersTo = (ref: OwnerReference, vm: VirtualMachine) =>
  ref.kind === vm.kind && ref.name === vm.metadata.name && isVmOperatorKind(ref);

/** The labels vm-operator finds a VM's NetworkInterfaces by. */
export const VM_NAME_LABEL = 'vmoperator.vmware.com/vm-name';
export const VM_INTERFACE_NAME_LABEL = 'vmoperator.vmware.com/vm-interface-name';

const interfaceLabels = (vm: VirtualMachine, iface: string): Record<string, string> => ({
  [VM_NAME_LABEL]: vm.metadata.name as string,
  [VM_INTERFACE_NAME_LABEL]: iface,
});

/**
 * The NetworkInterface as vm-operator's create-or-patch leaves it: the VM's labels, the network
 * it names (net-operator fills in the default's), the VM as its controller or, where another kind
 * controls it (`controlled`), an owner. The object itself when nothing changes (read on every
 * update of every VM: nothing is made for that answer).
 */
function patched(
  nic: KubeObject,
  vm: VirtualMachine,
  iface: VirtualMachineNetworkInterfaceSpec,
  controlled: boolean,
): KubeObject {
  const labels = nic.metadata.labels ?? {};
  const owners = nic.metadata.ownerReferences ?? [];
  const networkName = iface.network?.name ?? '';
  const spec = (nic.spec ?? {}) as { networkName?: string; type?: string };
  const labelled =
    labels[VM_NAME_LABEL] === vm.metadata.name && labels[VM_INTERFACE_NAME_LABEL] === iface.name;
  const specified = (networkName === '' || spec.networkName === networkName) && spec.type === 'vmxnet3';
  const current = owners.find((ref) => refersTo(ref, vm));
  const owned =
    current !== undefined &&
    current.uid === vm.metadata.uid &&
    current.apiVersion === vm.apiVersion &&
    (controlled ? current.controller === undefined : current.controller === true);
  if (labelled && specified && owned) return nic;
  const reference = controlled ? ownerReference(vm) : controllerReference(vm);
  const ownerReferences = withOwnerReference(owners, reference);
  return merged(nic, {
    metadata: merged(nic.metadata, {
      labels: merged(labels, interfaceLabels(vm, iface.name)),
      ownerReferences,
    }),
    spec: merged(spec, networkName === '' ? { type: 'vmxnet3' } : { networkName, type: 'vmxnet3' }),
  });
}

/** controller-runtime's SetOwnerReference's: an owner, not a controller. */
const ownerReference = (vm: VirtualMachine): OwnerReference => ({
  apiVersion: vm.apiVersion,
  kind: vm.kind,
  name: vm.metadata.name ?? '',
  uid: vm.metadata.uid ?? '',
});

/** The default network's interface names none: net-operator knows its namespace's default. */
function networkInterfaceOf(
  vm: VirtualMachine,
  name: string,
  iface: VirtualMachineNetworkInterfaceSpec,
): KubeObject {
  const networkName = iface.network?.name ?? '';
  return {
    apiVersion: NET_OPERATOR_API_VERSION,
    kind: 'NetworkInterface',
    metadata: {
      name,
      namespace: vm.metadata.namespace as string,
      labels: interfaceLabels(vm, iface.name),
      ownerReferences: [controllerReference(vm)],
    },
    spec: networkName === '' ? { type: 'vmxnet3' } : { networkName, type: 'vmxnet3' },
  };
}

/** The NetworkInterface object's name of one of the VM's interfaces, as vm-operator names new ones. */
const interfaceObjectName = (vm: VirtualMachine, iface: VirtualMachineNetworkInterfaceSpec) =>
  networkInterfaceName(vm.metadata.name as string, iface.network?.name ?? '', iface.name);

/** v1alpha1's name of a VM's NetworkInterface: `<network>-<vm>`, or the VM's for the default network. */
const v1alpha1InterfaceName = (vm: VirtualMachine, iface: VirtualMachineNetworkInterfaceSpec) => {
  const network = iface.network?.name ?? '';
  return network === '' ? (vm.metadata.name as string) : `${network}-${vm.metadata.name}`;
};

const interfaceObject = (kube: KubeStore, vm: VirtualMachine, name: string) =>
  kube.direct.get({
    apiVersion: NET_OPERATOR_API_VERSION,
    kind: 'NetworkInterface',
    namespace: vm.metadata.namespace as string,
    name,
  }) as (KubeObject & { status?: NetworkInterfaceStatus }) | undefined;

/**
 * The NetworkInterface of one of the VM's interfaces, as vm-operator's NetOPCRName finds it: one
 * of v1alpha1's name when there is one (a VM made by vm-operator's v1alpha1 keeps its
 * interfaces), else the name new ones get.
 */
const interfaceOf = (kube: KubeStore, vm: VirtualMachine, iface: VirtualMachineNetworkInterfaceSpec) => {
  const legacy = v1alpha1InterfaceName(vm, iface);
  const old = interfaceObject(kube, vm, legacy);
  if (old) return { name: legacy, found: old };
  const name = interfaceObjectName(vm, iface);
  return { name, found: interfaceObject(kube, vm, name) };
};

/** The portgroup net-operator gave one of the VM's interfaces (its key or moref value), if it gave one. */
export const interfaceNetworkID = (
  kube: KubeStore,
  vm: VirtualMachine,
  iface: VirtualMachineNetworkInterfaceSpec,
): string | undefined => interfaceOf(kube, vm, iface).found?.status?.networkID;

/**
 * What net-operator gave each of a deployed VM's interfaces, read without writing anything;
 * undefined while one has no MAC yet.
 */
export function readAddressing(kube: KubeStore, vm: VirtualMachine): NicAddressing[] | undefined {
  const spec = vm.spec?.network;
  if (spec?.disabled) return [];
  const out: NicAddressing[] = [];
  for (const iface of spec?.interfaces ?? []) {
    const status = interfaceOf(kube, vm, iface).found?.status;
    if (!status?.macAddress) return undefined;
    out.push({ spec: iface, macAddress: status.macAddress, status });
  }
  return out;
}

/** A NetworkInterface of the VM that none of its interfaces names any more. */
export interface OrphanedInterface {
  name: string;
  /** The interface it was made for (its label), if labelled. */
  iface: string | undefined;
  /** The portgroup it had. */
  networkID: string | undefined;
}

export const NO_ORPHANS: readonly OrphanedInterface[] = Object.freeze([]);

/**
 * vm-operator's ListOrphanedNetworkInterfaces: the NetworkInterfaces labelled with the VM's name
 * that it owns and none of its interfaces names.
 */
export function orphanedInterfaces(kube: KubeStore, vm: VirtualMachine): readonly OrphanedInterface[] {
  // vm-operator lists none for no network or a disabled one.
  const network = vm.spec?.network;
  if (!network || network.disabled) return NO_ORPHANS;
  const named = new Set((network.interfaces ?? []).map((iface) => interfaceOf(kube, vm, iface).name));
  const out: OrphanedInterface[] = [];
  for (const nic of kube.direct.list(NET_OPERATOR_API_VERSION, 'NetworkInterface', vm.metadata.namespace)) {
    const name = nic.metadata.name as string;
    if (
      named.has(name) ||
      nic.metadata.labels?.[VM_NAME_LABEL] !== vm.metadata.name ||
      !nic.metadata.ownerReferences?.some((ref) => ref.uid === vm.metadata.uid)
    )
      continue;
    out.push({
      name,
      iface: nic.metadata.labels?.[VM_INTERFACE_NAME_LABEL],
      networkID: (nic.status as NetworkInterfaceStatus | undefined)?.networkID,
    });
  }
  return out.length ? out : NO_ORPHANS;
}
