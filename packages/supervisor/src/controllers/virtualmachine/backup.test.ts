import { gunzipSync } from 'node:zlib';
import type { VmRecord } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import { ZONE_LABEL } from '../../api/annotations.js';
import type { VirtualMachine } from '../../api/types.js';
import { createNamespaceFixture } from '../../testing/fixture.js';
import {
  BACKUP_CONDITION,
  BACKUP_KEYS,
  BACKUP_VERSION_ANNOTATION,
  FORCE_ENABLE_BACKUP_ANNOTATION,
} from './backup.js';

type Fixture = Awaited<ReturnType<typeof createNamespaceFixture>>;

const vmOf = (f: Fixture, name: string) => f.kube.get(f.vmRef(name)) as unknown as Promise<VirtualMachine>;

const recordOf = async (f: Fixture, name: string) =>
  f.vsphere.store.get((await vmOf(f, name)).status?.uniqueID ?? '') as VmRecord;

/** A backup key of the VM's extra config, ungzipped; undefined without it. */
const backupOf = async (f: Fixture, name: string, key: string) => {
  const value = (await recordOf(f, name)).config.extraConfig.find((o) => o.key === key)?.value;
  return value === undefined ? undefined : gunzipSync(Buffer.from(value, 'base64')).toString('utf8');
};

const backups = (f: Fixture) =>
  f.vsphere.events
    .list()
    .filter(
      (e) =>
        e._type === 'VmReconfiguredEvent' &&
        (e as { configSpec?: { extraConfig?: { key: string }[] } }).configSpec?.extraConfig?.some(
          (o) => o.key === BACKUP_KEYS.resource,
        ),
    ).length;

/**
 * A VM nothing customizes: vm-operator's default LinuxPrep would annotate it once more (its
 * customization's hash), and so back it up once more.
 */
const UNCUSTOMIZED = { bootstrap: { disabled: true } };

const CAPV_NODE = { 'capv.vmware.com/cluster.role': 'node', 'cluster.x-k8s.io/cluster-name': 'c1' };

describe("vm-operator's backup of a VM into its extra config", () => {
  it('keeps the resource without its status or zone label, again when its spec, labels or annotations change', async () => {
    const f = await createNamespaceFixture();
    await f.createVm('vm1', UNCUSTOMIZED, { app: 'web' });
    await f.settle();
    const vm = await vmOf(f, 'vm1');
    expect(vm.metadata.labels?.[ZONE_LABEL]).toBeDefined();
    const backup = JSON.parse((await backupOf(f, 'vm1', BACKUP_KEYS.resource)) as string);
    expect(backup).toMatchObject({
      apiVersion: vm.apiVersion,
      kind: 'VirtualMachine',
      metadata: { name: 'vm1', uid: vm.metadata.uid, generation: 1, labels: { app: 'web' } },
      spec: vm.spec,
      status: {},
    });
    expect(backup.metadata.labels).not.toHaveProperty(ZONE_LABEL);
    expect(backups(f)).toBe(1);
    // What only its status changes leaves it as it was.
    f.vsphere.vm.setGuestIp(vm.status?.uniqueID as string, '10.0.1.99');
    await f.settle();
    expect(backups(f)).toBe(1);
    await f.kube.patch(f.vmRef('vm1'), { metadata: { labels: { app: 'db' } } }, { type: 'merge' });
    await f.settle();
    expect(backups(f)).toBe(2);
    expect(JSON.parse((await backupOf(f, 'vm1', BACKUP_KEYS.resource)) as string).metadata.labels).toEqual({
      app: 'db',
    });
    await f.kube.patch(f.vmRef('vm1'), { spec: { powerState: 'PoweredOff' } }, { type: 'merge' });
    await f.settle();
    expect(JSON.parse((await backupOf(f, 'vm1', BACKUP_KEYS.resource)) as string)).toMatchObject({
      metadata: { generation: 2 },
      spec: { powerState: 'PoweredOff' },
    });
  });

  it('writes a backup again that someone removed from the extra config', async () => {
    const f = await createNamespaceFixture();
    await f.createVm('vm1', UNCUSTOMIZED);
    await f.settle();
    const record = await recordOf(f, 'vm1');
    const removal = f.vsphere.vm.reconfigure(record.id, {
      extraConfig: [{ key: BACKUP_KEYS.resource, value: '' }],
    });
    await f.settle();
    await removal.wait();
    // The first backup, the removal, and the backup written again.
    expect(backups(f)).toBe(3);
    expect(await backupOf(f, 'vm1', BACKUP_KEYS.resource)).toContain('"name":"vm1"');
  });

  it('backs up a suspended VM too', async () => {
    const f = await createNamespaceFixture();
    await f.createVm('vm1', { suspendMode: 'Hard' });
    await f.settle();
    await f.kube.patch(f.vmRef('vm1'), { spec: { powerState: 'Suspended' } }, { type: 'merge' });
    await f.settle();
    expect((await vmOf(f, 'vm1')).status?.powerState).toBe('Suspended');
    await f.kube.patch(f.vmRef('vm1'), { metadata: { labels: { tier: 'cold' } } }, { type: 'merge' });
    await f.settle();
    const backup = JSON.parse((await backupOf(f, 'vm1', BACKUP_KEYS.resource)) as string);
    expect(backup).toMatchObject({
      metadata: { labels: { tier: 'cold' } },
      spec: { powerState: 'Suspended' },
    });
  });

  it('goes on with the update when vSphere refuses a backup, and makes it once the VM changes', async () => {
    const f = await createNamespaceFixture();
    const refuse = f.vsphere.interceptor.add({
      method: /^ReconfigVM_Task$/,
      fault: { _type: 'SystemError', reason: 'injected' },
    });
    await f.createVm('vm1');
    await f.settle();
    expect((await vmOf(f, 'vm1')).status?.powerState).toBe('PoweredOn');
    expect(await backupOf(f, 'vm1', BACKUP_KEYS.resource)).toBeUndefined();
    // Its power is still driven: the pass goes past the backup it cannot make.
    await f.kube.patch(f.vmRef('vm1'), { spec: { powerState: 'PoweredOff' } }, { type: 'merge' });
    await f.settle();
    expect((await recordOf(f, 'vm1')).powerState).toBe('poweredOff');
    refuse();
    await f.kube.patch(f.vmRef('vm1'), { metadata: { labels: { app: 'web' } } }, { type: 'merge' });
    await f.settle();
    expect(await backupOf(f, 'vm1', BACKUP_KEYS.resource)).toContain('"app":"web"');
  });

  it("leaves a CAPI cluster's nodes alone, unless annotated to back one up", async () => {
    const f = await createNamespaceFixture();
    await f.createVm('node', {}, CAPV_NODE);
    await f.kube.create({
      apiVersion: 'vmoperator.vmware.com/v1alpha5',
      kind: 'VirtualMachine',
      metadata: {
        name: 'forced',
        namespace: 'ns1',
        labels: CAPV_NODE,
        annotations: { [FORCE_ENABLE_BACKUP_ANNOTATION]: '' },
      },
      spec: {
        className: 'best-effort-small',
        image: { kind: 'VirtualMachineImage', name: f.image },
        storageClass: f.prepared.storageClass,
      },
    });
    await f.settle();
    expect(await backupOf(f, 'node', BACKUP_KEYS.resource)).toBeUndefined();
    expect(await backupOf(f, 'forced', BACKUP_KEYS.resource)).toContain('"name":"forced"');
  });

  it("keeps the Secrets its bootstrap reads, again when one changes, and its claims' disks", async () => {
    const f = await createNamespaceFixture();
    await f.kube.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'vm1-data',
        namespace: 'ns1',
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
      },
      stringData: { 'user-data': '#cloud-config\n' },
    });
    await f.kube.create({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', namespace: 'ns1' },
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: '1Gi' } },
        storageClassName: f.prepared.storageClass,
      },
    });
    await f.createVm('vm1', {
      bootstrap: { cloudInit: { rawCloudConfig: { name: 'vm1-data', key: 'user-data' } } },
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
    });
    await f.settle();
    const resources = (await backupOf(f, 'vm1', BACKUP_KEYS.additionalResources)) as string;
    const [secret] = resources.split('\n---\n').map((doc) => JSON.parse(doc));
    expect(secret).toMatchObject({ kind: 'Secret', metadata: { name: 'vm1-data', annotations: {} } });
    const record = await recordOf(f, 'vm1');
    const disk = record.config.devices.find((d) => d.vDiskId) as unknown as {
      backing: { fileName: string; uuid: string };
    };
    expect(JSON.parse((await backupOf(f, 'vm1', BACKUP_KEYS.pvcDiskData)) as string)).toEqual([
      {
        FileName: disk.backing.fileName,
        PVCName: 'data',
        AccessModes: ['ReadWriteOnce'],
        UUID: disk.backing.uuid,
      },
    ]);
    const version = secret.metadata.resourceVersion;
    await f.kube.patch(
      { apiVersion: 'v1', kind: 'Secret', namespace: 'ns1', name: 'vm1-data' },
      { stringData: { 'user-data': '#cloud-config\nhostname: web\n' } },
      { type: 'merge' },
    );
    await f.settle();
    const [again] = ((await backupOf(f, 'vm1', BACKUP_KEYS.additionalResources)) as string)
      .split('\n---\n')
      .map((doc) => JSON.parse(doc));
    expect(again.metadata.resourceVersion).not.toBe(version);
    // A key gone stops the bootstrap, not the backup: the Secret is there (vm-operator's backup
    // asks no more).
    const secretRef = { apiVersion: 'v1', kind: 'Secret', namespace: 'ns1', name: 'vm1-data' };
    const stored = await f.kube.get(secretRef);
    const changed = await f.kube.update({ ...stored, data: { other: Buffer.from('x').toString('base64') } });
    await f.settle();
    const [keyless] = ((await backupOf(f, 'vm1', BACKUP_KEYS.additionalResources)) as string)
      .split('\n---\n')
      .map((doc) => JSON.parse(doc));
    expect(keyless.metadata.resourceVersion).toBe(changed.metadata.resourceVersion);
    // Without claims left, the disks' backup goes.
    await f.kube.patch(f.vmRef('vm1'), { spec: { volumes: [] } }, { type: 'merge' });
    await f.settle();
    expect(await backupOf(f, 'vm1', BACKUP_KEYS.pvcDiskData)).toBeUndefined();
  });

  describe('with incremental restores (VMIncrementalRestore)', () => {
    const setup = () => createNamespaceFixture({ capabilities: { vmIncrementalRestore: true } });
    const held = async (f: Fixture, name: string) =>
      (await recordOf(f, name)).config.extraConfig.find((o) => o.key === BACKUP_KEYS.backupVersion)?.value;
    const upToDate = async (f: Fixture, name: string) => {
      const c = (await vmOf(f, name)).status?.conditions?.find((x) => x.type === BACKUP_CONDITION);
      return c && [c.status, c.reason, c.message];
    };

    it('versions every backup, annotating the VM with the version once it is made', async () => {
      const f = await setup();
      await f.createVm('vm1', UNCUSTOMIZED);
      await f.settle();
      const version = String(f.vsphere.clock.now());
      expect(await held(f, 'vm1')).toBe(version);
      const vm = await vmOf(f, 'vm1');
      expect(vm.metadata.annotations?.[BACKUP_VERSION_ANNOTATION]).toBe(version);
      expect(await upToDate(f, 'vm1')).toEqual(['True', 'True', `Backup version: ${version}`]);
      // The backup holds the annotation it was made with: the VM is up to date, nothing more.
      const backup = JSON.parse((await backupOf(f, 'vm1', BACKUP_KEYS.resource)) as string);
      expect(backup.metadata.annotations[BACKUP_VERSION_ANNOTATION]).toBe(version);
      const count = backups(f);
      await f.advance(60_000);
      expect(backups(f)).toBe(count);
      // A change is a new version.
      await f.kube.patch(f.vmRef('vm1'), { metadata: { labels: { app: 'web' } } }, { type: 'merge' });
      await f.settle();
      const next = String(f.vsphere.clock.now());
      expect(await held(f, 'vm1')).toBe(next);
      expect((await vmOf(f, 'vm1')).metadata.annotations?.[BACKUP_VERSION_ANNOTATION]).toBe(next);
      expect(await upToDate(f, 'vm1')).toEqual(['True', 'True', `Backup version: ${next}`]);
      await f.advance(60_000);
      expect(backups(f)).toBe(count + 1);
    });

    it('reports a backup vSphere refuses, tries it once, and goes on with the update', async () => {
      const f = await setup();
      let attempts = 0;
      f.vsphere.interceptor.add({
        method: /^ReconfigVM_Task$/,
        fault: () => {
          attempts++;
          return { _type: 'SystemError', reason: 'injected' };
        },
      });
      await f.createVm('vm1', UNCUSTOMIZED);
      await f.settle();
      expect(attempts).toBe(1);
      const [status, reason, message] = (await upToDate(f, 'vm1')) ?? [];
      expect([status, reason]).toEqual(['False', 'VirtualMachineBackupFailed']);
      expect(message).toMatch(/^Failed to backup VM\. err: ./);
      await f.kube.patch(f.vmRef('vm1'), { spec: { powerState: 'PoweredOff' } }, { type: 'merge' });
      await f.settle();
      expect((await recordOf(f, 'vm1')).powerState).toBe('poweredOff');
    });

    it('pauses backups while a restore is under way, and fails them for a version that is no number', async () => {
      const f = await setup();
      await f.createVm('vm1');
      await f.settle();
      const version = (await held(f, 'vm1')) as string;
      const count = backups(f);
      const annotate = (value: string) =>
        f.kube.patch(
          f.vmRef('vm1'),
          { metadata: { annotations: { [BACKUP_VERSION_ANNOTATION]: value } } },
          { type: 'merge' },
        );
      await annotate(String(Number(version) + 1000));
      await f.settle();
      expect(await upToDate(f, 'vm1')).toEqual([
        'False',
        'VirtualMachineBackupPaused',
        'A restore was detected',
      ]);
      expect(await held(f, 'vm1')).toBe(version);
      // Paused, the update goes on.
      await f.kube.patch(f.vmRef('vm1'), { spec: { powerState: 'PoweredOff' } }, { type: 'merge' });
      await f.settle();
      expect((await recordOf(f, 'vm1')).powerState).toBe('poweredOff');
      await annotate('9223372036854775808');
      await f.settle();
      expect((await upToDate(f, 'vm1'))?.[2]).toBe(
        'Failed to backup VM. err: strconv.ParseInt: parsing "9223372036854775808": value out of range',
      );
      await annotate('soon');
      await f.settle();
      expect(await upToDate(f, 'vm1')).toEqual([
        'False',
        'VirtualMachineBackupFailed',
        'Failed to backup VM. err: strconv.ParseInt: parsing "soon": invalid syntax',
      ]);
      expect(backups(f)).toBe(count);
      // An older annotation than the backup's is no restore: backed up again.
      await annotate('1');
      await f.settle();
      expect(backups(f)).toBe(count + 1);
      expect(await upToDate(f, 'vm1')).toEqual(['True', 'True', `Backup version: ${await held(f, 'vm1')}`]);
    });
  });
});
