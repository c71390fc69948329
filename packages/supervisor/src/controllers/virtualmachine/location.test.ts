import type { VmRecord } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import type { VirtualMachine } from '../../api/types.js';
import { createSupervisorFixture } from '../../testing/fixture.js';
import { prepareForVms } from '../../testing/virtual-machine.js';
import { CONDITION } from './conditions.js';

const V5 = 'vmoperator.vmware.com/v1alpha5';
const ref = { apiVersion: V5, kind: 'VirtualMachine', namespace: 'ns1', name: 'web' };

async function setup() {
  const f = await createSupervisorFixture({ namespaces: ['ns1'] });
  const { prepared, vm } = await prepareForVms(f);
  await f.kube.create(vm('web'));
  await f.settle();
  const get = async () => (await f.kube.get(ref)) as unknown as VirtualMachine;
  const id = (await get()).status?.uniqueID as string;
  const record = () => f.vsphere.store.get(id) as VmRecord;
  const location = async () => {
    const found = (await get()).status?.conditions?.find((c) => c.type === CONDITION.locationValid);
    return found && [found.status, found.reason, found.message].filter(Boolean).join(' ');
  };
  const powerOff = async () => {
    const vm = await get();
    await f.kube.update({ ...vm, spec: { ...vm.spec, powerState: 'PoweredOff' } } as never);
    await f.settle();
  };
  return { ...f, prepared, id, record, location, powerOff };
}

describe('a VM moved in vCenter (vm-operator main: VirtualMachineLocationValid)', () => {
  it('is valid in its namespace pool and folder, or one level below either', async () => {
    const t = await setup();
    expect(await t.location()).toBe('True True');
    const child = t.vsphere.pool.create(t.prepared.pool, 'workers').value;
    const childFolder = t.vsphere.folder.create(t.prepared.folder, 'nodes').value;
    t.vsphere.pool.moveInto(child, [t.id]);
    t.vsphere.folder.moveInto(childFolder, [t.id]);
    await t.settle();
    expect(await t.location()).toBe('True True');
    await t.powerOff();
    expect(t.record().powerState).toBe('poweredOff');
  });

  it('says how it moved, is left as it is, and is reconciled again once it is back', async () => {
    const t = await setup();
    const root = t.vsphere.store.get(t.prepared.pool)?.parent as string;
    const elsewhere = t.vsphere.pool.create(root, 'elsewhere').value;
    t.vsphere.pool.moveInto(elsewhere, [t.id]);
    await t.settle();
    const moved = 'VM was moved to an unexpected ResourcePool or Folder';
    expect(await t.location()).toBe(`False ResourcePoolMismatch ${moved}`);
    // Its status still follows vSphere; nothing is done to it.
    await t.powerOff();
    expect(t.record().powerState).toBe('poweredOn');
    expect((await t.kube.get(ref)).status).toMatchObject({ powerState: 'PoweredOn' });
    const datacenterVmFolder = t.vsphere.store.get(t.prepared.folder)?.parent as string;
    t.vsphere.folder.moveInto(datacenterVmFolder, [t.id]);
    await t.settle();
    expect(await t.location()).toBe(`False ResourcePoolAndFolderMismatch ${moved}`);
    t.vsphere.pool.moveInto(t.prepared.pool, [t.id]);
    await t.settle();
    expect(await t.location()).toBe(`False FolderMismatch ${moved}`);
    t.vsphere.folder.moveInto(t.prepared.folder, [t.id]);
    await t.settle();
    expect(await t.location()).toBe('True True');
    expect(t.record().powerState).toBe('poweredOff');
  });
});
