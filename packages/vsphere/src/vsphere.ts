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
import { chargeLibraryFiles } from './library/datastore-usage.js';
import { Model, type ModelOptions, type Ref } from './model.js';
import { clusterModuleOperations, leaveClusterModules } from './objects/cluster-module.js';
import { computeResourceOperations, leaveClusterConfig } from './objects/compute-resource.js';
import { cryptoManagerOperations } from './objects/crypto-manager.js';
import { customFieldOperations } from './objects/custom-fields.js';
import { customizationSpecOperations } from './objects/customization-specs.js';
import { datastoreBrowserOperations, dropOwnedObjects } from './objects/datastore-browser.js';
import { entityOperations } from './objects/entity.js';
import { environmentBrowserOperations } from './objects/environment-browser.js';
import { fileManagerOperations } from './objects/file-manager.js';
import { folderOperations } from './objects/folder.js';
import { hostOperations } from './objects/host.js';
import { hostDatastoreSystemOperations } from './objects/host-datastore-system.js';
import { hostDateTimeSystemOperations } from './objects/host-date-time-system.js';
import { hostFirewallSystemOperations } from './objects/host-firewall-system.js';
import { hostNetworkSystemOperations } from './objects/host-network-system.js';
import { hostServiceSystemOperations } from './objects/host-service-system.js';
import { optionManagerOperations } from './objects/option-manager.js';
import { admitReservations } from './objects/reservations.js';
import { resourcePoolOperations } from './objects/resource-pool.js';
import { snapshotOperations } from './objects/snapshot.js';
import { storageObjectOperations } from './objects/storage-object.js';
import { storagePolicyOperations } from './objects/storage-policy.js';
import { virtualDiskManagerOperations } from './objects/virtual-disk-manager.js';
import { virtualMachineOperations } from './objects/virtual-machine.js';
import { readProperty } from './properties/index.js';
import { loadState, type SavedState } from './save.js';
import { searchOperations } from './search/search-index.js';
import { dropAttachments } from './tagging/lookup.js';
import { taggingOperations } from './tagging/tagging.js';

export interface VSphereOptions extends ModelOptions {
  /** vcsim's flags (counts) or an explicit tree; vcsim's default inventory when absent. */
  inventory?: Partial<VcsimFlags> | InventoryTree;
  /** A saved state (see saveState) to start from instead of building an inventory. */
  state?: SavedState;
}

/** The operation groups that hold no hook of the model's: built on first use (see VSphere). */
const LAZY_GROUPS = {
  vm: virtualMachineOperations,
  folder: folderOperations,
  pool: resourcePoolOperations,
  entity: entityOperations,
  library: contentLibraryOperations,
  collector: propertyCollectorOperations,
  views: viewOperations,
  search: searchOperations,
  snapshot: snapshotOperations,
  host: hostOperations,
  datastoreSystem: hostDatastoreSystemOperations,
  networkSystem: hostNetworkSystemOperations,
  hostServices: hostServiceSystemOperations,
  dateTimeSystem: hostDateTimeSystemOperations,
  settings: optionManagerOperations,
  customizationSpecs: customizationSpecOperations,
  firewallSystem: hostFirewallSystemOperations,
  customFields: customFieldOperations,
  disks: storageObjectOperations,
  datastoreBrowser: datastoreBrowserOperations,
  files: fileManagerOperations,
  virtualDisks: virtualDiskManagerOperations,
  environmentBrowser: environmentBrowserOperations,
  tagging: taggingOperations,
  clusterModules: clusterModuleOperations,
  computeResource: computeResourceOperations,
  storagePolicies: storagePolicyOperations,
  crypto: cryptoManagerOperations,
};

type LazyGroups = { readonly [K in keyof typeof LAZY_GROUPS]: ReturnType<(typeof LAZY_GROUPS)[K]> };

export class VSphere extends Model {
  // History hooks into the model's events: it starts with it.
  readonly history = historyOperations(this);
  /**
   * The other groups are made the first time they are used: a simulator that serves a few
   * calls compiles only their code, which is most of the time of a first start.
   */
  readonly #groups: Partial<Record<keyof LazyGroups, unknown>> = {};

  #group<K extends keyof LazyGroups>(name: K): LazyGroups[K] {
    let group = this.#groups[name];
    if (group === undefined) {
      group = LAZY_GROUPS[name](this);
      this.#groups[name] = group;
    }
    return group as LazyGroups[K];
  }

  get vm() {
    return this.#group('vm');
  }
  get folder() {
    return this.#group('folder');
  }
  get pool() {
    return this.#group('pool');
  }
  get entity() {
    return this.#group('entity');
  }
  get library() {
    return this.#group('library');
  }
  get collector() {
    return this.#group('collector');
  }
  get views() {
    return this.#group('views');
  }
  get search() {
    return this.#group('search');
  }
  get snapshot() {
    return this.#group('snapshot');
  }
  get host() {
    return this.#group('host');
  }
  /** A host's HostDatastoreSystem: NFS and local datastores mounted and unmounted. */
  get datastoreSystem() {
    return this.#group('datastoreSystem');
  }
  /** A host's HostNetworkSystem: its standard switches and portgroups. */
  get networkSystem() {
    return this.#group('networkSystem');
  }
  /** A host's HostServiceSystem's services. */
  get hostServices() {
    return this.#group('hostServices');
  }
  /** A host's HostDateTimeSystem: its clock and NTP servers. */
  get dateTimeSystem() {
    return this.#group('dateTimeSystem');
  }
  /** vCenter's OptionManager (ServiceContent.setting): its advanced settings. */
  get settings() {
    return this.#group('settings');
  }
  /** vCenter's CustomizationSpecManager: guest customization specs saved by name. */
  get customizationSpecs() {
    return this.#group('customizationSpecs');
  }
  /** A host's HostFirewallSystem: its rulesets and default policy. */
  get firewallSystem() {
    return this.#group('firewallSystem');
  }
  get customFields() {
    return this.#group('customFields');
  }
  /** First Class Disks (VStorageObjectManager) and their attachment to VMs. */
  get disks() {
    return this.#group('disks');
  }
  /** HostDatastoreBrowser's searches over the files of a datastore. */
  get datastoreBrowser() {
    return this.#group('datastoreBrowser');
  }
  /** FileManager's and the `/folder` endpoint's work on the files clients put on datastores. */
  get files() {
    return this.#group('files');
  }
  /** VirtualDiskManager's work on standalone virtual disks, among the datastore files. */
  get virtualDisks() {
    return this.#group('virtualDisks');
  }
  /** EnvironmentBrowser's queries of what a compute resource's hosts offer a VM. */
  get environmentBrowser() {
    return this.#group('environmentBrowser');
  }
  get tagging() {
    return this.#group('tagging');
  }
  /** vAPI's cluster modules (vcenter.cluster.modules): the VM anti-affinity groups of clusters. */
  get clusterModules() {
    return this.#group('clusterModules');
  }
  /** A compute resource's configuration: a cluster's DRS and HA settings, groups, rules and overrides. */
  get computeResource() {
    return this.#group('computeResource');
  }
  /** VM storage policies (vcenter.storage.policies). */
  get storagePolicies() {
    return this.#group('storagePolicies');
  }
  /** CryptoManagerKmip: key providers and their keys (see objects/crypto-manager.ts). */
  get crypto() {
    return this.#group('crypto');
  }

  /** A property of a managed object by path, e.g. `summary.runtime.powerState`. */
  read<T = unknown>(ref: Ref, path: string): T {
    const record = this.lookup(ref);
    const { exists, value } = readProperty(this, record, path);
    if (!exists) throw faults.invalidProperty(path);
    return value as T;
  }

  constructor(options: VSphereOptions = {}) {
    super(options);
    // Whatever removes an object takes its tag attachments with it, tagging used or not yet;
    // a removed VM leaves its cluster modules, and a removed cluster's modules go; a VM or host
    // removed or moved out of a cluster leaves its groups, rules and overrides; a library's files
    // take room on its datastore.
    this.onRemove(dropAttachments(this));
    this.onRemove(leaveClusterModules(this));
    this.onRemove(dropOwnedObjects(this));
    this.onWrite(leaveClusterConfig(this));
    this.onWrite(chargeLibraryFiles(this));
    if (options.admissionControl) this.onWrite(admitReservations(this));
    if (options.state) {
      loadState(this, options.state);
      return;
    }
    this.store.transact((tx) => createServiceObjects(tx));
    const inventory = options.inventory ?? {};
    buildInventory(this, 'datacenters' in inventory ? inventory : vcsimTree(inventory));
  }
}
