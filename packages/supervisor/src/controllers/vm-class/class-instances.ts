/**
 * vm-operator's VirtualMachineClass controller, which has work only with ImmutableClasses: each
 * class's configuration is kept as a VirtualMachineClassInstance named `<class>-<hash>`, the hash
 * (xxHash64) of its config spec and whether it reserves (the simulator's own JSON of them, so not
 * vm-operator's bytes). The instance holds the class's spec and the hash (annotation
 * `vmoperator.vmware.com/vmclass-hash`), the class as its controller; the class's instance of its
 * current hash is labelled `vmoperator.vmware.com/active`, its others not. A class without a
 * config spec (which vCenter always writes) fails its reconcile, retried with backoff.
 */
import { canonicalJson } from '../../api/conversion/paths.js';
import {
  CLASS_HASH_ANNOTATION,
  CLASS_INSTANCE_ACTIVE_LABEL,
  HUB_VERSION,
  VM_CLASS_INSTANCE,
} from '../../api/index.js';
import type { VirtualMachineClass } from '../../api/types.js';
import type { Controller } from '../../runtime/controller.js';
import { parseObjectKey } from '../../runtime/keys.js';
import type { Manager } from '../../runtime/manager.js';
import type { KubeStore } from '../../store/kube-store.js';
import { type KubeObject, merged, referSameObject, withControllerReference } from '../../store/meta.js';
import { xxHash64 } from '../virtualmachine/xxhash64.js';

export const VM_CLASS_CONTROLLER = 'virtualmachineclass-controller';

const VM_CLASS = { apiVersion: `vmoperator.vmware.com/${HUB_VERSION}`, kind: 'VirtualMachineClass' } as const;

/** The hash of a class's configuration: its config spec and whether it reserves a profile. */
export function classHash(vmClass: VirtualMachineClass): string {
  const configSpec = vmClass.spec?.configSpec;
  if (!configSpec) throw new Error(`${vmClass.metadata.name} configSpec is nil`);
  const reserved = Boolean(vmClass.spec?.reservedProfileID);
  return xxHash64(Buffer.from(canonicalJson({ reserved, spec: configSpec })));
}

export function startVirtualMachineClassController(
  manager: Manager,
  { kube }: { kube: KubeStore },
): Controller {
  const reconcile = (key: string) => {
    const { namespace = '', name } = parseObjectKey(key);
    const vmClass = kube.direct.get({ ...VM_CLASS, namespace, name }) as VirtualMachineClass | undefined;
    if (!vmClass || vmClass.metadata.deletionTimestamp) return undefined;
    const hash = classHash(vmClass);
    const instanceName = `${name}-${hash}`;
    const found = kube.direct.get({ ...VM_CLASS_INSTANCE, namespace, name: instanceName });
    // vm-operator's create-or-patch of the current instance: controlled by the class, its spec, active.
    const wanted = merged(found ?? { ...VM_CLASS_INSTANCE, metadata: { name: instanceName, namespace } }, {
      metadata: merged(found?.metadata ?? { name: instanceName, namespace }, {
        ownerReferences: withControllerReference(found, asObject(vmClass)),
        annotations: merged(found?.metadata.annotations ?? {}, { [CLASS_HASH_ANNOTATION]: hash }),
        labels: merged(found?.metadata.labels ?? {}, { [CLASS_INSTANCE_ACTIVE_LABEL]: '' }),
      }),
      spec: vmClass.spec ?? {},
    });
    if (!found) kube.direct.create(wanted);
    else if (!sameInstance(found, wanted)) kube.direct.update(wanted);
    // Then every instance of the class: active only when of its current hash.
    const owner = { ...VM_CLASS, name, uid: '' };
    for (const instance of kube.direct.list(
      VM_CLASS_INSTANCE.apiVersion,
      VM_CLASS_INSTANCE.kind,
      namespace,
    )) {
      if (!instance.metadata.ownerReferences?.some((ref) => referSameObject(ref, owner))) continue;
      const current = instance.metadata.annotations?.[CLASS_HASH_ANNOTATION] === hash;
      const active = instance.metadata.labels?.[CLASS_INSTANCE_ACTIVE_LABEL] !== undefined;
      if (current === active) continue;
      const { [CLASS_INSTANCE_ACTIVE_LABEL]: _, ...rest } = instance.metadata.labels ?? {};
      const labels = current ? { ...rest, [CLASS_INSTANCE_ACTIVE_LABEL]: '' } : rest;
      kube.direct.update({ ...instance, metadata: { ...instance.metadata, labels } });
    }
    return undefined;
  };
  const controller = manager.controller({ name: VM_CLASS_CONTROLLER, reconcile });
  // As vm-operator's, it watches the classes alone.
  controller.watches(kube, VM_CLASS);
  return controller;
}

const asObject = (vmClass: VirtualMachineClass) => vmClass as unknown as KubeObject;

const sameInstance = (a: KubeObject, b: KubeObject) =>
  canonicalJson([a.metadata.ownerReferences, a.metadata.annotations, a.metadata.labels, a.spec]) ===
  canonicalJson([b.metadata.ownerReferences, b.metadata.annotations, b.metadata.labels, b.spec]);
