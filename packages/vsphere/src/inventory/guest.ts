/**
 * What the guest OS reports once a VM runs: VMware Tools running, the VM's name as host
 * name, and an IP per NIC from a deterministic per-network allocator (unless its cloud-init
 * metadata says otherwise). A lease sticks to its MAC, so a VM keeps its address across power
 * cycles. Tests can pin addresses.
 */

import { mapped } from '../core/arrays.js';
import { getOrInsert } from '../core/maps.js';
import { flat } from '../core/strings.js';
import { cloudInitIdentity } from './cloud-init.js';
import { isEthernetCard, nicNetwork } from './devices.js';
import type { VmGuest, VmRecord } from './records.js';

export interface IpamState {
  readonly subnets: readonly (readonly [network: string, index: number])[];
  readonly next: readonly (readonly [network: string, host: number])[];
  readonly leases: readonly (readonly [mac: string, ip: string])[];
}

/** Each network gets its own /14 in 10.0.0.0/8, in the order networks first lease. */
const SUBNET_BITS = 18;

export class GuestIpam {
  #subnets = new Map<string, number>();
  #next = new Map<string, number>();
  #leases = new Map<string, string>();

  /** The address the guest reports on `network` for the NIC with `mac`. */
  lease(network: string, mac: string): string {
    const held = this.#leases.get(mac);
    if (held) return held;
    const subnet = getOrInsert(this.#subnets, network, () => this.#subnets.size % 64);
    let host = this.#next.get(network) ?? 1;
    // Skip addresses ending in .0 and .255, which guests do not take.
    while ((host & 0xff) === 0 || (host & 0xff) === 0xff) host++;
    this.#next.set(network, host + 1);
    const n = (10 << 24) + (subnet << SUBNET_BITS) + host;
    const ip = flat(`${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`);
    this.#leases.set(mac, ip);
    return ip;
  }

  /** Pins the address of a NIC (a test choosing what the guest reports). */
  pin(mac: string, ip: string): void {
    this.#leases.set(mac, ip);
  }

  get state(): IpamState {
    return { subnets: [...this.#subnets], next: [...this.#next], leases: [...this.#leases] };
  }

  restore(state: IpamState): void {
    this.#subnets = new Map(state.subnets);
    this.#next = new Map(state.next);
    this.#leases = new Map(state.leases);
  }
}

export const GUEST_OFF: VmGuest = Object.freeze({
  toolsRunningStatus: 'guestToolsNotRunning',
  net: Object.freeze([]),
});

/**
 * The guest of a VM that has just powered on: its addresses leased, or the static ones and the
 * host name its cloud-init metadata gives it (see cloud-init.ts).
 */
export const runningGuest = (
  ipam: GuestIpam,
  vm: Pick<VmRecord, 'name' | 'config'>,
  networkName: (id: string) => string,
): VmGuest => {
  const identity = cloudInitIdentity(vm.config);
  const net = mapped(vm.config.devices.filter(isEthernetCard), (nic) => {
    const network = nicNetwork(nic) as string;
    const mac = nic.macAddress as string;
    return {
      network: networkName(network),
      macAddress: mac,
      ipAddress: identity?.addresses.get(mac.toLowerCase()) ?? [ipam.lease(network, mac)],
      deviceConfigId: nic.key,
      connected: true,
    };
  });
  return {
    toolsRunningStatus: 'guestToolsRunning',
    hostName: identity?.hostName ?? vm.name,
    ...(net[0]?.ipAddress[0] ? { ipAddress: net[0].ipAddress[0] } : {}),
    net,
  };
};
