/**
 * vm-operator's VirtualMachineGroup controller. A group first gets the finalizer
 * `vmoperator.vmware.com/virtualmachinegroup` (the next pass does the rest; a deleted group
 * only loses it: its members, which it owns, go with it by garbage collection). Then, in
 * vm-operator's order:
 * - a group naming a parent (`spec.groupName`) is linked to it (`GroupLinked`, as a VM is:
 *   see membership.ts); one that is not fails the pass;
 * - each member of the boot order gets a status: `GroupLinked` False `NotFound` while it does
 *   not exist, `NotMember` while it names no group or another, else True, and the group becomes
 *   one of its owners. A VM's `powerState` is reported, with `PowerStateSynced` when the group
 *   has a power state: True once the VM has it, False `Pending` while it is being applied,
 *   `NotSynced` when the VM was changed outside the group. A group member mirrors its `Ready`;
 * - a power state stamped by the webhook and not yet applied (`status.lastUpdatedPowerStateTime`
 *   earlier than the stamp, compared to the second as the status keeps it) is pushed to the
 *   members with the group's power modes, in boot order (the reverse to power off), each boot
 *   order group with an apply time (`vmoperator.vmware.com.protected/apply-power-state-time`):
 *   the stamp, or the time the group's own parent gave it, plus the delays so far. VMs whose
 *   power state already matches are left alone. A member that fails stops the stamp from being
 *   recorded, so the push is tried again;
 * - a root group (no parent) places the VMs of its tree that need it: linked, not placed yet for
 *   their uid, not deployed (a deployed VM is `AlreadyPlaced`, the message its zone), without a
 *   zone label (a VM with one is placed by its label). Their prerequisites (class, image,
 *   resource policy, bootstrap, storage class) must resolve, and all must share one resource
 *   policy's child pool; each gets `PlacementReady` and `placement` (zone and pool), chosen as
 *   a lone VM's is: the namespace's first zone, in its pool or its policy's child pool;
 * - `Ready`: True when the pass succeeded and every member has its expected conditions True
 *   (`GroupLinked`, and `PlacementReady` for a VM, `Ready` for a group) and none False, else
 *   False `MembersNotReady` (naming them) or `Error`.
 * Errors that wait for something a watch sees (a member missing or not naming the group) are not
 * retried; others are, with backoff. A group is reconciled again when one of its members (VM or
 * group) changes, and a child group when its parent changes.
 */
import type { VSphere } from '@vsim/vsphere';
import { ZONE_LABEL } from '../../api/annotations.js';
import { parseDuration } from '../../api/duration.js';
import { hasInstanceStorage } from '../../api/instance-storage.js';
import type {
  Condition,
  VirtualMachine,
  VirtualMachineGroup,
  VirtualMachineGroupMemberStatus,
  VirtualMachineGroupStatus,
  VirtualMachinePlacementStatus,
  VirtualMachinePowerOpMode,
} from '../../api/types.js';
import {
  APPLY_POWER_STATE_TIME,
  LAST_UPDATED_POWER_STATE_TIME,
  parseRfc3339,
  rfc3339Nano,
} from '../../api/vm-group-validation.js';
import type { VirtualMachineServiceCapabilities } from '../../api/vm-service-validation.js';
import { placementOf, TOPOLOGY_API_VERSION } from '../../namespaces/layout.js';
import { leastLoadedZone } from '../../namespaces/zone-choice.js';
import type { Controller } from '../../runtime/controller.js';
import { objectKey, parseObjectKey } from '../../runtime/keys.js';
import type { Manager } from '../../runtime/manager.js';
import { aggregate } from '../../store/errors.js';
import type { KubeStore } from '../../store/kube-store.js';
import { deepEqual, type KubeObject, type OwnerReference, timestamp } from '../../store/meta.js';
import { policyPlacement } from '../resource-policy/resource-policy.js';
import {
  CONDITION,
  isAbsent,
  isConditionTrue,
  isFalse,
  isTrue,
  type Verdict,
  withVerdicts,
} from '../virtualmachine/conditions.js';
import {
  checkPrerequisites,
  classlessCreateErrors,
  type DependencyReader,
  imageError,
  VM_OPERATOR_API_VERSION,
} from '../virtualmachine/prerequisites.js';
import { groupLinkedVerdict, MEMBER_CONDITION, type MemberKind } from './membership.js';
import { TaggedZones, zoneRulesOf } from './zone-policies.js';

export const VM_GROUP_CONTROLLER = 'virtualmachinegroup-controller';
export const VM_GROUP_FINALIZER = 'vmoperator.vmware.com/virtualmachinegroup';

export interface VirtualMachineGroupControllerDeps {
  kube: KubeStore;
  vsphere: VSphere;
  /**
   * With `vmPlacementPolicies`, members' zone affinity and anti-affinity place them; with
   * `instanceStorage`, a member with instance storage goes to a host of `claimDatastore`.
   */
  capabilities?: VirtualMachineServiceCapabilities;
  /** Where the CSI driver makes claims' disks. */
  claimDatastore?: () => string;
}

type Group = VirtualMachineGroup & KubeObject;
type Member = (VirtualMachine | VirtualMachineGroup) & KubeObject;

const GROUP = { apiVersion: VM_OPERATOR_API_VERSION, kind: 'VirtualMachineGroup' } as const;
const VM = { apiVersion: VM_OPERATOR_API_VERSION, kind: 'VirtualMachine' } as const;

/** Go's zero time, 0001-01-01T00:00:00Z. */
const ZERO_TIME = Date.parse('0001-01-01T00:00:00Z');
/** The VirtualMachine CRD's default `powerOffMode` and `suspendMode`. */
const VM_POWER_OP_MODE_DEFAULT: VirtualMachinePowerOpMode = 'TrySoft';

/** What a pass waits for a watch to bring (vm-operator's NoRequeueError): not retried. */
class Waiting extends Error {}

/** Several members' errors as one (as Go aggregates them); one that waits only when all of them wait. */
function aggregated(errors: readonly Error[]): Error | undefined {
  if (errors.length === 0) return undefined;
  const message = aggregate(errors.map((e) => e.message));
  return errors.every((e) => e instanceof Waiting) ? new Waiting(message) : new Error(message);
}

const reverse = <T>(list: readonly T[]): T[] => list.slice().reverse();

export function startVirtualMachineGroupController(
  manager: Manager,
  deps: VirtualMachineGroupControllerDeps,
): Controller {
  const { kube, vsphere } = deps;
  /** DRS's choice of a zone for a group's VMs, placed together (deployments in flight not counted). */
  const chooseZone = leastLoadedZone(vsphere, () => 0);
  const placementPolicies = deps.capabilities?.vmPlacementPolicies === true;

  /** The zones of the namespace's deployed VMs, by tag: what DRS knows of a namespace's placement. */
  const taggedZones = (namespace: string): TaggedZones => {
    const found = new TaggedZones();
    for (const vm of kube.direct.list(VM.apiVersion, VM.kind, namespace) as unknown as VirtualMachine[]) {
      const zone = vm.metadata.labels?.[ZONE_LABEL];
      if (vm.status?.uniqueID && zone) found.add(vm, zone);
    }
    return found;
  };
  const now = () => timestamp(vsphere.clock.now());
  const get = <T extends KubeObject>(kind: string, namespace: string, name: string) =>
    kube.direct.get({ apiVersion: VM_OPERATOR_API_VERSION, kind, namespace, name }) as T | undefined;
  /** What vm-operator's placement reads of a VM's prerequisites, straight from the store. */
  const reader: DependencyReader = {
    get: (apiVersion, kind, namespace, name) =>
      kube.direct.get(
        namespace === undefined ? { apiVersion, kind, name } : { apiVersion, kind, name, namespace },
      ) as never,
    list: (apiVersion, kind, namespace) => kube.direct.list(apiVersion, kind, namespace) as never,
    notFound: (apiVersion, kind, name) => kube.notFoundMessage(apiVersion, kind, name),
  };

  const writeMember = (key: string, member: Member) =>
    controller.ownWrite(key, () => kube.direct.update(member));

  // --- power -----------------------------------------------------------------------

  /**
   * Per group, its last stamp: the members its power state was pushed to, and whether it was
   * applied (pushed to every member). A member is pushed once per stamp: vm-operator pushes again
   * on every pass until every member succeeds, which against a VM that drops the time without
   * acting (a power-on check) loops for ever; on a simulator's clock that stands still, that
   * loop would be one that never ends.
   */
  const stamps = new Map<string, { stamp: string; pushed: Set<string>; applied: boolean }>();

  /** The group's record of `stamp`, a new one when the stamp changed. */
  const stampOf = (key: string, stamp: string) => {
    let record = stamps.get(key);
    if (record?.stamp !== stamp) {
      record = { stamp, pushed: new Set(), applied: false };
      stamps.set(key, record);
    }
    return record;
  };

  /** Applies verdicts to the conditions of a group, or of a member in its status. */
  const mark = (holder: { conditions?: Condition[] }, ...verdicts: Verdict[]) => {
    holder.conditions = withVerdicts(holder.conditions, verdicts, now());
  };

  /**
   * Whether the group's power state is still to be applied, and from when: its stamp. As
   * vm-operator, it is applied until the status's time is after the stamp; and once per stamp,
   * which vm-operator gets from a clock that always moves on.
   */
  const powerToApply = (key: string, group: Group) => {
    const stamp = group.metadata.annotations?.[LAST_UPDATED_POWER_STATE_TIME] ?? '';
    // Without a stamp, Go's zero time: every delay is long past.
    const from = parseRfc3339(stamp) ?? ZERO_TIME;
    if (!group.spec?.powerState || stampOf(key, stamp).applied) return { apply: false, from, stamp };
    const applied = parseRfc3339(group.status?.lastUpdatedPowerStateTime);
    return { apply: applied === undefined || applied <= from, from, stamp };
  };

  /** The member with the group's power state and modes, and (to power on or off) when to apply it. */
  const withGroupPower = (group: Group, member: Member, applyAt: number): Member => {
    const state = group.spec?.powerState;
    const spec: Record<string, unknown> = { ...member.spec, powerState: state };
    for (const mode of ['powerOffMode', 'suspendMode'] as const) {
      // A mode the group leaves empty is cleared, and a VM's CRD defaults it again on that write.
      const value =
        group.spec?.[mode] || (member.kind === 'VirtualMachine' ? VM_POWER_OP_MODE_DEFAULT : undefined);
      if (value) spec[mode] = value;
      else delete spec[mode];
    }
    const timed = state === 'PoweredOn' || state === 'PoweredOff';
    const annotations = timed
      ? { ...member.metadata.annotations, [APPLY_POWER_STATE_TIME]: rfc3339Nano(applyAt) }
      : member.metadata.annotations;
    return { ...member, metadata: { ...member.metadata, annotations }, spec } as Member;
  };

  // --- members ---------------------------------------------------------------------

  /** The member owned by the group as well (controller-runtime's SetOwnerReference). */
  const ownedBy = (group: Group, member: Member): Member => {
    const refs = member.metadata.ownerReferences ?? [];
    if (
      refs.some(
        (r) => r.kind === GROUP.kind && r.name === group.metadata.name && r.uid === group.metadata.uid,
      )
    )
      return member;
    const ref: OwnerReference = {
      apiVersion: GROUP.apiVersion,
      kind: GROUP.kind,
      name: group.metadata.name as string,
      uid: group.metadata.uid as string,
    };
    const kept = refs.filter((r) => !(r.kind === GROUP.kind && r.name === group.metadata.name));
    return { ...member, metadata: { ...member.metadata, ownerReferences: [...kept, ref] } };
  };

  const reconcileMember = (
    key: string,
    group: Group,
    kind: MemberKind,
    name: string,
    status: VirtualMachineGroupMemberStatus,
    power: { apply: boolean; at: number; stamp: string },
  ): void => {
    const namespace = group.metadata.namespace as string;
    const memberKey = `${kind}/${name}`;
    const member = get<Member>(kind, namespace, name);
    if (!member) {
      mark(status, isFalse(MEMBER_CONDITION.groupLinked, 'NotFound', ''));
      throw new Waiting(`member "${memberKey}" not found`);
    }
    const groupName = member.spec?.groupName ?? '';
    if (groupName !== group.metadata.name) {
      const why =
        groupName === ''
          ? `member "${memberKey}" has no group name`
          : `member "${memberKey}" has different group name: "${groupName}"`;
      mark(status, isFalse(MEMBER_CONDITION.groupLinked, 'NotMember', why));
      throw new Waiting(why);
    }
    let next = ownedBy(group, member);
    let push = power.apply;
    if (kind === 'VirtualMachine') {
      const observed = (member as VirtualMachine).status?.powerState;
      if (observed) status.powerState = observed;
      else delete status.powerState;
      const wanted = group.spec?.powerState;
      let synced: Verdict;
      if (!wanted) synced = isAbsent(MEMBER_CONDITION.powerStateSynced);
      else if (observed === wanted) synced = isTrue(MEMBER_CONDITION.powerStateSynced);
      else
        synced = isFalse(
          MEMBER_CONDITION.powerStateSynced,
          power.apply || member.spec?.powerState === wanted ? 'Pending' : 'NotSynced',
          '',
        );
      mark(status, synced);
      // A VM already in the group's power state is left as it is.
      if (!wanted || observed === wanted) push = false;
    }
    const pushes = stampOf(key, power.stamp).pushed;
    if (pushes.has(memberKey)) push = false;
    if (push) next = withGroupPower(group, next, power.at);
    if (next !== member)
      try {
        writeMember(key, next);
      } catch (error) {
        const why = (error as Error).message;
        mark(
          status,
          isFalse(MEMBER_CONDITION.groupLinked, 'OwnerRefPatchError', why),
          ...(push ? [isFalse(MEMBER_CONDITION.powerStateSynced, 'PowerStatePatchError', why)] : []),
        );
        throw new Error(`failed to patch group member "${memberKey}": ${why}`);
      }
    if (push) pushes.add(memberKey);
    mark(status, isTrue(MEMBER_CONDITION.groupLinked));
    const ready =
      kind === 'VirtualMachineGroup' ? member.status?.conditions?.find((c) => c.type === 'Ready') : undefined;
    if (ready)
      mark(status, { type: 'Ready', status: ready.status, reason: ready.reason, message: ready.message });
  };

  const reconcileMembers = (key: string, group: Group, status: VirtualMachineGroupStatus): void => {
    const before = new Map((status.members ?? []).map((m) => [`${m.kind}/${m.name}`, m]));
    const power = powerToApply(key, group);
    const state = group.spec?.powerState;
    // A time the group's own parent gave it comes first; the delays add up from there.
    let at = parseRfc3339(group.metadata.annotations?.[APPLY_POWER_STATE_TIME]) ?? power.from;
    const orders = group.spec?.bootOrder ?? [];
    const members: VirtualMachineGroupMemberStatus[] = [];
    const errors: Error[] = [];
    for (const order of state === 'PoweredOff' ? reverse(orders) : orders) {
      const delay =
        state === 'PoweredOn' ? order.powerOnDelay : state === 'PoweredOff' ? order.powerOffDelay : undefined;
      if (power.apply && delay) at += parseDuration(delay) ?? 0;
      for (const member of order.members ?? []) {
        const kind = member.kind ?? 'VirtualMachine';
        const was = before.get(`${kind}/${member.name}`);
        const memberStatus: VirtualMachineGroupMemberStatus = was
          ? { ...was, ...(was.conditions ? { conditions: was.conditions.slice() } : {}) }
          : { name: member.name, kind };
        try {
          reconcileMember(key, group, kind, member.name, memberStatus, {
            apply: power.apply,
            at,
            stamp: power.stamp,
          });
        } catch (error) {
          errors.push(error as Error);
        }
        members.push(memberStatus);
      }
    }
    if (power.apply && errors.length === 0) {
      status.lastUpdatedPowerStateTime = now();
      stampOf(key, power.stamp).applied = true;
    }
    // Go's omitempty: no members, no list.
    if (members.length > 0) status.members = members;
    else delete status.members;
    const failed = aggregated(errors);
    if (!failed) return;
    const message = `failed to reconcile group members: ${failed.message}`;
    throw failed instanceof Waiting ? new Waiting(message) : new Error(message);
  };

  // --- placement -------------------------------------------------------------------

  /** The member statuses of VMs to place in a group's tree, with the group (and its status) each belongs to. */
  interface ToPlace {
    vm: VirtualMachine & KubeObject;
    status: VirtualMachineGroupMemberStatus;
  }

  /** A child group's status as this pass changes it, written after the root's placement. */
  interface ChildStatus {
    group: Group;
    status: VirtualMachineGroupStatus;
  }

  const membersToPlace = (
    group: Group,
    status: VirtualMachineGroupStatus,
    children: Map<string, ChildStatus>,
    out: ToPlace[],
  ): void => {
    const namespace = group.metadata.namespace as string;
    for (const order of group.spec?.bootOrder ?? [])
      for (const member of order.members ?? []) {
        const kind = member.kind ?? 'VirtualMachine';
        const memberStatus = status.members?.find((m) => m.kind === kind && m.name === member.name);
        if (!memberStatus)
          throw new Error(
            kind === 'VirtualMachine'
              ? `VM "${member.name}" is not in group member status`
              : `VM Group "${member.name}" is not in parent group "${group.metadata.name}" member status`,
          );
        if (kind === 'VirtualMachineGroup') {
          if (!isConditionTrue(memberStatus.conditions, MEMBER_CONDITION.groupLinked))
            throw new Error(
              `VM Group "${member.name}" is not linked for parent group "${group.metadata.name}"`,
            );
          if (children.has(member.name))
            throw new Error(`cycle detected in group hierarchy: "${member.name}"`);
          const child = get<Group>(GROUP.kind, namespace, member.name);
          if (!child)
            throw new Error(
              `failed to get group member group ${member.name}: ${kube.notFoundMessage(GROUP.apiVersion, GROUP.kind, member.name)}`,
            );
          const childStatus = structuredClone(child.status ?? {});
          children.set(member.name, { group: child, status: childStatus });
          membersToPlace(child, childStatus, children, out);
          continue;
        }
        const vm = vmToPlace(group, member.name, memberStatus);
        if (vm) out.push({ vm, status: memberStatus });
      }
  };

  /** The VM when the group is to place it; else its status says why not (or needs nothing). */
  const vmToPlace = (group: Group, name: string, status: VirtualMachineGroupMemberStatus) => {
    const fail = (message: string) => {
      mark(status, isFalse(MEMBER_CONDITION.placementReady, 'Error', message));
      throw new Error(message);
    };
    if (!isConditionTrue(status.conditions, MEMBER_CONDITION.groupLinked))
      fail(`VM "${name}" is not linked for group "${group.metadata.name}"`);
    const vm = get<VirtualMachine & KubeObject>(VM.kind, group.metadata.namespace as string, name);
    if (!vm)
      return fail(
        `failed to get group member VM "${name}": ${kube.notFoundMessage(VM.apiVersion, VM.kind, name)}`,
      );
    if (vm.spec?.groupName !== group.metadata.name)
      fail(
        `VM "${name}" is assigned to group "${vm.spec?.groupName ?? ''}" instead of expected "${group.metadata.name}"`,
      );
    if (vm.metadata.uid === status.uid && isConditionTrue(status.conditions, MEMBER_CONDITION.placementReady))
      return undefined;
    status.uid = vm.metadata.uid as string;
    if (vm.status?.uniqueID) {
      // A contract with VKS: the message is the zone the VM is in.
      mark(status, {
        type: MEMBER_CONDITION.placementReady,
        status: 'True',
        reason: 'AlreadyPlaced',
        message: vm.status.zone ?? '',
      });
      return undefined;
    }
    // A zone label places the VM where it says, outside the group.
    if (vm.metadata.labels?.[ZONE_LABEL]) return undefined;
    return vm;
  };

  /**
   * Places the VMs as a lone VM is placed, together: the zone DRS picks (the namespace's only
   * one, or of several the least loaded), its pool or the policy's child pool; with
   * VMPlacementPolicies, a VM of zone rules where they allow; and the host DRS recommends there.
   */
  const place = (namespace: string, vms: readonly ToPlace[]): void => {
    const namespaceObject = reader.get('v1', 'Namespace', undefined, namespace) as KubeObject | undefined;
    const zones = reader.list(TOPOLOGY_API_VERSION, 'Zone', namespace) as KubeObject[];
    const home = placementOf(namespaceObject, zones, undefined, chooseZone);
    // With VMPlacementPolicies, a VM of zone rules goes where they allow: home if they do.
    const tagged = placementPolicies ? taggedZones(namespace) : undefined;
    // DRS's candidates: the zones with a pool of the namespace that are not being deleted.
    const zoneNames = zones
      .filter(
        (z) => !z.metadata.deletionTimestamp && placementOf(namespaceObject, zones, z.metadata.name)?.zone,
      )
      .map((z) => z.metadata.name as string);
    const unplaceable: string[] = [];
    const hosted = new Map<string, number>();
    const errors: string[] = [];
    let childPool: string | undefined;
    const targets = new Map<ToPlace, VirtualMachinePlacementStatus>();
    for (const entry of vms) {
      const notReady = (message: string) => {
        mark(entry.status, isFalse(MEMBER_CONDITION.placementReady, 'NotReady', message));
        errors.push(message);
      };
      const prerequisites = checkPrerequisites(reader, entry.vm, false);
      // A VM to import without a class (VMImportNewNet) has none to place by before it is in vSphere.
      if (deps.capabilities?.vmImportNewNet && !entry.vm.spec?.className) {
        notReady(
          `failed to get VM placement prereqs: ${aggregate(classlessCreateErrors(prerequisites.verdicts))}`,
        );
        continue;
      }
      const failing = prerequisites.verdicts.find((v) => v.status === 'False');
      if (failing) {
        // The lookup's error, which for an image is not its condition's message.
        const error = failing.type === CONDITION.imageReady ? imageError(failing) : failing.message;
        notReady(`failed to get VM placement prereqs: ${error}`);
        continue;
      }
      const policy = prerequisites.resolved.policy;
      const pool = policy?.spec?.resourcePool?.name ?? '';
      if (childPool === undefined) childPool = pool;
      else if (pool !== childPool) {
        notReady('all VMs being placed as group must belong to same child ResourcePool');
        continue;
      }
      const rules = tagged && zoneRulesOf(entry.vm);
      let placement = home;
      if (rules) {
        const allowed = tagged.allowed(zoneNames, rules);
        if (allowed.length === 0) unplaceable.push(entry.vm.metadata.name as string);
        else if (!home?.zone || !allowed.includes(home.zone))
          placement = placementOf(namespaceObject, zones, undefined, (candidates) =>
            chooseZone(candidates.filter((c) => allowed.includes(c.zone as string))),
          );
      }
      if (tagged && placement?.zone) tagged.add(entry.vm, placement.zone);
      const target = placement && (policy ? policyPlacement(vsphere, placement, policy) : placement);
      if (!target) {
        notReady(`namespace ${namespace} has no resource pool and folder`);
        continue;
      }
      // PlaceVmsXCluster (CreateAndPowerOn) recommends each VM's host too, spreading the request.
      // (Its instance storage disks' datastore among what DRS is asked to place, vm-operator's
      // placement config spec holding them.)
      const local = deps.capabilities?.instanceStorage && hasInstanceStorage(entry.vm);
      const datastore = local ? deps.claimDatastore?.() : undefined;
      const node = vsphere.computeResource.recommendHost(target.pool, datastore, hosted);
      if (node) hosted.set(node, (hosted.get(node) ?? 0) + 1);
      targets.set(entry, {
        ...(placement?.zone ? { zoneID: placement.zone } : {}),
        ...(node ? { node } : {}),
        pool: target.pool,
      });
      mark(entry.status, isFalse(MEMBER_CONDITION.placementReady, 'PendingPlacement', ''));
    }
    if (errors.length > 0)
      throw new Error(
        `failed to place group members: failed to get all VM placement ConfigSpecs: ${errors.join('\n')}`,
      );
    // DRS faults the whole request, on every candidate pool, as PlaceVmsXCluster does (its words
    // are not public: these are the simulator's).
    if (unplaceable.length > 0) {
      const fault = `the zone affinity of VMs ${unplaceable.join(', ')} cannot be satisfied`;
      const pools = zoneNames.flatMap((zone) => placementOf(namespaceObject, zones, zone)?.pool ?? []);
      throw new Error(`faults: [${pools.map((pool) => `ResourcePool ${pool} faults: ${fault}`).join(' ')}]`);
    }
    for (const [entry, target] of targets) {
      entry.status.placement = target;
      mark(entry.status, isTrue(MEMBER_CONDITION.placementReady));
    }
  };

  const reconcilePlacement = (key: string, group: Group, status: VirtualMachineGroupStatus): void => {
    // Placement is the root's.
    if (group.spec?.groupName) return;
    const children = new Map<string, ChildStatus>();
    const vms: ToPlace[] = [];
    try {
      membersToPlace(group, status, children, vms);
    } catch (failure) {
      throw new Error(
        `failed to reconcile group placement: failed to get all placement members: ${(failure as Error).message}`,
      );
    }
    try {
      if (vms.length > 0) place(group.metadata.namespace as string, vms);
    } catch (failure) {
      throw new Error(`failed to reconcile group placement: ${(failure as Error).message}`);
    }
    // Child groups get their members' placement once it succeeded, as vm-operator patches them.
    for (const child of children.values())
      if (!deepEqual(child.group.status ?? {}, child.status))
        controller.ownWrite(key, () => kube.direct.updateStatus({ ...child.group, status: child.status }));
  };

  // --- the pass --------------------------------------------------------------------

  const memberReady = (member: VirtualMachineGroupMemberStatus): string | undefined => {
    const who = `${member.kind}/${member.name}`;
    const expected =
      member.kind === 'VirtualMachine'
        ? [MEMBER_CONDITION.groupLinked, MEMBER_CONDITION.placementReady]
        : [MEMBER_CONDITION.groupLinked, 'Ready'];
    for (const type of expected) {
      const condition = member.conditions?.find((c) => c.type === type);
      if (!condition) return `${who} missing condition ${type}`;
      if (condition.status !== 'True') return `${who} condition ${type} is ${condition.status}`;
    }
    const other = member.conditions?.find((c) => c.status !== 'True');
    return other ? `${who} condition ${other.type} is ${other.status}` : undefined;
  };

  const readyVerdict = (status: VirtualMachineGroupStatus, error: unknown): Verdict => {
    const members = status.members ?? [];
    if (error === undefined && members.length === 0) return isTrue('Ready');
    const reasons = members.map(memberReady).filter((r): r is string => r !== undefined);
    if (reasons.length > 0)
      return isFalse(
        'Ready',
        'MembersNotReady',
        `${reasons.length} of ${members.length} members not ready: ${reasons.join('; ')}`,
      );
    return error === undefined ? isTrue('Ready') : isFalse('Ready', 'Error', (error as Error).message);
  };

  const reconcile = (key: string) => {
    const { namespace, name } = parseObjectKey(key);
    if (namespace === undefined) return undefined;
    const group = get<Group>(GROUP.kind, namespace, name);
    if (!group) {
      stamps.delete(key);
      return undefined;
    }
    const finalizers = group.metadata.finalizers ?? [];
    if (group.metadata.deletionTimestamp || !finalizers.includes(VM_GROUP_FINALIZER)) {
      // A deleted group only lets go; a new one takes the finalizer alone, its event brings it back.
      const kept = group.metadata.deletionTimestamp
        ? finalizers.filter((f) => f !== VM_GROUP_FINALIZER)
        : [...finalizers, VM_GROUP_FINALIZER];
      // Not the pass's own write: its event is what brings the group back.
      if (kept.length !== finalizers.length)
        kube.direct.update({ ...group, metadata: { ...group.metadata, finalizers: kept } });
      return undefined;
    }
    const status: VirtualMachineGroupStatus = structuredClone(group.status ?? {});
    let error: unknown;
    try {
      const parent = group.spec?.groupName
        ? get<Group>(GROUP.kind, namespace, group.spec.groupName)
        : undefined;
      const linked = groupLinkedVerdict('VirtualMachineGroup', group, parent);
      mark(status, linked);
      if (linked.status === 'False')
        throw new Error('failed to reconcile group name: group is not linked to its parent group');
      reconcileMembers(key, group, status);
      reconcilePlacement(key, group, status);
    } catch (failure) {
      error = failure;
    }
    mark(status, readyVerdict(status, error));
    if (!deepEqual(group.status ?? {}, status))
      controller.ownWrite(key, () => kube.direct.updateStatus({ ...group, status }));
    if (error !== undefined && !(error instanceof Waiting)) throw error;
    return undefined;
  };

  const controller = manager.controller({ name: VM_GROUP_CONTROLLER, reconcile });

  /** The groups a member names, before and after a change: theirs to reconcile again. */
  const toGroups = (member: KubeObject, _event: string, old: KubeObject | undefined) => {
    const after = (member as Member).spec?.groupName;
    const before = (old as Member | undefined)?.spec?.groupName;
    // Most VMs name no group: nothing to map, nothing made.
    if (!after && !before) return undefined;
    const key = (name: string) => objectKey({ namespace: member.metadata.namespace, name });
    if (!before || before === after) return [key(after as string)];
    return after ? [key(after), key(before)] : [key(before)];
  };
  /** The child groups a group lists: a parent's change may link or place them. */
  const toChildren = (group: KubeObject) =>
    ((group as Group).spec?.bootOrder ?? []).flatMap((order) =>
      (order.members ?? [])
        .filter((m) => m.kind === GROUP.kind)
        .map((m) => objectKey({ namespace: group.metadata.namespace, name: m.name })),
    );

  controller.watches(kube, GROUP);
  controller.watches(kube, GROUP, toGroups);
  controller.watches(kube, GROUP, toChildren);
  controller.watches(kube, VM, toGroups);
  return controller;
}
