/**
 * The addresses net-operator hands out: one /24 per Network object (192.168.N.0/24, N = 1,
 * 2, ... in the order Networks first get an interface; gateway .1, hosts from .10 up to
 * .254, the lowest free one first), and one MAC per interface from VMware's static range
 * 00:50:56:00:00:00 - 00:50:56:3f:ff:ff, counted up and never reused (vCenter generates
 * its own MACs in 00:50:56:80:00:00 and above, so the two never collide). An interface
 * that reported a MAC before (in its status) gets it back unless another one holds it,
 * and one moving to another Network keeps its MAC. An interface keeps its lease until it
 * is released; a Network is told apart by its uid, so a Network deleted and created
 * again under the same name gets a fresh subnet.
 */

export const SUBNET_MASK = '255.255.255.0';
const FIRST_HOST = 10;
const LAST_HOST = 254;
const MAX_SUBNETS = 254;
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
  readonly third: number;
  /** Host parts in use. */
  readonly used: Set<number>;
}

export class AddressPool {
  readonly #subnets = new Map<string, Subnet>();
  /** Third octets of subnets given out (never reused while the pool lives). */
  #nextSubnet = 1;
  #nextMac = 0;
  /** MACs given out or adopted (the counter skips them). */
  readonly #macs = new Set<string>();
  /** Leases by holder (an interface's uid). */
  readonly #leases = new Map<string, Lease>();

  /** The lease `holder` has, if any. */
  leaseOf(holder: string): Lease | undefined {
    return this.#leases.get(holder);
  }

  get size(): number {
    return this.#leases.size;
  }

  /** The subnet (`192.168.N.0/24`) of a Network, allocating one on first use. */
  subnetOf(network: string): string {
    return `192.168.${this.#subnet(network).third}.0/24`;
  }

  /**
   * The holder's lease on `network`: the one it has, or a new one. A holder leasing on
   * another network first gives back its old lease. `prefer` adopts an address the holder
   * reported before (e.g. in its status) when it is in the subnet and free.
   */
  lease(holder: string, network: string, prefer?: { ip?: string; mac?: string }): Lease {
    const held = this.#leases.get(holder);
    if (held?.network === network) return held;
    // A holder moving to another network keeps its MAC.
    if (held) this.release(holder);
    const subnet = this.#subnet(network);
    const host = this.#host(subnet, prefer?.ip);
    subnet.used.add(host);
    const lease: Lease = {
      network,
      ip: `192.168.${subnet.third}.${host}`,
      gateway: `192.168.${subnet.third}.1`,
      subnetMask: SUBNET_MASK,
      mac: held?.mac ?? this.#takeMac(prefer?.mac),
    };
    this.#leases.set(holder, lease);
    return lease;
  }

  /** Gives the holder's address back to its subnet; its MAC is not handed out again. */
  release(holder: string): Lease | undefined {
    const lease = this.#leases.get(holder);
    if (!lease) return undefined;
    this.#leases.delete(holder);
    const subnet = this.#subnets.get(lease.network);
    const host = Number(lease.ip.slice(lease.ip.lastIndexOf('.') + 1));
    subnet?.used.delete(host);
    return lease;
  }

  #subnet(network: string): Subnet {
    const known = this.#subnets.get(network);
    if (known) return known;
    if (this.#nextSubnet > MAX_SUBNETS) throw new Error('no subnet left in 192.168.0.0/16');
    const subnet: Subnet = { third: this.#nextSubnet++, used: new Set() };
    this.#subnets.set(network, subnet);
    return subnet;
  }

  #host(subnet: Subnet, preferIp: string | undefined): number {
    const prefix = `192.168.${subnet.third}.`;
    if (preferIp?.startsWith(prefix)) {
      const host = Number(preferIp.slice(prefix.length));
      if (Number.isInteger(host) && host >= FIRST_HOST && host <= LAST_HOST && !subnet.used.has(host))
        return host;
    }
    for (let host = FIRST_HOST; host <= LAST_HOST; host++) if (!subnet.used.has(host)) return host;
    throw new Error(`no address left in ${prefix}0/24`);
  }

  #leased(mac: string): boolean {
    for (const lease of this.#leases.values()) if (lease.mac === mac) return true;
    return false;
  }

  #takeMac(prefer: string | undefined): string {
    // A MAC the holder reported before is adopted unless another holder has it now.
    if (prefer !== undefined && isStaticMac(prefer) && !this.#leased(prefer)) {
      this.#macs.add(prefer);
      return prefer;
    }
    const b = (v: number) => v.toString(16).padStart(2, '0');
    for (;;) {
      if (this.#nextMac >= MAX_MACS) throw new Error('no MAC left in 00:50:56:00:00:00 - 00:50:56:3f:ff:ff');
      const n = this.#nextMac++;
      const mac = `00:50:56:${b((n >>> 16) & 0x3f)}:${b((n >>> 8) & 0xff)}:${b(n & 0xff)}`;
      if (this.#macs.has(mac)) continue;
      this.#macs.add(mac);
      return mac;
    }
  }
}

/** A MAC of the static range this pool draws from. */
const isStaticMac = (mac: string): boolean => /^00:50:56:[0-3][0-9a-f]:[0-9a-f]{2}:[0-9a-f]{2}$/.test(mac);
