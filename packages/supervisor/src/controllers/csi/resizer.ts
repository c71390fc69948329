/**
 * Expanding a claim: external-resizer over the driver's ControllerExpandVolume, as a
 * Supervisor runs them.
 *
 * A bound claim of the driver's volume that asks for more than its `status.capacity` is marked
 * `Resizing` (`status.allocatedResources` the size asked for, `allocatedResourceStatuses`
 * `ControllerResizeInProgress`); its disk grows (ExtendDisk_Task, rounded up to MiB, while
 * attached too: CNS expands online) and its volume's `spec.capacity` with it. A raw block
 * volume needs nothing more: the claim's capacity is the new size, the resize conditions and
 * status go, and it is marked `volume.kubernetes.io/node-expansion-not-required`. A file system
 * volume is left, as the driver answers for one, to a node's expansion: `FileSystemResizePending`
 * and `NodeResizePending`, its capacity as it was, since nothing on a Supervisor finishes one for
 * a VM (a further expansion waits for it, as external-resizer waits). A disk that cannot grow
 * (its datastore full) gives the claim `ControllerResizeError` and is retried after 1 s,
 * doubling up to 5 minutes; a request lowered meanwhile, no lower than the capacity, is what
 * the retry asks for.
 */
import { isVimFault, type VStorageObjectRecord } from '@vsim/vsphere';
import type { Controller } from '../../runtime/controller.js';
import { objectKey, parseObjectKey } from '../../runtime/keys.js';
import type { Manager } from '../../runtime/manager.js';
import { PERSISTENT_VOLUME, PERSISTENT_VOLUME_CLAIM } from '../../store/kinds.js';
import { deepEqual, merged, timestamp } from '../../store/meta.js';
import {
  binaryQuantity,
  divideRoundingUp,
  parseQuantity,
  quantityNanos,
  wholeUnits,
} from '../../store/quantity.js';
import { type RecorderFor, recorderOf } from '../recorders.js';
import {
  CSI_BACKOFF,
  CSI_DRIVER,
  type CsiControllersDeps,
  type PersistentVolume,
  type PersistentVolumeClaim,
} from './provisioner.js';

export const CSI_RESIZER_CONTROLLER = 'csi-resizer';
/** What external-resizer's Events name as their source. */
export const RESIZER_COMPONENT = `external-resizer ${CSI_DRIVER}`;
/** kube-controller-manager's expand controller, which leaves a CSI volume's resize to the driver's resizer. */
const EXPAND_COMPONENT = 'volume_expand';
export const NODE_EXPANSION_NOT_REQUIRED = 'volume.kubernetes.io/node-expansion-not-required';

const PVC = PERSISTENT_VOLUME_CLAIM;
const PV = PERSISTENT_VOLUME;
const MIB = 1024n * 1024n;
const NANOS_PER_MIB = MIB * 1_000_000_000n;

/** The conditions external-resizer owns; any other a claim has is left alone. */
const RESIZE_CONDITIONS = new Set([
  'Resizing',
  'FileSystemResizePending',
  'ControllerResizeError',
  'NodeResizeError',
]);
const NODE_RESIZE_WAIT =
  'Waiting for user to (re-)start a pod to finish file system resize of volume on node.';

interface ClaimCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  message?: string;
}

/** A claim's status as external-resizer reads and writes it. */
interface ResizeStatus {
  phase?: string;
  capacity?: { storage?: string };
  conditions?: ClaimCondition[];
  allocatedResources?: Record<string, string>;
  allocatedResourceStatuses?: Record<string, string>;
}

/** The driver's answer to a failed ControllerExpandVolume, as the resizer's gRPC client prints it. */
class ExpandError extends Error {}

const statusOf = (claim: PersistentVolumeClaim) => (claim.status ?? {}) as ResizeStatus;

/** The claim's resize conditions replaced by these (`keep`: those not replaced stay too); others kept. */
const mergeConditions = (old: ClaimCondition[] | undefined, added: ClaimCondition[], keep: boolean) => {
  const byType = new Map(added.map((c) => [c.type, c]));
  const out: ClaimCondition[] = [];
  for (const condition of old ?? []) {
    const replacement = byType.get(condition.type);
    if (!RESIZE_CONDITIONS.has(condition.type)) out.push(condition);
    else if (replacement) {
      out.push(replacement);
      byType.delete(condition.type);
    } else if (keep) out.push(condition);
  }
  return [...out, ...byType.values()];
};

export function startCsiResizer(
  manager: Manager,
  deps: CsiControllersDeps & { recorderFor?: RecorderFor },
): Controller {
  const { kube, vsphere } = deps;
  const events = recorderOf(deps, RESIZER_COMPONENT);
  const expandEvents = recorderOf(deps, EXPAND_COMPONENT);

  const condition = (type: string, message?: string): ClaimCondition => ({
    type,
    status: 'True',
    lastTransitionTime: timestamp(vsphere.clock.now()),
    ...(message === undefined ? {} : { message }),
  });

  /** The claim's status (and its node-expansion mark) written, when they changed. */
  const write = (claim: PersistentVolumeClaim, written: ResizeStatus, notRequired: boolean) => {
    // No conditions left is none at all, as Go leaves an empty list out.
    const { conditions, ...others } = written;
    const status = conditions?.length ? written : others;
    let current = claim;
    const annotations = claim.metadata.annotations ?? {};
    if ((annotations[NODE_EXPANSION_NOT_REQUIRED] !== undefined) !== notRequired) {
      const { [NODE_EXPANSION_NOT_REQUIRED]: _, ...rest } = annotations;
      const next = notRequired ? { ...rest, [NODE_EXPANSION_NOT_REQUIRED]: 'true' } : rest;
      current = kube.direct.update(
        merged(claim, { metadata: merged(claim.metadata, { annotations: next }) }),
      ) as PersistentVolumeClaim;
    }
    if (deepEqual(current.status, status)) return current;
    return kube.direct.updateStatus(merged(current, { status })) as PersistentVolumeClaim;
  };

  /** The size to expand to, as external-resizer picks it, or undefined when there is nothing to do. */
  const target = (claim: PersistentVolumeClaim, pvSize: bigint): bigint | undefined => {
    const status = statusOf(claim);
    const requested = quantityNanos(claim.spec?.resources?.requests?.storage) ?? 0n;
    const allocated = quantityNanos(status.allocatedResources?.storage);
    const state = status.allocatedResourceStatuses?.storage;
    const nodePending = state === 'NodeResizePending' || state === 'NodeResizeInProgress';
    if (pvSize < requested) {
      // A node's expansion still to come finishes first; a failed one on the controller (every
      // failure of CNS is final to the resizer) is retried at the size asked for now.
      if (!nodePending) return requested;
      return allocated !== undefined && pvSize < allocated ? allocated : undefined;
    }
    // Grown already: what was asked for is finished (its status written after a failure to).
    if (nodePending) return undefined;
    if (allocated !== undefined) return allocated;
    return status.conditions?.some((c) => c.type === 'FileSystemResizePending') ? undefined : requested;
  };

  /** ControllerExpandVolume: the disk grown to the size in MiB, rounded up; what it now holds. */
  const expand = async (volume: PersistentVolume, size: bigint): Promise<bigint> => {
    const id = volume.spec?.csi?.volumeHandle ?? '';
    const sizeMB = divideRoundingUp(size, NANOS_PER_MIB);
    const failed = (why: string) =>
      new ExpandError(
        `rpc error: code = Internal desc = failed to expand volume: "${id}" to size: ${sizeMB} err ${why}`,
      );
    const disk = vsphere.store.get(id) as VStorageObjectRecord | undefined;
    if (disk?.kind !== 'VStorageObject')
      throw failed(`The object or item referred to could not be found: disk ${id}.`);
    // CNS grows no disk already as large.
    if (BigInt(disk.capacityInMB) < sizeMB)
      try {
        await vsphere.disks.extend(id, disk.datastore, Number(sizeMB)).wait();
      } catch (fault) {
        if (!isVimFault(fault)) throw fault;
        throw failed(`${fault.fault._type}: ${fault.message}`);
      }
    return sizeMB * NANOS_PER_MIB;
  };

  const reconcile = async (key: string) => {
    const { namespace = '', name } = parseObjectKey(key);
    let claim = kube.direct.get({ ...PVC, namespace, name }) as PersistentVolumeClaim | undefined;
    if (!claim?.spec?.volumeName || statusOf(claim).phase !== 'Bound') return undefined;
    const requested = quantityNanos(claim.spec.resources?.requests?.storage) ?? 0n;
    if (requested <= (quantityNanos(statusOf(claim).capacity?.storage) ?? 0n)) return undefined;
    const volume = kube.direct.get({ ...PV, name: claim.spec.volumeName }) as PersistentVolume | undefined;
    if (!volume) throw new Error(`PV "${claim.spec.volumeName}" bound to pvc "${key}" not found`);
    if (volume.spec?.csi?.driver !== CSI_DRIVER || volume.spec.claimRef?.uid !== claim.metadata.uid)
      return undefined;
    const capacity = (volume.spec as { capacity?: { storage?: string } }).capacity?.storage;
    const size = target(claim, quantityNanos(capacity) ?? 0n);
    if (size === undefined) return undefined;

    const before = statusOf(claim);
    // The same size again (a retry) keeps what the last attempt wrote.
    const again = quantityNanos(before.allocatedResources?.storage) === size;
    // Recorded as asked for (a retry at a size asked for earlier keeps its words).
    const request = parseQuantity(String(claim.spec.resources?.requests?.storage));
    const asked =
      request?.nanos === size
        ? request.text
        : (before.allocatedResources?.storage ?? binaryQuantity(Number(wholeUnits(size))));
    claim = write(
      claim,
      {
        ...before,
        conditions: mergeConditions(before.conditions, [condition('Resizing')], again),
        allocatedResources: { ...before.allocatedResources, storage: asked },
        allocatedResourceStatuses: again
          ? { ...before.allocatedResourceStatuses }
          : { ...before.allocatedResourceStatuses, storage: 'ControllerResizeInProgress' },
      },
      false,
    );
    expandEvents.normal(claim, 'ExternalExpanding', 'waiting for an external controller to expand this PVC');
    events.normal(claim, 'Resizing', `External resizer is resizing volume ${volume.metadata.name}`);

    let grown: bigint;
    try {
      grown = await expand(volume, size);
    } catch (error) {
      if (!(error instanceof ExpandError)) throw error;
      const latest = kube.direct.get({ ...PVC, namespace, name }) as PersistentVolumeClaim | undefined;
      if (latest) {
        const status = statusOf(latest);
        write(
          latest,
          {
            ...status,
            conditions: mergeConditions(
              status.conditions,
              [condition('ControllerResizeError', `failed to expand pvc with ${error.message}`)],
              true,
            ),
          },
          latest.metadata.annotations?.[NODE_EXPANSION_NOT_REQUIRED] !== undefined,
        );
      }
      const message = `resize volume "${volume.metadata.name}" by resizer "${CSI_DRIVER}" failed: ${error.message}`;
      events.warning(latest ?? claim, 'VolumeResizeFailed', message);
      throw new Error(message);
    }

    const newSize = binaryQuantity(Number(wholeUnits(grown)));
    const latestVolume = kube.direct.get({ ...PV, name: volume.metadata.name as string });
    if (latestVolume)
      kube.direct.update(
        merged(latestVolume, {
          spec: merged(latestVolume.spec as object, { capacity: { storage: newSize } }),
        }),
      );
    claim = (kube.direct.get({ ...PVC, namespace, name }) as PersistentVolumeClaim | undefined) ?? claim;
    const status = statusOf(claim);
    if ((volume.spec as { volumeMode?: string } | undefined)?.volumeMode !== 'Block') {
      write(
        claim,
        {
          ...status,
          conditions: mergeConditions(
            status.conditions,
            [condition('FileSystemResizePending', NODE_RESIZE_WAIT)],
            true,
          ),
          allocatedResourceStatuses: { ...status.allocatedResourceStatuses, storage: 'NodeResizePending' },
        },
        false,
      );
      events.normal(claim, 'FileSystemResizeRequired', 'Require file system resize of volume on node');
      return undefined;
    }
    const { storage: _, ...otherStatuses } = status.allocatedResourceStatuses ?? {};
    const { allocatedResourceStatuses: __, ...rest } = status;
    write(
      claim,
      {
        ...rest,
        capacity: { ...status.capacity, storage: newSize },
        conditions: mergeConditions(status.conditions, [], false),
        ...(Object.keys(otherStatuses).length > 0 ? { allocatedResourceStatuses: otherStatuses } : {}),
      },
      true,
    );
    events.normal(claim, 'VolumeResizeSuccessful', 'Resize volume succeeded');
    return undefined;
  };

  const controller = manager.controller({ name: CSI_RESIZER_CONTROLLER, reconcile, ...CSI_BACKOFF });
  // As external-resizer's claim events: a new claim, a request changed, a capacity grown, or a
  // resize status changed; its own other writes bring nothing back before its backoff.
  controller.watches(kube, PVC, (object, event, old) => {
    if (event === 'DELETED') return undefined;
    const key = [objectKey({ namespace: object.metadata.namespace, name: object.metadata.name as string })];
    if (event === 'ADDED' || !old) return key;
    const claim = object as PersistentVolumeClaim;
    const was = old as PersistentVolumeClaim;
    const changed =
      quantityNanos(claim.spec?.resources?.requests?.storage) !==
        quantityNanos(was.spec?.resources?.requests?.storage) ||
      (quantityNanos(statusOf(claim).capacity?.storage) ?? 0n) >
        (quantityNanos(statusOf(was).capacity?.storage) ?? 0n) ||
      statusOf(claim).allocatedResourceStatuses?.storage !== statusOf(was).allocatedResourceStatuses?.storage;
    return changed ? key : undefined;
  });
  return controller;
}
