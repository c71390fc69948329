/**
 * A VM's vApp options (VirtualMachineConfigInfo.vAppConfig): the vApp properties an OVF's
 * ProductSection gives a VM deployed from it, and their edits by a configuration spec's
 * `vAppConfig` (VmConfigSpec), as CreateVM_Task, ReconfigVM_Task and CloneVM_Task apply it.
 */
import type { OptionKeys } from '../core/options.js';
import { faults } from '../faults.js';
import type { VAppProperty, VmVAppConfig } from '../inventory/records.js';

/** VAppPropertySpec: an ArrayUpdateSpec of the properties, keyed by `info.key` (`removeKey` to remove). */
export interface VAppPropertySpec {
  operation: 'add' | 'edit' | 'remove';
  info?: Partial<VAppProperty> & { key: number };
  removeKey?: number;
}

/** VmConfigSpec, the part the simulator honours: the property edits, applied in order, and the transports. */
export interface VmVAppConfigSpec {
  property?: readonly VAppPropertySpec[];
  /** Replaces the transports the VM's OVF environment goes by. */
  ovfEnvironmentTransport?: readonly string[];
}

/** vApp options without properties, shared. */
const NO_PROPERTIES: VmVAppConfig = Object.freeze({ properties: Object.freeze([]) });

/** The VAppPropertyInfo fields the model keeps, the key aside: every one, as the type grows. */
const INFO: OptionKeys<Omit<VAppProperty, 'key'>> = {
  id: true,
  type: true,
  category: true,
  label: true,
  description: true,
  userConfigurable: true,
  defaultValue: true,
  value: true,
};
const INFO_FIELDS = Object.keys(INFO) as (keyof typeof INFO)[];

/** The VAppPropertyInfo fields a spec sets (a decoded one carries `_type` and fields the model keeps not). */
const fieldsOf = (info: VAppPropertySpec['info']): Partial<VAppProperty> => {
  const out: { -readonly [K in keyof VAppProperty]?: VAppProperty[K] } = {};
  for (const field of INFO_FIELDS) {
    const value = info?.[field];
    if (value !== undefined) Object.assign(out, { [field]: value });
  }
  return out;
};

/** `[classId.]id[.instanceId]` is unique and never empty (VAppPropertyInfo.id): InvalidArgument otherwise. */
const checkId = (properties: readonly VAppProperty[], property: VAppProperty): void => {
  if (!property.id) throw faults.invalidArgument('vAppConfig.property.info.id');
  if (properties.some((p) => p.id === property.id && p.key !== property.key))
    throw faults.invalidArgument('vAppConfig.property.info.id');
};

const applyProperty = (properties: VAppProperty[], spec: VAppPropertySpec): void => {
  if (spec.operation === 'remove') {
    const at = properties.findIndex((p) => p.key === spec.removeKey);
    if (at < 0) throw faults.invalidArgument('vAppConfig.property.removeKey');
    properties.splice(at, 1);
    return;
  }
  const key = spec.info?.key;
  if (!Number.isInteger(key)) throw faults.invalidArgument('vAppConfig.property.info.key');
  const at = properties.findIndex((p) => p.key === key);
  if (spec.operation === 'add') {
    if (at >= 0) throw faults.invalidArgument('vAppConfig.property.info.key');
    // An unset type is OVF's plain string; an unset value reads '' as vCenter reports it.
    const added: VAppProperty = Object.assign(
      { key: key as number, id: '', type: 'string', value: '' },
      fieldsOf(spec.info),
    );
    checkId(properties, added);
    properties.push(added);
    return;
  }
  if (at < 0) throw faults.invalidArgument('vAppConfig.property.info.key');
  // An edit sets the fields it gives and leaves the others as they were.
  const edited: VAppProperty = Object.assign({}, properties[at], fieldsOf(spec.info));
  // The model keeps no classId: properties an OVF gave one id in two classes stay as they are.
  if (spec.info?.id !== undefined) checkId(properties, edited);
  properties[at] = edited;
};

/**
 * The vApp options after a spec's: its property edits in order and its transports (a VM without
 * vApp options gets them), none with `removed` (`vAppConfigRemoved`). InvalidArgument on an add
 * of a key in use, an edit or removal of a key not in use, or an id that is empty or another
 * property's.
 */
export const vAppConfigAfter = (
  current: VmVAppConfig | undefined,
  spec: VmVAppConfigSpec | undefined,
  removed?: boolean,
): VmVAppConfig | undefined => {
  const base = removed === true ? undefined : current;
  const edits = spec?.property;
  const transport = spec?.ovfEnvironmentTransport;
  if ((!edits || edits.length === 0) && transport === undefined) return spec && !base ? NO_PROPERTIES : base;
  let properties = base?.properties ?? NO_PROPERTIES.properties;
  if (edits && edits.length > 0) {
    const edited = [...properties];
    for (const edit of edits) applyProperty(edited, edit);
    properties = Object.freeze(edited);
  }
  const transports = transport === undefined ? base?.ovfEnvironmentTransport : Object.freeze([...transport]);
  return Object.freeze(
    transports === undefined ? { properties } : { properties, ovfEnvironmentTransport: transports },
  );
};
