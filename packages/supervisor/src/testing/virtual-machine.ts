import type { VirtualMachine } from '../api/types.js';
import type { KubeObject } from '../store/meta.js';
import type { SupervisorFixture } from './fixture.js';

/** A hub VirtualMachine `ns1/vm1` (uid `uid-1`) of this spec and these labels, as a reconcile reads one. */
export const hubVm = (
  spec: NonNullable<VirtualMachine['spec']>,
  labels: Record<string, string> = {},
): VirtualMachine => ({
  apiVersion: 'vmoperator.vmware.com/v1alpha6',
  kind: 'VirtualMachine',
  metadata: { name: 'vm1', namespace: 'ns1', uid: 'uid-1', labels },
  spec,
});

/**
 * Sets (undefined: drops) annotations of the VirtualMachine `ns1/<name>` as a privileged account
 * does (`direct`, which throws what the webhooks refuse).
 */
export function annotateAsAdministrator(
  f: SupervisorFixture,
  name: string,
  annotations: Record<string, string | undefined>,
): void {
  const ref = {
    apiVersion: 'vmoperator.vmware.com/v1alpha5',
    kind: 'VirtualMachine',
    namespace: 'ns1',
    name,
  };
  const vm = f.kube.direct.get(ref) as KubeObject;
  const next: Record<string, string> = { ...vm.metadata.annotations };
  for (const [key, value] of Object.entries(annotations))
    if (value === undefined) delete next[key];
    else next[key] = value;
  f.kube.direct.update({ ...vm, metadata: { ...vm.metadata, annotations: next } });
}

/**
 * Prepares `ns1`: what it made, and a maker of its v1alpha5 VirtualMachines (`best-effort-small`,
 * the namespace's first image and its storage class, powered on).
 */
export async function prepareForVms(f: SupervisorFixture) {
  const apiVersion = 'vmoperator.vmware.com/v1alpha5';
  const images = await f.kube.list({ apiVersion, kind: 'VirtualMachineImage', namespace: 'ns1' });
  const prepared = await f.supervisor.prepareNamespace('ns1');
  const vm = (name: string): KubeObject => ({
    apiVersion,
    kind: 'VirtualMachine',
    metadata: { name, namespace: 'ns1' },
    spec: {
      className: 'best-effort-small',
      image: { kind: 'VirtualMachineImage', name: images.items[0]?.metadata.name },
      storageClass: prepared.storageClass,
      powerState: 'PoweredOn',
    },
  });
  return { prepared, vm };
}

/** Makes `count` small vSphere VMs on a host, in the namespace's folder and pool, so DRS takes it for a busy one. */
export async function fillHost(
  f: SupervisorFixture,
  where: { folder: string; pool: string },
  host: string,
  count: number,
): Promise<void> {
  for (let i = 0; i < count; i++) {
    const spec = { name: `filler-${i}`, files: { vmPathName: '[LocalDS_0]' }, numCPUs: 1, memoryMB: 128 };
    const task = f.vsphere.vm.create(where.folder, spec, where.pool, host);
    await f.settle();
    await task.wait();
  }
}
