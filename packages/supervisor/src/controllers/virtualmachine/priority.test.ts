import { describe, expect, it } from 'vitest';
import type { VirtualMachine } from '../../api/types.js';
import { createSupervisorFixture } from '../../testing/fixture.js';
import { prepareForVms } from '../../testing/virtual-machine.js';
import { CONDITION } from './conditions.js';
import {
  EVENT_PRIORITY,
  RECONCILE_PRIORITY_ANNOTATION,
  VM_PRIORITY,
  vmReconcilePriority,
} from './priority.js';
import { VIRTUAL_MACHINE_CONTROLLER } from './virtual-machine.js';

const created = { type: CONDITION.created, status: 'True' } as const;

/** A VM made, powered on as asked, with an address: its state asks for nothing. */
function settled(changes: { metadata?: object; spec?: object; status?: object } = {}): VirtualMachine {
  return {
    apiVersion: 'vmoperator.vmware.com/v1alpha6',
    kind: 'VirtualMachine',
    metadata: { name: 'vm', namespace: 'ns1', ...changes.metadata },
    spec: { powerState: 'PoweredOn', network: { interfaces: [{ name: 'eth0' }] }, ...changes.spec },
    status: {
      powerState: 'PoweredOn',
      network: { primaryIP4: '192.168.128.2' },
      conditions: [created],
      ...changes.status,
    },
  } as unknown as VirtualMachine;
}

describe('vmReconcilePriority, as vm-operator ranks a VM', () => {
  it('ranks a VM by the first state it is in', () => {
    const deleting = settled({
      metadata: { deletionTimestamp: '2025-01-01T00:00:00Z' },
      status: { conditions: [] },
    });
    expect(vmReconcilePriority(deleting, 2)).toBe(VM_PRIORITY.deleting);
    expect(vmReconcilePriority(settled({ status: { conditions: [] } }), 2)).toBe(VM_PRIORITY.creating);
    const notCreated = settled({ status: { conditions: [{ ...created, status: 'False' }] } });
    expect(vmReconcilePriority(notCreated, 2)).toBe(VM_PRIORITY.creating);
    expect(vmReconcilePriority(settled({ spec: { powerState: 'PoweredOff' } }), 2)).toBe(
      VM_PRIORITY.powerStateChange,
    );
    expect(vmReconcilePriority(settled({ status: { network: {} } }), 2)).toBe(VM_PRIORITY.waitingForIP);
    expect(vmReconcilePriority(settled({ status: { network: { primaryIP6: 'fd00::2' } } }), 2)).toBe(2);
    expect(vmReconcilePriority(settled(), EVENT_PRIORITY.generic)).toBe(EVENT_PRIORITY.generic);
  });

  it('waits for no address without a network, and judges disk promotion only when not powered on', () => {
    const offline = { spec: { network: { disabled: true } }, status: { network: {} } };
    expect(vmReconcilePriority(settled(offline), 2)).toBe(2);
    const off = { spec: { powerState: 'PoweredOff' }, status: { powerState: 'PoweredOff' } };
    expect(vmReconcilePriority(settled(off), 2)).toBe(VM_PRIORITY.waitingForDiskPromotion);
    const disabled = { ...off, spec: { ...off.spec, promoteDisksMode: 'Disabled' } };
    expect(vmReconcilePriority(settled(disabled), 2)).toBe(2);
    const promoted = {
      status: {
        ...off.status,
        conditions: [created, { type: 'VirtualMachineDiskPromotionSynced', status: 'True' }],
      },
    };
    expect(vmReconcilePriority(settled({ ...off, ...promoted }), 2)).toBe(2);
    // A powered-on VM with an address is settled, promoted or not.
    expect(vmReconcilePriority(settled({ spec: { promoteDisksMode: 'Online' } }), 2)).toBe(2);
  });

  it("takes the annotation's integer over any state, as Go's Atoi reads it", () => {
    const annotated = (value: string) =>
      settled({
        metadata: { annotations: { [RECONCILE_PRIORITY_ANNOTATION]: value } },
        status: { conditions: [] },
      });
    expect(vmReconcilePriority(annotated('7'), 2)).toBe(7);
    expect(vmReconcilePriority(annotated('-5'), 2)).toBe(-5);
    expect(vmReconcilePriority(annotated('+200'), 2)).toBe(200);
    for (const unread of ['', ' 5', '1e3', '2.5', 'high', '9223372036854775808'])
      expect(vmReconcilePriority(annotated(unread), 2)).toBe(VM_PRIORITY.creating);
  });
});

describe('the VirtualMachine controller with priorities', () => {
  it('makes a new VM, then powers one off, then deletes one, whatever the order they were asked in', async () => {
    const f = await createSupervisorFixture({ namespaces: ['ns1'] });
    const V5 = 'vmoperator.vmware.com/v1alpha5';
    const ref = (name: string) => ({ apiVersion: V5, kind: 'VirtualMachine', namespace: 'ns1', name });
    const { vm } = await prepareForVms(f);
    for (const name of ['a', 'b', 'c']) await f.kube.create(vm(name));
    await f.settle();
    const b = await f.kube.get(ref('b'));
    // Asked lowest priority first: a deletion (97), a power change (99), a create (100).
    await Promise.all([
      f.kube.delete(ref('c')),
      f.kube.update({ ...b, spec: { ...(b.spec as object), powerState: 'PoweredOff' } }),
      f.kube.create(vm('d')),
    ]);
    const firstWrites: string[] = [];
    f.kube.subscribe({ apiVersion: V5, kind: 'VirtualMachine' }, ({ type, object }) => {
      const name = object.metadata.name as string;
      if (type !== 'ADDED' && !firstWrites.includes(name)) firstWrites.push(name);
    });
    await f.settle();
    // d's first pass adds its finalizer, b's writes its status, c's powers it off and is gone last.
    expect(firstWrites).toEqual(['d', 'b', 'c']);
    expect(f.vsphere.events.list().filter((e) => e._type === 'VmRemovedEvent')).toHaveLength(1);
  });

  it('deploys a VM its NetworkInterface wakes before the passes of settled VMs its class woke', async () => {
    const f = await createSupervisorFixture({ namespaces: ['ns1'] });
    const { vm } = await prepareForVms(f);
    const settled = 40;
    await Promise.all(Array.from({ length: settled }, (_, i) => f.kube.create(vm(`s${i}`))));
    await f.settle();
    const passes = () => f.supervisor.stats.controllers[VIRTUAL_MACHINE_CONTROLLER]?.reconciles ?? 0;
    const before = passes();
    let atDeploy: number | undefined;
    f.vsphere.store.subscribe((batch) => {
      const made = batch.changes.some((c) => c.before === undefined && c.after?.kind === 'VirtualMachine');
      if (made) atDeploy ??= passes() - before;
    });
    // A change of their class queues every settled VM (the default priority); the new VM is made
    // (its first pass at 100) and, once net-operator has its interface ready, deployed at 100 too.
    const classRef = {
      apiVersion: 'vmoperator.vmware.com/v1alpha5',
      kind: 'VirtualMachineClass',
      namespace: 'ns1',
      name: 'best-effort-small',
    };
    const vmClass = await f.kube.get(classRef);
    await Promise.all([
      f.kube.update({ ...vmClass, metadata: { ...vmClass.metadata, annotations: { touched: 'yes' } } }),
      f.kube.create(vm('new')),
    ]);
    await f.settle();
    // Every settled VM had its pass; the new VM's deploying one came before the half still queued
    // (at the default priority, it would have come after all of them).
    expect(passes() - before).toBeGreaterThan(settled);
    expect(atDeploy).toBeLessThan(settled / 2 + 1);
  });
});
