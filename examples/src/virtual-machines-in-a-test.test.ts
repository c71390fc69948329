/**
 * vm-operator without a cluster: create a VirtualMachine as CAPV does, settle, and read what
 * CAPV reads; then see the same VM as a vSphere client does, see a misspelt field dropped or
 * refused as the API server does it, make a prerequisite fail, attach
 * a claim's disk, install a VM from an ISO image, customize a Windows VM, see a customization
 * vCenter refuses reported and retried and one the guest fails reported, share an Oracle RAC
 * disk between two VMs, make a VM's own disk a claim, make one of a cached disk (FastDeploy),
 * publish a VM as an
 * image, snapshot and revert one, spread VMs over the zones of a three-zone Supervisor, set
 * an appliance's vApp properties, give a VM a vGPU and read its backup, reserve a guaranteed
 * class's CPU and memory, and hold reservations to the cluster's capacity.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { afterEach, expect, it } from 'vitest';
import { createSimulator, SAMPLE_OVF_IMAGES, type Simulator } from 'vsim';

let sim: Simulator;
afterEach(() => sim.close());

const V5 = 'vmoperator.vmware.com/v1alpha5';
/** An object of the namespace `ns1`, in v1alpha5. */
const inNs1 = (kind: string, name: string) => ({ apiVersion: V5, kind, namespace: 'ns1', name });
const vmRef = (name: string) => inNs1('VirtualMachine', name);

const virtualMachine = (name: string, className = 'best-effort-small') => ({
  apiVersion: V5,
  kind: 'VirtualMachine',
  metadata: { name, namespace: 'ns1' },
  spec: { className, imageName: 'ubuntu-2204-kube-v1.30.0', storageClass: 'wcpglobal-storage-profile' },
});

/** A claim of the namespace's storage class, as a workload asks for a disk. */
const claim = (name: string, storage: string) => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace: 'ns1' },
  spec: {
    accessModes: ['ReadWriteOnce'],
    storageClassName: 'wcpglobal-storage-profile',
    resources: { requests: { storage } },
  },
});

type Status = {
  powerState?: string;
  biosUUID?: string;
  uniqueID?: string;
  network?: {
    primaryIP4?: string;
    config?: {
      dns?: { hostName?: string };
      interfaces?: { name: string; ip?: { addresses?: string[]; gateway4?: string } }[];
    };
  };
  conditions?: { type: string; status: string; reason: string }[];
  volumes?: { name: string; type: string; attached?: boolean; diskUUID?: string }[];
};

it('turns a VirtualMachine into a running vSphere VM', async () => {
  sim = await createSimulator({ seed: 1, supervisor: { namespaces: ['ns1'] } });
  await sim.kube.create(virtualMachine('vm1'));
  await sim.settle();

  const status = (await sim.kube.get(vmRef('vm1'))).status as Status;
  expect(status.powerState).toBe('PoweredOn');
  expect(status.network?.primaryIP4).toMatch(/^10\./);
  const providerID = `vsphere://${status.biosUUID}`;
  expect(providerID).toMatch(/^vsphere:\/\/[0-9a-f-]{36}$/);
  // What the guest was told of its network, for one configured by hand (no bootstrap here).
  expect(status.network?.config?.dns?.hostName).toBe('vm1');
  expect(status.network?.config?.interfaces?.[0]).toMatchObject({
    name: 'eth0',
    ip: { addresses: [`${status.network?.primaryIP4}/24`], gateway4: expect.stringMatching(/^10\./) },
  });

  // The same VM, as the vSphere model (and so SOAP and REST clients) sees it.
  const id = status.uniqueID as string;
  expect(sim.vsphere.read(id, 'config.uuid')).toBe(status.biosUUID);
  expect(sim.vsphere.read(id, 'guest.ipAddress')).toBe(status.network?.primaryIP4);
  expect(sim.vsphere.read(id, 'config.hardware.numCPU')).toBe(2);
  // A Linux VM that names no bootstrap is customized with LinuxPrep before it boots, as
  // vm-operator defaults it (`bootstrap: { disabled: true }` boots it as the image left it).
  expect(status.conditions).toContainEqual(
    expect.objectContaining({ type: 'GuestCustomization', status: 'True' }),
  );
  expect(sim.vsphere.read(id, 'guest.hostName')).toBe('vm1');
});

it("drops a field the VirtualMachine's schema lacks, as the API server does, or refuses it when strict", async () => {
  sim = await createSimulator({ seed: 1, supervisor: { namespaces: ['ns1'] } });
  const typo = virtualMachine('vm1');
  Object.assign(typo.spec, { powerstate: 'PoweredOff' }); // spec.powerState, misspelt
  const created = await sim.kube.create(typo);
  expect(created.spec).not.toHaveProperty('powerstate'); // pruned: the VM powers on, as a real one would

  // kubectl's default, and a way to make a test's typos fail where they are written.
  await expect(
    sim.kube.create({ ...typo, metadata: { name: 'vm2', namespace: 'ns1' } }, { fieldValidation: 'Strict' }),
  ).rejects.toMatchObject({ code: 400, message: expect.stringContaining('unknown field "spec.powerstate"') });
});

it("gives a VM its class's vGPU, and backs it up as a backup vendor reads it", async () => {
  sim = await createSimulator({ seed: 1, supervisor: { namespaces: ['ns1'] } });
  // A class with an NVIDIA vGPU, as an administrator makes one for AI workloads.
  await sim.kube.create({
    apiVersion: V5,
    kind: 'VirtualMachineClass',
    metadata: { name: 'gpu-small', namespace: 'ns1' },
    spec: {
      hardware: { cpus: 4, memory: '16Gi', devices: { vgpuDevices: [{ profileName: 'grid_a100-4c' }] } },
    },
  });
  await sim.kube.create(virtualMachine('trainer', 'gpu-small'));
  await sim.settle();

  const status = (await sim.kube.get(vmRef('trainer'))).status as Status & {
    hardware?: { vGPUs?: { type: string; profile: string }[] };
  };
  expect(status.hardware?.vGPUs).toEqual([
    { type: 'Nvidia', profile: 'grid_a100-4c', migrationType: 'None' },
  ]);
  // In vSphere: the PCI device, the Supervisor managing the VM, and its backup in the extra config.
  const id = status.uniqueID as string;
  const devices = sim.vsphere.read(id, 'config.hardware.device') as {
    _type: string;
    backing?: { vgpu?: string };
  }[];
  expect(devices.find((d) => d._type === 'VirtualPCIPassthrough')?.backing?.vgpu).toBe('grid_a100-4c');
  expect(sim.vsphere.read(id, 'config.managedBy')).toMatchObject({ extensionKey: 'com.vmware.vcenter.wcp' });
  const extraConfig = sim.vsphere.read(id, 'config.extraConfig') as { key: string; value: string }[];
  const backup = extraConfig.find((o) => o.key === 'vmservice.virtualmachine.resource.yaml')?.value as string;
  const resource = JSON.parse(gunzipSync(Buffer.from(backup, 'base64')).toString('utf8'));
  expect(resource).toMatchObject({
    kind: 'VirtualMachine',
    metadata: { name: 'trainer' },
    spec: { className: 'gpu-small' },
  });
});

it("reserves a guaranteed class's CPU and memory in vSphere, and reports the reservations", async () => {
  sim = await createSimulator({ seed: 1, supervisor: { namespaces: ['ns1'] } });
  await sim.kube.create(virtualMachine('database', 'guaranteed-small'));
  await sim.settle();

  const status = (await sim.kube.get(vmRef('database'))).status as Status & {
    hardware?: {
      cpu?: { total: number; reservation?: number };
      memory?: { total: string; reservation?: string };
    };
  };
  // 2 CPUs of the hosts' 2,294 MHz, and 4Gi, counted as vm-operator counts MB.
  expect(status.hardware?.cpu).toEqual({ total: 2, reservation: 4588 });
  expect(status.hardware?.memory).toEqual({ total: '4096M', reservation: '4096M' });
  // What a vSphere client reads of it.
  const id = status.uniqueID as string;
  expect(sim.vsphere.read(id, 'summary.config.cpuReservation')).toBe(4588);
  expect(sim.vsphere.read(id, 'config.memoryAllocation')).toMatchObject({ reservation: 4096, limit: -1 });
});

it("holds reservations to the cluster's capacity under vCenter's admission control", async () => {
  sim = await createSimulator({ seed: 1, admissionControl: true, supervisor: { namespaces: ['ns1'] } });
  // 32 CPUs reserved: more than the default cluster's three hosts have (3 x 2 x 2,294 MHz).
  await sim.kube.create(virtualMachine('big', 'guaranteed-8xlarge'));
  await sim.settle();
  const refused = (await sim.kube.get(vmRef('big'))).status as Status;
  expect(refused.conditions).toContainEqual(
    expect.objectContaining({ type: 'VirtualMachineCreated', status: 'True' }),
  );
  expect(refused.powerState).toBe('PoweredOff');

  // vCenter's VM classes: a change reaches every namespace that offers the class.
  const { spec } = sim.supervisor.vmClasses.get('guaranteed-8xlarge') as { spec: object };
  await sim.supervisor.vmClasses.update('guaranteed-8xlarge', {
    ...spec,
    policies: { resources: { requests: { cpu: '4', memory: '8Gi' } } },
  });
  await sim.advance(60_000); // vm-operator tries again, with backoff
  const running = (await sim.kube.get(vmRef('big'))).status as Status;
  expect(running.powerState).toBe('PoweredOn');
  // What the namespace's pool holds, as govc pool.info reads it: 4 CPUs of 2,294 MHz.
  const { pool } = sim.vsphere.store.get(running.uniqueID as string) as { pool: string };
  expect(sim.vsphere.read(pool, 'runtime.cpu.reservationUsedForVm')).toBe(4 * 2294);
});

it('reports a missing class and converges once it exists', async () => {
  sim = await createSimulator({ seed: 1, supervisor: { namespaces: ['ns1'] } });
  await sim.kube.create(virtualMachine('vm1', 'custom'));
  await sim.settle();
  const waiting = (await sim.kube.get(vmRef('vm1'))).status as Status;
  expect(waiting.conditions).toContainEqual(
    expect.objectContaining({ type: 'VirtualMachineClassReady', status: 'False', reason: 'NotFound' }),
  );

  await sim.kube.create({
    apiVersion: V5,
    kind: 'VirtualMachineClass',
    metadata: { name: 'custom', namespace: 'ns1' },
    spec: { hardware: { cpus: 8, memory: '32Gi' } },
  });
  await sim.settle();
  const ready = (await sim.kube.get(vmRef('vm1'))).status as Status;
  expect(ready.powerState).toBe('PoweredOn');
  expect(sim.vsphere.read(ready.uniqueID as string, 'config.hardware.memoryMB')).toBe(32 * 1024);
});

it('hands the cloud-init Secret to the guest, as vm-operator does through GuestInfo', async () => {
  sim = await createSimulator({ seed: 1, supervisor: { namespaces: ['ns1'] } });
  await sim.kube.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'vm1-bootstrap', namespace: 'ns1' },
    stringData: { 'user-data': '#cloud-config\npackages: [nginx]\n' },
  });
  const vm = virtualMachine('vm1');
  await sim.kube.create({
    ...vm,
    spec: {
      ...vm.spec,
      bootstrap: { cloudInit: { rawCloudConfig: { name: 'vm1-bootstrap', key: 'user-data' } } },
    },
  });
  await sim.settle();

  // Each GuestInfo value is gzipped and base64-encoded, as its `.encoding` key says.
  const status = (await sim.kube.get(vmRef('vm1'))).status as Status;
  const id = status.uniqueID as string;
  const guestInfo = (key: string) => {
    const option = sim.vsphere.read(id, `config.extraConfig["${key}"]`) as { value: string };
    return gunzipSync(Buffer.from(option.value, 'base64')).toString('utf8');
  };
  expect(sim.vsphere.read(id, 'config.extraConfig["guestinfo.userdata.encoding"]')).toMatchObject({
    value: 'gzip+base64',
  });
  expect(guestInfo('guestinfo.userdata')).toBe('#cloud-config\npackages: [nginx]\n');
  // The metadata names the instance and gives the guest its address as netplan.
  expect(guestInfo('guestinfo.metadata')).toContain('local-hostname: vm1\n');
  expect(guestInfo('guestinfo.metadata')).toContain(`- ${status.network?.primaryIP4}/24\n`);
});

it("attaches a PersistentVolumeClaim's disk before the VM powers on", async () => {
  sim = await createSimulator({ seed: 1, supervisor: { namespaces: ['ns1'] } });
  await sim.kube.create(claim('data', '4Gi'));
  const vm = virtualMachine('db1');
  await sim.kube.create({
    ...vm,
    spec: { ...vm.spec, volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }] },
  });
  await sim.settle();

  const status = (await sim.kube.get(vmRef('db1'))).status as Status;
  expect(status.powerState).toBe('PoweredOn');
  const data = status.volumes?.find((v) => v.name === 'data');
  expect(data).toMatchObject({ type: 'Managed', attached: true });
  // The claim's First Class Disk, as a vSphere client sees it among the VM's devices.
  const devices = sim.vsphere.read<{ vDiskId?: { id: string }; backing: { uuid: string } }[]>(
    status.uniqueID as string,
    'config.hardware.device',
  );
  const disk = devices.find((d) => d.vDiskId !== undefined);
  expect(disk?.backing.uuid).toBe(data?.diskUUID);
  const attachment = await sim.kube.get({
    apiVersion: 'cns.vmware.com/v1alpha1',
    kind: 'CnsNodeVmAttachment',
    namespace: 'ns1',
    name: 'db1-data',
  });
  expect(attachment.status).toMatchObject({ attached: true, metadata: { cnsVolumeId: disk?.vDiskId?.id } });
});

it('shares an Oracle RAC disk between two VMs of a Supervisor with shared disks', async () => {
  sim = await createSimulator({
    seed: 1,
    supervisor: { namespaces: ['ns1'], capabilities: { vmSharedDisks: true } },
  });
  const shared = claim('rac-data', '8Gi');
  await sim.kube.create({ ...shared, spec: { ...shared.spec, accessModes: ['ReadWriteMany'] } });
  const volume = {
    name: 'data',
    persistentVolumeClaim: { claimName: 'rac-data' },
    applicationType: 'OracleRAC',
  };
  for (const name of ['rac1', 'rac2']) {
    const vm = virtualMachine(name);
    await sim.kube.create({ ...vm, spec: { ...vm.spec, volumes: [volume] } });
  }
  await sim.settle();

  for (const name of ['rac1', 'rac2']) {
    const vm = await sim.kube.get(vmRef(name));
    // The webhook gave the volume the modes an Oracle RAC disk needs and a place on the VM.
    const placed = (vm.spec as { volumes: Record<string, unknown>[] }).volumes.find((v) => v.name === 'data');
    expect(placed).toMatchObject({
      diskMode: 'IndependentPersistent',
      sharingMode: 'MultiWriter',
      controllerType: 'SCSI',
      controllerBusNumber: 0,
      unitNumber: 1,
    });
    // vm-operator asked the CSI driver for every claim of the VM in one batch, which attached it there.
    const batch = await sim.kube.get({
      apiVersion: 'cns.vmware.com/v1alpha1',
      kind: 'CnsNodeVMBatchAttachment',
      namespace: 'ns1',
      name,
    });
    expect((batch.spec as { volumes: unknown[] }).volumes).toEqual([
      {
        name: 'data',
        persistentVolumeClaim: expect.objectContaining({
          claimName: 'rac-data',
          unitNumber: 1,
          diskMode: 'independent_persistent',
          sharingMode: 'sharingMultiWriter',
        }),
      },
    ]);
    expect((vm.status as Status).volumes?.find((v) => v.name === 'data')).toMatchObject({ attached: true });
  }
  // One First Class Disk, on both VMs, as a vSphere client sees their devices.
  const diskIds = [];
  for (const name of ['rac1', 'rac2']) {
    const { uniqueID } = (await sim.kube.get(vmRef(name))).status as Status;
    const devices = sim.vsphere.read<{ vDiskId?: { id: string } }[]>(
      uniqueID as string,
      'config.hardware.device',
    );
    diskIds.push(devices.find((d) => d.vDiskId)?.vDiskId?.id);
  }
  expect(diskIds[0]).toBeDefined();
  expect(diskIds[1]).toBe(diskIds[0]);
});

it("makes a VM's own disk a claim on a Supervisor where all disks are claims", async () => {
  sim = await createSimulator({
    seed: 1,
    supervisor: { namespaces: ['ns1'], capabilities: { allDisksArePVCs: true } },
  });
  await sim.kube.create(virtualMachine('app1'));
  await sim.settle();
  await sim.advance(10_000); // the CSI driver attaches the claim on its next try
  await sim.settle();

  // vm-operator listed the image's disk as a volume, made it a claim, and CNS registered it.
  const vm = await sim.kube.get(vmRef('app1'));
  const [volume] = (vm.spec as { volumes: { name: string; persistentVolumeClaim?: { claimName: string } }[] })
    .volumes;
  const claimName = volume?.persistentVolumeClaim?.claimName as string;
  const pvc = await sim.kube.get({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    namespace: 'ns1',
    name: claimName,
  });
  expect(pvc.spec).toMatchObject({ dataSourceRef: { kind: 'VirtualMachine', name: 'app1' } });
  expect(pvc.status).toMatchObject({ phase: 'Bound' });
  const status = vm.status as Status;
  expect(status.powerState).toBe('PoweredOn');
  expect(status.volumes).toEqual([
    expect.objectContaining({ name: claimName, type: 'Managed', attached: true }),
  ]);
  // In vSphere the VM's disk is now a First Class Disk, still the VM's.
  const devices = sim.vsphere.read<{ vDiskId?: { id: string } }[]>(
    status.uniqueID as string,
    'config.hardware.device',
  );
  const diskId = devices.find((d) => d.vDiskId)?.vDiskId?.id;
  expect(pvc.spec).toMatchObject({ volumeName: `static-pv-${diskId}` });
});

it("makes a VM of its image's cached disk with FastDeploy, a linked clone promoted once it runs", async () => {
  sim = await createSimulator({
    seed: 1,
    supervisor: { namespaces: ['ns1'], capabilities: { fastDeploy: true } },
  });
  await sim.kube.create(virtualMachine('app1'));
  await sim.settle();

  // vm-operator cached the image's disk on the VM's datastore (its VirtualMachineImageCache, in
  // its own namespace, named as the image), then made the VM of it by CreateVM_Task.
  const vm = await sim.kube.get(vmRef('app1'));
  const status = vm.status as Status;
  expect(status.powerState).toBe('PoweredOn');
  const cacheReady = status.conditions?.find((c) => c.type === 'VirtualMachineConditionImageCacheReady');
  expect(cacheReady?.status).toBe('True');
  const caches = await sim.kube.list({
    apiVersion: V5,
    kind: 'VirtualMachineImageCache',
    namespace: 'vmware-system-vmop',
  });
  // Every image has its cache (its OVF); the VM's image's holds its disk on the VM's datastore.
  const [cache] = (
    caches.items as unknown as { status: { locations?: { files: { id: string }[] }[] } }[]
  ).filter((c) => c.status.locations);
  const cachedDisk = cache?.status.locations?.[0]?.files[0]?.id as string;
  expect(cachedDisk).toMatch(
    /^\[LocalDS_0\] vmi-[0-9a-f]{17}-[0-9a-f]{17}-[0-9a-f]{17}\/[0-9a-f]{17}\.vmdk$/,
  );
  // Its disk was a child of the cached one until vm-operator promoted it, once the VM ran.
  const devices = sim.vsphere.read<{ _type: string; backing: { fileName: string; parent?: unknown } }[]>(
    status.uniqueID as string,
    'config.hardware.device',
  );
  const disk = devices.find((d) => d._type === 'VirtualDisk');
  expect(disk?.backing.fileName).toBe(`[LocalDS_0] ${vm.metadata.uid}/disk-0.vmdk`);
  expect(disk?.backing.parent).toBeUndefined();
  expect(status.conditions?.find((c) => c.type === 'VirtualMachineDiskPromotionSynced')?.status).toBe('True');
});

it('installs a VM from an ISO image: its CD-ROM, a boot disk from a claim, and the Events vm-operator records', async () => {
  sim = await createSimulator({ seed: 1, supervisor: { namespaces: ['ns1'], events: true } });
  // An ISO file in the namespace's content library becomes a VirtualMachineImage of type ISO.
  const { library } = sim.vsphere;
  const [libraryId] = library.list();
  const item = library.createItem(libraryId as string, { name: 'photon-5', type: 'iso' });
  const session = library.createUpdateSession(item);
  const bytes = new TextEncoder().encode('an ISO 9660 image');
  library.addUpdateFile(session, { name: 'photon-5.iso', sourceType: 'PUSH', size: bytes.length });
  const sha1 = createHash('sha1').update(bytes).digest('hex');
  library.receiveUpdateFile(session, 'photon-5.iso', { bytes, sha1 });
  library.completeUpdateSession(session);
  await sim.settle();
  const images = await sim.kube.list({ apiVersion: V5, kind: 'VirtualMachineImage', namespace: 'ns1' });
  const iso = images.items.find((i) => (i.status as { name?: string }).name === 'photon-5')?.metadata.name;
  if (!iso) throw new Error('no VirtualMachineImage of the ISO item');

  await sim.kube.create(claim('root', '16Gi'));
  await sim.kube.create({
    ...virtualMachine('installer'),
    spec: {
      className: 'best-effort-small',
      storageClass: 'wcpglobal-storage-profile',
      guestID: 'vmwarePhoton64Guest',
      // No spec.image: a VM of CD-ROMs alone is of its first connected one's image.
      hardware: { cdrom: [{ name: 'cdrom1', image: { kind: 'VirtualMachineImage', name: iso } }] },
      volumes: [{ name: 'root', persistentVolumeClaim: { claimName: 'root' } }],
    },
  });
  await sim.settle();

  const status = (await sim.kube.get(vmRef('installer'))).status as Status;
  expect(status.powerState).toBe('PoweredOn');
  const devices = sim.vsphere.read<
    {
      _type: string;
      key: number;
      controllerKey?: number;
      backing: { fileName?: string };
      connectable?: { connected: boolean };
    }[]
  >(status.uniqueID as string, 'config.hardware.device');
  const cdrom = devices.find((d) => d._type === 'VirtualCdrom');
  expect(cdrom?.backing.fileName).toMatch(/photon-5\.iso$/);
  expect(cdrom?.connectable?.connected).toBe(true);
  // Its boot disk is the claim's, attached to the ParaVirtual SCSI controller CNS added for it.
  expect(status.volumes?.find((v) => v.name === 'root')).toMatchObject({ attached: true });
  const disk = devices.find((d) => d._type === 'VirtualDisk');
  expect(devices.find((d) => d.key === disk?.controllerKey)?._type).toBe('ParaVirtualSCSIController');

  // What `kubectl describe vm installer` lists under Events.
  const events = await sim.kube.list({
    apiVersion: 'v1',
    kind: 'Event',
    namespace: 'ns1',
    fieldSelector: 'involvedObject.name=installer',
  });
  expect(events.items.map((e) => e.reason)).toEqual(
    expect.arrayContaining(['CreateSuccess', 'UpdateSuccess']),
  );
});

it('customizes a Windows VM with Sysprep before it boots, its password from a Secret', async () => {
  sim = await createSimulator({ seed: 1, supervisor: { namespaces: ['ns1'] } });
  await sim.kube.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'win-admin', namespace: 'ns1' },
    stringData: { password: 'Pa55w0rd!' },
  });
  const vm = virtualMachine('win1');
  await sim.kube.create({
    ...vm,
    spec: {
      ...vm.spec,
      guestID: 'windows2019srv_64Guest',
      network: { hostName: 'web01' },
      bootstrap: {
        sysprep: {
          sysprep: {
            userData: { fullName: 'Ops', orgName: 'Example' },
            guiUnattended: {
              autoLogon: true,
              autoLogonCount: 1,
              password: { name: 'win-admin', key: 'password' },
            },
          },
        },
      },
    },
  });
  await sim.settle();

  const status = (await sim.kube.get(vmRef('win1'))).status as Status;
  expect(status.powerState).toBe('PoweredOn');
  // The guest took the computer name, and vCenter posted the customization's events.
  expect(sim.vsphere.read(status.uniqueID as string, 'guest.hostName')).toBe('web01');
  const events = sim.vsphere.events.list().map((e) => e._type);
  expect(events).toContain('CustomizationSucceeded');
});

it('reports a guest customization vCenter refuses, and powers the VM on once it is made', async () => {
  sim = await createSimulator({ seed: 1, supervisor: { namespaces: ['ns1'] } });
  // vCenter refuses every customization until the rule is removed.
  const removeRule = sim.vsphere.interceptor.add({
    method: 'CustomizeVM_Task',
    fault: { _type: 'CustomizationFault' },
  });
  const vm = virtualMachine('web1');
  await sim.kube.create({
    ...vm,
    spec: { ...vm.spec, bootstrap: { linuxPrep: { hardwareClockIsUTC: true } } },
  });
  await sim.settle();
  const customization = async () =>
    ((await sim.kube.get(vmRef('web1'))).status as Status).conditions?.find(
      (c) => c.type === 'GuestCustomization',
    );
  expect(await customization()).toMatchObject({ status: 'False', reason: 'GuestCustomizationFailed' });
  expect(((await sim.kube.get(vmRef('web1'))).status as Status).powerState).toBe('PoweredOff');

  // Once vCenter takes it, vm-operator's retry (with its backoff) customizes the VM and powers it on.
  removeRule();
  await sim.advance(60_000);
  expect(await customization()).toMatchObject({ status: 'True' });
  expect(((await sim.kube.get(vmRef('web1'))).status as Status).powerState).toBe('PoweredOn');
});

it("reports a customization the guest's tools fail, with the error they report", async () => {
  sim = await createSimulator({ seed: 1, supervisor: { namespaces: ['ns1'] } });
  // The guest's tools fail the next customization of any VM (a rule on the guest's step).
  sim.vsphere.interceptor.add({
    method: 'GuestCustomization',
    times: 1,
    fault: { _type: 'CustomizationFault', message: 'cannot write /etc/hostname' },
  });
  const vm = virtualMachine('web1');
  await sim.kube.create({ ...vm, spec: { ...vm.spec, bootstrap: { linuxPrep: {} } } });
  await sim.settle();
  const status = (await sim.kube.get(vmRef('web1'))).status as Status & {
    conditions?: { message?: string }[];
  };
  // vCenter took the customization, so the VM is on; the guest booted without it.
  expect(status.powerState).toBe('PoweredOn');
  expect(status.conditions?.find((c) => c.type === 'GuestCustomization')).toMatchObject({
    status: 'False',
    reason: 'GuestCustomizationFailed',
    message: 'cannot write /etc/hostname',
  });
  const events = sim.vsphere.events.list().map((e) => e._type);
  expect(events).toContain('CustomizationUnknownFailure');
});

it('publishes a VM as an image and deploys another VM from it', async () => {
  sim = await createSimulator({ seed: 1, supervisor: { namespaces: ['ns1'] } });
  await sim.kube.create(virtualMachine('golden'));
  await sim.settle();

  // The namespace's content library, as the image registry shows it there.
  const libraries = await sim.kube.list({
    apiVersion: 'imageregistry.vmware.com/v1alpha1',
    kind: 'ContentLibrary',
    namespace: 'ns1',
  });
  const library = libraries.items[0];
  expect(library?.status).toMatchObject({ name: 'vsim', type: 'Local' });
  await sim.kube.create({
    apiVersion: V5,
    kind: 'VirtualMachinePublishRequest',
    metadata: { name: 'golden', namespace: 'ns1' },
    spec: { target: { item: { name: 'golden-v1' }, location: { name: library?.metadata.name } } },
  });
  await sim.settle();
  const request = await sim.kube.get(inNs1('VirtualMachinePublishRequest', 'golden'));
  const published = request.status as { ready?: boolean; imageName?: string };
  expect(published.ready).toBe(true);

  // The new item is an image of the namespace, which a VM names by its display name.
  const image = await sim.kube.get({
    apiVersion: V5,
    kind: 'VirtualMachineImage',
    namespace: 'ns1',
    name: published.imageName as string,
  });
  expect(image.status).toMatchObject({ name: 'golden-v1', type: 'OVF' });
  const copy = virtualMachine('copy');
  await sim.kube.create({ ...copy, spec: { ...copy.spec, imageName: 'golden-v1' } });
  await sim.settle();
  const deployed = await sim.kube.get(vmRef('copy'));
  expect((deployed.spec as { image?: { name?: string } }).image?.name).toBe(published.imageName);
  expect((deployed.status as Status).powerState).toBe('PoweredOn');
});

it('snapshots a VM and reverts it, as the VirtualMachineSnapshot API does', async () => {
  sim = await createSimulator({ seed: 1, supervisor: { namespaces: ['ns1'] } });
  await sim.kube.create(virtualMachine('vm1'));
  await sim.settle();
  await sim.kube.create({
    apiVersion: V5,
    kind: 'VirtualMachineSnapshot',
    metadata: { name: 'before-upgrade', namespace: 'ns1' },
    spec: { vmName: 'vm1', memory: true },
  });
  await sim.settle();
  const snapshot = await sim.kube.get(inNs1('VirtualMachineSnapshot', 'before-upgrade'));
  expect((snapshot.status as Status).conditions).toContainEqual(
    expect.objectContaining({ type: 'VirtualMachineSnapshotReady', status: 'True' }),
  );
  // The vSphere snapshot, as a SOAP client sees it.
  const id = ((await sim.kube.get(vmRef('vm1'))).status as Status).uniqueID as string;
  const tree = sim.vsphere.read<{ rootSnapshotList: { name: string }[] }>(id, 'snapshot');
  expect(tree.rootSnapshotList.map((s) => s.name)).toEqual(['before-upgrade']);

  // A change made after the snapshot, then the revert that undoes it.
  await sim.kube.patch(vmRef('vm1'), { metadata: { labels: { upgraded: 'true' } } }, { type: 'merge' });
  await sim.kube.patch(vmRef('vm1'), { spec: { currentSnapshotName: 'before-upgrade' } }, { type: 'merge' });
  await sim.settle();
  const vm = await sim.kube.get(vmRef('vm1'));
  expect(vm.metadata.labels?.upgraded).toBeUndefined();
  expect((vm.spec as { currentSnapshotName?: string }).currentSnapshotName).toBeUndefined();
  expect((vm.status as Status).powerState).toBe('PoweredOn');
});

it('runs VMs across the zones of a three-zone Supervisor, as CAPV spreads a cluster over failure domains', async () => {
  // Three vSphere clusters, one zone each.
  sim = await createSimulator({
    seed: 1,
    inventory: { cluster: 3 },
    supervisor: { clusters: ['DC0_C0', 'DC0_C1', 'DC0_C2'], namespaces: ['ns1'] },
  });
  const zones = sim.supervisor.clusters; // a zone is named by its cluster's moref value
  const ZONE = 'topology.kubernetes.io/zone';
  // CAPV labels a control-plane machine of a failure domain with its zone ...
  for (const [i, zone] of zones.entries()) {
    const vm = virtualMachine(`cp-${i}`);
    await sim.kube.create({ ...vm, metadata: { ...vm.metadata, labels: { [ZONE]: zone } } });
  }
  // ... and leaves workers to vm-operator, which asks vCenter's DRS: the least loaded zone.
  for (const i of [0, 1, 2]) await sim.kube.create(virtualMachine(`md-${i}`));
  await sim.settle();

  const clusterOf = async (name: string) => {
    const vm = await sim.kube.get(vmRef(name));
    const id = (vm.status as Status).uniqueID as string;
    const host = sim.vsphere.read<{ value: string }>(id, 'runtime.host').value;
    const cluster = sim.vsphere.read<{ value: string }>(host, 'parent').value;
    expect(vm.metadata.labels?.[ZONE]).toBe(cluster); // labelled with the zone it runs in
    return cluster;
  };
  expect(await Promise.all(['cp-0', 'cp-1', 'cp-2'].map(clusterOf))).toEqual(zones);
  expect(new Set(await Promise.all(['md-0', 'md-1', 'md-2'].map(clusterOf))).size).toBe(3);
});

it("sets an appliance's vApp properties from its VirtualMachine, templates rendered over its network", async () => {
  sim = await createSimulator({ seed: 1, supervisor: { namespaces: ['ns1'] } });
  // An appliance image: an OVF whose ProductSection has properties users may set.
  const [library] = sim.vsphere.library.find({ name: 'vsim' });
  const ubuntu = SAMPLE_OVF_IMAGES[0] as (typeof SAMPLE_OVF_IMAGES)[number];
  const properties = [
    { key: 'ip0', type: 'string', userConfigurable: true },
    { key: 'dns', type: 'string', userConfigurable: true },
    { key: 'debug', type: 'boolean', value: 'False', userConfigurable: true },
  ];
  sim.vsphere.library.createItem(library as string, {
    ...ubuntu,
    name: 'appliance',
    ovf: { ...ubuntu.ovf, properties },
  });
  await sim.settle();

  const vm = virtualMachine('appliance-1');
  await sim.kube.create({
    ...vm,
    spec: {
      ...vm.spec,
      imageName: 'appliance',
      network: { nameservers: ['10.0.0.53'] },
      // LinuxPrep customizes the guest (and hands it the name servers); vAppConfig goes beside it.
      bootstrap: {
        linuxPrep: { hardwareClockIsUTC: true },
        vAppConfig: {
          properties: [
            { key: 'ip0', value: { value: '{{ V1alpha2_FormatIP V1alpha2_FirstIP "" }}' } },
            { key: 'dns', value: { value: '{{ V1alpha2_FormatNameservers -1 "," }}' } },
            { key: 'debug', value: { value: 'true' } },
          ],
        },
      },
    },
  });
  await sim.settle();

  // The vSphere VM's vApp properties, as a vSphere client reads them.
  const status = (await sim.kube.get(vmRef('appliance-1'))).status as Status;
  const vApp = sim.vsphere.read<{ property: { id: string; value: string }[] }>(
    status.uniqueID as string,
    'config.vAppConfig',
  );
  expect(Object.fromEntries(vApp.property.map((p) => [p.id, p.value]))).toEqual({
    ip0: status.network?.primaryIP4,
    dns: '10.0.0.53',
    debug: 'True',
  });
});
