import { describe, expect, it } from 'vitest';
import { PUBLISH_MANAGED_BY_LABEL } from '../../api/group-publish-request-validation.js';
import type { VirtualMachineGroupPublishRequest, VirtualMachinePublishRequest } from '../../api/types.js';
import { IMAGE_REGISTRY_API_VERSION } from '../../image-registry-kinds.js';
import type { KubeError } from '../../store/errors.js';
import { createNamespaceFixture } from '../../testing/fixture.js';
import { contentLibraryNameOf } from '../images/names.js';
import { GROUP_PUBLISH_REQUEST_FINALIZER } from './group-publish-request.js';

const HUB = 'vmoperator.vmware.com/v1alpha6';
const MUTATING = 'default.mutating.virtualmachinegrouppublishrequest.v1alpha6.vmoperator.vmware.com';
const VALIDATING = 'default.validating.virtualmachinegrouppublishrequest.v1alpha6.vmoperator.vmware.com';

async function setup() {
  const f = await createNamespaceFixture();
  const library = contentLibraryNameOf(f.prepared.libraries[0] as string);
  const requestRef = (name: string) => ({
    apiVersion: HUB,
    kind: 'VirtualMachineGroupPublishRequest',
    namespace: 'ns1',
    name,
  });
  /** The group `g` of the VMs `a` and `b`, settled. */
  const group = async (name = 'g', vms = ['a', 'b']) => {
    await f.kube.create({
      apiVersion: HUB,
      kind: 'VirtualMachineGroup',
      metadata: { name, namespace: 'ns1' },
      spec: { bootOrder: [{ members: vms.map((vm) => ({ name: vm })) }] },
    });
    for (const vm of vms) await f.createVm(vm, { groupName: name });
    await f.settle();
  };
  const markDefault = async () => {
    await f.kube.patch(
      { apiVersion: IMAGE_REGISTRY_API_VERSION, kind: 'ContentLibrary', namespace: 'ns1', name: library },
      { metadata: { labels: { 'imageregistry.vmware.com/default': '' } } },
      { type: 'merge' },
    );
  };
  const createRequest = (name: string, spec: VirtualMachineGroupPublishRequest['spec'] = {}) =>
    f.kube.create({
      apiVersion: HUB,
      kind: 'VirtualMachineGroupPublishRequest',
      metadata: { name, namespace: 'ns1' },
      spec,
    }) as unknown as Promise<VirtualMachineGroupPublishRequest>;
  const request = async (name: string) =>
    (await f.find(requestRef(name))) as unknown as VirtualMachineGroupPublishRequest | undefined;
  const publishRequests = async () =>
    (await f.kube.list({ apiVersion: HUB, kind: 'VirtualMachinePublishRequest', namespace: 'ns1' }))
      .items as unknown as VirtualMachinePublishRequest[];
  const refusal = (write: Promise<unknown>) =>
    write.then(
      () => {
        throw new Error('the write was admitted');
      },
      (error: KubeError) => error,
    );
  return { ...f, library, requestRef, group, markDefault, createRequest, request, publishRequests, refusal };
}

describe('VirtualMachineGroupPublishRequest', () => {
  it("publishes a group's VMs, one publish request each, and completes once all are images", async () => {
    const f = await setup();
    await f.group();
    await f.markDefault();
    const made = await f.createRequest('g');
    // Filled in by the webhook: the group of its name, the default library, the group's VMs.
    expect(made.spec).toEqual({ source: 'g', target: f.library, virtualMachines: ['a', 'b'] });
    await f.settle();

    const request = await f.request('g');
    expect(request?.metadata.finalizers).toEqual([GROUP_PUBLISH_REQUEST_FINALIZER]);
    const publishes = await f.publishRequests();
    expect(publishes.map((p) => p.spec?.source?.name).sort()).toEqual(['a', 'b']);
    for (const p of publishes) {
      expect(p.metadata.name).toMatch(/^g-[a-z0-9]{5}$/);
      expect(p.metadata.labels?.[PUBLISH_MANAGED_BY_LABEL]).toBe(request?.metadata.uid);
      expect(p.metadata.ownerReferences?.[0]).toMatchObject({
        kind: 'VirtualMachineGroupPublishRequest',
        name: 'g',
      });
      expect(p.spec?.target?.item?.name).toBe(`g-${p.spec?.source?.name}`);
      expect(p.status?.ready).toBe(true);
    }
    const images = request?.status?.images ?? [];
    expect(images.map((i) => [i.source, i.publishRequestName])).toEqual(
      ['a', 'b'].map((vm) => [vm, publishes.find((p) => p.spec?.source?.name === vm)?.metadata.name]),
    );
    for (const image of images) expect(image.imageName).toMatch(/^vmi-/);
    const complete = request?.status?.conditions?.find((c) => c.type === 'Complete');
    expect(complete).toMatchObject({ status: 'True', reason: 'True' });
    expect(request?.status?.completionTime).toBeDefined();
    expect(request?.status?.startTime).toBeDefined();

    // Deleted, it takes its publish requests with it.
    await f.kube.delete(f.requestRef('g'));
    await f.settle();
    expect(await f.request('g')).toBeUndefined();
    expect(await f.publishRequests()).toEqual([]);
  });

  it('goes its TTL after it completes', async () => {
    const f = await setup();
    await f.group();
    await f.createRequest('g', { target: f.library, ttlSecondsAfterFinished: 60 });
    await f.settle();
    expect(await f.request('g')).toBeDefined();
    await f.advance(60_000);
    expect(await f.request('g')).toBeUndefined();
  });

  it('keeps its own publish requests its own: the managed-by label needs it as owner, and users change none', async () => {
    const f = await setup();
    await f.group();
    await f.markDefault();
    await f.createRequest('g');
    await f.settle();
    const [own] = await f.publishRequests();
    if (!own) throw new Error('the group request made no publish request');
    const VALIDATING_PUB = 'default.validating.virtualmachinepublishrequest.v1alpha6.vmoperator.vmware.com';
    const notOwned = `admission webhook "${VALIDATING_PUB}" denied the request: cannot add the "${PUBLISH_MANAGED_BY_LABEL}" label without a VirtualMachineGroupPublishRequest owner reference`;
    // A user's update of one is refused, whatever it changes.
    const labelled = await f.refusal(
      f.kube.update({
        ...own,
        metadata: { ...own.metadata, labels: { ...own.metadata.labels, x: 'y' } },
      } as never),
    );
    expect([labelled.code, labelled.message]).toEqual([
      403,
      `admission webhook "${VALIDATING_PUB}" denied the request: cannot update VirtualMachineGroupPublishRequest owned VirtualMachinePublishRequest`,
    ]);
    // A new request with the label but not owned by the group request it names is refused.
    const spec = { source: { name: 'a' }, target: { location: { name: f.library } } };
    const forged = await f.refusal(
      f.kube.create({
        apiVersion: HUB,
        kind: 'VirtualMachinePublishRequest',
        metadata: { name: 'forged', namespace: 'ns1', labels: { [PUBLISH_MANAGED_BY_LABEL]: 'some-uid' } },
        spec,
      }),
    );
    expect([forged.code, forged.message]).toEqual([403, notOwned]);
    // Nor may a user's request take the label later.
    const plain = await f.kube.create({
      apiVersion: HUB,
      kind: 'VirtualMachinePublishRequest',
      metadata: { name: 'plain', namespace: 'ns1' },
      spec,
    });
    const taken = await f.refusal(
      f.kube.update({
        ...plain,
        metadata: { ...plain.metadata, labels: { [PUBLISH_MANAGED_BY_LABEL]: '' } },
      }),
    );
    expect([taken.code, taken.message]).toEqual([403, notOwned]);
  });

  it("answers with its webhooks' errors, and keeps its spec", async () => {
    const f = await setup();
    await f.group();
    const noDefault = await f.refusal(f.createRequest('g'));
    expect([noDefault.code, noDefault.message]).toEqual([
      404,
      `admission webhook "${MUTATING}" denied the request: cannot find a default content library with the "imageregistry.vmware.com/default" label`,
    ]);
    const missing = await f.refusal(f.createRequest('nope', { target: f.library }));
    expect([missing.code, missing.message]).toEqual([
      404,
      `admission webhook "${MUTATING}" denied the request: VirtualMachineGroup.vmoperator.vmware.com "nope" not found`,
    ]);
    await f.group('empty', []);
    const empty = await f.refusal(f.createRequest('empty', { target: f.library }));
    expect([empty.code, empty.message]).toEqual([
      400,
      `admission webhook "${MUTATING}" denied the request: "empty" group does not have any members`,
    ]);
    const stranger = await f.refusal(
      f.createRequest('x', { source: 'g', target: f.library, virtualMachines: ['a', 'c'] }),
    );
    expect(stranger.message).toBe(
      `admission webhook "${VALIDATING}" denied the request: spec.virtualMachines: Invalid value: "": virtual machines must be a direct or indirect member of the source group`,
    );
    const twice = await f.refusal(
      f.createRequest('y', { source: 'g', target: 'lib-x', virtualMachines: ['a', 'a'] }),
    );
    expect(twice.message).toContain(
      'spec.target: Not found: "lib-x", spec.virtualMachines: Duplicate value: ""',
    );
    const made = await f.createRequest('g', { target: f.library, virtualMachines: ['b'] });
    const changed = await f.refusal(
      f.kube.update({ ...made, spec: { ...made.spec, virtualMachines: ['a'] } } as never),
    );
    expect(changed.message).toContain('spec.virtualMachines: Invalid value: ["a"]: field is immutable');
  });
});
