/** ResourcePool's operations: create, update, destroy. */
import type { Model } from '../model.js';

export const resourcePoolOperations = (_m: Model) => ({});
