/**
 * net-operator's NetworkInterface controller, for the vSphere Distributed Switch provider:
 * each NetworkInterface gets an IPv4 address, a MAC, its gateway and the id of the
 * portgroup it attaches to, written to its status with condition Ready; the MAC -> IP pair
 * is pinned in the vSphere model's guest IPAM, so a VM whose NIC has that MAC reports that
 * address once it runs.
 *
 * Which Network: `spec.networkName` in the interface's namespace. An empty name means the
 * namespace's default Network: the one labelled `netoperator.vmware.com/default-network`
 * (any value but "false"; the first by name if several are), else the one named
 * `primary`, else the only Network of the namespace. No Network -> Ready False
 * `NetworkNotFound`; the interface is reconciled again when a Network of its namespace
 * appears or changes (a watch on Networks maps each to the interfaces that may resolve to it).
 *
 * Which portgroup: `options.network.portgroup` (a portgroup's name, moref id or key) for
 * every Network when set; else the Network's `spec.providerRef.name` when it names a
 * portgroup; else the first non-uplink DistributedVirtualPortgroup (in creation order) of
 * the datacenter named `options.network.datacenter`, or of any datacenter when unset.
 * No portgroup -> Ready False `PortgroupNotFound`, retried after `retryDelay`.
 * `status.networkID` is the portgroup's key (what a NIC backing names).
 *
 * Addresses come from an AddressPool (see address-pool.ts): /24 subnets of 10.0.0.0/8 per Network
 * object. A lease is held by the interface's uid and given back when the interface is gone
 * (not found), is being deleted, or its Network is gone. An interface that already reports
 * an address of its Network's subnet (e.g. after the controller restarts) keeps it when free.
 */
import type { NetworkRecord, VSphere } from '@vsim/vsphere';
import type { Condition } from '../../api/types.js';
import type { Controller } from '../../runtime/controller.js';
import { objectKey, parseObjectKey } from '../../runtime/keys.js';
import type { Manager } from '../../runtime/manager.js';
import type { KubeStore } from '../../store/kube-store.js';
import { deepEqual, type KubeObject, merged, timestamp } from '../../store/meta.js';
import { AddressPool, type Lease } from './address-pool.js';

export const NETWORK_INTERFACE_CONTROLLER = 'net-operator-networkinterface';
export const NET_OPERATOR_API_VERSION = 'netoperator.vmware.com/v1alpha1';
/** The label (or annotation) marking a namespace's default Network. */
export const DEFAULT_NETWORK_LABEL = 'netoperator.vmware.com/default-network';
/** The name of a namespace's default Network when none is labelled. */
export const PRIMARY_NETWORK_NAME = 'primary';

const NETWORK = { apiVersion: NET_OPERATOR_API_VERSION, kind: 'Network' } as const;
const NETWORK_INTERFACE = { apiVersion: NET_OPERATOR_API_VERSION, kind: 'NetworkInterface' } as const;

export interface NetworkInterfaceControllerOptions {
  network?: {
    /** The portgroup every Network maps to: its name, moref id or key. */
    portgroup?: string;
    /** The datacenter whose first portgroup is the default (by name; default any). */
    datacenter?: string;
  };
  /** Delay (ms) before retrying an interface whose portgroup is missing (default 10 s). */
  retryDelay?: number;
}

export interface NetworkInterfaceControllerDeps {
  kube: KubeStore;
  vsphere: VSphere;
  options?: NetworkInterfaceControllerOptions;
}

export interface NetworkInterfaceController {
  readonly controller: Controller;
  readonly pool: AddressPool;
}

interface IpConfig {
  ip: string;
  ipFamily: 'IPv4';
  gateway: string;
  subnetMask: string;
}

interface NetworkInterfaceStatus {
  conditions?: Condition[];
  ipConfigs?: IpConfig[];
  macAddress?: string;
  externalID?: string;
  networkID?: string;
}

type NetworkInterface = KubeObject & { spec?: { networkName?: string }; status?: NetworkInterfaceStatus };
type Network = KubeObject & { spec?: { providerRef?: { name?: string } } };

const DEFAULT_RETRY_DELAY = 10_000;

export function startNetworkInterfaceController(
  manager: Manager,
  deps: NetworkInterfaceControllerDeps,
): NetworkInterfaceController {
  const { kube, vsphere } = deps;
  const options = deps.options ?? {};
  const retryDelay = options.retryDelay ?? DEFAULT_RETRY_DELAY;
  const pool = new AddressPool();
  /** The lease holder (uid) behind each interface key, to release it once the object is gone. */
  const holders = new Map<string, string>();

  const release = (key: string) => {
    const holder = holders.get(key);
    if (holder === undefined) return;
    holders.delete(key);
    pool.release(holder);
  };

  /** Writes the interface's status as its reconcile's own write (see Controller.ownWrite). */
  const write = (key: string, iface: NetworkInterface, status: NetworkInterfaceStatus) =>
    controller.ownWrite(key, () => writeStatus(kube, vsphere, iface, status));

  const reconcile = (key: string) => {
    const { namespace, name } = parseObjectKey(key);
    if (namespace === undefined) return undefined;
    const ref = { apiVersion: NETWORK_INTERFACE.apiVersion, kind: NETWORK_INTERFACE.kind, namespace, name };
    const iface = kube.direct.get(ref) as NetworkInterface | undefined;
    if (!iface) {
      release(key);
      return undefined;
    }
    const uid = iface.metadata.uid as string;
    if (holders.get(key) !== uid) release(key);
    if (iface.metadata.deletionTimestamp) {
      release(key);
      return undefined;
    }

    const ns = iface.metadata.namespace as string;
    const networkName = iface.spec?.networkName ?? '';
    const network = findNetwork(kube, ns, networkName);
    if (!network) {
      release(key);
      const what =
        networkName === ''
          ? `no default Network in namespace ${ns}`
          : `Network ${ns}/${networkName} not found`;
      write(key, iface, notReady(iface, 'NetworkNotFound', what));
      return undefined;
    }

    const portgroup = findPortgroup(vsphere, options.network, network);
    if (!portgroup) {
      release(key);
      write(
        key,
        iface,
        notReady(
          iface,
          'PortgroupNotFound',
          `no distributed portgroup for Network ${ns}/${network.metadata.name}`,
        ),
      );
      return { requeueAfter: retryDelay };
    }

    const previous = iface.status?.ipConfigs?.[0];
    const lease = pool.lease(uid, network.metadata.uid as string, {
      ...(previous?.ip !== undefined ? { ip: previous.ip } : {}),
      ...(iface.status?.macAddress !== undefined ? { mac: iface.status.macAddress } : {}),
    });
    holders.set(key, uid);
    vsphere.ipam.pin(lease.mac, lease.ip);
    write(key, iface, readyStatus(iface, lease, portgroupKey(portgroup)));
    return undefined;
  };

  const controller = manager.controller({ name: NETWORK_INTERFACE_CONTROLLER, reconcile });
  controller.watches(kube, NETWORK_INTERFACE);
  controller.watches(kube, NETWORK, (network) => {
    const ns = network.metadata.namespace;
    if (ns === undefined) return undefined;
    const interfaces = kube.direct.list(
      NETWORK_INTERFACE.apiVersion,
      NETWORK_INTERFACE.kind,
      ns,
    ) as NetworkInterface[];
    const keys: string[] = [];
    for (const item of interfaces) {
      const wanted = item.spec?.networkName ?? '';
      // An empty name may resolve to any Network of the namespace once labels change.
      if (wanted === '' || wanted === network.metadata.name)
        keys.push(objectKey({ namespace: ns, name: item.metadata.name as string }));
    }
    return keys;
  });
  return { controller, pool };
}

/** The Network an interface names, or the namespace's default one for an empty name. */
export function findNetwork(kube: KubeStore, namespace: string, name: string): Network | undefined {
  if (name !== '') return kube.direct.get({ ...NETWORK, namespace, name }) as Network | undefined;
  const items = kube.direct.list(NETWORK.apiVersion, NETWORK.kind, namespace) as Network[];
  const live = items.filter((n) => !n.metadata.deletionTimestamp);
  const marked = (n: Network) => {
    const value =
      n.metadata.labels?.[DEFAULT_NETWORK_LABEL] ?? n.metadata.annotations?.[DEFAULT_NETWORK_LABEL];
    return value !== undefined && value !== 'false';
  };
  return (
    live.find(marked) ??
    live.find((n) => n.metadata.name === PRIMARY_NETWORK_NAME) ??
    (live.length === 1 ? live[0] : undefined)
  );
}

/** The portgroup a Network attaches to (see the module comment for the order). */
export function findPortgroup(
  vsphere: VSphere,
  options: NetworkInterfaceControllerOptions['network'],
  network: Network,
): NetworkRecord | undefined {
  const portgroups: NetworkRecord[] = [];
  for (const id of vsphere.store.idsOf('DistributedVirtualPortgroup')) {
    const pg = vsphere.store.get(id) as NetworkRecord | undefined;
    if (pg) portgroups.push(pg);
  }
  const named = (wanted: string) =>
    portgroups.find((pg) => pg.id === wanted || pg.key === wanted) ??
    portgroups.find((pg) => pg.name === wanted);
  if (options?.portgroup !== undefined) return named(options.portgroup);
  const ref = network.spec?.providerRef?.name;
  if (ref) {
    const found = named(ref);
    if (found) return found;
  }
  return portgroups.find(
    (pg) =>
      !pg.uplink && (options?.datacenter === undefined || datacenterOf(vsphere, pg) === options.datacenter),
  );
}

/** The name of the datacenter an inventory object sits in. */
function datacenterOf(vsphere: VSphere, record: NetworkRecord): string | undefined {
  let id = record.parent;
  while (id !== undefined) {
    const parent = vsphere.store.get(id) as { kind: string; name: string; parent?: string } | undefined;
    if (!parent) return undefined;
    if (parent.kind === 'Datacenter') return parent.name;
    id = parent.parent;
  }
  return undefined;
}

const portgroupKey = (pg: NetworkRecord): string => pg.key ?? pg.id;

function readyStatus(iface: NetworkInterface, lease: Lease, networkID: string): NetworkInterfaceStatus {
  const { conditions: _old, ...rest } = iface.status ?? {};
  return {
    ...rest,
    ipConfigs: [{ ip: lease.ip, ipFamily: 'IPv4', gateway: lease.gateway, subnetMask: lease.subnetMask }],
    macAddress: lease.mac,
    networkID,
    conditions: [condition(iface, 'True', 'Ready', '')],
  };
}

/** Not Ready: no address, but the MAC stays so the interface gets it back later. */
function notReady(iface: NetworkInterface, reason: string, message: string): NetworkInterfaceStatus {
  const mac = iface.status?.macAddress;
  return {
    ...(mac !== undefined ? { macAddress: mac } : {}),
    conditions: [condition(iface, 'False', reason, message)],
  };
}

/** The Ready condition, keeping its transition time while its status stays the same. */
function condition(
  iface: NetworkInterface,
  status: 'True' | 'False',
  reason: string,
  message: string,
): Condition {
  const old = iface.status?.conditions?.find((c) => c.type === 'Ready');
  return {
    type: 'Ready',
    status,
    reason,
    message,
    lastTransitionTime: old?.status === status ? old.lastTransitionTime : '',
  };
}

/** Writes the status unless it is already what it should be. */
function writeStatus(
  kube: KubeStore,
  vsphere: VSphere,
  iface: NetworkInterface,
  status: NetworkInterfaceStatus,
): void {
  for (const c of status.conditions ?? [])
    if (c.lastTransitionTime === '') c.lastTransitionTime = timestamp(vsphere.clock.now());
  if (deepEqual(iface.status ?? {}, status)) return;
  kube.direct.updateStatus(merged(iface, { status }));
}
