/**
 * The typed vSphere API: the model plus one namespace of operations per managed object
 * type. Facades and the supervisor call these; tests may too.
 */

import { propertyCollectorOperations } from './collector/collectors.js';
import { viewOperations } from './collector/views.js';
import { faults } from './faults.js';
import { historyOperations } from './history/collectors.js';
import { buildInventory } from './inventory/build.js';
import { createServiceObjects } from './inventory/service.js';
import type { InventoryTree } from './inventory/tree.js';
import { type VcsimFlags, vcsimTree } from './inventory/vcsim.js';
import { contentLibraryOperations } from './library/content-library.js';
import { Model, type ModelOptions, type Ref } from './model.js';
import { customFieldOperations } from './objects/custom-fields.js';
import { entityOperations } from './objects/entity.js';
import { folderOperations } from './objects/folder.js';
import { hostOperations } from './objects/host.js';
import { resourcePoolOperations } from './objects/resource-pool.js';
import { snapshotOperations } from './objects/snapshot.js';
import { virtualMachineOperations } from './objects/virtual-machine.js';
import { readProperty } from './properties/index.js';
import { loadState, type SavedState } from './save.js';
import { searchOperations } from './search/search-index.js';
import { taggingOperations } from './tagging/tagging.js';

export interface VSphereOptions extends ModelOptions {
  /** vcsim's flags (counts) or an explicit tree; vcsim's default inventory when absent. */
  inventory?: Partial<VcsimFlags> | InventoryTree;
  /** A saved state (see saveState) to start from instead of building an inventory. */
  state?: SavedState;
}

export class VSphere extends Model {
  readonly vm = virtualMachineOperations(this);
  readonly folder = folderOperations(this);
  readonly pool = resourcePoolOperations(this);
  readonly entity = entityOperations(this);
  readonly library = contentLibraryOperations(this);
  readonly collector = propertyCollectorOperations(this);
  readonly views = viewOperations(this);
  readonly search = searchOperations(this);
  readonly snapshot = snapshotOperations(this);
  readonly host = hostOperations(this);
  readonly customFields = customFieldOperations(this);
  readonly history = historyOperations(this);
  readonly tagging = taggingOperations(this);

  /** A property of a managed object by path, e.g. `summary.runtime.powerState`. */
  read<T = unknown>(ref: Ref, path: string): T {
    const record = this.lookup(ref);
    const { exists, value } = readProperty(this, record, path);
    if (!exists) throw faults.invalidProperty(path);
    return value as T;
  }

  constructor(options: VSphereOptions = {}) {
    super(options);
    if (options.state) {
      loadState(this, options.state);
      return;
    }
    this.store.transact((tx) => createServiceObjects(tx));
    const inventory = options.inventory ?? {};
    buildInventory(this, 'datacenters' in inventory ? inventory : vcsimTree(inventory));
  }
}
