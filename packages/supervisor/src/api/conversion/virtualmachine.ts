/**
 * VirtualMachine conversion rules between the hub (v1alpha6) and the served
 * spokes, following vm-operator's api/v1alpha{2,3,4,5}/virtualmachine_conversion.go.
 */

import { OLD_PAUSED_ANNOTATION, PAUSED_ANNOTATION } from '../annotations.js';
import type { KindRules, SpokeRule } from './engine.js';
import { ensureObject, getPath, isObject, type JsonObject } from './paths.js';

/** The fields of `spec.advanced` v1alpha6 added. */
export const ADVANCED_SINCE_V1ALPHA6 = [
  'preferHtEnabled',
  'hugePages1GEnabled',
  'timeTrackerLowLatencyEnabled',
  'cpuAffinityExclusiveNoStatsEnabled',
  'vmxSwapEnabled',
  'pnumaNodeAffinity',
  'extraConfig',
];

/** Fields v1alpha6 added over v1alpha5; every older version lacks them too. */
const SINCE_V1ALPHA6 = [
  ...ADVANCED_SINCE_V1ALPHA6.map((f) => `+spec.advanced.${f}`),
  '+spec.bootstrap.disabled',
  ...['type', 'vnumaNodeID', 'vmxnet3', 'advancedProperties', 'ipamModes'].map(
    (f) => `spec.network.interfaces[].${f}`,
  ),
  '+spec.network.vlans',
  'spec.volumeAttributesClassName',
  'spec.resources',
  'spec.cpuAdvanced',
  'spec.memoryAdvanced',
  'status.network.interfaces[].vnumaNodeID',
  'status.network.interfaces[].vmxnet3',
  'status.extraConfig',
  ...[
    'limit',
    'coresPerSocket',
    'simultaneousThreads',
    'latencySensitivity',
    'hotAddEnabled',
    'iommuEnabled',
    'nestedHardwareVirtualizationEnabled',
    'performanceCountersEnabled',
    'vnuma',
  ].map((f) => `status.hardware.cpu.${f}`),
  ...['limit', 'reservationLockedToMax', 'hotAddEnabled'].map((f) => `status.hardware.memory.${f}`),
];

/** The fields of a volume v1alpha5 added: its placement and how it is attached. */
export const VOLUME_FIELDS_SINCE_V1ALPHA5 = [
  'removable',
  'applicationType',
  'controllerBusNumber',
  'controllerType',
  'diskMode',
  'sharingMode',
  'unitNumber',
];

/**
 * Fields v1alpha5 added over v1alpha4 that vm-operator's conversions lose: not restored from the
 * annotation by a write of an older version.
 */
const LOST_SINCE_V1ALPHA5 = ['spec.class', 'spec.currentSnapshotName'];

/** Fields v1alpha5 added over v1alpha4 (besides those lost). */
const SINCE_V1ALPHA5 = [
  'spec.bootOptions',
  'spec.policies',
  // Restored into a `spec.hardware` the older version has none of, as vm-operator restores it.
  ...['ideControllers', 'nvmeControllers', 'sataControllers', 'scsiControllers'].map(
    (f) => `+spec.hardware.${f}`,
  ),
  ...['controllerBusNumber', 'controllerType', 'unitNumber'].map((f) => `spec.hardware.cdrom[].${f}`),
  'spec.bootstrap.cloudInit.waitOnNetwork4',
  'spec.bootstrap.cloudInit.waitOnNetwork6',
  ...['expirePasswordAfterNextLogin', 'password', 'scriptText', 'customizeAtNextPowerOn'].map(
    (f) => `spec.bootstrap.linuxPrep.${f}`,
  ),
  'spec.bootstrap.sysprep.customizeAtNextPowerOn',
  'spec.bootstrap.sysprep.sysprep.expirePasswordAfterNextLogin',
  'spec.bootstrap.sysprep.sysprep.scriptText',
  'spec.crypto.vTPMMode',
  ...VOLUME_FIELDS_SINCE_V1ALPHA5.map((f) => `spec.volumes[].${f}`),
  'status.provider',
  'status.currentSnapshot',
  'status.rootSnapshots',
  'status.guest',
  'status.hardware',
  'status.policies',
  'status.crypto.hasVTPM',
  '+status.storage.usage.snapshots',
  ...['controllerBusNumber', 'controllerType', 'unitNumber', 'diskMode', 'sharingMode'].map(
    (f) => `status.volumes[].${f}`,
  ),
];

/** Fields v1alpha4 added over v1alpha3 (besides the status host/nodeName rename). */
const SINCE_V1ALPHA4 = ['spec.promoteDisksMode', '+status.storage.usage.disks', 'status.volumes[].requested'];

/** Fields v1alpha3 added over v1alpha2. */
const SINCE_V1ALPHA3 = [
  'spec.image',
  'spec.instanceUUID',
  'spec.biosUUID',
  'spec.guestID',
  'spec.hardware',
  '+spec.bootstrap.cloudInit.instanceID',
  'status.crypto',
  'status.storage',
  // The same DNS status type in both places.
  'status.network.config.dns.domainName',
  'status.network.config.interfaces[].dns.domainName',
  ...['type', 'crypto', 'limit', 'requested', 'used'].map((f) => `status.volumes[].${f}`),
];

/** DHCP flags are plain booleans in the spokes: false and unset are the same there. */
function dropFalseDhcp(spoke: JsonObject): void {
  const interfaces = getPath(spoke, 'spec.network.interfaces');
  if (!Array.isArray(interfaces)) return;
  for (const iface of interfaces) {
    if (!isObject(iface)) continue;
    if (iface.dhcp4 === false) delete iface.dhcp4;
    if (iface.dhcp6 === false) delete iface.dhcp6;
  }
}

const DHCP_RESTORE = ['spec.network.interfaces[].dhcp4', 'spec.network.interfaces[].dhcp6'];

function renameNodeNameToHost(spoke: JsonObject): void {
  const status = spoke.status;
  if (!isObject(status) || status.nodeName === undefined) return;
  status.host = status.nodeName;
  delete status.nodeName;
}

function renameHostToNodeName(hub: JsonObject): void {
  const status = hub.status;
  if (!isObject(status) || status.host === undefined) return;
  status.nodeName = status.host;
  delete status.host;
}

/** v1alpha3-4 keep CD-ROMs at spec.cdrom; the hub moved them under spec.hardware. */
function cdromDown(spoke: JsonObject): void {
  const spec = spoke.spec;
  if (!isObject(spec)) return;
  const hardware = spec.hardware;
  if (isObject(hardware) && Array.isArray(hardware.cdrom)) spec.cdrom = hardware.cdrom;
  delete spec.hardware;
}

function cdromUp(hub: JsonObject): void {
  const spec = hub.spec;
  if (!isObject(spec) || !Array.isArray(spec.cdrom)) return;
  ensureObject(spec, 'hardware').cdrom = spec.cdrom;
  delete spec.cdrom;
}

/** v1alpha3 reports storage as usage{total, disks, other}. */
function storageDownV1alpha3(hub: JsonObject, spoke: JsonObject): void {
  const storage = getPath(hub, 'status.storage');
  const status = spoke.status;
  if (!isObject(storage) || !isObject(status)) return;
  const usage: JsonObject = {};
  if (storage.total !== undefined) usage.total = storage.total;
  const disks = getPath(storage, 'requested.disks');
  if (disks !== undefined) usage.disks = disks;
  const other = getPath(storage, 'usage.other');
  if (other !== undefined) usage.other = other;
  status.storage = Object.keys(usage).length > 0 ? { usage } : {};
}

function storageUpV1alpha3(hub: JsonObject): void {
  const status = hub.status;
  if (!isObject(status) || !isObject(status.storage)) return;
  const usage = status.storage.usage;
  const storage: JsonObject = {};
  if (isObject(usage)) {
    if (usage.total !== undefined) storage.total = usage.total;
    if (usage.disks !== undefined) storage.requested = { disks: usage.disks };
    if (usage.other !== undefined) storage.usage = { other: usage.other };
  }
  status.storage = storage;
}

function annotations(obj: JsonObject): Record<string, string> | undefined {
  const a = getPath(obj, 'metadata.annotations');
  return isObject(a) ? (a as Record<string, string>) : undefined;
}

function renameAnnotation(obj: JsonObject, from: string, to: string): void {
  const a = annotations(obj);
  if (!a || a[from] === undefined) return;
  a[to] = a[from];
  delete a[from];
}

function v1alpha2Down(hub: JsonObject, spoke: JsonObject): void {
  renameNodeNameToHost(spoke);
  renameAnnotation(spoke, PAUSED_ANNOTATION, OLD_PAUSED_ANNOTATION);
  const spec = isObject(spoke.spec) ? spoke.spec : undefined;
  const image = getPath(hub, 'spec.image');
  if (spec && isObject(image)) {
    if (!spec.imageName) spec.imageName = image.name;
    ensureObject(spoke, 'status').image = {
      apiVersion: 'vmoperator.vmware.com/v1alpha6',
      kind: image.kind,
      name: image.name,
    };
  }
  const domainName = getPath(hub, 'spec.network.domainName');
  const identification = getPath(spoke, 'spec.bootstrap.sysprep.sysprep.identification');
  if (typeof domainName === 'string' && domainName !== '' && isObject(identification)) {
    identification.joinDomain = domainName;
  }
  if (spec && isObject(spec.network)) delete spec.network.domainName;
  // v1alpha2 has no Classic volume statuses; they return from the annotation. Without others,
  // no list (Go's empty slice, omitted).
  const volumes = getPath(spoke, 'status.volumes');
  const hubVolumes = getPath(hub, 'status.volumes');
  if (Array.isArray(volumes) && Array.isArray(hubVolumes)) {
    const isClassic = (i: number): boolean => {
      const v: unknown = hubVolumes[i];
      return isObject(v) && v.type === 'Classic';
    };
    const managed = volumes.filter((_v, i) => !isClassic(i));
    const status = spoke.status as JsonObject;
    if (managed.length > 0) status.volumes = managed;
    else delete status.volumes;
  }
}

function v1alpha2Up(spoke: JsonObject, hub: JsonObject, restored: JsonObject | undefined): void {
  renameHostToNodeName(hub);
  renameAnnotation(hub, OLD_PAUSED_ANNOTATION, PAUSED_ANNOTATION);
  const status = isObject(hub.status) ? hub.status : undefined;
  const statusImage = status?.image;
  if (status) {
    delete status.image;
    // status.image alone made the status; the hub object had none.
    if (Object.keys(status).length === 0 && restored && restored.status === undefined) delete hub.status;
  }
  const spec = isObject(hub.spec) ? hub.spec : {};
  // Existing objects (generation > 0) get spec.image from what v1alpha2 knows;
  // new ones leave it for the mutation webhook to resolve from imageName.
  const generation = getPath(spoke, 'metadata.generation');
  if (typeof generation === 'number' && generation > 0) {
    if (isObject(statusImage) && statusImage.kind && statusImage.name) {
      spec.image = { kind: statusImage.kind, name: statusImage.name };
    } else if (typeof spec.imageName === 'string' && spec.imageName !== '') {
      spec.image = { name: spec.imageName };
    }
  }
  const identification = getPath(hub, 'spec.bootstrap.sysprep.sysprep.identification');
  if (isObject(identification)) {
    const joinDomain = identification.joinDomain;
    delete identification.joinDomain;
    if (typeof joinDomain === 'string' && joinDomain !== '')
      ensureObject(hub, 'spec.network').domainName = joinDomain;
  }
  const volumes = getPath(hub, 'status.volumes');
  if (Array.isArray(volumes))
    for (const v of volumes) if (isObject(v) && v.type === undefined) v.type = 'Managed';
  if (!restored) return;
  // imageName went down as image.name when unset; an unchanged value goes back unset.
  const restoredImage = getPath(restored, 'spec.image');
  if (getPath(restored, 'spec.imageName') === undefined && isObject(restoredImage)) {
    if (spec.imageName === restoredImage.name) delete spec.imageName;
  }
  const restoredVolumes = getPath(restored, 'status.volumes');
  if (Array.isArray(restoredVolumes)) {
    const classic = restoredVolumes.filter((v) => isObject(v) && v.type === 'Classic');
    if (classic.length > 0)
      ensureObject(hub, 'status').volumes = [...(Array.isArray(volumes) ? volumes : []), ...classic];
  }
}

function rule(
  hubOnly: string[],
  down: NonNullable<SpokeRule['down']>,
  up: NonNullable<SpokeRule['up']>,
  restoreIfAbsent: string[] = [],
  lost: string[] = [],
): SpokeRule {
  return {
    hubOnly,
    restoreIfAbsent: [...DHCP_RESTORE, ...restoreIfAbsent],
    preserve: true,
    down,
    up,
    ...(lost.length ? { lost } : {}),
  };
}

export const virtualMachineRules: KindRules = {
  v1alpha5: rule(
    SINCE_V1ALPHA6,
    (_hub, spoke) => dropFalseDhcp(spoke),
    (_spoke, hub) => dropFalseDhcp(hub),
  ),
  v1alpha4: rule(
    [...SINCE_V1ALPHA6, ...SINCE_V1ALPHA5, 'status.class'],
    (_hub, spoke) => {
      dropFalseDhcp(spoke);
      cdromDown(spoke);
    },
    (_spoke, hub) => {
      dropFalseDhcp(hub);
      cdromUp(hub);
    },
    [],
    LOST_SINCE_V1ALPHA5,
  ),
  v1alpha3: rule(
    [...SINCE_V1ALPHA6, ...SINCE_V1ALPHA5, ...SINCE_V1ALPHA4],
    (hub, spoke) => {
      dropFalseDhcp(spoke);
      cdromDown(spoke);
      renameNodeNameToHost(spoke);
      storageDownV1alpha3(hub, spoke);
    },
    (_spoke, hub) => {
      dropFalseDhcp(hub);
      cdromUp(hub);
      renameHostToNodeName(hub);
      storageUpV1alpha3(hub);
    },
    [],
    LOST_SINCE_V1ALPHA5,
  ),
  v1alpha2: rule(
    [...SINCE_V1ALPHA6, ...SINCE_V1ALPHA5, ...SINCE_V1ALPHA4, ...SINCE_V1ALPHA3],
    (hub, spoke) => {
      dropFalseDhcp(spoke);
      v1alpha2Down(hub, spoke);
    },
    (spoke, hub, restored) => {
      dropFalseDhcp(hub);
      v1alpha2Up(spoke, hub, restored);
    },
    ['+spec.network.domainName'],
    LOST_SINCE_V1ALPHA5,
  ),
};

const TEMPLATE_SPEC = 'spec.template.spec';

/** A VM's `spec` path rooted at a replica set's template (`+` kept: it makes the parents). */
const inTemplate = (paths: readonly string[] = []): string[] =>
  paths
    .filter((path) => path.replace(/^\+/, '').startsWith('spec.'))
    .map((path) =>
      path.startsWith('+') ? `+${TEMPLATE_SPEC}${path.slice(5)}` : `${TEMPLATE_SPEC}${path.slice(4)}`,
    );

/** The template's spec as a VM the VM's reshapes work on (they touch its `spec` alone). */
const templateView = (obj: JsonObject): JsonObject => {
  const spec = getPath(obj, TEMPLATE_SPEC);
  return isObject(spec) ? { spec } : {};
};

/**
 * A VirtualMachineReplicaSet's template is a VM's spec, reshaped as a VM's is (vm-operator's
 * generated conversion calls the VM's functions). What the older versions lack of it is lost:
 * v1alpha5 keeps no annotation, and v1alpha3-4 keep one but restore only the status from it.
 */
export const virtualMachineReplicaSetRules: KindRules = Object.fromEntries(
  (['v1alpha3', 'v1alpha4', 'v1alpha5'] as const).map((version) => {
    const vm = virtualMachineRules[version] as SpokeRule;
    const rule: SpokeRule = {
      hubOnly: [],
      lost: inTemplate([...vm.hubOnly, ...(vm.lost ?? [])]),
      preserve: version !== 'v1alpha5',
      down: (hub, spoke) => vm.down?.(templateView(hub), templateView(spoke)),
      up: (spoke, hub) => vm.up?.(templateView(spoke), templateView(hub), undefined),
    };
    return [version, rule];
  }),
);
