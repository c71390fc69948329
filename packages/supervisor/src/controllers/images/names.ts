/**
 * How a Supervisor names what it shows of a content library: the library's ContentLibrary
 * `cl-…`, an item's ContentLibraryItem `clitem-…` and its VirtualMachineImage `vmi-…`, each
 * suffix the first 17 hex digits of the SHA-1 of the vSphere id without dashes. vm-operator
 * names an item's image from its ContentLibraryItem's name, the suffix kept.
 */
import { createHash } from 'node:crypto';

/** vm-operator's SHA1Sum17: the first 17 hex digits of the SHA-1 of a string. */
export const sha1Sum17 = (text: string): string => createHash('sha1').update(text).digest('hex').slice(0, 17);

/** The suffix of the names made of a vSphere id: the sum of the id without dashes. */
const idSum = (id: string): string => sha1Sum17(id.replaceAll('-', ''));

/** The name of a library's ContentLibrary and ClusterContentLibrary. */
export const contentLibraryNameOf = (libraryId: string): string => `cl-${idSum(libraryId)}`;

/** The name of a library item's ContentLibraryItem and ClusterContentLibraryItem. */
export const libraryItemNameOf = (itemId: string): string => `clitem-${idSum(itemId)}`;

/** The name of the image of a library item. */
export const imageNameOf = (itemId: string): string => `vmi-${idSum(itemId)}`;

const ITEM_PREFIX = 'clitem';

/**
 * vm-operator's GetImageFieldNameFromItem: `clitem-<id>` is shown as `vmi-<id>`; undefined for a
 * name of another form, an object vm-operator skips.
 */
export function imageNameIfItem(itemName: string): string | undefined {
  const parts = itemName.split('-');
  return itemName.startsWith(ITEM_PREFIX) && parts.length >= 2
    ? `vmi-${parts.slice(1).join('-')}`
    : undefined;
}
