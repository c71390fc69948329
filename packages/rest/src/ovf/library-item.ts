/**
 * vcenter.ovf.LibraryItem: capture a VM as an OVF item (`create`) and deploy an OVF item as
 * a VM (`deploy`). Both take their parameters at the top level of the body in both styles
 * (`source`/`target`/`create_spec`, `target`/`deployment_spec`). As in vCenter, an unknown
 * library, item or source VM and a malformed body are raised errors; a failure of the
 * operation itself (a taken name, no room, a wrong target) is a result with
 * `succeeded: false` and the error in `error.errors`.
 */
import {
  capturedItemId,
  type DatacenterRecord,
  type DeploySpec,
  isVimFault,
  type VSphere,
} from '@vsim/vsphere';
import { invalid, isObject, type Json, obj, pathId, str } from '../content/wire.js';
import { type RestError, restError, toRestError } from '../errors.js';
import type { Call, Route, RouteSet } from '../routes.js';

const emptyResult = () => ({ errors: [], warnings: [], information: [] });

const ovfError = (error: RestError) => ({
  '@class': 'com.vmware.vcenter.ovf.ovf_error',
  category: error.type === 'invalid_argument' || error.type === 'already_exists' ? 'INPUT' : 'SERVER',
  error: { '@class': `com.vmware.vapi.std.errors.${error.type}`, messages: error.messages },
  issues: [],
  message: error.messages[0],
});

const failed = (error: unknown) => ({
  value: { succeeded: false, error: { ...emptyResult(), errors: [ovfError(toRestError(error))] } },
});

const bodyOf = (call: Call): Json => {
  if (!isObject(call.body)) throw invalid('body', 'must be an object');
  return call.body;
};

/** The header that names the task a vAPI call spawns (its `activationId`). */
const ACTIVATION_ID_HEADER = 'vapi-ctx-actid';

/** A blocking vAPI call's task options: the task it spawns carries the caller's activation id. */
export const activationOf = (call: Call) => {
  const id = call.headers[ACTIVATION_ID_HEADER];
  return id === undefined ? { blocking: true } : { blocking: true, activationId: id };
};

const create = async (call: Call) => {
  const body = bodyOf(call);
  const source = obj(body, 'source', 'source', true) as Json;
  const type = str(source, 'type', 'source.type', true);
  if (type !== 'VirtualMachine') throw invalid('source.type', 'must be VirtualMachine');
  const vm = str(source, 'id', 'source.id', true) as string;
  const target = obj(body, 'target', 'target', true) as Json;
  if (target.library_item_id !== undefined)
    throw restError('unsupported', 'Updating an existing library item from a VM is not supported.');
  const libraryId = str(target, 'library_id', 'target.library_id', true) as string;
  const spec = obj(body, 'create_spec', 'create_spec', true) as Json;
  const name = str(spec, 'name', 'create_spec.name', true) as string;
  const description = str(spec, 'description', 'create_spec.description');
  const flags = spec.flags ?? [];
  if (!Array.isArray(flags) || !flags.every((f) => typeof f === 'string'))
    throw invalid('create_spec.flags', 'must be a list of strings');
  const { vsphere } = call;
  vsphere.library.get(libraryId);
  const ref = vsphere.store.get(vm);
  if (ref?.kind !== 'VirtualMachine')
    throw restError(
      'not_found',
      `Virtual machine with identifier '${vm}' does not exist.`,
      'com.vmware.api.vcenter.vm.not_found',
      [vm],
    );
  try {
    // vAPI's create blocks until the capture's task ends: one that takes no time ends here.
    const captured = vsphere.library.captureOvf(
      vm,
      { libraryId, name, ...(description === undefined ? {} : { description }), flags },
      activationOf(call),
    );
    const id = capturedItemId(await captured.wait());
    return { value: { succeeded: true, ovf_library_item_id: id, error: emptyResult() }, created: true };
  } catch (error) {
    if (!isVimFault(error)) throw error;
    return failed(error);
  }
};

/** `/rest` maps are lists of `{key, value}`; `/api` maps are objects. Both are read. */
const mapOf = (value: unknown, field: string): Record<string, string> => {
  if (value === undefined || value === null) return {};
  const out: Record<string, string> = {};
  if (Array.isArray(value)) {
    for (const entry of value) {
      if (!isObject(entry) || typeof entry.key !== 'string' || typeof entry.value !== 'string')
        throw invalid(field);
      out[entry.key] = entry.value;
    }
    return out;
  }
  if (!isObject(value)) throw invalid(field);
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw invalid(`${field}.${k}`);
    out[k] = v;
  }
  return out;
};

/** The VM folder of the datacenter a pool belongs to: where a deploy without a folder goes. */
const vmFolderOf = (vsphere: VSphere, pool: string): string | undefined => {
  let id: string | undefined = pool;
  for (let i = 0; id !== undefined && i < 64; i++) {
    const r = vsphere.store.get(id);
    if (r === undefined) return undefined;
    if (r.kind === 'Datacenter') return (r as DatacenterRecord).vmFolder;
    id = r.parent;
  }
  return undefined;
};

type DeployProvisioning = NonNullable<DeploySpec['storageProvisioning']>;
const PROVISIONING: ReadonlySet<string> = new Set<DeployProvisioning>(['thin', 'thick', 'eagerZeroedThick']);

const deploy = async (call: Call) => {
  const itemId = pathId(call, 'id');
  const body = bodyOf(call);
  const target = obj(body, 'target', 'target', true) as Json;
  const pool = str(target, 'resource_pool_id', 'target.resource_pool_id', true) as string;
  const host = str(target, 'host_id', 'target.host_id');
  const folder = str(target, 'folder_id', 'target.folder_id');
  const spec = obj(body, 'deployment_spec', 'deployment_spec', true) as Json;
  const accept = spec.accept_all_EULA;
  if (accept !== undefined && typeof accept !== 'boolean') throw invalid('deployment_spec.accept_all_EULA');
  const name = str(spec, 'name', 'deployment_spec.name');
  const annotation = str(spec, 'annotation', 'deployment_spec.annotation');
  const datastore = str(spec, 'default_datastore_id', 'deployment_spec.default_datastore_id');
  const networks = mapOf(spec.network_mappings, 'deployment_spec.network_mappings');
  const provisioning = str(spec, 'storage_provisioning', 'deployment_spec.storage_provisioning');
  const profile = str(spec, 'storage_profile_id', 'deployment_spec.storage_profile_id');
  if (provisioning !== undefined && !PROVISIONING.has(provisioning))
    throw invalid('deployment_spec.storage_provisioning');
  // Storage groups map onto the default datastore: every disk goes where the VM goes.
  if (
    spec.storage_mappings !== undefined &&
    spec.storage_mappings !== null &&
    typeof spec.storage_mappings !== 'object'
  )
    throw invalid('deployment_spec.storage_mappings');
  const { vsphere } = call;
  const item = vsphere.library.getItem(itemId);
  if (item.type !== 'ovf') throw invalid('ovf_library_item_id', 'is not an OVF template');
  const folderId = folder ?? vmFolderOf(vsphere, pool);
  const deploySpec: DeploySpec = {
    name: name ?? item.name,
    pool,
    folder: folderId ?? '',
    ...(host === undefined ? {} : { host }),
    ...(datastore === undefined ? {} : { datastore }),
    ...(Object.keys(networks).length === 0 ? {} : { networkMappings: networks }),
    ...(annotation === undefined ? {} : { annotation }),
    ...(provisioning === undefined ? {} : { storageProvisioning: provisioning as DeployProvisioning }),
    ...(profile === undefined ? {} : { storageProfile: profile }),
  };
  try {
    if (folderId === undefined)
      throw restError('invalid_argument', `The resource pool ${pool} does not exist.`);
    // vAPI's deploy blocks until the VM exists: a deployment that takes no time ends here.
    const vm = await vsphere.library.deploy(item.id, deploySpec, activationOf(call)).wait();
    return {
      value: { succeeded: true, resource_id: { type: 'VirtualMachine', id: vm.value }, error: emptyResult() },
    };
  } catch (error) {
    if (!isVimFault(error) && !(error instanceof Error && error.name === 'RestError')) throw error;
    return failed(error);
  }
};

export const ovfRoutes: RouteSet = (style): Route[] => {
  const base = style === 'rest' ? '/com/vmware/vcenter/ovf/library-item' : '/vcenter/ovf/library-item';
  return [
    { method: 'POST', path: base, run: create },
    { method: 'POST', path: `${base}/:id`, action: 'deploy', run: deploy },
  ];
};
