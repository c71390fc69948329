/**
 * Where a VM is in vCenter's inventory, as vm-operator's main branch checks it on every update
 * (its reconcileLocation): in its namespace's pool and folder of its zone, or in a child of
 * either (a resource policy's, a cluster's node pool). A VM moved elsewhere is reported, and
 * left as it is until it is back.
 */
import type { InventoryRecord, VmRecord } from '@vsim/vsphere';
import type { NamespacePlacement } from '../../namespaces/layout.js';
import { CONDITION, isFalse, isTrue, type Verdict } from './conditions.js';

const MOVED_MESSAGE = 'VM was moved to an unexpected ResourcePool or Folder';

/** The vSphere model's records, by id. */
interface Records {
  get(id: string): InventoryRecord | undefined;
}

/**
 * The VM's location verdict, or none for a VM without a zone (vm-operator skips it) or whose
 * zone's pool and folder are not known.
 */
export function locationVerdict(
  records: Records,
  record: VmRecord,
  expected: NamespacePlacement | undefined,
): Verdict | undefined {
  if (!expected?.zone) return undefined;
  // The VM's own pool and folder, or one level down from the expected ones, as vm-operator looks.
  const within = (id: string | undefined, root: string) =>
    id !== undefined && (id === root || records.get(id)?.parent === root);
  const inPool = within(record.pool, expected.pool);
  const inFolder = within(record.parent, expected.folder);
  if (inPool && inFolder) return isTrue(CONDITION.locationValid);
  const reason =
    !inPool && !inFolder
      ? 'ResourcePoolAndFolderMismatch'
      : !inPool
        ? 'ResourcePoolMismatch'
        : 'FolderMismatch';
  return isFalse(CONDITION.locationValid, reason, MOVED_MESSAGE);
}
