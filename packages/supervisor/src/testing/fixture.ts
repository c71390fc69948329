/**
 * A Supervisor on a seeded vCenter model and a store with every kind registered, driven
 * the way the simulator drives it: `settle()` runs due work with the event loop turning in
 * between (watch events and reconcile continuations are microtasks), `advance(ms)` moves
 * the virtual clock. Errors of controllers and scheduled jobs are collected, not thrown.
 */
import { VirtualClock, VSphere, type VSphereOptions } from '@vsim/vsphere';
import { registerAppPlatformKinds } from '../appplatform-kinds.js';
import { registerCnsKinds } from '../cns-kinds.js';
import { registerImageRegistryKinds } from '../image-registry-kinds.js';
import type { PrepareNamespaceOptions } from '../namespaces/prepare.js';
import { registerNetOperatorKinds } from '../net-operator-kinds.js';
import { ignoreNotFound } from '../store/errors.js';
import { KubeStore } from '../store/kube-store.js';
import type { KubeObject, ObjectRef } from '../store/meta.js';
import { createSupervisor, type Supervisor, type SupervisorOptions } from '../supervisor.js';
import { registerTopologyKinds } from '../topology-kinds.js';
import { registerVmOperatorKinds } from '../vm-operator-kinds.js';

export interface SupervisorFixtureOptions extends SupervisorOptions {
  vsphere?: VSphereOptions;
}

export interface SupervisorFixture {
  vsphere: VSphere;
  kube: KubeStore;
  supervisor: Supervisor;
  /** Errors thrown by scheduled jobs (controller errors are in each controller's `errors`). */
  errors: unknown[];
  settle(): Promise<void>;
  /** One round of due work only: what comes next lands on a Supervisor half way. */
  round(): Promise<void>;
  advance(ms: number): Promise<void>;
  /** The object, or undefined when it does not exist. */
  find<T extends KubeObject = KubeObject>(ref: ObjectRef): Promise<T | undefined>;
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function createSupervisorFixture(
  options: SupervisorFixtureOptions = {},
): Promise<SupervisorFixture> {
  const { vsphere: vsphereOptions, ...supervisorOptions } = options;
  const vsphere = new VSphere({ seed: 1, ...vsphereOptions });
  const errors: unknown[] = [];
  vsphere.scheduler.onError = (error) => errors.push(error);
  const { fieldValidation } = options;
  const kube = new KubeStore(vsphere, fieldValidation ? { fieldValidation } : {});
  registerVmOperatorKinds(kube, options.capabilities ? { capabilities: options.capabilities } : {});
  registerNetOperatorKinds(kube);
  registerTopologyKinds(kube);
  registerImageRegistryKinds(kube);
  registerCnsKinds(kube);
  registerAppPlatformKinds(kube);
  const { scheduler, clock } = vsphere;
  const settle = async () => {
    for (let round = 0; round < 100_000; round++) {
      await flush();
      const ran = scheduler.runDue();
      await flush();
      const due = scheduler.nextDue();
      if (ran === 0 && (due === undefined || due > clock.now())) return;
    }
    throw new Error('the supervisor did not settle');
  };
  const supervisor = await createSupervisor({ kube, vsphere }, supervisorOptions);
  await settle();
  return {
    vsphere,
    kube,
    supervisor,
    errors,
    settle,
    async round() {
      await flush();
      scheduler.runDue();
      await flush();
    },
    async advance(ms: number) {
      if (!(clock instanceof VirtualClock)) throw new Error('advance() needs the virtual clock');
      await scheduler.advanceSettling(clock, clock.now() + ms, settle);
    },
    find: <T extends KubeObject = KubeObject>(ref: ObjectRef) => kube.get<T>(ref).catch(ignoreNotFound),
  };
}

/**
 * A Supervisor with `ns1` prepared (as `prepare` says, when it says: then ns1 is prepared by that
 * call alone) and what tests of its VMs need: an Ubuntu image's name, a VM's hub reference, a
 * maker of v1alpha5 VMs of the default class and storage, and a claim's reference and maker.
 */
export async function createNamespaceFixture(
  options: SupervisorFixtureOptions = {},
  prepare?: PrepareNamespaceOptions,
) {
  const f = await createSupervisorFixture(prepare ? options : { namespaces: ['ns1'], ...options });
  const early = prepare && (await f.supervisor.prepareNamespace('ns1', prepare));
  if (early) await f.settle();
  const images = await f.kube.list({
    apiVersion: 'vmoperator.vmware.com/v1alpha5',
    kind: 'VirtualMachineImage',
    namespace: 'ns1',
  });
  const image = images.items.find((i) => (i.status as { name: string }).name.startsWith('ubuntu'))?.metadata
    .name as string;
  const prepared = early ?? (await f.supervisor.prepareNamespace('ns1'));
  const vmRef = (name: string) => ({
    apiVersion: 'vmoperator.vmware.com/v1alpha6',
    kind: 'VirtualMachine',
    namespace: 'ns1',
    name,
  });
  const createVm = (
    name: string,
    spec: Record<string, unknown> = {},
    labels?: Record<string, string>,
    annotations?: Record<string, string>,
  ) =>
    f.kube.create({
      apiVersion: 'vmoperator.vmware.com/v1alpha5',
      kind: 'VirtualMachine',
      metadata: {
        name,
        namespace: 'ns1',
        ...(labels ? { labels } : {}),
        ...(annotations ? { annotations } : {}),
      },
      spec: {
        className: 'best-effort-small',
        image: { kind: 'VirtualMachineImage', name: image },
        storageClass: prepared.storageClass,
        ...spec,
      },
    });
  const claimRef = (name: string) => ({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    namespace: 'ns1',
    name,
  });
  /** A claim of `ns1`: one node's access to the storage asked for, and what `spec` adds. */
  const createClaim = (name: string, storage: string, spec: Record<string, unknown> = {}) =>
    f.kube.create({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name, namespace: 'ns1' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } }, ...spec },
    });
  return { ...f, image, prepared, vmRef, createVm, claimRef, createClaim };
}
