/**
 * The CSI syncer's side of a VirtualMachineSnapshot: vm-operator asks it to sync the snapshot's
 * volumes with the annotation `csi.vsphere.volume.sync: requested`, and it answers `completed`
 * once it has. The simulator's volumes hold nothing to sync: it answers at once.
 */
import type { Controller } from '../../runtime/controller.js';
import { parseObjectKey } from '../../runtime/keys.js';
import type { Manager } from '../../runtime/manager.js';
import type { KubeStore } from '../../store/kube-store.js';
import { merged } from '../../store/meta.js';
import { type Snapshot, VM_SNAPSHOT } from '../virtualmachine/snapshots.js';
import {
  CSI_SYNC_COMPLETED,
  CSI_SYNC_REQUESTED,
  CSI_VOLUME_SYNC_ANNOTATION,
} from '../vm-snapshot/vm-snapshot.js';

export const CSI_VOLUME_SYNC_CONTROLLER = 'csi-volume-sync-controller';

export function startCsiVolumeSync(manager: Manager, { kube }: { kube: KubeStore }): Controller {
  const reconcile = (key: string) => {
    const { namespace, name } = parseObjectKey(key);
    if (namespace === undefined) return undefined;
    const snapshot = kube.direct.get({ ...VM_SNAPSHOT, namespace, name }) as Snapshot | undefined;
    const annotations = snapshot?.metadata.annotations;
    if (!snapshot || annotations?.[CSI_VOLUME_SYNC_ANNOTATION] !== CSI_SYNC_REQUESTED) return undefined;
    kube.direct.update(
      merged(snapshot, {
        metadata: merged(snapshot.metadata, {
          annotations: merged(annotations, { [CSI_VOLUME_SYNC_ANNOTATION]: CSI_SYNC_COMPLETED }),
        }),
      }),
    );
    return undefined;
  };
  const controller = manager.controller({ name: CSI_VOLUME_SYNC_CONTROLLER, reconcile });
  controller.watches(kube, VM_SNAPSHOT);
  return controller;
}
