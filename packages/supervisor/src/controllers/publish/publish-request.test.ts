import { type LibraryItemRecord, SAMPLE_OVF_IMAGES, type TaskRecord } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import type { VirtualMachineImage, VirtualMachinePublishRequest } from '../../api/types.js';
import { IMAGE_REGISTRY_API_VERSION } from '../../image-registry-kinds.js';
import type { KubeObject } from '../../store/meta.js';
import { createSupervisorFixture } from '../../testing/fixture.js';
import { IMAGE_API_VERSION } from '../images/image-controller.js';
import { contentLibraryNameOf, imageNameOf } from '../images/names.js';
import { itemDescriptionPrefix } from './library-provider.js';
import { PUBLISH_REQUEST_FINALIZER } from './publish-request.js';

const V6 = 'vmoperator.vmware.com/v1alpha6';
const UBUNTU = SAMPLE_OVF_IMAGES[0] as (typeof SAMPLE_OVF_IMAGES)[number];
/** vm-operator's annotation that makes its VM controller leave a VM alone. */
const PAUSED = 'vmoperator.vmware.com/paused';
const ref = (kind: string, name: string) => ({ apiVersion: V6, kind, namespace: 'ns1', name });

async function setup() {
  const f = await createSupervisorFixture({ namespaces: ['ns1'] });
  const prepared = await f.supervisor.prepareNamespace('ns1');
  const library = prepared.libraries[0] as string;
  /** The namespace's ContentLibrary object of the Supervisor's library, which requests target. */
  const target = contentLibraryNameOf(library);
  const source = f.vsphere.library.findItems({ libraryId: library, name: UBUNTU.name })[0] as string;
  const publishing = f.supervisor.publishRequests;

  /** A VM deployed in the namespace's pool and folder; its moref value. */
  const deploy = async (name: string) => {
    const task = f.vsphere.library.deploy(source, { name, folder: prepared.folder, pool: prepared.pool });
    await f.settle();
    return (await task.wait()).value;
  };
  /**
   * A VirtualMachine object; with `uniqueID`, as the VM controller leaves a created one.
   * It is paused, so that the VM controller leaves its status to the test.
   */
  const createVm = async (name: string, uniqueID?: string) => {
    const vm = await f.kube.create({
      apiVersion: V6,
      kind: 'VirtualMachine',
      metadata: { name, namespace: 'ns1', annotations: { [PAUSED]: '' } },
      spec: { className: 'best-effort-small', imageName: UBUNTU.name },
    });
    if (uniqueID !== undefined) await f.kube.updateStatus({ ...vm, status: { uniqueID } });
    await f.settle();
  };
  const setUniqueID = async (name: string, uniqueID: string) => {
    const vm = await f.kube.get(ref('VirtualMachine', name));
    await f.kube.updateStatus({ ...vm, status: { uniqueID } });
    await f.settle();
  };
  const request = async (name: string, spec: Record<string, unknown> = {}) => {
    await f.kube.create({
      apiVersion: V6,
      kind: 'VirtualMachinePublishRequest',
      metadata: { name, namespace: 'ns1' },
      spec: { target: { location: { name: target } }, ...spec },
    });
    await f.settle();
  };
  const get = async (name: string) =>
    (await f.kube.get(ref('VirtualMachinePublishRequest', name))) as unknown as VirtualMachinePublishRequest;
  /** `type status reason` of each condition, in order. */
  const conditions = async (name: string) =>
    ((await get(name)).status?.conditions ?? []).map((c) => `${c.type} ${c.status} ${c.reason}`);
  const messageOf = async (name: string, type: string) =>
    (await get(name)).status?.conditions?.find((c) => c.type === type)?.message;
  const itemsNamed = (name: string, libraryId = library) =>
    f.vsphere.library.findItems({ libraryId, name }).map((id) => f.vsphere.library.getItem(id));
  const complete = [
    'Complete True True',
    'ImageAvailable True True',
    'SourceValid True True',
    'TargetValid True True',
    'Uploaded True True',
  ];
  return {
    ...f,
    prepared,
    library,
    target,
    publishing,
    deploy,
    createVm,
    setUniqueID,
    request,
    get,
    conditions,
    messageOf,
    itemsNamed,
    complete,
  };
}

type Fixture = Awaited<ReturnType<typeof setup>>;

/** A writable ContentLibrary object of ns1 for a library, as an administrator could make one. */
async function addContentLibrary(t: Fixture, name: string, libraryId: string, ready = 'True') {
  const object = await t.kube.create({
    apiVersion: IMAGE_REGISTRY_API_VERSION,
    kind: 'ContentLibrary',
    metadata: { name, namespace: 'ns1' },
    spec: { uuid: libraryId, writable: true },
  });
  const { name: shown } = t.vsphere.library.get(libraryId);
  await t.kube.updateStatus({
    ...object,
    status: {
      name: shown,
      conditions: [{ type: 'Ready', status: ready, lastTransitionTime: '2026-01-01T00:00:00Z' }],
    },
  });
}

const noErrors = (t: Fixture) => {
  expect(t.errors).toEqual([]);
  expect(t.publishing.controller.errors.size).toBe(0);
};

describe('VirtualMachinePublishRequest controller', () => {
  it('publishes a VM to the library, waits for its image and completes', async () => {
    const t = await setup();
    const moref = await t.deploy('web');
    await t.createVm('web', moref);
    await t.request('web', { target: { item: { description: 'golden' }, location: { name: t.target } } });

    const [item] = t.itemsNamed('web-image');
    expect(item).toMatchObject({ type: 'ovf', description: 'golden' });
    const itemId = (item as LibraryItemRecord).id;
    const image = (await t.kube.get({
      apiVersion: IMAGE_API_VERSION,
      kind: 'VirtualMachineImage',
      namespace: 'ns1',
      name: imageNameOf(itemId),
    })) as unknown as VirtualMachineImage;
    expect(image.status).toMatchObject({ name: 'web-image', providerItemID: itemId, type: 'OVF' });

    const done = await t.get('web');
    expect(done.metadata.finalizers).toEqual([PUBLISH_REQUEST_FINALIZER]);
    // The CRD schema's defaults, as the API server stores them.
    expect(done.spec).toEqual({
      backoffLimit: 3,
      target: {
        item: { description: 'golden' },
        location: { name: t.target, apiVersion: IMAGE_REGISTRY_API_VERSION, kind: 'ContentLibrary' },
      },
    });
    expect(await t.conditions('web')).toEqual(t.complete);
    const now = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(done.status).toEqual({
      // The status schema's defaults too.
      sourceRef: { name: 'web', apiVersion: 'vmoperator.vmware.com/v1alpha1', kind: 'VirtualMachine' },
      targetRef: {
        item: { name: 'web-image', description: 'golden' },
        location: { name: t.target, apiVersion: IMAGE_REGISTRY_API_VERSION, kind: 'ContentLibrary' },
      },
      startTime: now,
      attempts: 1,
      lastAttemptTime: now,
      imageName: imageNameOf(itemId),
      ready: true,
      completionTime: now,
      conditions: expect.any(Array),
    });
    noErrors(t);

    // A complete request is left alone, whatever happens to its VM or its image.
    await t.kube.delete(ref('VirtualMachine', 'web'));
    await t.advance(120_000);
    expect((await t.get('web')).metadata.resourceVersion).toBe(done.metadata.resourceVersion);
    expect(t.itemsNamed('web-image')).toHaveLength(1);
  });

  it('starts the capture in a pass of its own, as vm-operator does, and reads how it went in the next', async () => {
    const t = await setup();
    await t.createVm('web', await t.deploy('web'));
    const seen: string[] = [];
    t.kube.subscribe({ apiVersion: V6, kind: 'VirtualMachinePublishRequest' }, ({ object }) => {
      const status = (object as unknown as VirtualMachinePublishRequest).status;
      const conditions = (status?.conditions ?? []).map((c) => `${c.type} ${c.status}`);
      seen.push(`attempts ${status?.attempts ?? 0}: ${conditions.join(', ')}`);
    });
    await t.request('web');
    expect([...new Set(seen)]).toEqual([
      'attempts 0: ',
      'attempts 1: SourceValid True, TargetValid True',
      'attempts 1: Complete False, ImageAvailable False, SourceValid True, TargetValid True, Uploaded True',
      'attempts 1: Complete True, ImageAvailable True, SourceValid True, TargetValid True, Uploaded True',
    ]);
    noErrors(t);
  });

  it('publishes again a capture not heard of 30 s after its attempt', async () => {
    const t = await setup();
    await t.request('web');
    const pending = await t.get('web');
    const lastAttemptTime = new Date(t.vsphere.clock.now()).toISOString().replace(/\.\d+Z$/, 'Z');
    await t.kube.updateStatus({
      ...pending,
      status: { ...pending.status, attempts: 1, lastAttemptTime },
    } as unknown as KubeObject);
    await t.createVm('web', await t.deploy('web'));
    expect(await t.conditions('web')).toEqual([
      'Complete False HasNotBeenUploaded',
      'SourceValid False SourceVirtualMachineNotExist',
      'Uploaded False NotStarted',
    ]);
    expect(await t.messageOf('web', 'Uploaded')).toBe("VM Publish task hasn't started.");
    // Its 10 s requeues look at 10, 20 and 30 s: 30 s is not more than 30 s, 40 s is.
    await t.advance(31_000);
    expect((await t.get('web')).status?.attempts).toBe(1);
    await t.advance(9_000);
    expect(await t.conditions('web')).toEqual(t.complete);
    expect((await t.get('web')).status?.attempts).toBe(2);
    noErrors(t);
  });

  it('takes the source and item names from the spec', async () => {
    const t = await setup();
    await t.createVm('db', await t.deploy('db'));
    await t.request('pub', {
      source: { name: 'db', apiVersion: V6, kind: 'VirtualMachine' },
      target: { item: { name: 'db-golden' }, location: { name: t.target, kind: 'ContentLibrary' } },
    });
    expect(await t.conditions('pub')).toEqual(t.complete);
    const status = (await t.get('pub')).status;
    expect(status?.sourceRef).toEqual({
      name: 'db',
      apiVersion: 'vmoperator.vmware.com/v1alpha1',
      kind: 'VirtualMachine',
    });
    expect(status?.targetRef).toEqual({
      item: { name: 'db-golden' },
      location: { name: t.target, kind: 'ContentLibrary', apiVersion: IMAGE_REGISTRY_API_VERSION },
    });
    expect(t.itemsNamed('db-golden').map((i) => i.description)).toEqual(['']);
    noErrors(t);
  });

  it('waits for the source VM to exist and to be created, then publishes', async () => {
    const t = await setup();
    await t.request('web');
    expect(await t.conditions('web')).toEqual(['SourceValid False SourceVirtualMachineNotExist']);
    expect(await t.messageOf('web', 'SourceValid')).toBe(
      'virtualmachines.vmoperator.vmware.com "web" not found',
    );
    expect((await t.get('web')).status?.attempts).toBeUndefined();

    await t.createVm('web');
    expect(await t.conditions('web')).toEqual(['SourceValid False SourceVirtualMachineNotCreated']);
    expect(await t.messageOf('web', 'SourceValid')).toBe("VM hasn't been created and has no uniqueID");

    await t.setUniqueID('web', await t.deploy('web'));
    expect(await t.conditions('web')).toEqual(t.complete);
    expect((await t.get('web')).status?.attempts).toBe(1);
    noErrors(t);
  });

  it('waits for the target ContentLibrary, and for an image of the item', async () => {
    const t = await setup();
    await t.createVm('web', await t.deploy('web'));
    await t.request('web', { target: { location: { name: 'team' } } });
    expect(await t.conditions('web')).toEqual(['TargetValid False TargetContentLibraryNotExist']);
    expect(await t.messageOf('web', 'TargetValid')).toBe(
      'contentlibraries.imageregistry.vmware.com "team" not found',
    );

    // A ContentLibrary made by hand: the namespace's images do not come from its library.
    const datastore = t.vsphere.library.get(t.library).datastore;
    const team = t.vsphere.library.create({ name: 'team', datastore, type: 'LOCAL' });
    await addContentLibrary(t, 'team', team);
    await t.settle();
    // Uploaded, but ns1 sees only the Supervisor's library: no image of the item there.
    expect(await t.conditions('web')).toEqual([
      'Complete False ImageUnavailable',
      'ImageAvailable False VirtualMachineImageNotFound',
      'SourceValid True True',
      'TargetValid True True',
      'Uploaded True True',
    ]);
    expect(await t.messageOf('web', 'Complete')).toBe('VirtualMachineImage is not available');
    const [item] = t.itemsNamed('web-image', team);
    expect(item?.description).toBe(itemDescriptionPrefix((await t.get('web')).metadata.uid ?? ''));

    t.supervisor.images.setNamespaceLibraries('ns1', [t.library, team]);
    await t.settle();
    expect(await t.conditions('web')).toEqual(t.complete);
    expect((await t.get('web')).status?.imageName).toBe(imageNameOf(item?.id ?? ''));
    expect(t.itemsNamed('web-image', team)[0]?.description).toBe('');
    noErrors(t);
  });

  it('refuses a library that is not writable, and one that is not ready', async () => {
    const t = await setup();
    const datastore = t.vsphere.library.get(t.library).datastore;
    t.vsphere.library.setPublished(t.library, true);
    const mirror = t.vsphere.library.createSubscribed({
      name: 'mirror',
      datastore,
      source: t.library,
      subscriptionUrl: 'https://vsim.local/cl/vsim/lib.json',
    });
    await t.createVm('web', await t.deploy('web'));
    t.supervisor.images.setNamespaceLibraries('ns1', [t.library, mirror]);
    await t.request('web', { target: { location: { name: contentLibraryNameOf(mirror) } } });
    expect(await t.conditions('web')).toEqual([
      'SourceValid True True',
      'TargetValid False TargetContentLibraryNotWritable',
    ]);
    expect(await t.messageOf('web', 'TargetValid')).toBe('target location mirror is not writable');
    expect((await t.get('web')).status?.attempts).toBeUndefined();

    await addContentLibrary(t, 'unready', t.library, 'False');
    await t.request('db', { source: { name: 'web' }, target: { location: { name: 'unready' } } });
    expect(await t.conditions('db')).toEqual([
      'SourceValid True True',
      'TargetValid False TargetContentLibraryNotReady',
    ]);
    expect(await t.messageOf('db', 'TargetValid')).toBe('target location vsim is not ready');
  });

  it('gives up on an item name taken in the library, and goes on once it is free', async () => {
    const t = await setup();
    const taken = t.vsphere.library.createItem(t.library, {
      name: 'web-image',
      type: 'ovf',
      ovf: UBUNTU.ovf,
    });
    await t.createVm('web', await t.deploy('web'));
    await t.request('web');
    expect(await t.conditions('web')).toEqual([
      'SourceValid True True',
      'TargetValid False TargetItemAlreadyExists',
    ]);
    expect(await t.messageOf('web', 'TargetValid')).toBe(
      'item with name web-image already exists in the content library vsim',
    );
    await t.advance(600_000);
    expect((await t.get('web')).status?.attempts).toBeUndefined();

    t.vsphere.library.deleteItem(taken);
    await t.settle();
    expect(await t.conditions('web')).toEqual(t.complete);
    expect(t.itemsNamed('web-image').map((i) => i.id)).not.toContain(taken);
    noErrors(t);
  });

  it('counts an item made by an earlier attempt of the request as uploaded', async () => {
    const t = await setup();
    await t.request('web');
    const pending = await t.get('web');
    await t.kube.updateStatus({
      ...pending,
      status: { ...pending.status, attempts: 1 },
    } as unknown as KubeObject);
    const uid = pending.metadata.uid ?? '';
    const earlier = t.vsphere.library.createItem(t.library, {
      name: 'web-image',
      description: `${itemDescriptionPrefix(uid)}golden`,
      type: 'ovf',
      ovf: UBUNTU.ovf,
    });
    await t.createVm('web', await t.deploy('web'));
    expect(await t.conditions('web')).toEqual(t.complete);
    expect((await t.get('web')).status).toMatchObject({ attempts: 1, imageName: imageNameOf(earlier) });
    expect(t.itemsNamed('web-image').map((i) => [i.id, i.description])).toEqual([[earlier, '']]);
    noErrors(t);
  });

  it('publishes again at its first look 30 s on when vCenter refused the capture, which starts no task', async () => {
    const t = await setup();
    await t.createVm('web', 'vm-9999');
    await t.request('web');
    // The attempt's own write brings the request back at once, as vm-operator's watch does.
    expect(await t.conditions('web')).toEqual([
      'Complete False HasNotBeenUploaded',
      'SourceValid True True',
      'TargetValid True True',
      'Uploaded False NotStarted',
    ]);
    expect((await t.get('web')).status?.attempts).toBe(1);
    await t.advance(30_000);
    expect((await t.get('web')).status?.attempts).toBe(1);
    await t.advance(30_000);
    expect((await t.get('web')).status?.attempts).toBe(2);

    // The VM is created in vSphere: no task of the last attempt, which is tried again 30 s on.
    await t.setUniqueID('web', await t.deploy('web'));
    expect(await t.conditions('web')).toContain('Uploaded False NotStarted');
    await t.advance(30_000);
    expect(await t.conditions('web')).toEqual(t.complete);
    expect((await t.get('web')).status?.attempts).toBe(3);
    noErrors(t);
  });

  it('reads a failed capture task as UploadFailure and publishes again a minute after the attempt', async () => {
    const t = await setup();
    await t.createVm('web', await t.deploy('web'));
    const fault = { _type: 'InsufficientResourcesFault' };
    t.vsphere.interceptor.add({ method: 'vcenter.ovf.LibraryItem.create', times: 1, fault });
    const uploaded: string[] = [];
    t.kube.subscribe({ apiVersion: V6, kind: 'VirtualMachinePublishRequest' }, ({ object }) => {
      const status = (object as unknown as VirtualMachinePublishRequest).status;
      const condition = status?.conditions?.find((c) => c.type === 'Uploaded');
      if (condition)
        uploaded.push(`${status?.attempts}: ${condition.reason ?? 'True'} ${condition.message ?? ''}`);
    });
    await t.request('web');
    expect(await t.conditions('web')).toContain('Uploaded False UploadFailure');
    expect((await t.get('web')).status?.attempts).toBe(1);
    await t.advance(59_000);
    expect((await t.get('web')).status?.attempts).toBe(1);
    await t.advance(1_000);
    expect([...new Set(uploaded)]).toEqual([
      '1: UploadFailure InsufficientResourcesFault (injected)',
      '2: UploadFailure InsufficientResourcesFault (injected)',
      '2: True ',
    ]);
    expect(await t.conditions('web')).toEqual(t.complete);
    noErrors(t);
  });

  it('shows a capture that takes time as Uploading until its task ends', async () => {
    const t = await setup();
    t.vsphere.taskDurations = { ...t.vsphere.taskDurations, 'vcenter.ovf.LibraryItem.create': 90_000 };
    await t.createVm('web', await t.deploy('web'));
    await t.request('web');
    await t.advance(60_000);
    expect(await t.conditions('web')).toEqual([
      'Complete False HasNotBeenUploaded',
      'SourceValid True True',
      'TargetValid True True',
      'Uploaded False Uploading',
    ]);
    expect(await t.messageOf('web', 'Uploaded')).toBe('Uploading item to content library.');
    await t.advance(30_000);
    expect(await t.conditions('web')).toEqual(t.complete);
    expect((await t.get('web')).status?.attempts).toBe(1);
    noErrors(t);
  });

  it('reads a queued capture task as Queued, and a result that names no item as ItemIDInvalid', async () => {
    const t = await setup();
    t.vsphere.taskDurations = { ...t.vsphere.taskDurations, 'vcenter.ovf.LibraryItem.create': 90_000 };
    await t.createVm('web', await t.deploy('web'));
    await t.request('web');
    const [task] = [...t.vsphere.store.ofKind<TaskRecord>('Task')].filter((r) =>
      r.activationId?.endsWith('-1'),
    );
    if (!task) throw new Error('no capture task');
    // What vCenter's task manager shows while the capture waits its turn, then when it ends oddly.
    t.vsphere.store.transact((tx) => tx.put({ ...task, state: 'queued' }));
    await t.advance(60_000);
    expect(await t.conditions('web')).toContain('Uploaded False Queued');
    expect(await t.messageOf('web', 'Uploaded')).toBe('VM Publish task is queued.');
    t.vsphere.store.transact((tx) =>
      tx.put({ ...task, state: 'success', result: { type: 'ContentLibraryItem', value: 'not-an-item' } }),
    );
    await t.advance(60_000);
    expect(await t.conditions('web')).toContain('Uploaded False ItemIDInvalid');
    expect(await t.messageOf('web', 'Uploaded')).toMatch(/^Failed to get the uploaded item ID/);
    const stuck = await t.get('web');
    await t.advance(600_000);
    expect((await t.get('web')).metadata.resourceVersion).toBe(stuck.metadata.resourceVersion);
  });

  it('fails for good once the attempts reach the backoff limit', async () => {
    const t = await setup();
    await t.createVm('web', await t.deploy('web'));
    const rule = { method: 'vcenter.ovf.LibraryItem.create', fault: { _type: 'InsufficientResourcesFault' } };
    t.vsphere.interceptor.add(rule);
    await t.request('web', { backoffLimit: 2, target: { location: { name: t.target } } });
    await t.advance(60_000);
    await t.advance(60_000);
    expect(await t.conditions('web')).toEqual([
      'Complete False Fatal',
      'SourceValid True True',
      'TargetValid True True',
      'Uploaded False UploadFailure',
    ]);
    expect(await t.messageOf('web', 'Complete')).toBe('publish attempts limit has been reached: 2');
    const failed = await t.get('web');
    t.vsphere.interceptor.clear();
    await t.advance(600_000);
    expect((await t.get('web')).metadata.resourceVersion).toBe(failed.metadata.resourceVersion);
    expect(t.itemsNamed('web-image')).toEqual([]);
  });

  it('tries without end with a backoffLimit of 0, a minute apart', async () => {
    const t = await setup();
    await t.createVm('web', await t.deploy('web'));
    t.vsphere.interceptor.add({ method: 'vcenter.ovf.LibraryItem.create', fault: { _type: 'InvalidState' } });
    await t.request('web', { backoffLimit: 0, target: { location: { name: t.target } } });
    expect((await t.get('web')).status?.attempts).toBe(1);
    await t.advance(180_000);
    expect((await t.get('web')).status?.attempts).toBe(4);
    expect(await t.conditions('web')).toContain('Uploaded False UploadFailure');
  });

  it('deletes a complete request once ttlSecondsAfterFinished has passed', async () => {
    const t = await setup();
    await t.createVm('web', await t.deploy('web'));
    await t.request('web', { ttlSecondsAfterFinished: 30, target: { location: { name: t.target } } });
    expect(await t.conditions('web')).toEqual(t.complete);
    await t.advance(29_000);
    expect(await t.find(ref('VirtualMachinePublishRequest', 'web'))).toBeDefined();
    await t.advance(1_000);
    expect(await t.find(ref('VirtualMachinePublishRequest', 'web'))).toBeUndefined();
    expect(t.itemsNamed('web-image')).toHaveLength(1);
    noErrors(t);
  });

  it('lets a deleted request go', async () => {
    const t = await setup();
    await t.request('web');
    expect((await t.get('web')).metadata.finalizers).toEqual([PUBLISH_REQUEST_FINALIZER]);
    await t.kube.delete(ref('VirtualMachinePublishRequest', 'web'));
    await t.settle();
    expect(await t.find(ref('VirtualMachinePublishRequest', 'web'))).toBeUndefined();
    noErrors(t);
  });
});
