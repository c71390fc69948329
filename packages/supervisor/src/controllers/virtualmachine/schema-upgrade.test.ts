import type { VmRecord } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import { PAUSED_ANNOTATION } from '../../api/annotations.js';
import {
  UPGRADED_TO_BUILD_VERSION_ANNOTATION,
  UPGRADED_TO_FEATURE_VERSION_ANNOTATION,
  UPGRADED_TO_SCHEMA_VERSION_ANNOTATION,
} from '../../api/schema-upgrade.js';
import type { VirtualMachine } from '../../api/types.js';
import { createSupervisorFixture, type SupervisorFixtureOptions } from '../../testing/fixture.js';
import { annotateAsAdministrator } from '../../testing/virtual-machine.js';
import { UNMANAGED_VOLUMES_BACKFILLED } from './schema-upgrade.js';

const V5 = 'vmoperator.vmware.com/v1alpha5';
const ref = (name: string) => ({ apiVersion: V5, kind: 'VirtualMachine', namespace: 'ns1', name });

async function setup(options: Pick<SupervisorFixtureOptions, 'capabilities'> = {}) {
  const f = await createSupervisorFixture({ namespaces: ['ns1'], ...options });
  const images = await f.kube.list({ apiVersion: V5, kind: 'VirtualMachineImage', namespace: 'ns1' });
  const ubuntu = images.items.find((i) => (i.status as { name: string }).name.startsWith('ubuntu'));
  const prepared = await f.supervisor.prepareNamespace('ns1');
  const createVm = (name: string, annotations: Record<string, string> = {}) =>
    f.kube.create({
      apiVersion: V5,
      kind: 'VirtualMachine',
      metadata: { name, namespace: 'ns1', annotations },
      spec: {
        className: 'best-effort-small',
        image: { kind: 'VirtualMachineImage', name: ubuntu?.metadata.name },
        storageClass: prepared.storageClass,
      },
    });
  const getVm = async (name: string) => (await f.kube.get(ref(name))) as unknown as VirtualMachine;
  const record = async (name: string) =>
    f.vsphere.store.get((await getVm(name)).status?.uniqueID ?? '') as VmRecord;
  const patch = (name: string, body: Record<string, unknown>) =>
    f.kube.patch(ref(name), body, { type: 'merge' });
  return { ...f, createVm, getVm, record, patch };
}

const annotation = (key: string, value: string | null) => ({ metadata: { annotations: { [key]: value } } });

describe("vm-operator's schema upgrade", () => {
  it('marks every VM upgraded to the build, the hub and the base feature once it exists', async () => {
    const f = await setup();
    await f.createVm('vm1');
    await f.settle();
    const vm = await f.getVm('vm1');
    expect(vm.metadata.annotations).toMatchObject({
      [UPGRADED_TO_BUILD_VERSION_ANNOTATION]: 'v0.0.0',
      [UPGRADED_TO_SCHEMA_VERSION_ANNOTATION]: 'v1alpha6',
      [UPGRADED_TO_FEATURE_VERSION_ANNOTATION]: '1',
    });
    // Without AllDisksArePVCs nothing is backfilled and no backfill is reported.
    expect(vm.spec?.volumes).toBeUndefined();
    expect(vm.status?.conditions?.map((c) => c.type)).not.toContain(UNMANAGED_VOLUMES_BACKFILLED);
  });

  it("keeps the annotations vm-operator's: a DevOps user may remove one, not give it a value", async () => {
    const f = await setup();
    await f.createVm('vm1');
    await f.settle();
    for (const key of [
      UPGRADED_TO_BUILD_VERSION_ANNOTATION,
      UPGRADED_TO_SCHEMA_VERSION_ANNOTATION,
      UPGRADED_TO_FEATURE_VERSION_ANNOTATION,
    ])
      await expect(f.patch('vm1', annotation(key, '15'))).rejects.toMatchObject({
        code: 422,
        message: expect.stringContaining(
          `metadata.annotations[${key}]: Forbidden: modifying this annotation is restricted to privileged users`,
        ),
      });
    // Removed, the VM is upgraded again by its next update.
    await f.patch('vm1', annotation(UPGRADED_TO_FEATURE_VERSION_ANNOTATION, null));
    expect(
      (await f.getVm('vm1')).metadata.annotations?.[UPGRADED_TO_FEATURE_VERSION_ANNOTATION],
    ).toBeUndefined();
    await f.settle();
    expect((await f.getVm('vm1')).metadata.annotations?.[UPGRADED_TO_FEATURE_VERSION_ANNOTATION]).toBe('1');
  });

  it("gives a VM given cloud-init after its create the instance id vm-operator's base backfill gives", async () => {
    const f = await setup();
    await f.createVm('vm1');
    await f.createVm('vm2');
    await f.settle();
    const cloudInit = { bootstrap: { cloudInit: { rawCloudConfig: { name: 'user-data', key: 'value' } } } };
    await f.patch('vm1', { spec: cloudInit });
    await f.patch('vm2', { spec: cloudInit });
    // Its id kept from before the field existed (an administrator's annotation), for vm2.
    annotateAsAdministrator(f, 'vm2', {
      'vmoperator.vmware.com/cloud-init-instance-id': 'iid-datasource-none',
    });
    for (const name of ['vm1', 'vm2'])
      await f.patch(name, annotation(UPGRADED_TO_FEATURE_VERSION_ANNOTATION, null));
    await f.settle();
    const vm1 = await f.getVm('vm1');
    expect(vm1.spec?.bootstrap?.cloudInit?.instanceID).toBe(vm1.metadata.uid);
    const vm2 = await f.getVm('vm2');
    expect(vm2.spec?.bootstrap?.cloudInit?.instanceID).toBe('iid-datasource-none');
    expect(vm2.metadata.annotations?.['vmoperator.vmware.com/cloud-init-instance-id']).toBeUndefined();
    expect(vm2.metadata.annotations?.[UPGRADED_TO_FEATURE_VERSION_ANNOTATION]).toBe('1');
  });

  it('takes no edit of what it backfills before the VM is upgraded', async () => {
    const f = await setup({ capabilities: { vmSharedDisks: true } });
    // A paused VM is never reconciled, so never upgraded.
    await f.createVm('vm1', { [PAUSED_ANNOTATION]: '' });
    await f.settle();
    await expect(
      f.patch('vm1', { spec: { hardware: { sataControllers: [{ busNumber: 0 }] } } }),
    ).rejects.toMatchObject({
      code: 422,
      message: expect.stringContaining(
        'spec.hardware.sataControllers: Forbidden: modifying this VM is not allowed until it is upgraded',
      ),
    });
    await expect(
      f.patch('vm1', { spec: { biosUUID: '00000000-0000-4000-8000-000000000001' } }),
    ).rejects.toMatchObject({
      message: expect.stringContaining(
        'spec.biosUUID: Forbidden: modifying this VM is not allowed until it is upgraded',
      ),
    });
    // Nor are volumes checked until then: a volume without a name passes (and goes once upgraded).
    await f.patch('vm1', { spec: { volumes: [{ name: '' }] } });
    expect((await f.getVm('vm1')).spec?.volumes).toEqual([{ name: '', removable: true }]);
  });

  describe('with VMSharedDisks', () => {
    it("backfills the VM's disks as unmanaged volumes and its controllers into the spec", async () => {
      const f = await setup({ capabilities: { vmSharedDisks: true } });
      await f.createVm('vm1');
      await f.settle();
      const vm = await f.getVm('vm1');
      // Upgraded on its way to power-on: base, VMSharedDisks and AllDisksArePVCs, which VMSharedDisks brings.
      expect(vm.status?.powerState).toBe('PoweredOn');
      expect(vm.metadata.annotations?.[UPGRADED_TO_FEATURE_VERSION_ANNOTATION]).toBe('7');
      const record = await f.record('vm1');
      const disk = record.config.devices.find((d) => d._type === 'VirtualDisk');
      const controller = record.config.devices.find((d) => d.key === disk?.controllerKey);
      expect(controller?._type).toBe('ParaVirtualSCSIController');
      expect(vm.spec?.volumes).toEqual([
        {
          name: expect.stringMatching(/^vm1-[0-9a-f]{8}$/),
          controllerType: 'SCSI',
          controllerBusNumber: controller?.busNumber,
          unitNumber: disk?.unitNumber,
          removable: false,
          diskMode: 'Persistent',
          sharingMode: 'None',
        },
      ]);
      expect(vm.spec?.hardware?.scsiControllers).toEqual([
        { busNumber: 0, sharingMode: 'None', type: 'ParaVirtual' },
      ]);
      expect(vm.spec?.hardware?.ideControllers).toEqual([{ busNumber: 0 }, { busNumber: 1 }]);
      expect(vm.status?.conditions?.find((c) => c.type === UNMANAGED_VOLUMES_BACKFILLED)).toMatchObject({
        status: 'True',
      });
      // The disk's status entry goes by the name of the volume the spec has where it sits.
      expect(vm.status?.volumes?.map((v) => [v.name, v.type, v.unitNumber])).toEqual([
        [vm.spec?.volumes?.[0]?.name, 'Classic', 0],
      ]);
      // The volume is the disk's, never removable; it needs no claim.
      await expect(f.patch('vm1', { spec: { volumes: [] } })).rejects.toMatchObject({
        message: expect.stringContaining(
          'spec.volumes[0]: Forbidden: cannot remove volume with removable=false',
        ),
      });
    });

    it("places a DevOps user's new volumes once the VM is upgraded, not before", async () => {
      const f = await setup({ capabilities: { vmSharedDisks: true } });
      await f.createVm('vm1');
      await f.createVm('paused', { [PAUSED_ANNOTATION]: '' });
      await f.settle();
      const data = { name: 'data', persistentVolumeClaim: { claimName: 'data' } };
      const quorum = {
        name: 'quorum',
        persistentVolumeClaim: { claimName: 'quorum' },
        applicationType: 'MicrosoftWSFC',
      };
      const boot = (await f.getVm('vm1')).spec?.volumes ?? [];
      await f.patch('vm1', { spec: { volumes: [...boot, data, quorum] } });
      const vm = await f.getVm('vm1');
      expect(vm.spec?.volumes?.slice(1)).toEqual([
        {
          ...data,
          removable: true,
          diskMode: 'Persistent',
          sharingMode: 'None',
          controllerType: 'SCSI',
          controllerBusNumber: 0,
          unitNumber: 1,
        },
        {
          ...quorum,
          removable: true,
          diskMode: 'IndependentPersistent',
          sharingMode: 'None',
          controllerType: 'SCSI',
          controllerBusNumber: 1,
          unitNumber: 0,
        },
      ]);
      expect(vm.spec?.hardware?.scsiControllers?.[1]).toEqual({
        busNumber: 1,
        sharingMode: 'Physical',
        type: 'ParaVirtual',
      });
      await f.patch('paused', { spec: { volumes: [data] } });
      expect((await f.getVm('paused')).spec?.volumes).toEqual([{ ...data, removable: true }]);
    });

    it("holds a DevOps user's update of an upgraded VM's volumes to vm-operator's rules", async () => {
      const f = await setup({ capabilities: { vmSharedDisks: true } });
      await f.createVm('vm1');
      await f.kube.create({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'data', namespace: 'ns1' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      });
      await f.settle();
      const [boot] = (await f.getVm('vm1')).spec?.volumes ?? [];
      if (!boot) throw new Error('vm1 has no backfilled volume');
      const volumes = (...more: Record<string, unknown>[]) => ({ spec: { volumes: [boot, ...more] } });
      const refused = (message: string) =>
        expect.objectContaining({ code: 422, message: expect.stringContaining(message) });
      await expect(f.patch('vm1', { spec: { volumes: [{ ...boot, unitNumber: 3 }] } })).rejects.toEqual(
        refused('spec.volumes[0].unitNumber: Invalid value: 3: field is immutable'),
      );
      const data = { name: 'data', persistentVolumeClaim: { claimName: 'data' } };
      // An Oracle RAC volume is given MultiWriter sharing, which its ReadWriteOnce claim does not take.
      await expect(f.patch('vm1', volumes({ ...data, applicationType: 'OracleRAC' }))).rejects.toEqual(
        refused(
          'spec.volumes[1].sharingMode: Invalid value: "MultiWriter": MultiWriter sharing mode is not allowed for ReadWriteOnce volume',
        ),
      );
      // No IDE controller has room left for it: left unplaced, so refused.
      const ide = { ...data, controllerType: 'IDE' };
      const full = ['a', 'b', 'c', 'd'].map((name, i) => ({
        name,
        controllerType: 'IDE',
        controllerBusNumber: i >> 1,
        unitNumber: i & 1,
        persistentVolumeClaim: { claimName: name },
      }));
      await expect(f.patch('vm1', volumes(...full, ide))).rejects.toEqual(
        refused('spec.volumes[5].unitNumber: Required value'),
      );
      await expect(
        f.patch('vm1', volumes({ ...data, controllerType: 'SCSI', controllerBusNumber: 0, unitNumber: 7 })),
      ).rejects.toEqual(
        refused(
          'spec.volumes[1].unitNumber: Invalid value: 7: unit number 7 is reserved for the SCSI controller itself',
        ),
      );
      await f.patch('vm1', volumes(data));
      expect((await f.getVm('vm1')).spec?.volumes?.[1]).toMatchObject({
        controllerType: 'SCSI',
        unitNumber: 1,
      });
    });

    it('upgrades a VM whose feature version has bits v1.10 does not know, as one without', async () => {
      const f = await setup({ capabilities: { vmSharedDisks: true } });
      await f.createVm('vm1', {
        [UPGRADED_TO_BUILD_VERSION_ANNOTATION]: 'v0.0.0',
        [UPGRADED_TO_SCHEMA_VERSION_ANNOTATION]: 'v1alpha6',
        [UPGRADED_TO_FEATURE_VERSION_ANNOTATION]: '15',
      });
      await f.settle();
      const vm = await f.getVm('vm1');
      expect(vm.metadata.annotations?.[UPGRADED_TO_FEATURE_VERSION_ANNOTATION]).toBe('7');
      expect(vm.spec?.volumes).toHaveLength(1);
    });

    it("makes a powered-off VM's controllers those its spec lists, by type and bus", async () => {
      const f = await setup({ capabilities: { vmSharedDisks: true } });
      await f.createVm('vm1');
      await f.settle();
      await f.patch('vm1', { spec: { powerState: 'PoweredOff' } });
      await f.settle();
      const hardware = (await f.getVm('vm1')).spec?.hardware;
      const scsi = hardware?.scsiControllers ?? [];
      const controllersOf = async () =>
        (await f.record('vm1')).config.devices
          .filter((d) => /SCSI|LsiLogic|BusLogic|NVME/.test(d._type))
          .map((d) => `${d._type} ${d.busNumber} ${d.sharedBus ?? '-'}`);
      const withScsi1 = (extra: Record<string, unknown>) =>
        f.patch('vm1', {
          spec: { hardware: { ...hardware, scsiControllers: [...scsi, { busNumber: 1, ...extra }] } },
        });
      await withScsi1({ sharingMode: 'Physical', type: 'ParaVirtual' });
      await f.settle();
      expect(await controllersOf()).toEqual([
        'ParaVirtualSCSIController 0 noSharing',
        'ParaVirtualSCSIController 1 physicalSharing',
      ]);
      // Another sharing is an edit (the same device), another kind a new controller.
      const keyOnBus1 = async () =>
        (await f.record('vm1')).config.devices.find((d) => /SCSI|LsiLogic/.test(d._type) && d.busNumber === 1)
          ?.key;
      const added = await keyOnBus1();
      await withScsi1({ sharingMode: 'Virtual', type: 'ParaVirtual' });
      await f.settle();
      expect((await controllersOf())[1]).toBe('ParaVirtualSCSIController 1 virtualSharing');
      expect(await keyOnBus1()).toBe(added);
      await withScsi1({ sharingMode: 'None', type: 'LsiLogic' });
      await f.settle();
      expect((await controllersOf())[1]).toBe('VirtualLsiLogicController 1 noSharing');
      expect(await keyOnBus1()).not.toBe(added);
      await f.patch('vm1', { spec: { hardware: { ...hardware, nvmeControllers: [{ busNumber: 0 }] } } });
      await f.settle();
      expect(await controllersOf()).toEqual([
        'ParaVirtualSCSIController 0 noSharing',
        'VirtualNVMEController 0 noSharing',
      ]);
      const vm = await f.getVm('vm1');
      expect(vm.status?.hardware?.controllers?.map((c) => `${c.type}:${c.busNumber}`)).toEqual([
        'IDE:0',
        'IDE:1',
        'NVME:0',
        'SCSI:0',
      ]);
    });

    it("reports how vSphere's controllers, disks and CD-ROMs sit against the spec's", async () => {
      const f = await setup({ capabilities: { vmSharedDisks: true } });
      await f.createVm('vm1');
      await f.settle();
      const verdicts = async () =>
        Object.fromEntries(
          ((await f.getVm('vm1')).status?.conditions ?? [])
            .filter((c) => c.type.startsWith('VirtualMachineHardware'))
            .map((c) => [c.type, c.status === 'True' ? 'True' : `${c.reason}: ${c.message}`]),
        );
      expect(await verdicts()).toEqual({
        VirtualMachineHardwareCDROMVerified: 'True',
        VirtualMachineHardwareControllersVerified: 'True',
        VirtualMachineHardwareDeviceConfigVerified: 'True',
        VirtualMachineHardwareVolumesVerified: 'True',
      });
      // A SCSI controller the running VM gets at once; an NVMe one vSphere adds to no running VM,
      // so the update that asks for it fails.
      const hardware = (await f.getVm('vm1')).spec?.hardware;
      const scsi = [
        ...(hardware?.scsiControllers ?? []),
        { busNumber: 1, sharingMode: 'None', type: 'ParaVirtual' },
      ];
      await f.patch('vm1', { spec: { hardware: { ...hardware, scsiControllers: scsi } } });
      await f.settle();
      expect(await verdicts()).toMatchObject({ VirtualMachineHardwareControllersVerified: 'True' });
      await f.patch('vm1', {
        spec: { hardware: { ...hardware, scsiControllers: scsi, nvmeControllers: [{ busNumber: 0 }] } },
      });
      await f.settle();
      expect(await verdicts()).toMatchObject({
        VirtualMachineHardwareControllersVerified: 'HardwareControllersMismatch: missing controllers: NVME:0',
        VirtualMachineHardwareDeviceConfigVerified:
          'HardwareDeviceConfigMismatch: Hardware configuration issues detected. See VirtualMachineHardwareControllersVerified conditions for details.',
        VirtualMachineHardwareVolumesVerified: 'True',
      });
      expect(String(f.supervisor.virtualMachines.controller.errors.get('ns1/vm1'))).toContain(
        'DeviceHotPlugNotSupported',
      );
      // Going off, the VM is powered off all the same, and then gets it.
      await f.patch('vm1', { spec: { powerState: 'PoweredOff' } });
      await f.settle();
      expect((await f.getVm('vm1')).status?.powerState).toBe('PoweredOff');
      expect((await verdicts()).VirtualMachineHardwareControllersVerified).toBe('True');
      expect(f.supervisor.virtualMachines.controller.errors.get('ns1/vm1')).toBeUndefined();
    });

    it('names each backfilled volume after the VM and a hash of a seeded UUID, the same in every run', async () => {
      const names = async () => {
        const f = await setup({ capabilities: { vmSharedDisks: true } });
        await f.createVm('vm1');
        await f.settle();
        return (await f.getVm('vm1')).spec?.volumes?.map((v) => v.name);
      };
      const first = await names();
      expect(await names()).toEqual(first);
      expect(first?.[0]?.slice(4)).toMatch(/^[0-9a-f]{8}$/);
    });

    it('reports a disk mode vm-operator does not know, and finishes once the disk is gone', async () => {
      const f = await setup({ capabilities: { vmSharedDisks: true } });
      await f.createVm('vm1');
      await f.settle();
      const { id } = await f.record('vm1');
      // vSphere's own tasks, run to their end.
      const run = async (task: { wait: () => Promise<unknown> }) => {
        await f.settle();
        await task.wait();
      };
      await run(f.vsphere.vm.powerOff(id));
      await run(
        f.vsphere.vm.reconfigure(id, {
          deviceChange: [
            {
              operation: 'add',
              fileOperation: 'create',
              device: {
                _type: 'VirtualDisk',
                key: -1,
                capacityInKB: 1024,
                backing: { diskMode: 'undoable' },
              },
            },
          ],
        }),
      );
      // Upgraded again (its feature version removed by a user), the new disk cannot be backfilled.
      await f.patch('vm1', annotation(UPGRADED_TO_FEATURE_VERSION_ANNOTATION, null));
      await f.settle();
      const failed = await f.getVm('vm1');
      expect(failed.metadata.annotations?.[UPGRADED_TO_FEATURE_VERSION_ANNOTATION]).toBeUndefined();
      expect(failed.spec?.volumes).toHaveLength(1);
      expect(failed.status?.conditions?.find((c) => c.type === UNMANAGED_VOLUMES_BACKFILLED)).toMatchObject({
        status: 'False',
        reason: 'Failed',
        message: expect.stringMatching(
          /^failed to backfill unmanaged volumes: unsupported disk mode: undoable for volume: vm1-[0-9a-f]{8}$/,
        ),
      });
      const disk = (await f.record('vm1')).config.devices.filter((d) => d._type === 'VirtualDisk')[1];
      if (!disk) throw new Error('vm1 has no second disk');
      await run(
        f.vsphere.vm.reconfigure(id, {
          deviceChange: [{ operation: 'remove', fileOperation: 'destroy', device: disk }],
        }),
      );
      await f.settle();
      const upgraded = await f.getVm('vm1');
      expect(upgraded.metadata.annotations?.[UPGRADED_TO_FEATURE_VERSION_ANNOTATION]).toBe('7');
      expect(upgraded.spec?.volumes).toHaveLength(1);
      expect(upgraded.status?.conditions?.find((c) => c.type === UNMANAGED_VOLUMES_BACKFILLED)?.status).toBe(
        'True',
      );
    });
  });
});
