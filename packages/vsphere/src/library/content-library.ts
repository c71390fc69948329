/** Local content libraries and their OVF items, and deploying an item as a new VM. */
import type { Model } from '../model.js';

export const contentLibraryOperations = (_m: Model) => ({});
