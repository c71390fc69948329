/**
 * CustomizationSpecManager: the guest customization specs vCenter keeps by name (govc's
 * `vm.customize -name`, pyvmomi's and Terraform's saved specs). Each is an item of its info
 * (name, description, `Linux` or `Windows`, a change version and the time of its last change)
 * and its CustomizationSpec, kept as the client gave it. A new vCenter has none.
 *
 * Names are unique: a missing one is NotFound, a taken one AlreadyExists. An overwrite that
 * names a change version other than the spec's (a client that read it before someone else
 * changed it) is ConcurrentAccess.
 */
import { faults } from '../faults.js';
import type { ServiceObjectRecord } from '../inventory/records.js';
import type { Model, Tx } from '../model.js';
import type { CustomizationSpec } from './vm-customization.js';

export interface CustomizationSpecInfo {
  readonly name: string;
  readonly description: string;
  readonly type: 'Linux' | 'Windows';
  /** A counter as text, moved on by every change of the spec. */
  readonly changeVersion?: string;
  /** An ISO 8601 time. */
  readonly lastUpdateTime?: string;
}

export interface CustomizationSpecItem {
  readonly info: CustomizationSpecInfo;
  readonly spec: CustomizationSpec;
}

/** The manager's id in the store (ServiceContent.customizationSpecManager). */
const MANAGER = 'CustomizationSpecManager';
/** The identities a spec of each type may have. */
const IDENTITIES: Readonly<Record<string, readonly string[]>> = {
  Linux: ['CustomizationLinuxPrep'],
  Windows: ['CustomizationSysprep', 'CustomizationSysprepText'],
};

export const customizationSpecOperations = (m: Model) => {
  const specsOf = (tx: Pick<Tx, 'get'>): readonly CustomizationSpecItem[] =>
    (tx.get(MANAGER) as ServiceObjectRecord).customizationSpecs ?? [];
  const named = (tx: Pick<Tx, 'get'>, name: string) => specsOf(tx).find((item) => item.info.name === name);
  const find = (tx: Pick<Tx, 'get'>, name: string): CustomizationSpecItem => {
    const found = named(tx, name);
    if (!found) throw faults.notFound(`The customization specification '${name}' does not exist.`);
    return found;
  };
  const taken = (tx: Pick<Tx, 'get'>, name: string): void => {
    if (named(tx, name)) throw faults.alreadyExists(name);
  };
  /** The spec with its info stamped: the next change version, now. */
  const stamped = (item: CustomizationSpecItem, changeVersion: number): CustomizationSpecItem => ({
    info: {
      name: item.info.name,
      description: item.info.description ?? '',
      type: item.info.type,
      changeVersion: String(changeVersion),
      lastUpdateTime: new Date(m.clock.now()).toISOString(),
    },
    spec: item.spec,
  });
  /** A spec vCenter would not keep is a CustomizationFault, as vCenter refuses it. */
  const checked = (item: CustomizationSpecItem): CustomizationSpecItem => {
    const name = item?.info?.name;
    if (typeof name !== 'string' || name === '') throw faults.customizationFault('The spec has no name.');
    const identities = IDENTITIES[item.info.type];
    if (!identities)
      throw faults.customizationFault(`'${item.info.type}' is no spec type (Linux or Windows).`);
    const identity = item.spec?.identity?._type;
    if (!identity || !identities.includes(identity))
      throw faults.customizationFault(
        `A ${item.info.type} spec takes a ${identities.join(' or ')} identity, not ${identity ?? 'none'}.`,
      );
    if (!item.spec.globalIPSettings) throw faults.customizationFault('The spec has no globalIPSettings.');
    return item;
  };
  /** Runs a change of the manager's specs through the interception point, all or nothing. */
  const change = (method: string, edit: (tx: Tx, specs: CustomizationSpecItem[]) => void): void =>
    m.call({ method, target: MANAGER }, (tx) => {
      const specs = [...specsOf(tx)];
      edit(tx, specs);
      tx.put({ ...(tx.get(MANAGER) as ServiceObjectRecord), customizationSpecs: specs });
    });
  const versionOf = (item: CustomizationSpecItem) => Number(item.info.changeVersion ?? 0);

  return {
    /** CustomizationSpecManager.info: every spec's info, in the order they were made. */
    list(): readonly CustomizationSpecInfo[] {
      return specsOf(m.store).map((item) => item.info);
    },

    /** DoesCustomizationSpecExist. */
    exists(name: string): boolean {
      return named(m.store, name) !== undefined;
    },

    /** GetCustomizationSpec: NotFound for a name it does not have. */
    get(name: string): CustomizationSpecItem {
      return find(m.store, name);
    },

    /** CreateCustomizationSpec: AlreadyExists for a taken name, CustomizationFault for a spec vCenter would not keep. */
    create(item: CustomizationSpecItem): void {
      checked(item);
      change('CreateCustomizationSpec', (tx, specs) => {
        taken(tx, item.info.name);
        specs.push(stamped(item, 1));
      });
    },

    /** OverwriteCustomizationSpec: NotFound, or ConcurrentAccess when the item's change version is not the spec's. */
    overwrite(item: CustomizationSpecItem): void {
      checked(item);
      change('OverwriteCustomizationSpec', (tx, specs) => {
        const current = find(tx, item.info.name);
        const asOf = item.info.changeVersion;
        if (asOf !== undefined && asOf !== current.info.changeVersion) throw faults.concurrentAccess();
        specs[specs.indexOf(current)] = stamped(item, versionOf(current) + 1);
      });
    },

    /** DeleteCustomizationSpec: NotFound for a name it does not have. */
    delete(name: string): void {
      change('DeleteCustomizationSpec', (tx, specs) => {
        specs.splice(specs.indexOf(find(tx, name)), 1);
      });
    },

    /** DuplicateCustomizationSpec: a copy under `newName`; NotFound, AlreadyExists. */
    duplicate(name: string, newName: string): void {
      change('DuplicateCustomizationSpec', (tx, specs) => {
        const source = find(tx, name);
        taken(tx, newName);
        specs.push(stamped({ info: { ...source.info, name: newName }, spec: source.spec }, 1));
      });
    },

    /** RenameCustomizationSpec: NotFound, AlreadyExists. */
    rename(name: string, newName: string): void {
      change('RenameCustomizationSpec', (tx, specs) => {
        const current = find(tx, name);
        taken(tx, newName);
        specs[specs.indexOf(current)] = stamped(
          { info: { ...current.info, name: newName }, spec: current.spec },
          versionOf(current) + 1,
        );
      });
    },
  };
};

export type CustomizationSpecOperations = ReturnType<typeof customizationSpecOperations>;
