/**
 * What a VirtualMachine or a VirtualMachineGroup and the group it names (`spec.groupName`) say
 * of each other, as both vm-operator's controllers read it: a member is linked when the group
 * lists it in its boot order, and placed when the group's status has placed it (by uid).
 */
import type {
  VirtualMachine,
  VirtualMachineGroup,
  VirtualMachineGroupMemberStatus,
} from '../../api/types.js';
import { isAbsent, isConditionTrue, isFalse, isTrue, type Verdict } from '../virtualmachine/conditions.js';

/** The conditions of a member (on the member itself, and in its group's status). */
export const MEMBER_CONDITION = {
  groupLinked: 'GroupLinked',
  powerStateSynced: 'PowerStateSynced',
  placementReady: 'PlacementReady',
} as const;

export type MemberKind = VirtualMachineGroupMemberStatus['kind'];

/** Whether the group lists the member in its boot order. */
export const listsMember = (group: VirtualMachineGroup, kind: MemberKind, name: string): boolean =>
  group.spec?.bootOrder?.some((order) =>
    order.members?.some((m) => (m.kind ?? 'VirtualMachine') === kind && m.name === name),
  ) === true;

/**
 * vm-operator's UpdateGroupLinkedCondition: no condition without a group name, False `NotFound`
 * while the group does not exist, False `NotMember` while it does not list the member, else True.
 */
export function groupLinkedVerdict(
  kind: MemberKind,
  member: VirtualMachine | VirtualMachineGroup,
  group: VirtualMachineGroup | undefined,
): Verdict {
  if (!member.spec?.groupName) return isAbsent(MEMBER_CONDITION.groupLinked);
  if (!group) return isFalse(MEMBER_CONDITION.groupLinked, 'NotFound', '');
  return listsMember(group, kind, member.metadata.name as string)
    ? isTrue(MEMBER_CONDITION.groupLinked)
    : isFalse(MEMBER_CONDITION.groupLinked, 'NotMember', '');
}

/** The group's placement of a VM, when its status holds one for this very VM (its uid): the zone and pool. */
export function groupPlacementOf(group: VirtualMachineGroup | undefined, vm: VirtualMachine) {
  const status = group?.status?.members?.find(
    (m) => m.kind === 'VirtualMachine' && m.name === vm.metadata.name && m.uid === vm.metadata.uid,
  );
  if (!status || !isConditionTrue(status.conditions, MEMBER_CONDITION.placementReady)) return undefined;
  return status.placement;
}
