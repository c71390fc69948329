/**
 * vcenter.vm_template.LibraryItems: a VM captured as a `vm-template` library item (`create`),
 * the template it holds (`get`) and a VM deployed from it (`deploy`). Both styles use the same
 * path, `/vcenter/vm-template/library-items`, with `{"spec": ...}` bodies in `/rest` and bare
 * ones in `/api`; `/rest` takes the deploy action as `?action=`, as govmomi sends it, and as
 * `?~action=`. Faults of the model come back as vAPI errors: an unknown item, library, VM or
 * placement object is NOT_FOUND, a taken item name ALREADY_EXISTS.
 */
import type { VmTemplateInfo, VmTemplatePlacement } from '@vsim/vsphere';
import { bool, fieldName, int, invalid, isObject, type Json, obj, specOf, str } from '../content/wire.js';
import { restError } from '../errors.js';
import { activationOf } from '../ovf/library-item.js';
import type { Call, Route, RouteSet } from '../routes.js';
import type { Reply } from '../styles.js';
import { guestOsOf } from '../vcenter/vm-info.js';

const BASE = '/vcenter/vm-template/library-items';

const KEY = 'spec';

const placementOf = (call: Call, spec: Json): VmTemplatePlacement => {
  const p = obj(spec, 'placement', fieldName(call, KEY, 'placement'));
  if (!p) return {};
  const field = (name: string) => str(p, name, fieldName(call, KEY, `placement.${name}`));
  const out: VmTemplatePlacement = {};
  const folder = field('folder');
  const pool = field('resource_pool');
  const host = field('host');
  const cluster = field('cluster');
  if (folder !== undefined) out.folder = folder;
  if (pool !== undefined) out.pool = pool;
  if (host !== undefined) out.host = host;
  if (cluster !== undefined) out.cluster = cluster;
  return out;
};

/** `vm_home_storage`, else `disk_storage`: the template's files and disks go to one datastore. */
const datastoreOf = (call: Call, spec: Json): string | undefined => {
  for (const name of ['vm_home_storage', 'disk_storage']) {
    const storage = obj(spec, name, fieldName(call, KEY, name));
    const ds = storage && str(storage, 'datastore', fieldName(call, KEY, `${name}.datastore`));
    if (ds !== undefined) return ds;
  }
  return undefined;
};

const create = async (call: Call): Promise<Reply> => {
  const spec = specOf(call, KEY);
  const sourceVm = str(spec, 'source_vm', fieldName(call, KEY, 'source_vm'), true) as string;
  const name = str(spec, 'name', fieldName(call, KEY, 'name'), true) as string;
  const libraryId = str(spec, 'library', fieldName(call, KEY, 'library'), true) as string;
  const description = str(spec, 'description', fieldName(call, KEY, 'description'));
  const datastore = datastoreOf(call, spec);
  const task = call.vsphere.library.createTemplate(
    {
      sourceVm,
      libraryId,
      name,
      placement: placementOf(call, spec),
      ...(description === undefined ? {} : { description }),
      ...(datastore === undefined ? {} : { datastore }),
    },
    activationOf(call),
  );
  // vAPI's create blocks until the template exists: a clone that takes no time ends here.
  return { value: await task.wait(), created: true };
};

const infoJson = (call: Call, info: VmTemplateInfo) => ({
  guest_OS: guestOsOf(info.guestId),
  cpu: { count: info.numCPU, cores_per_socket: info.numCoresPerSocket },
  memory: { size_MiB: info.memoryMB },
  vm_home_storage: { datastore: info.datastore },
  disks: call.style.map(
    info.disks.map(
      (d) => [d.key, { capacity: d.capacity, disk_storage: { datastore: d.datastore } }] as const,
    ),
  ),
  nics: call.style.map(
    info.nics.map(
      (n) =>
        [
          n.key,
          {
            backing_type: n.backingType,
            mac_type: n.macType,
            ...(n.network === undefined ? {} : { network: n.network }),
          },
        ] as const,
    ),
  ),
  vm_template: info.template,
});

/** An item of another type holds no template: vCenter answers nothing for it. */
const get = (call: Call): Reply => {
  const info = call.vsphere.library.getTemplate(call.params.id as string);
  return { value: info === undefined ? null : infoJson(call, info) };
};

const hardwareOf = (call: Call, spec: Json) => {
  const hw = obj(spec, 'hardware_customization', fieldName(call, KEY, 'hardware_customization'));
  const field = (name: string) => fieldName(call, KEY, `hardware_customization.${name}`);
  const cpu = hw && obj(hw, 'cpu_update', field('cpu_update'));
  const memory = hw && obj(hw, 'memory_update', field('memory_update'));
  const numCPU = cpu && int(cpu, 'num_cpus', field('cpu_update.num_cpus'));
  const cores = cpu && int(cpu, 'num_cores_per_socket', field('cpu_update.num_cores_per_socket'));
  const memoryMB = memory && int(memory, 'memory', field('memory_update.memory'));
  return {
    ...(numCPU === undefined ? {} : { numCPU }),
    ...(cores === undefined ? {} : { numCoresPerSocket: cores }),
    ...(memoryMB === undefined ? {} : { memoryMB }),
  };
};

/** `guest_customization.name`: the saved customization spec (CustomizationSpecManager) to apply. */
const guestCustomizationOf = (call: Call, spec: Json) => {
  const field = fieldName(call, KEY, 'guest_customization');
  const guest = obj(spec, 'guest_customization', field);
  const name = guest && str(guest, 'name', fieldName(call, KEY, 'guest_customization.name'));
  return name === undefined ? {} : { customization: call.vsphere.customizationSpecs.get(name).spec };
};

const deploy = async (call: Call): Promise<Reply> => {
  const id = call.params.id as string;
  const spec = specOf(call, KEY);
  const name = str(spec, 'name', fieldName(call, KEY, 'name'), true) as string;
  const description = str(spec, 'description', fieldName(call, KEY, 'description'));
  const powerOn = bool(spec, 'powered_on', fieldName(call, KEY, 'powered_on'));
  if (!isObject(spec.placement)) throw invalid(fieldName(call, KEY, 'placement'));
  const datastore = datastoreOf(call, spec);
  const task = call.vsphere.library.deployTemplate(
    id,
    {
      name,
      placement: placementOf(call, spec),
      ...hardwareOf(call, spec),
      ...guestCustomizationOf(call, spec),
      ...(description === undefined ? {} : { description }),
      ...(datastore === undefined ? {} : { datastore }),
      ...(powerOn === undefined ? {} : { powerOn }),
    },
    activationOf(call),
  );
  // vAPI's deploy blocks until the VM exists.
  return { value: (await task.wait()).value };
};

/** `/rest` with govmomi's `?action=deploy` (the style's own `?~action=` is routed as in `/api`). */
const deployByQuery = (call: Call): Promise<Reply> => {
  const action = call.query.get('action');
  if (action !== 'deploy')
    throw restError('invalid_argument', `Unknown action '${action ?? ''}' for POST on this resource.`);
  return deploy(call);
};

export const vmTemplateRoutes: RouteSet = (style): Route[] => [
  { method: 'POST', path: BASE, run: create },
  { method: 'GET', path: `${BASE}/:id`, run: get },
  { method: 'POST', path: `${BASE}/:id`, action: 'deploy', run: deploy },
  ...(style === 'rest' ? [{ method: 'POST', path: `${BASE}/:id`, run: deployByQuery } satisfies Route] : []),
];
