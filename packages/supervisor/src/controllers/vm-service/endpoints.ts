/**
 * The Endpoints of a VirtualMachineService, computed as vm-operator computes them: every
 * selected VirtualMachine that is not being deleted and reports a primary IP of one of the
 * Service's IP families is an address (a VM without one is left out: an address needs an
 * IP, so it cannot even be listed as not ready); its ports are the Service's ports at their
 * target ports. A VM with a readiness probe is ready when its `Ready` condition is True;
 * with a probe but no condition yet, it stays as ready as it was in the Endpoints before.
 * A VM without a probe is ready. Addresses are then packed as Kubernetes packs them: one
 * subset per set of ports, addresses sorted by IP and then uid.
 */
import type { VirtualMachine, VirtualMachineServicePort } from '../../api/types.js';

export interface EndpointAddress {
  ip: string;
  targetRef: { apiVersion: string; kind: string; namespace: string; name: string; uid: string };
}

export interface EndpointPort {
  name: string;
  port: number;
  protocol: string;
}

export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

/** The uids of the VMs listed as ready in existing subsets. */
export function readyTargets(subsets: readonly EndpointSubset[] | undefined): Set<string> {
  const out = new Set<string>();
  for (const subset of subsets ?? [])
    for (const address of subset.addresses ?? []) if (address.targetRef?.uid) out.add(address.targetRef.uid);
  return out;
}

/** Whether the VM has a probe whose verdict lands in its `Ready` condition. */
const hasReadinessProbe = (vm: VirtualMachine): boolean => {
  const probe = vm.spec?.readinessProbe;
  return Boolean(probe && (probe.tcpSocket || probe.guestHeartbeat || (probe.guestInfo?.length ?? 0) > 0));
};

const isReady = (vm: VirtualMachine, wasReady: ReadonlySet<string>): boolean => {
  if (!hasReadinessProbe(vm)) return true;
  const ready = vm.status?.conditions?.find((c) => c.type === 'Ready');
  if (!ready) return wasReady.has(vm.metadata.uid ?? '');
  return ready.status === 'True';
};

/** The VM's primary addresses of the allowed families. */
const addressesOf = (vm: VirtualMachine, families: readonly string[]): string[] => {
  const network = vm.status?.network;
  const out: string[] = [];
  if (network?.primaryIP4 && families.includes('IPv4')) out.push(network.primaryIP4);
  if (network?.primaryIP6 && families.includes('IPv6')) out.push(network.primaryIP6);
  return out;
};

/** Go compares IPs as byte strings, then target uids. */
const byIpAndUid = (a: EndpointAddress, b: EndpointAddress): number =>
  a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : a.targetRef.uid < b.targetRef.uid ? -1 : 1;

/**
 * The subsets of the Endpoints of a Service with `ports` and `families` backed by `vms`.
 * `wasReady` holds the uids of the VMs ready in the Endpoints as they are.
 */
export function endpointSubsets(
  vms: readonly VirtualMachine[],
  ports: readonly VirtualMachineServicePort[],
  families: readonly string[],
  wasReady: ReadonlySet<string>,
): EndpointSubset[] {
  const ready: EndpointAddress[] = [];
  const notReady: EndpointAddress[] = [];
  for (const vm of vms) {
    if (vm.metadata.deletionTimestamp) continue;
    const target = {
      apiVersion: vm.apiVersion,
      kind: vm.kind,
      namespace: vm.metadata.namespace ?? '',
      name: vm.metadata.name ?? '',
      uid: vm.metadata.uid ?? '',
    };
    const into = isReady(vm, wasReady) ? ready : notReady;
    for (const ip of addressesOf(vm, families)) into.push({ ip, targetRef: { ...target } });
  }
  if (ready.length === 0 && notReady.length === 0) return [];
  // Every VM offers the same ports (target ports are numbers), so the packing yields one subset.
  const subset: EndpointSubset = {};
  if (ready.length > 0) subset.addresses = ready.sort(byIpAndUid);
  if (notReady.length > 0) subset.notReadyAddresses = notReady.sort(byIpAndUid);
  if (ports.length > 0)
    subset.ports = ports.map((p) => ({ name: p.name, port: p.targetPort, protocol: p.protocol }));
  return [subset];
}
