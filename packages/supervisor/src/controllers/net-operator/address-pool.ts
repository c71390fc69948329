/**
 * The addresses net-operator hands out: /24 subnets from 10.0.0.0/8, given to Network
 * objects one at a time (the k-th subnet given out is 10.(k / 256).(k % 256).0/24, k = 1,
 * 2, ...; gateway .1, hosts .10 to .254, the lowest free one first). A Network gets its
 * next subnet only when its current ones are full, so a namespace of 100,000 VMs never
 * runs out. MACs: one per interface from VMware's static range 00:50:56:00:00:00 -
 * 00:50:56:3f:ff:ff, counted up and never reused (vCenter generates its own in
 * 00:50:56:80:00:00 and above, so the two never collide). An interface that reported a
 * MAC before (in its status) gets it back unless another one holds it, and one moving to
 * another Network keeps its MAC. An interface keeps its lease until it is released; a
 * Network is told apart by its uid, so a Network deleted and created again under the same
 * name gets fresh subnets.
 */

import { flat } from '@vsim/vsphere';

/** Each subnet is a /24: its prefix length, and the same as a mask. */
export const SUBNET_PREFIX_LENGTH = 24;
export const SUBNET_MASK = '255.255.255.0';
const FIRST_HOST = 10;
const LAST_HOST = 254;
const MAX_SUBNETS = 0xffff;
const MAX_MACS = 0x40_0000;

export interface Lease {
  /** The Network object (uid) the address belongs to. */
  readonly network: string;
  readonly ip: string;
  readonly gateway: string;
  readonly subnetMask: string;
  readonly mac: string;
}

interface Subnet {
  /** The Network (uid) it was given to. */
  readonly network: string;
  /** Its place among that Network's subnets. */
  readonly index: number;
  /** The first three octets with the trailing dot, e.g. `10.0.1.`. */
  readonly prefix: string;
  /** Its `.1`, one string its leases share. */
  readonly gateway: string;
  /** Host parts in use. */
  readonly used: Set<number>;
  /** No host below this one is free. */
  lowestFree: number;
}

const isFull = (subnet: Subnet) => subnet.used.size > LAST_HOST - FIRST_HOST;

/** A Network's subnets, in the order it got them. */
interface NetworkSubnets {
  readonly subnets: Subnet[];
  /** No subnet before this one has room: a lease does not scan the full ones again. */
  open: number;
}

export class AddressPool {
  readonly #networks = new Map<string, NetworkSubnets>();
  readonly #byPrefix = new Map<string, Subnet>();
  /** Subnets given out so far (never reused while the pool lives). */
  #subnetCount = 0;
  #nextMac = 0;
  /** MACs adopted from what holders reported: the counter skips them (its own are behind it). */
  readonly #adopted = new Set<string>();
  /** Who holds each MAC now. */
  readonly #macHolders = new Map<string, string>();
  /** Leases by holder (an interface's uid). */
  readonly #leases = new Map<string, Lease>();

  /** The lease `holder` has, if any. */
  leaseOf(holder: string): Lease | undefined {
    return this.#leases.get(holder);
  }

  get size(): number {
    return this.#leases.size;
  }

  /** The first subnet (`10.x.y.0/24`) of a Network, allocating one on first use. */
  subnetOf(network: string): string {
    const [first] = this.#subnetsOf(network).subnets;
    return `${first?.prefix}0/24`;
  }

  /**
   * The holder's lease on `network`: the one it has, or a new one. A holder leasing on
   * another network first gives back its old lease. `prefer` adopts an address the holder
   * reported before (e.g. in its status) when it is in one of the network's subnets and free.
   */
  lease(holder: string, network: string, prefer?: { ip?: string; mac?: string }): Lease {
    const held = this.#leases.get(holder);
    if (held?.network === network) return held;
    // A holder moving to another network keeps its MAC.
    if (held) this.release(holder);
    const [subnet, host] = this.#address(network, prefer?.ip);
    subnet.used.add(host);
    const mac = held?.mac ?? this.#takeMac(prefer?.mac);
    const lease: Lease = {
      network,
      ip: flat(`${subnet.prefix}${host}`),
      gateway: subnet.gateway,
      subnetMask: SUBNET_MASK,
      mac,
    };
    this.#leases.set(holder, lease);
    this.#macHolders.set(mac, holder);
    return lease;
  }

  /** Gives the holder's address back to its subnet; its MAC is not handed out again. */
  release(holder: string): Lease | undefined {
    const lease = this.#leases.get(holder);
    if (!lease) return undefined;
    this.#leases.delete(holder);
    if (this.#macHolders.get(lease.mac) === holder) this.#macHolders.delete(lease.mac);
    const dot = lease.ip.lastIndexOf('.') + 1;
    const subnet = this.#byPrefix.get(lease.ip.slice(0, dot));
    const host = Number(lease.ip.slice(dot));
    if (subnet?.used.delete(host)) {
      if (host < subnet.lowestFree) subnet.lowestFree = host;
      const owner = this.#networks.get(subnet.network);
      if (owner && subnet.index < owner.open) owner.open = subnet.index;
    }
    return lease;
  }

  #subnetsOf(network: string): NetworkSubnets {
    const known = this.#networks.get(network);
    if (known) return known;
    const owner: NetworkSubnets = { subnets: [], open: 0 };
    owner.subnets.push(this.#newSubnet(network, 0));
    this.#networks.set(network, owner);
    return owner;
  }

  #newSubnet(network: string, index: number): Subnet {
    if (this.#subnetCount >= MAX_SUBNETS) throw new Error('no subnet left in 10.0.0.0/8');
    const k = ++this.#subnetCount;
    const prefix = `10.${k >>> 8}.${k & 0xff}.`;
    const subnet: Subnet = {
      network,
      index,
      prefix,
      gateway: `${prefix}1`,
      used: new Set(),
      lowestFree: FIRST_HOST,
    };
    this.#byPrefix.set(subnet.prefix, subnet);
    return subnet;
  }

  /** The preferred address when it is the network's and free, else the lowest free one. */
  #address(network: string, preferIp: string | undefined): [Subnet, number] {
    const owner = this.#subnetsOf(network);
    if (preferIp !== undefined) {
      const dot = preferIp.lastIndexOf('.') + 1;
      const subnet = this.#byPrefix.get(preferIp.slice(0, dot));
      const host = Number(preferIp.slice(dot));
      if (
        subnet?.network === network &&
        Number.isInteger(host) &&
        host >= FIRST_HOST &&
        host <= LAST_HOST &&
        !subnet.used.has(host)
      )
        return [subnet, host];
    }
    const { subnets } = owner;
    while (owner.open < subnets.length && isFull(subnets[owner.open] as Subnet)) owner.open++;
    let subnet = subnets[owner.open];
    if (!subnet) {
      subnet = this.#newSubnet(network, subnets.length);
      subnets.push(subnet);
    }
    while (subnet.used.has(subnet.lowestFree)) subnet.lowestFree++;
    return [subnet, subnet.lowestFree];
  }

  #takeMac(prefer: string | undefined): string {
    // A MAC the holder reported before is adopted unless another holder has it now.
    if (prefer !== undefined && isStaticMac(prefer) && !this.#macHolders.has(prefer)) {
      this.#adopted.add(prefer);
      return prefer;
    }
    const b = (v: number) => v.toString(16).padStart(2, '0');
    for (;;) {
      if (this.#nextMac >= MAX_MACS) throw new Error('no MAC left in 00:50:56:00:00:00 - 00:50:56:3f:ff:ff');
      const n = this.#nextMac++;
      const mac = flat(`00:50:56:${b((n >>> 16) & 0x3f)}:${b((n >>> 8) & 0xff)}:${b(n & 0xff)}`);
      if (!this.#adopted.has(mac)) return mac;
    }
  }
}

/** A MAC of the static range this pool draws from. */
const isStaticMac = (mac: string): boolean => /^00:50:56:[0-3][0-9a-f]:[0-9a-f]{2}:[0-9a-f]{2}$/.test(mac);
