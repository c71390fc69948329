import { describe, expect, it } from 'vitest';
import { findByInventoryPath } from '../inventory/paths.js';
import type { HostRecord, VmRecord } from '../inventory/records.js';
import type { Task } from '../model.js';
import { type MoRef, moref } from '../refs.js';
import { VSphere } from '../vsphere.js';

const setup = () => {
  const vsphere = new VSphere({ seed: 1, inventory: { dc: 2 } });
  const record = <R>(path: string) => {
    const r = findByInventoryPath(vsphere.store, path);
    if (!r) throw new Error(`nothing at ${path}`);
    return r as R;
  };
  const ref = (path: string): MoRef => {
    const r = record<{ kind: string; id: string }>(path);
    return moref(r.kind, r.id);
  };
  return { vsphere, search: vsphere.search, record, ref };
};

describe('SearchIndex', () => {
  it('finds by inventory path, with / as the root folder', () => {
    const { search, ref } = setup();
    expect(search.findByInventoryPath('/DC0/vm/DC0_H0_VM0')).toEqual(ref('/DC0/vm/DC0_H0_VM0'));
    expect(search.findByInventoryPath('/DC1/host/DC1_C0/DC1_C0_H2')).toEqual(
      ref('/DC1/host/DC1_C0/DC1_C0_H2'),
    );
    expect(search.findByInventoryPath('/')).toEqual({ type: 'Folder', value: 'group-d1' });
    expect(search.findByInventoryPath('/DC0/vm/nope')).toBeUndefined();
    expect(search.findByInventoryPath('')).toBeUndefined();
  });

  it('finds a child of a folder, datacenter, compute resource or pool by name', () => {
    const { search, ref } = setup();
    expect(search.findChild(ref('/DC0'), 'host')).toEqual(ref('/DC0/host'));
    expect(search.findChild(ref('/DC0/vm'), 'DC0_H0_VM1')).toEqual(ref('/DC0/vm/DC0_H0_VM1'));
    const cluster = ref('/DC0/host/DC0_C0');
    expect(search.findChild(cluster, 'DC0_C0_H1')).toEqual(ref('/DC0/host/DC0_C0/DC0_C0_H1'));
    const pool = search.findChild(cluster, 'Resources');
    expect(pool?.type).toBe('ResourcePool');
    expect(search.findChild(pool as MoRef, 'DC0_C0_RP0_VM0')).toEqual(ref('/DC0/vm/DC0_C0_RP0_VM0'));
    expect(search.findChild(ref('/DC0/vm'), 'nope')).toBeUndefined();
    expect(search.findChild(ref('/DC0/vm/DC0_H0_VM0'), 'anything')).toBeUndefined();
    expect(() => search.findChild('group-v999', 'x')).toThrow(
      expect.objectContaining({ name: 'ManagedObjectNotFound' }),
    );
  });

  it('finds VMs by BIOS or instance UUID and hosts by hardware UUID, within a datacenter if given', () => {
    const { search, record, ref } = setup();
    const vm = record<VmRecord>('/DC1/vm/DC1_H0_VM0');
    const vmRef = ref('/DC1/vm/DC1_H0_VM0');
    expect(search.findByUuid(undefined, vm.config.uuid, true)).toEqual(vmRef);
    expect(search.findByUuid(undefined, vm.config.uuid.toUpperCase(), true)).toEqual(vmRef);
    expect(search.findByUuid(undefined, vm.config.instanceUuid, true, true)).toEqual(vmRef);
    expect(search.findByUuid(undefined, vm.config.instanceUuid, true)).toBeUndefined();
    expect(search.findByUuid(ref('/DC1'), vm.config.uuid, true)).toEqual(vmRef);
    expect(search.findByUuid(ref('/DC0'), vm.config.uuid, true)).toBeUndefined();
    expect(search.findAllByUuid(undefined, vm.config.uuid, true)).toEqual([vmRef]);
    const host = record<HostRecord>('/DC0/host/DC0_C0/DC0_C0_H0');
    expect(search.findByUuid(undefined, host.uuid, false)).toEqual(ref('/DC0/host/DC0_C0/DC0_C0_H0'));
    expect(search.findByUuid(undefined, host.uuid, true)).toBeUndefined();
    expect(() => search.findByUuid(undefined, host.uuid, false, true)).toThrow(
      expect.objectContaining({ fault: { _type: 'InvalidArgument', invalidProperty: 'instanceUuid' } }),
    );
    expect(() => search.findByUuid(ref('/DC0/vm'), vm.config.uuid, true)).toThrow(
      expect.objectContaining({ name: 'ManagedObjectNotFound' }),
    );
  });

  it('follows an instance UUID that a reconfiguration changes, a clone shares, and a destroy removes', async () => {
    const { vsphere, search, record, ref } = setup();
    const run = <T>(task: Task<T>) => {
      vsphere.scheduler.runDue();
      return task.wait();
    };
    const vm = record<VmRecord>('/DC1/vm/DC1_H0_VM0');
    const vmRef = ref('/DC1/vm/DC1_H0_VM0');
    const old = vm.config.instanceUuid;
    const chosen = '5003AAAA-BBBB-CCCC-DDDD-000000000042';
    await run(vsphere.vm.reconfigure(vm.id, { instanceUuid: chosen }));
    expect(search.findAllByUuid(undefined, old, true, true)).toEqual([]);
    expect(search.findAllByUuid(undefined, chosen.toLowerCase(), true, true)).toEqual([vmRef]);
    expect(search.findAllByUuid(ref('/DC0'), chosen, true, true)).toEqual([]);
    const folder = record<VmRecord>('/DC1/vm/DC1_H0_VM0').parent as string;
    const made = await run(
      vsphere.vm.clone(vm.id, folder, 'twin', {
        location: {},
        config: { instanceUuid: chosen },
        powerOn: false,
        template: false,
      }),
    );
    expect(search.findAllByUuid(ref('/DC1'), chosen, true, true)).toEqual([vmRef, made]);
    await run(vsphere.vm.powerOff(vm.id));
    await run(vsphere.vm.destroy(vm.id));
    expect(search.findAllByUuid(undefined, chosen, true, true)).toEqual([made]);
  });

  it('finds VMs by guest IP and hosts by management IP', async () => {
    const { vsphere, search, record, ref } = setup();
    const vm = record<VmRecord>('/DC0/vm/DC0_C0_RP0_VM1');
    const ip = vm.guest.ipAddress as string;
    expect(search.findByIp(undefined, ip, true)).toEqual(ref('/DC0/vm/DC0_C0_RP0_VM1'));
    expect(search.findAllByIp(ref('/DC0'), ip, true)).toEqual([ref('/DC0/vm/DC0_C0_RP0_VM1')]);
    const host = record<HostRecord>('/DC0/host/DC0_H0/DC0_H0');
    expect(search.findByIp(undefined, host.ip, false)).toEqual(ref('/DC0/host/DC0_H0/DC0_H0'));
    expect(search.findAllByIp(undefined, '192.0.2.1', true)).toEqual([]);
    // A VM that is off reports no address.
    const task = vsphere.vm.powerOff(vm.id);
    vsphere.scheduler.runDue();
    await task.wait();
    expect(search.findByIp(undefined, ip, true)).toBeUndefined();
  });

  it('finds VMs by guest host name and hosts by name', () => {
    const { search, ref } = setup();
    expect(search.findByDnsName(undefined, 'dc1_h0_vm1', true)).toEqual(ref('/DC1/vm/DC1_H0_VM1'));
    expect(search.findAllByDnsName(ref('/DC0'), 'DC1_H0_VM1', true)).toEqual([]);
    expect(search.findByDnsName(undefined, 'DC0_C0_H2', false)).toEqual(ref('/DC0/host/DC0_C0/DC0_C0_H2'));
    expect(search.findAllByDnsName(undefined, 'DC0_C0_H2', false)).toHaveLength(1);
  });

  it('finds a VM by its datastore path in a datacenter', () => {
    const { search, record, ref } = setup();
    const vm = record<VmRecord>('/DC1/vm/DC1_H0_VM0');
    const dc1 = ref('/DC1');
    expect(search.findByDatastorePath(dc1, vm.config.vmPathName)).toEqual(ref('/DC1/vm/DC1_H0_VM0'));
    expect(search.findByDatastorePath(ref('/DC0'), vm.config.vmPathName)).toBeUndefined();
    expect(search.findByDatastorePath(dc1, '[LocalDS_0] nothing/here.vmx')).toBeUndefined();
    expect(() => search.findByDatastorePath(dc1, '[NoSuchDS] x/x.vmx')).toThrow(
      expect.objectContaining({ fault: { _type: 'InvalidDatastore', name: 'NoSuchDS' } }),
    );
    expect(() => search.findByDatastorePath(dc1, 'no brackets')).toThrow(
      expect.objectContaining({ name: 'InvalidDatastorePath' }),
    );
  });

  it('passes the interception point', () => {
    const { vsphere, search } = setup();
    vsphere.interceptor.add({ method: 'FindByInventoryPath', times: 1, fault: { _type: 'SystemError' } });
    expect(() => search.findByInventoryPath('/')).toThrow(expect.objectContaining({ name: 'SystemError' }));
    expect(search.findByInventoryPath('/')).toBeDefined();
  });
});
