import { describe, expect, it } from 'vitest';
import { createSupervisorFixture } from '../testing/fixture.js';
import type { VirtualMachine, VirtualMachineVolume } from './types.js';

const V6 = 'vmoperator.vmware.com/v1alpha6';

async function setup(vmSharedDisks = true) {
  const f = await createSupervisorFixture({ namespaces: ['ns1'], capabilities: { vmSharedDisks } });
  const prepared = await f.supervisor.prepareNamespace('ns1');
  for (const [name, mode] of [
    ['rwo', 'ReadWriteOnce'],
    ['rwx', 'ReadWriteMany'],
    ['rwo2', 'ReadWriteOnce'],
  ] as const)
    await f.kube.create({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name, namespace: 'ns1' },
      spec: {
        accessModes: [mode],
        storageClassName: prepared.storageClass,
        resources: { requests: { storage: '1Gi' } },
      },
    });
  const create = (volumes: VirtualMachineVolume[], hardware?: object) =>
    f.kube.create({
      apiVersion: V6,
      kind: 'VirtualMachine',
      metadata: { name: 'vm1', namespace: 'ns1' },
      spec: {
        className: 'best-effort-small',
        imageName: 'ubuntu-2204-kube-v1.30.0',
        storageClass: prepared.storageClass,
        volumes,
        ...(hardware ? { hardware } : {}),
      },
    }) as unknown as Promise<VirtualMachine>;
  /** vm1 once everything has run. */
  const settled = async () => {
    await f.settle();
    const ref = { apiVersion: V6, kind: 'VirtualMachine', namespace: 'ns1', name: 'vm1' };
    return (await f.kube.get(ref)) as unknown as VirtualMachine;
  };
  const refusal = (volumes: VirtualMachineVolume[], hardware?: object) =>
    create(volumes, hardware).then(
      () => 'admitted',
      (e: { code: number; message: string }) => `${e.code} ${e.message}`,
    );
  return { ...f, create, refusal, settled };
}

const claim = (claimName: string) => ({ persistentVolumeClaim: { claimName } });
const DENIED =
  'admission webhook "default.validating.virtualmachine.v1alpha6.vmoperator.vmware.com" denied the request: ';

describe("a new VM's volumes with VMSharedDisks", () => {
  it('get the disk and sharing modes of their application type', async () => {
    const f = await setup();
    const vm = await f.create([
      { name: 'rac', ...claim('rwx'), applicationType: 'OracleRAC' },
      { name: 'wsfc', ...claim('rwo'), applicationType: 'MicrosoftWSFC' },
      { name: 'data', ...claim('rwo2'), diskMode: 'NonPersistent' },
    ]);
    expect(vm.spec?.volumes?.map((v) => [v.name, v.diskMode, v.sharingMode])).toEqual([
      ['rac', 'IndependentPersistent', 'MultiWriter'],
      ['wsfc', 'IndependentPersistent', 'None'],
      ['data', 'NonPersistent', 'None'],
    ]);
  });

  it("are refused modes their application does not take, or sharing their claim's access modes do not allow", async () => {
    const f = await setup();
    expect(
      await f.refusal([
        {
          name: 'rac',
          ...claim('rwx'),
          applicationType: 'OracleRAC',
          sharingMode: 'None',
          diskMode: 'Persistent',
        },
      ]),
    ).toContain(
      'spec.volumes[0].sharingMode: Invalid value: "None": SharingMode must be MultiWriter for OracleRAC volumes, spec.volumes[0].diskMode: Invalid value: "Persistent": DiskMode must be IndependentPersistent for OracleRAC volumes',
    );
    // MultiWriter on a claim of one node; a WSFC volume on a controller it does not share.
    expect(await f.refusal([{ name: 'rac', ...claim('rwo'), applicationType: 'OracleRAC' }])).toBe(
      `422 ${DENIED}spec.volumes[0].sharingMode: Invalid value: "MultiWriter": MultiWriter sharing mode is not allowed for ReadWriteOnce volume`,
    );
    const onBus1 = { controllerType: 'SCSI', controllerBusNumber: 1 } as const;
    const wsfcCases: [string, string, string][] = [
      [
        'rwx',
        'None',
        'spec.volumes[0].applicationType: Invalid value: "MicrosoftWSFC": Controller sharing mode must be Physical for a MicrosoftWSFC volume, spec.volumes[0].sharingMode: Invalid value: "None": ReadWriteMany PVC must have a shared volume or controller',
      ],
      [
        'rwo',
        'Physical',
        'spec.volumes[0].controllerBusNumber: Invalid value: "SCSI:1": Controller with sharing mode Physical is not allowed for ReadWriteOnce volume',
      ],
    ];
    for (const [claimName, sharingMode, problems] of wsfcCases) {
      const volume = {
        name: 'wsfc',
        ...claim(claimName),
        applicationType: 'MicrosoftWSFC',
        ...onBus1,
      } as const;
      const hardware = { scsiControllers: [{ busNumber: 1, sharingMode }] };
      expect(await f.refusal([volume], hardware)).toContain(problems);
    }
    // A placement names its controller's type and bus; a claim not found is judged later.
    expect(await f.refusal([{ name: 'data', ...claim('rwo'), unitNumber: 3 }])).toContain(
      'spec.volumes[0].controllerType: Required value, spec.volumes[0].controllerBusNumber: Required value',
    );
    expect(await f.refusal([{ name: 'later', ...claim('none-yet'), applicationType: 'OracleRAC' }])).toBe(
      'admitted',
    );
    // A type the schema does not know is the schema's to refuse.
    const unknown = {
      name: 'x',
      ...claim('rwo'),
      applicationType: 'Oracle',
    } as unknown as VirtualMachineVolume;
    expect(await f.refusal([unknown])).toContain(
      'spec.volumes[0].applicationType: Unsupported value: "Oracle"',
    );
  });

  it("are judged volume by volume, each volume's general rules then its shared-disk rules, as vm-operator's", async () => {
    const f = await setup();
    const rac = { applicationType: 'OracleRAC' as const };
    const volumes = [
      { name: 'Bad_1', ...claim('rwo'), ...rac },
      { name: 'Bad_2', ...claim('rwo2'), ...rac },
    ];
    expect(await f.refusal(volumes)).toBe(
      `422 ${DENIED}${[1, 2]
        .map(
          (n, i) =>
            `spec.volumes[${i}].name: Invalid value: "Bad_${n}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'), ` +
            `spec.volumes[${i}].sharingMode: Invalid value: "MultiWriter": MultiWriter sharing mode is not allowed for ReadWriteOnce volume`,
        )
        .join(', ')}`,
    );
  });

  it('are reported where their disks sit, with their disk and sharing modes', async () => {
    const f = await setup();
    await f.create([{ name: 'data', ...claim('rwo') }]);
    const vm = await f.settled();
    const placed = (vm.status?.volumes ?? []).map((v) => [
      v.type,
      v.attached,
      v.controllerType,
      v.controllerBusNumber,
      v.unitNumber,
      v.diskMode,
      v.sharingMode,
    ]);
    expect(placed).toEqual(
      expect.arrayContaining([
        ['Classic', true, 'SCSI', 0, 0, 'Persistent', 'None'],
        ['Managed', true, 'SCSI', 0, 1, 'Persistent', 'None'],
      ]),
    );
    expect(placed).toHaveLength(2);
    // Without the capability the entries say nothing of it.
    const g = await setup(false);
    await g.create([{ name: 'data', ...claim('rwo') }]);
    const plain = await g.settled();
    expect(plain.status?.volumes?.map((v) => v.controllerType)).toEqual([undefined, undefined]);
  });

  it('are neither defaulted nor judged so without the capability', async () => {
    const f = await setup(false);
    const vm = await f.create([{ name: 'rac', ...claim('rwo'), applicationType: 'OracleRAC' }]);
    expect(vm.spec?.volumes?.[0]).not.toHaveProperty('sharingMode');
  });
});
