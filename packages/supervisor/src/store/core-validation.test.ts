import { Random, VirtualClock } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import type { KubeError } from './errors.js';
import { PERSISTENT_VOLUME_CLAIM, STORAGE_CLASS } from './kinds.js';
import { KubeStore } from './kube-store.js';
import type { KubeObject } from './meta.js';

const PVC = PERSISTENT_VOLUME_CLAIM;

async function setup(allowVolumeExpansion?: boolean) {
  const store = new KubeStore(
    { clock: new VirtualClock(Date.UTC(2025, 0, 1)), random: new Random(1) },
    { namespaces: ['ns1'] },
  );
  await store.create({
    ...STORAGE_CLASS,
    metadata: { name: 'fast' },
    provisioner: 'csi.vsphere.vmware.com',
    ...(allowVolumeExpansion === undefined ? {} : { allowVolumeExpansion }),
  });
  const created = await store.create({
    ...PVC,
    metadata: { name: 'data', namespace: 'ns1' },
    spec: {
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'fast',
      resources: { requests: { storage: '2Gi' } },
    },
  });
  const bind = async () => {
    const claim = await store.get({ ...PVC, namespace: 'ns1', name: 'data' });
    const named = await store.update({ ...claim, spec: { ...(claim.spec as object), volumeName: 'pv-1' } });
    return store.updateStatus({ ...named, status: { phase: 'Bound', capacity: { storage: '2Gi' } } });
  };
  /** The claim's spec changed as `change` says: the stored claim, or the store's answer. */
  const edit = async (change: (spec: Record<string, unknown>) => Record<string, unknown>) => {
    const claim = await store.get({ ...PVC, namespace: 'ns1', name: 'data' });
    return store.update({ ...claim, spec: change(claim.spec as Record<string, unknown>) }).then(
      (stored: KubeObject) => stored,
      (error: KubeError) => error,
    );
  };
  const sized = (storage: string) => (spec: Record<string, unknown>) => ({
    ...spec,
    resources: { requests: { storage } },
  });
  return { store, created, bind, edit, sized };
}

describe('a claim updated (ValidatePersistentVolumeClaimUpdate, PersistentVolumeClaimResize)', () => {
  it('grows a bound claim of a class that allows expansion, and may take back a growth not yet made', async () => {
    const { bind, edit, sized } = await setup(true);
    await bind();
    const grown = (await edit(sized('4Gi'))) as KubeObject;
    expect(grown.spec).toMatchObject({ resources: { requests: { storage: '4Gi' } } });
    // Back down, above the capacity it has: recovery from a failed expansion.
    expect(((await edit(sized('3Gi'))) as KubeObject).spec).toMatchObject({
      resources: { requests: { storage: '3Gi' } },
    });
    // The same size in other words is no change.
    expect(await edit(sized('3072Mi'))).toHaveProperty('metadata');
  });

  it('refuses a growth of a class that does not allow it: 403, the admission plugin words', async () => {
    for (const allow of [undefined, false]) {
      const { store, bind, edit, sized } = await setup(allow);
      const before = await bind();
      const refused = (await edit(sized('4Gi'))) as KubeError;
      expect(refused).toMatchObject({
        code: 403,
        reason: 'Forbidden',
        message:
          'persistentvolumeclaims "data" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize',
      });
      expect(await store.get({ ...PVC, namespace: 'ns1', name: 'data' })).toEqual(before);
    }
  });

  it('refuses a claim made without a class, or naming another one, a growth', async () => {
    const { store, bind, edit, sized } = await setup(true);
    await bind();
    const moved = (await edit((spec) => ({ ...sized('4Gi')(spec), storageClassName: 'other' }))) as KubeError;
    // The spec's other change is refused first, by validation.
    expect(moved).toMatchObject({ code: 422 });
    expect(moved.message).toContain('spec: Forbidden: spec is immutable after creation');
    const stored = await store.get({ ...PVC, namespace: 'ns1', name: 'data' });
    expect(stored.spec).toMatchObject({
      storageClassName: 'fast',
      resources: { requests: { storage: '2Gi' } },
    });
  });

  it('refuses a request below the capacity: 422', async () => {
    const { bind, edit, sized } = await setup(true);
    await bind();
    await edit(sized('4Gi'));
    // Down to the capacity itself is refused too.
    for (const storage of ['1Gi', '2048Mi'])
      expect(await edit(sized(storage))).toMatchObject({
        code: 422,
        message:
          'PersistentVolumeClaim "data" is invalid: spec.resources.requests.storage: Forbidden: field can not be less than status.capacity',
      });
  });

  it('keeps an unbound claim as it was made, but for the volume it is bound to', async () => {
    const { store, created, edit, sized } = await setup(true);
    const refused = (await edit(sized('4Gi'))) as KubeError;
    expect(refused.code).toBe(422);
    expect(refused.message.split('\n')[0]).toBe(
      'PersistentVolumeClaim "data" is invalid: spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
    );
    expect(refused.message).toContain('Resources');
    expect(refused.status.details?.causes).toEqual([
      expect.objectContaining({ field: 'spec', reason: 'FieldValueForbidden' }),
    ]);
    const block = (await edit((spec) => ({ ...spec, volumeMode: 'Block' }))) as KubeError;
    expect(block.message).toContain('volumeMode: Invalid value: "Block": field is immutable');
    expect(await store.get({ ...PVC, namespace: 'ns1', name: 'data' })).toEqual(created);
    // The PV controller's write: a volume name, once.
    const named = (await edit((spec) => ({ ...spec, volumeName: 'pv-1' }))) as KubeObject;
    expect(named.spec).toMatchObject({ volumeName: 'pv-1' });
    expect(await edit((spec) => ({ ...spec, volumeName: 'pv-2' }))).toMatchObject({ code: 422 });
  });
});
