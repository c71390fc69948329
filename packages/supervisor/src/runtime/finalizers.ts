import type { KubeStore } from '../store/kube-store.js';
import { type KubeObject, withFinalizer } from '../store/meta.js';

/**
 * controllerutil's AddFinalizer or RemoveFinalizer followed by the reconcile's write: the object
 * written with the finalizer present (or not); whether it had to be.
 */
export function writeFinalizer(
  kube: KubeStore,
  object: KubeObject,
  finalizer: string,
  present: boolean,
): boolean {
  const changed = withFinalizer(object, finalizer, present);
  if (changed) kube.direct.update(changed);
  return changed !== undefined;
}
