/** Operations every ManagedEntity has: Rename_Task. */
import type { Model } from '../model.js';

export const entityOperations = (_m: Model) => ({});
