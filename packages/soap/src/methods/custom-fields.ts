/**
 * CustomFieldsManager's methods and ExtensibleManagedObject.setCustomValue, each the
 * model's custom field operation underneath.
 */
import type { MethodTable } from './call.js';

export const customFieldsMethods: MethodTable = {
  AddCustomFieldDef: ({ vsphere, args }) =>
    vsphere.customFields.addFieldDef(args.name, args.moType, {
      ...(args.fieldDefPolicy ? { fieldDefPolicy: args.fieldDefPolicy } : {}),
      ...(args.fieldPolicy ? { fieldPolicy: args.fieldPolicy } : {}),
    }),
  RemoveCustomFieldDef: ({ vsphere, args }) => vsphere.customFields.removeFieldDef(args.key),
  RenameCustomFieldDef: ({ vsphere, args }) => vsphere.customFields.renameFieldDef(args.key, args.name),
  SetField: ({ vsphere, args }) => vsphere.customFields.setField(args.entity, args.key, args.value),
  setCustomValue: ({ vsphere, self, args }) =>
    vsphere.customFields.setCustomValue(self, args.key, args.value),
};
