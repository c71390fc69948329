/** Folder's operations: create, rename, move into, destroy. */
import type { Model } from '../model.js';

export const folderOperations = (_m: Model) => ({});
