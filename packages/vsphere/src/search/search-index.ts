/**
 * SearchIndex: finding VMs and hosts by inventory path, name, UUID, IP address, DNS
 * name or datastore path. A datacenter, when given, limits the search to it (vCenter
 * does; vcsim ignores it). Searches scan the records: they are rare next to reads, and
 * an index would have to follow every write. Instance UUIDs are the exception, indexed by
 * the store (see `relations`): vm-operator looks up by them every VM it reconciles.
 */

import { childrenOf } from '../collector/view-contents.js';
import { faults } from '../faults.js';
import { datacenterHolding, findByInventoryPath, vmsWithInstanceUuid } from '../inventory/paths.js';
import type {
  DatacenterRecord,
  DatastoreRecord,
  HostRecord,
  InventoryRecord,
  VmRecord,
} from '../inventory/records.js';
import type { Model, Ref } from '../model.js';
import { type MoRef, moref } from '../refs.js';

const SEARCH_INDEX = 'SearchIndex';

/** Kinds FindChild looks into; a host's VMs are not its children. */
const PARENT_KINDS = new Set([
  'Folder',
  'StoragePod',
  'Datacenter',
  'ComputeResource',
  'ClusterComputeResource',
  'ResourcePool',
  'VirtualApp',
]);

const refOf = (r: InventoryRecord): MoRef => moref(r.kind, r.id);

/** `[ds] path` -> datastore name and path, with any spaces after the bracket dropped. */
const splitDatastorePath = (path: string): [datastore: string, rest: string] | undefined => {
  const match = /^\[([^\]]+)\]\s*(.*)$/.exec(path);
  return match ? [match[1] as string, match[2] as string] : undefined;
};

/** Tests for a VM and for a host; a search looks at one kind or the other. */
interface Match {
  readonly vm: (r: VmRecord) => boolean;
  readonly host: (r: HostRecord) => boolean;
}

export const searchOperations = (m: Model) => {
  const datacenter = (ref: Ref | undefined) =>
    ref === undefined ? undefined : m.lookup<DatacenterRecord>(ref, 'Datacenter').id;

  /** VMs or hosts (in the datacenter, if one is given) that `match` accepts. */
  const scan = (dc: string | undefined, vmSearch: boolean, match: Match) => {
    const out: MoRef[] = [];
    for (const r of m.store.ofKind(vmSearch ? 'VirtualMachine' : 'HostSystem')) {
      if (!(vmSearch ? match.vm(r as VmRecord) : match.host(r as HostRecord))) continue;
      if (dc !== undefined && datacenterHolding(m.store, r)?.id !== dc) continue;
      out.push(refOf(r));
    }
    return out;
  };

  const byUuid = (dc: Ref | undefined, uuid: string, vmSearch: boolean, instanceUuid: boolean) => {
    if (instanceUuid && !vmSearch) throw faults.invalidArgument('instanceUuid');
    // Instance UUIDs are indexed.
    if (instanceUuid) {
      const id = datacenter(dc);
      return vmsWithInstanceUuid(m.store, uuid, () => id).map(refOf);
    }
    const want = uuid.toLowerCase();
    return scan(datacenter(dc), vmSearch, {
      vm: (r) => r.config.uuid.toLowerCase() === want,
      host: (r) => r.uuid.toLowerCase() === want,
    });
  };

  const byIp = (dc: Ref | undefined, ip: string, vmSearch: boolean) =>
    scan(datacenter(dc), vmSearch, {
      vm: (r) => r.guest.ipAddress === ip || r.guest.net.some((n) => n.ipAddress.includes(ip)),
      host: (r) => r.ip === ip,
    });

  const byDnsName = (dc: Ref | undefined, name: string, vmSearch: boolean) => {
    const want = name.toLowerCase();
    return scan(datacenter(dc), vmSearch, {
      vm: (r) => r.guest.hostName?.toLowerCase() === want,
      host: (r) => r.name.toLowerCase() === want,
    });
  };

  const call = <T>(method: string, work: () => T): T => m.call({ method, target: SEARCH_INDEX }, work);

  return {
    /** FindByInventoryPath: `/DC0/vm/DC0_H0_VM0`; `/` is the root folder. */
    findByInventoryPath(path: string): MoRef | undefined {
      return call('FindByInventoryPath', () => {
        const r = path === '' ? undefined : findByInventoryPath(m.store, path);
        return r ? refOf(r) : undefined;
      });
    },

    /** FindChild: the child of a folder, datacenter, compute resource or pool with that name. */
    findChild(entity: Ref, name: string): MoRef | undefined {
      return call('FindChild', () => {
        const parent = m.lookup(entity);
        if (!PARENT_KINDS.has(parent.kind)) return undefined;
        for (const id of childrenOf(m.store, parent)) {
          const child = m.store.get(id);
          if (child?.name === name) return refOf(child);
        }
        return undefined;
      });
    },

    /** FindByUuid: a VM by BIOS UUID (or instance UUID), or a host by hardware UUID. */
    findByUuid(
      dc: Ref | undefined,
      uuid: string,
      vmSearch: boolean,
      instanceUuid = false,
    ): MoRef | undefined {
      return call('FindByUuid', () => byUuid(dc, uuid, vmSearch, instanceUuid)[0]);
    },

    findAllByUuid(dc: Ref | undefined, uuid: string, vmSearch: boolean, instanceUuid = false): MoRef[] {
      return call('FindAllByUuid', () => byUuid(dc, uuid, vmSearch, instanceUuid));
    },

    /** FindByIp: a VM whose guest reports the address, or a host by its management address. */
    findByIp(dc: Ref | undefined, ip: string, vmSearch: boolean): MoRef | undefined {
      return call('FindByIp', () => byIp(dc, ip, vmSearch)[0]);
    },

    findAllByIp(dc: Ref | undefined, ip: string, vmSearch: boolean): MoRef[] {
      return call('FindAllByIp', () => byIp(dc, ip, vmSearch));
    },

    /** FindByDnsName: a VM by its guest host name, or a host by name (case-insensitive). */
    findByDnsName(dc: Ref | undefined, dnsName: string, vmSearch: boolean): MoRef | undefined {
      return call('FindByDnsName', () => byDnsName(dc, dnsName, vmSearch)[0]);
    },

    findAllByDnsName(dc: Ref | undefined, dnsName: string, vmSearch: boolean): MoRef[] {
      return call('FindAllByDnsName', () => byDnsName(dc, dnsName, vmSearch));
    },

    /** FindByDatastorePath: the VM whose .vmx is at `[ds] path` in the datacenter. */
    findByDatastorePath(dc: Ref, path: string): MoRef | undefined {
      return call('FindByDatastorePath', () => {
        const dcId = m.lookup<DatacenterRecord>(dc, 'Datacenter').id;
        const parts = splitDatastorePath(path);
        if (!parts) throw faults.invalidDatastorePath(path);
        const [dsName, file] = parts;
        const inDc = (r: InventoryRecord) => datacenterHolding(m.store, r)?.id === dcId;
        const ds = [...m.store.ofKind<DatastoreRecord>('Datastore')].find(
          (d) => d.name === dsName && inDc(d),
        );
        if (!ds) throw faults.invalidDatastore(dsName);
        const want = `[${dsName}] ${file}`;
        const sameFile = (vm: VmRecord) => {
          const at = splitDatastorePath(vm.config.vmPathName);
          return at !== undefined && `[${at[0]}] ${at[1]}` === want;
        };
        return scan(dcId, true, { vm: sameFile, host: () => false })[0];
      });
    },
  };
};

export type SearchOperations = ReturnType<typeof searchOperations>;
