import { describe, expect, it } from 'vitest';
import { PERSISTENT_VOLUME_CLAIM as PVC } from '../../store/kinds.js';
import type { KubeObject } from '../../store/meta.js';
import { createSupervisorFixture } from '../../testing/fixture.js';

async function setup(hard?: Record<string, string>) {
  const f = await createSupervisorFixture({ namespaces: ['ns1'] });
  const className = (await f.supervisor.prepareNamespace('ns1')).storageClass;
  await f.supervisor.updateNamespace('ns1', { storageLimit: '10Gi' });
  const quotaRef = { apiVersion: 'v1', kind: 'ResourceQuota', namespace: 'ns1', name: 'ns1-storagequota' };
  if (hard)
    await f.kube.create({ ...quotaRef, metadata: { name: 'claims', namespace: 'ns1' }, spec: { hard } });
  await f.settle();
  const claim = (name: string, storage: string): KubeObject => ({
    ...PVC,
    metadata: { name, namespace: 'ns1' },
    spec: {
      accessModes: ['ReadWriteOnce'],
      storageClassName: className,
      resources: { requests: { storage } },
    },
  });
  const refusal = (write: Promise<unknown>) =>
    write.then(
      () => 'admitted',
      (e: { code: number; message: string }) => `${e.code} ${e.message}`,
    );
  const status = async (name = 'ns1-storagequota') =>
    (await f.kube.get({ ...quotaRef, name })).status as { hard?: object; used?: object } | undefined;
  return { ...f, className, claim, refusal, status };
}

describe('ResourceQuotas of claims', () => {
  it('keep their hard limits and what the claims use in their status, and refuse what goes past', async () => {
    const t = await setup();
    const key = `${t.className}.storageclass.storage.k8s.io/requests.storage`;
    expect(await t.status()).toEqual({ hard: { [key]: '10Gi' }, used: { [key]: '0' } });
    await t.kube.create(t.claim('a', '6Gi'));
    await t.settle();
    expect(await t.status()).toEqual({ hard: { [key]: '10Gi' }, used: { [key]: '6Gi' } });
    expect(await t.refusal(t.kube.create(t.claim('b', '5Gi')))).toBe(
      `403 persistentvolumeclaims "b" is forbidden: exceeded quota: ns1-storagequota, requested: ${key}=5Gi, used: ${key}=6Gi, limited: ${key}=10Gi`,
    );
    // Growing a bound claim asks for the difference.
    const a = await t.kube.get({ ...PVC, namespace: 'ns1', name: 'a' });
    const grown = { ...a, spec: { ...(a.spec as object), resources: { requests: { storage: '11Gi' } } } };
    expect(await t.refusal(t.kube.update(grown))).toBe(
      `403 persistentvolumeclaims "a" is forbidden: exceeded quota: ns1-storagequota, requested: ${key}=5Gi, used: ${key}=6Gi, limited: ${key}=10Gi`,
    );
    await t.kube.create(t.claim('c', '4Gi'));
    await t.settle();
    expect((await t.status())?.used).toEqual({ [key]: '10Gi' });
    // A claim gone gives its storage back.
    await t.kube.delete({ ...PVC, namespace: 'ns1', name: 'a' });
    await t.settle();
    expect((await t.status())?.used).toEqual({ [key]: '4Gi' });
    expect(await t.refusal(t.kube.create(t.claim('b', '5Gi')))).toBe('admitted');
  });

  it('count claims and their storage in all and by class, and leave what else they name unused', async () => {
    const t = await setup({ persistentvolumeclaims: '1', 'requests.storage': '1Ti', pods: '10' });
    await t.kube.create(t.claim('a', '1Gi'));
    await t.settle();
    expect(await t.status('claims')).toEqual({
      hard: { persistentvolumeclaims: '1', 'requests.storage': '1Ti', pods: '10' },
      used: { persistentvolumeclaims: '1', 'requests.storage': '1Gi' },
    });
    expect(await t.refusal(t.kube.create(t.claim('b', '1Gi')))).toBe(
      '403 persistentvolumeclaims "b" is forbidden: exceeded quota: claims, requested: persistentvolumeclaims=1, used: persistentvolumeclaims=1, limited: persistentvolumeclaims=1',
    );
  });

  it('check a write on the resources it adds to alone', async () => {
    const t = await setup({ persistentvolumeclaims: '2', 'requests.storage': '1Ti' });
    await t.kube.create(t.claim('a', '1Gi'));
    await t.kube.create(t.claim('b', '1Gi'));
    await t.settle();
    // The count lowered below what the claims use: a growth, which adds no claim, still passes,
    // as the API server drops what a write adds nothing to before it compares.
    const quota = await t.kube.get({
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      namespace: 'ns1',
      name: 'claims',
    });
    await t.kube.update({
      ...quota,
      spec: { hard: { persistentvolumeclaims: '1', 'requests.storage': '2Gi' } },
    });
    const b = await t.kube.get({ ...PVC, namespace: 'ns1', name: 'b' });
    const grown = (storage: string) => ({
      ...b,
      spec: { ...(b.spec as object), resources: { requests: { storage } } },
    });
    // Past the storage limit, the refusal names the storage alone.
    expect(await t.refusal(t.kube.update(grown('3Gi')))).toBe(
      '403 persistentvolumeclaims "b" is forbidden: exceeded quota: claims, requested: requests.storage=2Gi, used: requests.storage=2Gi, limited: requests.storage=2Gi',
    );
    const quotaRef = { apiVersion: 'v1', kind: 'ResourceQuota', namespace: 'ns1', name: 'claims' };
    await t.kube.patch(quotaRef, { spec: { hard: { 'requests.storage': '1Ti' } } }, { type: 'merge' });
    expect(await t.refusal(t.kube.update(grown('3Gi')))).toBe('admitted');
  });
});
