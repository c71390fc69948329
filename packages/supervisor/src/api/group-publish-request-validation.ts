/**
 * VirtualMachineGroupPublishRequest admission as vm-operator's webhooks do it. On create the
 * mutating one fills what is left out: the source group (the request's name), the target (the
 * namespace's one ContentLibrary labelled `imageregistry.vmware.com/default`) and the VMs (every
 * VM the group has linked, nested groups' too); the validating one wants the group and the
 * library to exist and the VMs, without duplicates, to be the group's. On update none of the
 * three changes.
 */
import { deepEqual } from '../store/meta.js';
import type { VirtualMachineGroup, VirtualMachineGroupPublishRequest } from './types.js';
import {
  duplicate,
  type FieldError,
  IMMUTABLE,
  immutable,
  internalError,
  invalid,
  notFound,
  required,
} from './validation.js';

/** The label of the publish requests a group request made: its uid. */
export const PUBLISH_MANAGED_BY_LABEL = 'vmoperator.vmware.com/virtualmachinepublishrequest-managed-by';
/** The label of a namespace's default ContentLibrary to publish to. */
export const DEFAULT_PUBLISH_LIBRARY_LABEL = 'imageregistry.vmware.com/default';

/** What the webhooks read: the namespace's groups, and its libraries' names labelled the default. */
export interface GroupPublishReader {
  group(name: string): VirtualMachineGroup | undefined;
  /** The API server's not-found message for a group of that name. */
  groupNotFound(name: string): string;
  library(name: string): boolean;
  defaultLibraries(): string[];
}

/**
 * The VMs of a group, direct or through nested groups, as its status lists them linked
 * (vm-operator's RetrieveVMGroupMembers); or why not (`missing` when a group does not exist).
 */
export function groupVms(
  read: GroupPublishReader,
  name: string,
  visited = new Set<string>(),
): { vms: Set<string> } | { error: string; missing?: true } {
  if (visited.has(name))
    return { error: `a loop is detected among groups: ${JSON.stringify(name)} visisted` };
  visited.add(name);
  const group = read.group(name);
  if (!group) return { error: read.groupNotFound(name), missing: true };
  const vms = new Set<string>();
  for (const member of group.status?.members ?? []) {
    if (!member.conditions?.some((c) => c.type === 'GroupLinked' && c.status === 'True')) continue;
    if (member.kind === 'VirtualMachine') {
      if (vms.has(member.name))
        return { error: `duplicate member ${JSON.stringify(member.name)} found in the group` };
      vms.add(member.name);
    } else if (member.kind === 'VirtualMachineGroup') {
      const child = groupVms(read, member.name, visited);
      if ('error' in child) return child;
      const both = [...child.vms].filter((vm) => vms.has(vm));
      // Go's %q of a list: each quoted, spaces between.
      const quoted = both.map((vm) => JSON.stringify(vm)).join(' ');
      if (both.length > 0) return { error: `duplicate member(s) found in the group: [${quoted}]` };
      for (const vm of child.vms) vms.add(vm);
    } else
      return {
        error: `VM group ${JSON.stringify(name)} status has a member with unknown kind: ${JSON.stringify(member.kind)}`,
      };
  }
  return { vms };
}

/** The mutating webhook's answer on create: the request filled in, or its refusal (code and message). */
export function groupPublishRequestDefaults(
  request: VirtualMachineGroupPublishRequest,
  read: GroupPublishReader,
): { request: VirtualMachineGroupPublishRequest } | { code: number; message: string } {
  const spec = { ...request.spec };
  spec.source ||= request.metadata.name as string;
  if (!spec.target) {
    const libraries = read.defaultLibraries();
    if (libraries.length === 0)
      return {
        code: 404,
        message: `cannot find a default content library with the ${JSON.stringify(DEFAULT_PUBLISH_LIBRARY_LABEL)} label`,
      };
    if (libraries.length > 1)
      return {
        code: 400,
        message: `more than one default ContentLibrary found: ${[...libraries].sort().join(', ')}`,
      };
    spec.target = libraries[0] as string;
  }
  if (!spec.virtualMachines?.length) {
    const members = groupVms(read, spec.source);
    if ('error' in members) return { code: members.missing ? 404 : 500, message: members.error };
    if (members.vms.size === 0)
      return { code: 400, message: `${JSON.stringify(spec.source)} group does not have any members` };
    spec.virtualMachines = [...members.vms].sort();
  }
  return { request: { ...request, spec } };
}

export function validateGroupPublishRequestCreate(
  request: VirtualMachineGroupPublishRequest,
  read: GroupPublishReader,
): FieldError[] {
  const errors: FieldError[] = [];
  const { source = '', target = '', virtualMachines = [] } = request.spec ?? {};
  if (!source) errors.push(required('spec.source'));
  else if (!read.group(source)) errors.push(notFound('spec.source', source));
  if (!target) errors.push(required('spec.target'));
  else if (!read.library(target)) errors.push(notFound('spec.target', target));
  if (virtualMachines.length === 0) errors.push(required('spec.virtualMachines'));
  else if (new Set(virtualMachines).size !== virtualMachines.length)
    errors.push(duplicate('spec.virtualMachines', ''));
  else {
    const members = groupVms(read, source);
    if ('error' in members) errors.push(internalError('spec.virtualMachines', members.error));
    else if (virtualMachines.some((vm) => !members.vms.has(vm)))
      errors.push(
        invalid(
          'spec.virtualMachines',
          '',
          'virtual machines must be a direct or indirect member of the source group',
        ),
      );
  }
  return errors;
}

export function validateGroupPublishRequestUpdate(
  request: VirtualMachineGroupPublishRequest,
  old: VirtualMachineGroupPublishRequest,
): FieldError[] {
  const spec = request.spec ?? {};
  const prev = old.spec ?? {};
  return [
    ...immutable('spec.source', prev.source ?? '', spec.source ?? ''),
    ...immutable('spec.target', prev.target ?? '', spec.target ?? ''),
    // A list is printed as JSON (`null` when there is none), as apimachinery prints one.
    ...(deepEqual(prev.virtualMachines ?? [], spec.virtualMachines ?? [])
      ? []
      : [invalid('spec.virtualMachines', spec.virtualMachines ?? null, IMMUTABLE)]),
  ];
}
