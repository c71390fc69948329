import type { VmRecord } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import type { Condition, VirtualMachine } from '../../api/types.js';
import { createNamespaceFixture } from '../../testing/fixture.js';

const GUEST_ID_CONDITION = 'GuestIDReconfigured';

async function setup() {
  const f = await createNamespaceFixture();
  const vm = async () => (await f.kube.get(f.vmRef('vm1'))) as unknown as VirtualMachine;
  const record = async () => f.vsphere.store.get((await vm()).status?.uniqueID ?? '') as VmRecord;
  const patch = (change: Record<string, unknown>) => f.kube.patch(f.vmRef('vm1'), change, { type: 'merge' });
  const condition = async () =>
    (await vm()).status?.conditions?.find((c: Condition) => c.type === GUEST_ID_CONDITION);
  const error = () => f.supervisor.virtualMachines.controller.errors.get('ns1/vm1');
  /** vm1, deployed and left powered off. */
  const poweredOff = async (spec: Record<string, unknown> = {}) => {
    await f.createVm('vm1', { powerState: 'PoweredOff', ...spec });
    await f.settle();
    expect((await record()).powerState).toBe('poweredOff');
  };
  return { ...f, vm, record, patch, condition, error, poweredOff };
}

describe('spec.guestID that vSphere refuses (GuestIDReconfigured)', () => {
  it('marks the condition False and keeps the VM off until the guest ID is one vSphere knows', async () => {
    const f = await setup();
    await f.poweredOff();
    const imageGuest = (await f.record()).config.guestId;
    await f.patch({ spec: { guestID: 'invalid-guest-id', powerState: 'PoweredOn' } });
    await f.settle();

    expect(await f.condition()).toMatchObject({
      status: 'False',
      reason: 'Invalid',
      message: 'The specified guest ID value is not supported: invalid-guest-id',
    });
    // The reconfigure failed as a whole: the VM keeps its guest and is not powered on.
    expect(await f.record()).toMatchObject({ powerState: 'poweredOff', config: { guestId: imageGuest } });
    expect(f.error()).toMatchObject({
      fault: { _type: 'InvalidArgument', invalidProperty: 'configSpec.guestId' },
    });
    // Retried with backoff, it fails the same way: the condition keeps its time.
    const first = await f.condition();
    await f.advance(60_000);
    expect(await f.condition()).toEqual(first);
    expect((await f.record()).powerState).toBe('poweredOff');

    // While it is to be on, the webhook keeps the guest ID: it is fixed with the VM asked off.
    await expect(f.patch({ spec: { guestID: 'vmwarePhoton64Guest' } })).rejects.toThrow(
      /spec.guestID: Forbidden/,
    );
    await f.patch({ spec: { guestID: 'vmwarePhoton64Guest', powerState: 'PoweredOff' } });
    await f.settle();
    expect(await f.condition()).toBeUndefined();
    await f.patch({ spec: { powerState: 'PoweredOn' } });
    await f.settle();
    expect(await f.record()).toMatchObject({
      powerState: 'poweredOn',
      config: { guestId: 'vmwarePhoton64Guest', guestFullName: 'VMware Photon OS (64-bit)' },
    });
    expect((await f.vm()).status?.guest?.guestID).toBe('vmwarePhoton64Guest');
    expect(f.error()).toBeUndefined();
  });

  it('removes the condition when the spec no longer asks for a guest ID', async () => {
    const f = await setup();
    await f.poweredOff();
    await f.patch({ spec: { guestID: 'windows99_64Guest' } });
    await f.settle();
    expect((await f.condition())?.status).toBe('False');

    await f.patch({ spec: { guestID: null, powerState: 'PoweredOn' } });
    await f.settle();
    expect(await f.condition()).toBeUndefined();
    expect((await f.record()).powerState).toBe('poweredOn');
  });

  it('writes no condition for a guest ID vSphere takes, at create or once the VM is made', async () => {
    const f = await setup();
    await f.poweredOff({ guestID: 'otherLinux64Guest' });
    expect((await f.record()).config.guestId).toBe('otherLinux64Guest');
    await f.patch({ spec: { guestID: 'rhel9_64Guest' } });
    await f.settle();
    expect((await f.record()).config.guestId).toBe('rhel9_64Guest');
    expect(await f.condition()).toBeUndefined();
    expect(f.error()).toBeUndefined();
  });

  it('fails the create of a VM whose deployment names a guest ID vSphere refuses, until it is fixed', async () => {
    const f = await setup();
    await f.createVm('vm1', { guestID: 'invalid-guest-id' });
    await f.settle();
    const created = (await f.vm()).status?.conditions?.find((c) => c.type === 'VirtualMachineCreated');
    expect(created).toMatchObject({
      status: 'False',
      message: expect.stringContaining('configSpec.guestId'),
    });
    expect([...f.vsphere.store.ofKind('VirtualMachine')].some((r) => r.name === 'vm1')).toBe(false);
    // The webhook takes a new guest ID with the VM asked off; it is deployed with it, then powered on.
    await f.patch({ spec: { guestID: 'ubuntu64Guest', powerState: 'PoweredOff' } });
    await f.advance(60_000);
    expect(await f.record()).toMatchObject({
      powerState: 'poweredOff',
      config: { guestId: 'ubuntu64Guest' },
    });
    await f.patch({ spec: { powerState: 'PoweredOn' } });
    await f.settle();
    expect((await f.record()).powerState).toBe('poweredOn');
  });

  it('removes the condition after the next reconfigure, even one that leaves the guest alone', async () => {
    const f = await setup();
    await f.poweredOff();
    const imageGuest = (await f.record()).config.guestId;
    await f.patch({ spec: { guestID: 'invalid-guest-id' } });
    await f.settle();
    expect((await f.condition())?.status).toBe('False');
    // The guest ID the VM has is not asked for again: the reconfigure turns Changed Block Tracking on alone.
    await f.patch({ spec: { guestID: imageGuest, advanced: { changeBlockTracking: true } } });
    await f.settle();
    expect(await f.condition()).toBeUndefined();
    expect((await f.record()).config).toMatchObject({ guestId: imageGuest, changeTrackingEnabled: true });
  });
});
