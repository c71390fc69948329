/**
 * An IPv4 range that hands out addresses to holders: the Services' cluster IPs (held by
 * Service uid) and the load balancer's VIPs (by VirtualMachineService uid). Dynamic leases
 * take the lowest free address from `first` up, so the same sequence of services always gets
 * the same addresses; a holder may instead ask for one address of the range (a Service's
 * `spec.clusterIP`, a `spec.loadBalancerIP`, or what it reported before a restart). The
 * network and broadcast addresses are never handed out.
 */

import { parseIpv4 } from '@vsim/vsphere';

/** Why a requested address cannot be had. */
export type AddressRefusal = 'outside' | 'taken';

export type AddressClaim = { ip: string } | { refused: AddressRefusal };

export interface AddressRangeOptions {
  /** The range, `a.b.c.d/n`. */
  cidr: string;
  /** The first address dynamic leases take (default: the first host of the range). */
  first?: string;
}

/** A dotted-quad IPv4 address as a number; one with leading zeros is none, as for Go. */
const parseIp = (text: string): number | undefined =>
  parseIpv4(text, 'strict')?.reduce((value, octet) => value * 256 + octet, 0);

const formatIp = (value: number): string =>
  [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff].join('.');

export class AddressRange {
  readonly cidr: string;
  readonly #low: number;
  readonly #high: number;
  readonly #first: number;
  /** Addresses by holder, and holders by address. */
  readonly #byHolder = new Map<string, number>();
  readonly #byAddress = new Map<number, string>();

  constructor(options: AddressRangeOptions) {
    const [base, bits] = options.cidr.split('/');
    const network = parseIp(base ?? '');
    const prefix = Number(bits);
    if (network === undefined || !Number.isInteger(prefix) || prefix < 8 || prefix > 30)
      throw new RangeError(`not an IPv4 range with a /8 to /30 prefix: ${options.cidr}`);
    const size = 2 ** (32 - prefix);
    const start = network - (network % size);
    this.cidr = `${formatIp(start)}/${prefix}`;
    this.#low = start + 1;
    this.#high = start + size - 2;
    const first = options.first === undefined ? this.#low : parseIp(options.first);
    if (first === undefined || first < this.#low || first > this.#high)
      throw new RangeError(`${options.first} is not a host address of ${this.cidr}`);
    this.#first = first;
  }

  /** How many holders have an address. */
  get size(): number {
    return this.#byHolder.size;
  }

  contains(ip: string): boolean {
    const value = parseIp(ip);
    return value !== undefined && value >= this.#low && value <= this.#high;
  }

  addressOf(holder: string): string | undefined {
    const value = this.#byHolder.get(holder);
    return value === undefined ? undefined : formatIp(value);
  }

  holderOf(ip: string): string | undefined {
    const value = parseIp(ip);
    return value === undefined ? undefined : this.#byAddress.get(value);
  }

  /**
   * The holder's address: the one it has, or the lowest free one from `first`; undefined
   * when the range is full.
   */
  lease(holder: string): string | undefined {
    const held = this.addressOf(holder);
    if (held !== undefined) return held;
    const value = this.#lowestFree();
    return value === undefined ? undefined : this.#assign(holder, value);
  }

  /** The address a new holder's lease would take now (none is assigned); undefined when the range is full. */
  free(): string | undefined {
    const value = this.#lowestFree();
    return value === undefined ? undefined : formatIp(value);
  }

  #lowestFree(): number | undefined {
    for (let value = this.#first; value <= this.#high; value++) if (!this.#byAddress.has(value)) return value;
    for (let value = this.#low; value < this.#first; value++) if (!this.#byAddress.has(value)) return value;
    return undefined;
  }

  /**
   * Gives the holder exactly `ip`. A holder with another address gives it back first (also
   * when the claim is refused: it asked for that one only).
   */
  claim(holder: string, ip: string): AddressClaim {
    const value = parseIp(ip);
    if (value === undefined || value < this.#low || value > this.#high) {
      this.release(holder);
      return { refused: 'outside' };
    }
    const owner = this.#byAddress.get(value);
    if (owner === holder) return { ip: formatIp(value) };
    this.release(holder);
    if (owner !== undefined) return { refused: 'taken' };
    return { ip: this.#assign(holder, value) };
  }

  /** Takes `ip` for the holder when it is in the range and free; else a dynamic lease. */
  adopt(holder: string, ip: string | undefined): string | undefined {
    if (this.#byHolder.has(holder) || ip === undefined) return this.lease(holder);
    const value = parseIp(ip);
    if (value !== undefined && value >= this.#low && value <= this.#high && !this.#byAddress.has(value))
      return this.#assign(holder, value);
    return this.lease(holder);
  }

  /** Gives the holder's address back; returns it. */
  release(holder: string): string | undefined {
    const value = this.#byHolder.get(holder);
    if (value === undefined) return undefined;
    this.#byHolder.delete(holder);
    this.#byAddress.delete(value);
    return formatIp(value);
  }

  #assign(holder: string, value: number): string {
    this.#byHolder.set(holder, value);
    this.#byAddress.set(value, holder);
    return formatIp(value);
  }
}
