/**
 * What the publish request controller asks of vSphere, behind one seam as vm-operator's
 * reconciler asks its VM provider: find the library a ContentLibrary object names and an item
 * by name, start the capture of a VM as an OVF item and find its task by its activation id,
 * rewrite an item's description.
 *
 * An item captured for a request carries vm-operator's marker in its description,
 * `virtualmachinepublishrequest.vmoperator.vmware.com: <request uid>`, which ties it to the
 * request until the marker is dropped.
 */
import {
  isVimFault,
  type LibraryItemRecord,
  type LibraryRecord,
  type TaskRecord,
  type VSphere,
} from '@vsim/vsphere';

/** The start of a captured item's description while it is tied to its request. */
export const itemDescriptionPrefix = (uid: string): string =>
  `virtualmachinepublishrequest.vmoperator.vmware.com: ${uid}\n`;

const MARKER = /virtualmachinepublishrequest\.vmoperator\.vmware\.com: ([a-z0-9-]*)/;

/** Whether the item's description ties it to the request of that uid. */
export const isTiedTo = (item: LibraryItemRecord, uid: string): boolean =>
  MARKER.exec(item.description)?.[1] === uid;

export interface CaptureSpec {
  libraryId: string;
  name: string;
  description: string;
  /** The request's uid, marked in the item's description. */
  uid: string;
  /** The id its task is found by. */
  activationId: string;
}

export interface LibraryProvider {
  /** The vSphere library of that id. */
  library(id: string): LibraryRecord | undefined;
  itemNamed(libraryId: string, name: string): LibraryItemRecord | undefined;
  item(id: string): LibraryItemRecord | undefined;
  /**
   * Starts capturing the VM (a moref value) as an OVF item, as vm-operator's asynchronous call
   * does: a capture vCenter refuses at once (the VM is gone) starts no task.
   */
  capture(vm: string, spec: CaptureSpec): void;
  /** The task of that activation id (a capture's), while vCenter keeps it. */
  captureTask(activationId: string): TaskRecord | undefined;
  setDescription(itemId: string, description: string): void;
}

export function libraryProvider(vsphere: VSphere): LibraryProvider {
  const { store, library } = vsphere;
  return {
    library(id) {
      const record = store.get(id);
      return record?.kind === 'ContentLibrary' ? (record as LibraryRecord) : undefined;
    },
    itemNamed(libraryId, name) {
      for (const id of store.referrers('libraryItem', libraryId)) {
        const item = store.get(id) as LibraryItemRecord | undefined;
        if (item?.name === name) return item;
      }
      return undefined;
    },
    item(id) {
      const record = store.get(id);
      return record?.kind === 'LibraryItem' ? (record as LibraryItemRecord) : undefined;
    },
    capture(vm, spec) {
      const captureSpec = {
        libraryId: spec.libraryId,
        name: spec.name,
        description: itemDescriptionPrefix(spec.uid) + spec.description,
        // As vm-operator asks: the image keeps the VM's extraConfig.
        flags: ['EXTRA_CONFIG'],
      };
      try {
        library.captureOvf(vm, captureSpec, { activationId: spec.activationId });
      } catch (error) {
        if (!isVimFault(error)) throw error;
      }
    },
    captureTask(activationId) {
      for (const task of store.ofKind<TaskRecord>('Task'))
        if (task.activationId === activationId) return task;
      return undefined;
    },
    setDescription(itemId, description) {
      library.updateItem(itemId, { description });
    },
  };
}
