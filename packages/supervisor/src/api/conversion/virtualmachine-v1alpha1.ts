/**
 * VirtualMachine conversion between the hub (v1alpha6) and v1alpha1, following vm-operator's
 * api/v1alpha1/virtualmachine_conversion.go. v1alpha1 differs in shape throughout, so its spec
 * and status are built afresh each way; what the hub holds beyond them comes back from the
 * conversion annotation as vm-operator's restore functions bring it back, field by field.
 *
 * Lost on hub -> v1alpha1 -> hub, as in vm-operator:
 * - spec.class, which no restore function brings back;
 * - of spec.bootstrap, what the one transport v1alpha1 keeps does not cover: linuxPrep when
 *   cloudInit or sysprep is set, sysprep and vAppConfig when cloudInit is; an empty bootstrap;
 * - spec.volumes[] with neither a claim nor a whole controller placement;
 * - the value of the configMap transport annotation (it comes back "true"), and the annotation
 *   itself when the bootstrap names no object.
 * Lost on v1alpha1 -> hub -> v1alpha1 (an object without the annotation):
 * - spec.ports; spec.networkInterfaces[].providerRef and .ethernetCardType, and a networkType
 *   that is none of the four known;
 * - spec.volumes[].vSphereVolume (the volume keeps its name; the boot disk, device key 2000,
 *   comes back as a volume of its own, named vmoperator-vm-boot-disk);
 * - spec.vmMetadata without a transport; an unnamed ExtraConfig one comes back CloudInit;
 * - of spec.advancedOptions.defaultVolumeProvisioningOptions, eagerZeroed beside thinProvisioned
 *   or when false;
 * - status.phase (made again from the conditions), status.networkInterfaces[].connected (comes
 *   back true), status.conditions[].severity; a condition without reason gets its status as one,
 *   and PrereqReady comes back as the hub's conditions it stands for, with a PrereqReady again.
 */

import { ipFamily } from '@vsim/vsphere';
import {
  V1ALPHA1_CONFIG_MAP_TRANSPORT_ANNOTATION as CONFIG_MAP_TRANSPORT_ANNOTATION,
  OLD_PAUSED_ANNOTATION,
  PAUSED_ANNOTATION,
} from '../annotations.js';
import { getAnnotation, type SpokeRule, setAnnotation } from './engine.js';
import { ensureObject, getPath, isObject, type JsonObject, objectsIn } from './paths.js';
import { conditionDown, conditionUp } from './v1alpha1-kinds.js';
import { ADVANCED_SINCE_V1ALPHA6, VOLUME_FIELDS_SINCE_V1ALPHA5 } from './virtualmachine.js';

/** The device key of a VM's first disk, which v1alpha1 resizes through a vSphere volume. */
const BOOT_DISK_DEVICE_KEY = 2000;
const BOOT_DISK_VOLUME_NAME = 'vmoperator-vm-boot-disk';

/** The cloud-init key of the ExtraConfig transport, which the hub keeps as cloud-init. */
const EXTRA_CONFIG_USER_DATA_KEY = 'guestinfo.userdata';

const PREREQ_READY = 'VirtualMachinePrereqReady';
const CLASS_READY = 'VirtualMachineClassReady';
const IMAGE_READY = 'VirtualMachineImageReady';
const POLICY_READY = 'VirtualMachineConditionVMSetResourcePolicyReady';
const BOOTSTRAP_READY = 'VirtualMachineBootstrapReady';
const CREATED = 'VirtualMachineCreated';
const CLASS_NOT_FOUND = 'VirtualMachineClassNotFound';
const IMAGE_NOT_FOUND = 'VirtualMachineImageNotFound';
/** The PrereqReady reasons of a missing class, and those of a class found but no image. */
const CLASS_REASONS = new Set([CLASS_NOT_FOUND, 'VirtualMachineClassBindingNotFound']);
const IMAGE_REASONS = new Set([
  IMAGE_NOT_FOUND,
  'VirtualMachineImageNotReady',
  'ContentSourceBindingNotFound',
  'ContentLibraryProviderNotFound',
]);

const inverse = (map: ReadonlyMap<string, string>): ReadonlyMap<string, string> =>
  new Map([...map].map(([from, to]) => [to, from]));

const POWER_STATES_UP: ReadonlyMap<string, string> = new Map([
  ['poweredOn', 'PoweredOn'],
  ['poweredOff', 'PoweredOff'],
  ['suspended', 'Suspended'],
]);
const POWER_STATES_DOWN = inverse(POWER_STATES_UP);
const POWER_OP_MODES_UP: ReadonlyMap<string, string> = new Map([
  ['hard', 'Hard'],
  ['soft', 'Soft'],
  ['trySoft', 'TrySoft'],
]);
const POWER_OP_MODES_DOWN = inverse(POWER_OP_MODES_UP);
const POWER_OP_MODE_FIELDS = ['powerOffMode', 'suspendMode', 'restartMode'];

/** The network each v1alpha1 networkType refers to, by the hub reference's apiVersion and kind. */
const NETWORK_REFS: ReadonlyMap<string, { apiVersion: string; kind: string }> = new Map([
  ['vsphere-distributed', { apiVersion: 'netoperator.vmware.com/v1alpha1', kind: 'Network' }],
  ['nsx-t', { apiVersion: 'vmware.com/v1alpha1', kind: 'VirtualNetwork' }],
  ['nsx-t-subnet', { apiVersion: 'crd.nsx.vmware.com/v1alpha1', kind: 'Subnet' }],
  ['nsx-t-subnetset', { apiVersion: 'crd.nsx.vmware.com/v1alpha1', kind: 'SubnetSet' }],
]);
const NETWORK_TYPES_BY_KIND: ReadonlyMap<string, string> = new Map(
  [...NETWORK_REFS].map(([type, ref]) => [ref.kind, type]),
);

const PROVISIONING_OPTIONS: ReadonlyMap<string, JsonObject> = new Map([
  ['Thin', { thinProvisioned: true }],
  ['Thick', { thinProvisioned: false }],
  ['ThickEagerZero', { eagerZeroed: true }],
]);

/** The same in both versions, copied as they are. */
const SHARED_SPEC_FIELDS = [
  'imageName',
  'className',
  'storageClass',
  'nextRestartTime',
  'minHardwareVersion',
];
const SHARED_STATUS_FIELDS = [
  'uniqueID',
  'biosUUID',
  'instanceUUID',
  'changeBlockTracking',
  'zone',
  'lastRestartTime',
  'hardwareVersion',
];
const PROBE_FIELDS = ['tcpSocket', 'guestHeartbeat', 'timeoutSeconds', 'periodSeconds'];
const VOLUME_STATUS_FIELDS = ['name', 'attached', 'diskUUID', 'error'];
const CONDITION_FIELDS = ['type', 'status', 'lastTransitionTime', 'reason', 'message'];

/** Spec fields v1alpha1 has no counterpart of, which the annotation gives back whole. */
const RESTORED_SPEC_FIELDS = [
  'image',
  'imageName',
  'biosUUID',
  'instanceUUID',
  'guestID',
  'crypto',
  'promoteDisksMode',
  'bootOptions',
  'affinity',
  'groupName',
  'hardware',
  'policies',
  'currentSnapshotName',
  'resources',
  'cpuAdvanced',
  'memoryAdvanced',
];
const RESTORED_NETWORK_FIELDS = [
  'domainName',
  'hostName',
  'disabled',
  'nameservers',
  'searchDomains',
  'vlans',
];
const RESTORED_ADVANCED_FIELDS = ['defaultVolumeProvisioningMode', ...ADVANCED_SINCE_V1ALPHA6];
const RESTORED_CLOUD_INIT_FIELDS = [
  'cloudConfig',
  'sshAuthorizedKeys',
  'useGlobalNameserversAsDefault',
  'useGlobalSearchDomainsAsDefault',
  'waitOnNetwork4',
  'waitOnNetwork6',
];
const RESTORED_LINUX_PREP_FIELDS = [
  'hardwareClockIsUTC',
  'timeZone',
  'expirePasswordAfterNextLogin',
  'password',
  'scriptText',
  'customizeAtNextPowerOn',
];

const objectOr = (value: unknown): JsonObject | undefined => (isObject(value) ? value : undefined);
const isSet = (value: unknown): value is string => typeof value === 'string' && value !== '';

function setDefined(to: JsonObject, field: string, value: unknown): void {
  if (value !== undefined) to[field] = value;
}

function copyFields(from: JsonObject, to: JsonObject, fields: readonly string[]): void {
  for (const field of fields) setDefined(to, field, from[field]);
}

/** Takes the saved value of each field, or none where the saved object had none (Go assigns its zero). */
function assignSaved(to: JsonObject, saved: JsonObject, fields: readonly string[]): void {
  for (const field of fields) {
    if (saved[field] === undefined) delete to[field];
    else to[field] = saved[field];
  }
}

/** An enum value in the other version's spelling; one the table lacks passes as it is, as in vm-operator. */
const respell = (table: ReadonlyMap<string, string>, value: unknown): unknown =>
  typeof value === 'string' ? (table.get(value) ?? value) : value;

function moveAnnotation(obj: JsonObject, from: string, to: string): void {
  const value = getAnnotation(obj, from);
  if (value === undefined) return;
  setAnnotation(obj, to, value);
  setAnnotation(obj, from, undefined);
}

// Down: the spoke starts as a copy of the hub, whose parts move into the v1alpha1 shape.

function specDown(hub: JsonObject, toConfigMap: boolean): JsonObject {
  const spec: JsonObject = {};
  copyFields(hub, spec, SHARED_SPEC_FIELDS);
  // An image given by reference alone is still named in v1alpha1's one field.
  const image = objectOr(hub.image);
  if (!isSet(spec.imageName) && image) setDefined(spec, 'imageName', image.name);
  setDefined(spec, 'powerState', respell(POWER_STATES_DOWN, hub.powerState));
  for (const mode of POWER_OP_MODE_FIELDS) setDefined(spec, mode, respell(POWER_OP_MODES_DOWN, hub[mode]));
  setDefined(spec, 'vmMetadata', vmMetadataDown(hub.bootstrap, toConfigMap));
  const network = objectOr(hub.network);
  if (network && Array.isArray(network.interfaces) && network.interfaces.length > 0)
    spec.networkInterfaces = network.interfaces.map(interfaceDown);
  const policy = getPath(hub, 'reserved.resourcePolicyName');
  if (isSet(policy)) spec.resourcePolicyName = policy;
  const volumes = objectsIn(hub.volumes).map(volumeNameAndClaim);
  const bootDiskCapacity = getPath(hub, 'advanced.bootDiskCapacity');
  if (bootDiskCapacity !== undefined) volumes.push(bootDiskVolume(bootDiskCapacity));
  if (volumes.length > 0) spec.volumes = volumes;
  setDefined(spec, 'readinessProbe', probe(hub.readinessProbe));
  setDefined(spec, 'advancedOptions', advancedOptionsDown(hub.advanced));
  return spec;
}

/** v1alpha1 names one object of one transport: the first bootstrap provider set picks it. */
function vmMetadataDown(value: unknown, toConfigMap: boolean): JsonObject | undefined {
  const bootstrap = objectOr(value);
  if (!bootstrap || isEmptyBootstrap(bootstrap)) return undefined;
  const metadata: JsonObject = {};
  let objectName: unknown;
  const cloudInit = objectOr(bootstrap.cloudInit);
  const sysprep = objectOr(bootstrap.sysprep);
  const vAppConfig = objectOr(bootstrap.vAppConfig);
  if (cloudInit) {
    const rawCloudConfig = objectOr(cloudInit.rawCloudConfig);
    objectName = rawCloudConfig?.name;
    metadata.transport = rawCloudConfig?.key === EXTRA_CONFIG_USER_DATA_KEY ? 'ExtraConfig' : 'CloudInit';
  } else if (sysprep) {
    metadata.transport = 'Sysprep';
    objectName = objectOr(sysprep.rawSysprep)?.name;
  } else if (vAppConfig) {
    objectName = vAppConfig.rawProperties;
    metadata.transport = isObject(bootstrap.linuxPrep) ? 'OvfEnv' : 'vAppConfig';
  }
  if (isSet(objectName)) metadata[toConfigMap ? 'configMapName' : 'secretName'] = objectName;
  return metadata;
}

const isEmptyBootstrap = (bootstrap: JsonObject): boolean =>
  ['cloudInit', 'linuxPrep', 'sysprep', 'vAppConfig'].every((field) => bootstrap[field] === undefined) &&
  bootstrap.disabled !== true;

function interfaceDown(value: unknown): JsonObject {
  const network = objectOr(objectOr(value)?.network);
  const out: JsonObject = {};
  if (!network) return out;
  if (isSet(network.name)) out.networkName = network.name;
  const networkType = typeof network.kind === 'string' ? NETWORK_TYPES_BY_KIND.get(network.kind) : undefined;
  if (networkType) out.networkType = networkType;
  return out;
}

/** What both versions' volumes share: the name and the claim (a hub volume has no other source). */
function volumeNameAndClaim(volume: JsonObject): JsonObject {
  const out: JsonObject = {};
  copyFields(volume, out, ['name', 'persistentVolumeClaim']);
  return out;
}

/** v1alpha1 sizes the boot disk through a vSphere volume of its well-known device key. */
const bootDiskVolume = (capacity: unknown): JsonObject => ({
  name: BOOT_DISK_VOLUME_NAME,
  vSphereVolume: { capacity: { 'ephemeral-storage': capacity }, deviceKey: BOOT_DISK_DEVICE_KEY },
});

/**
 * Both versions' probes share these fields; guestInfo is the hub's alone. A probe that sets
 * nothing is none, in either version; one with guestInfo alone goes down empty.
 */
function probe(value: unknown): JsonObject | undefined {
  const from = objectOr(value);
  if (!from || isEmptyProbe(from)) return undefined;
  const out: JsonObject = {};
  copyFields(from, out, PROBE_FIELDS);
  return out;
}

const isEmptyProbe = (candidate: JsonObject): boolean =>
  candidate.tcpSocket === undefined &&
  candidate.guestHeartbeat === undefined &&
  !candidate.timeoutSeconds &&
  !candidate.periodSeconds &&
  !(Array.isArray(candidate.guestInfo) && candidate.guestInfo.length > 0);

function advancedOptionsDown(value: unknown): JsonObject | undefined {
  const advanced = objectOr(value);
  if (!advanced) return undefined;
  const out: JsonObject = {};
  setDefined(out, 'changeBlockTracking', advanced.changeBlockTracking);
  const mode = advanced.defaultVolumeProvisioningMode;
  const options = typeof mode === 'string' ? PROVISIONING_OPTIONS.get(mode) : undefined;
  if (options) out.defaultVolumeProvisioningOptions = { ...options };
  return Object.keys(out).length > 0 ? out : undefined;
}

function statusDown(hub: JsonObject): JsonObject {
  const status: JsonObject = {};
  setDefined(status, 'host', hub.nodeName);
  setDefined(status, 'powerState', respell(POWER_STATES_DOWN, hub.powerState));
  const conditions = objectsIn(hub.conditions).map((condition) => {
    const out: JsonObject = {};
    copyFields(condition, out, CONDITION_FIELDS);
    conditionDown(out);
    return out;
  });
  // Go serializes the phase whatever it is, so every v1alpha1 status has one.
  status.phase = phaseOf(conditions);
  prereqReadyDown(conditions);
  if (conditions.length > 0) status.conditions = conditions;
  const network = objectOr(hub.network);
  if (network) networkStatusDown(network, status);
  copyFields(hub, status, SHARED_STATUS_FIELDS);
  // v1alpha1 reports the volumes vm-operator manages, not those the VM came with.
  const volumes = objectsIn(hub.volumes)
    .filter((volume) => volume.type !== 'Classic')
    .map((volume) => {
      const out: JsonObject = {};
      copyFields(volume, out, VOLUME_STATUS_FIELDS);
      return out;
    });
  if (volumes.length > 0) status.volumes = volumes;
  return status;
}

/** Whether vm-operator has created the VM, which is what CAPI reads off the phase. */
function phaseOf(conditions: readonly JsonObject[]): string {
  const created = conditions.find((condition) => condition.type === CREATED);
  if (!created) return 'Unknown';
  return created.status === 'True' ? 'Created' : 'Creating';
}

interface Prerequisites {
  prereqReady?: JsonObject;
  classReady?: JsonObject;
  imageReady?: JsonObject;
  policyReady?: JsonObject;
  bootstrapReady?: JsonObject;
}

const PREREQUISITE_ROLES: ReadonlyMap<unknown, keyof Prerequisites> = new Map([
  [PREREQ_READY, 'prereqReady'],
  [CLASS_READY, 'classReady'],
  [IMAGE_READY, 'imageReady'],
  [POLICY_READY, 'policyReady'],
  [BOOTSTRAP_READY, 'bootstrapReady'],
]);

/** The conditions of each type v1alpha1's PrereqReady stands for; the last of a type counts. */
function prerequisites(conditions: readonly JsonObject[]): Prerequisites {
  const found: Prerequisites = {};
  for (const condition of conditions) {
    const role = PREREQUISITE_ROLES.get(condition.type);
    if (role) found[role] = condition;
  }
  return found;
}

const isTrue = (condition: JsonObject | undefined): boolean => condition?.status === 'True';
const isFalse = (condition: JsonObject | undefined): boolean => condition?.status === 'False';

/**
 * Adds (or rewrites) PrereqReady as v1alpha1's provider set it: true once the class and image are
 * ready and neither the policy nor the bootstrap is not; false for a class, then an image, not
 * ready. The hub's conditions stay beside it.
 */
function prereqReadyDown(conditions: JsonObject[]): void {
  const { prereqReady, classReady, imageReady, policyReady, bootstrapReady } = prerequisites(conditions);
  let summary: JsonObject;
  if (
    isTrue(classReady) &&
    isTrue(imageReady) &&
    (!policyReady || isTrue(policyReady)) &&
    (!bootstrapReady || isTrue(bootstrapReady))
  ) {
    summary = { type: PREREQ_READY, status: 'True' };
    setDefined(summary, 'lastTransitionTime', (prereqReady ?? imageReady)?.lastTransitionTime);
  } else {
    const [cause, reason] = isFalse(classReady)
      ? [classReady, CLASS_NOT_FOUND]
      : isFalse(imageReady)
        ? [imageReady, IMAGE_NOT_FOUND]
        : [];
    if (!cause) return;
    summary = { type: PREREQ_READY, status: 'False', severity: 'Error', reason };
    if (isSet(cause.message)) summary.message = cause.message;
    setDefined(summary, 'lastTransitionTime', cause.lastTransitionTime);
  }
  if (prereqReady) conditions[conditions.indexOf(prereqReady)] = summary;
  else conditions.push(summary);
}

function networkStatusDown(network: JsonObject, status: JsonObject): void {
  const vmIp = isSet(network.primaryIP4) ? network.primaryIP4 : network.primaryIP6;
  if (isSet(vmIp)) status.vmIp = vmIp;
  const interfaces = objectsIn(network.interfaces).map((iface) => {
    const out: JsonObject = { connected: true };
    const ip = objectOr(iface.ip);
    if (!ip) return out;
    if (isSet(ip.macAddr)) out.macAddress = ip.macAddr;
    const addresses = objectsIn(ip.addresses).map((address) => address.address ?? '');
    if (addresses.length > 0) out.ipAddresses = addresses;
    return out;
  });
  if (interfaces.length > 0) status.networkInterfaces = interfaces;
  if (isSet(network.hostName)) status.hostName = network.hostName;
}

function down(hub: JsonObject, spoke: JsonObject): void {
  const toConfigMap = getAnnotation(hub, CONFIG_MAP_TRANSPORT_ANNOTATION) !== undefined;
  if (isObject(spoke.spec)) spoke.spec = specDown(spoke.spec, toConfigMap);
  spoke.status = statusDown(objectOr(spoke.status) ?? {});
  setAnnotation(spoke, CONFIG_MAP_TRANSPORT_ANNOTATION, undefined);
  moveAnnotation(spoke, PAUSED_ANNOTATION, OLD_PAUSED_ANNOTATION);
}

// Up: the hub starts as a copy of the spoke, whose parts move into the hub's shape.

function specUp(v1alpha1: JsonObject, generation: unknown): JsonObject {
  const spec: JsonObject = {};
  copyFields(v1alpha1, spec, SHARED_SPEC_FIELDS);
  // An object already stored gets spec.image from its name; a new one leaves it for the mutation webhook.
  if (typeof generation === 'number' && generation > 0 && isSet(spec.imageName))
    spec.image = { name: spec.imageName };
  setDefined(spec, 'powerState', respell(POWER_STATES_UP, v1alpha1.powerState));
  for (const mode of POWER_OP_MODE_FIELDS) setDefined(spec, mode, respell(POWER_OP_MODES_UP, v1alpha1[mode]));
  setDefined(spec, 'bootstrap', bootstrapUp(v1alpha1.vmMetadata));
  if (Array.isArray(v1alpha1.networkInterfaces) && v1alpha1.networkInterfaces.length > 0)
    spec.network = { interfaces: v1alpha1.networkInterfaces.map(interfaceUp) };
  setDefined(spec, 'readinessProbe', probe(v1alpha1.readinessProbe));
  setDefined(spec, 'advanced', advancedUp(v1alpha1.advancedOptions, v1alpha1.volumes));
  if (isSet(v1alpha1.resourcePolicyName)) spec.reserved = { resourcePolicyName: v1alpha1.resourcePolicyName };
  // A vSphere volume has no hub counterpart: the volume keeps its name alone.
  const volumes = objectsIn(v1alpha1.volumes).map(volumeNameAndClaim);
  if (volumes.length > 0) spec.volumes = volumes;
  return spec;
}

function bootstrapUp(value: unknown): JsonObject | undefined {
  const metadata = objectOr(value);
  if (
    !metadata ||
    !(isSet(metadata.configMapName) || isSet(metadata.secretName) || isSet(metadata.transport))
  )
    return undefined;
  const objectName = isSet(metadata.secretName) ? metadata.secretName : metadata.configMapName;
  const named = isSet(objectName);
  const secretKey = (key: string): JsonObject => ({ name: objectName, key });
  const vAppConfig = (): JsonObject => (named ? { rawProperties: objectName } : {});
  switch (metadata.transport) {
    case 'ExtraConfig':
      return { cloudInit: named ? { rawCloudConfig: secretKey(EXTRA_CONFIG_USER_DATA_KEY) } : {} };
    case 'CloudInit':
      return { cloudInit: named ? { rawCloudConfig: secretKey('user-data') } : {} };
    case 'Sysprep':
      return { sysprep: named ? { rawSysprep: secretKey('unattend') } : {} };
    case 'OvfEnv':
      return { linuxPrep: { hardwareClockIsUTC: true }, vAppConfig: vAppConfig() };
    case 'vAppConfig':
      return { vAppConfig: vAppConfig() };
    default:
      return {};
  }
}

/** v1alpha1's interfaces have no names: the hub's are eth0, eth1, ... by position. */
function interfaceUp(value: unknown, index: number): JsonObject {
  const iface = objectOr(value) ?? {};
  const out: JsonObject = { name: `eth${index}` };
  const { networkName, networkType } = iface;
  if (!isSet(networkName) && !isSet(networkType)) return out;
  const network: JsonObject = {};
  const ref = typeof networkType === 'string' ? NETWORK_REFS.get(networkType) : undefined;
  if (ref) Object.assign(network, ref);
  network.name = typeof networkName === 'string' ? networkName : '';
  out.network = network;
  return out;
}

function advancedUp(optionsValue: unknown, volumes: unknown): JsonObject | undefined {
  const options = objectOr(optionsValue);
  const bootDiskCapacity = bootDiskCapacityOf(volumes);
  const hasOptions = options !== undefined && Object.keys(options).length > 0;
  if (!hasOptions && bootDiskCapacity === undefined) return undefined;
  const advanced: JsonObject = {};
  setDefined(advanced, 'bootDiskCapacity', bootDiskCapacity);
  const provisioning = objectOr(options?.defaultVolumeProvisioningOptions);
  if (typeof provisioning?.thinProvisioned === 'boolean')
    advanced.defaultVolumeProvisioningMode = provisioning.thinProvisioned ? 'Thin' : 'Thick';
  else if (provisioning?.eagerZeroed === true) advanced.defaultVolumeProvisioningMode = 'ThickEagerZero';
  setDefined(advanced, 'changeBlockTracking', options?.changeBlockTracking);
  return advanced;
}

/**
 * The capacity of the first vSphere volume of the boot disk's device key. One without an
 * ephemeral-storage capacity gives a zero one: Go's ResourceList lookup never gives none.
 */
function bootDiskCapacityOf(volumes: unknown): unknown {
  for (const volume of objectsIn(volumes)) {
    const vSphereVolume = objectOr(volume.vSphereVolume);
    if (vSphereVolume?.deviceKey === BOOT_DISK_DEVICE_KEY)
      return getPath(vSphereVolume, 'capacity.ephemeral-storage') ?? '0';
  }
  return undefined;
}

/** The status of a v1alpha1 object without the annotation; `spec` is its hub spec. */
function statusUp(v1alpha1: JsonObject, spec: JsonObject): JsonObject | undefined {
  const status: JsonObject = {};
  setDefined(status, 'nodeName', v1alpha1.host);
  setDefined(status, 'powerState', respell(POWER_STATES_UP, v1alpha1.powerState));
  const conditions = objectsIn(v1alpha1.conditions).map(hubCondition);
  prerequisitesUp(conditions, spec);
  if (conditions.length > 0) status.conditions = conditions;
  setDefined(status, 'network', networkStatusUp(v1alpha1.vmIp, v1alpha1.networkInterfaces));
  if (isSet(v1alpha1.hostName)) ensureObject(status, 'network').hostName = v1alpha1.hostName;
  copyFields(v1alpha1, status, SHARED_STATUS_FIELDS);
  const volumes = objectsIn(v1alpha1.volumes).map((volume) => {
    const out: JsonObject = {};
    copyFields(volume, out, VOLUME_STATUS_FIELDS);
    out.type = 'Managed';
    return out;
  });
  if (volumes.length > 0) status.volumes = volumes;
  return Object.keys(status).length > 0 ? status : undefined;
}

/** A v1alpha1 condition as the hub's: the fields they share, with a reason and a message. */
function hubCondition(condition: JsonObject): JsonObject {
  const out: JsonObject = {};
  copyFields(condition, out, CONDITION_FIELDS);
  conditionUp(out);
  return out;
}

function networkStatusUp(vmIp: unknown, interfacesValue: unknown): JsonObject | undefined {
  const interfaces = objectsIn(interfacesValue);
  if (!isSet(vmIp) && interfaces.length === 0) return undefined;
  const network: JsonObject = {};
  if (isSet(vmIp)) network[ipFamily(vmIp) === 4 ? 'primaryIP4' : 'primaryIP6'] = vmIp;
  const statuses = interfaces.map((iface) => {
    const ip: JsonObject = {};
    if (isSet(iface.macAddress)) ip.macAddr = iface.macAddress;
    const addresses = Array.isArray(iface.ipAddresses) ? iface.ipAddresses : [];
    if (addresses.length > 0) ip.addresses = addresses.map((address: unknown) => ({ address }));
    return { ip };
  });
  if (statuses.length > 0) network.interfaces = statuses;
  return network;
}

/**
 * A v1alpha1 VM (one never stored as the hub) has PrereqReady where the hub has a condition per
 * prerequisite: they are made from it, unless the hub's are there already. The policy and the
 * bootstrap count only where the spec has them.
 */
function prerequisitesUp(conditions: JsonObject[], spec: JsonObject): void {
  const { prereqReady, classReady, imageReady, policyReady, bootstrapReady } = prerequisites(conditions);
  if (!prereqReady) return;
  conditions.splice(conditions.indexOf(prereqReady), 1);
  if (classReady || imageReady || policyReady || bootstrapReady) return;
  const add = (type: string, status: string, reason: unknown): void => {
    const condition: JsonObject = { type, status };
    setDefined(condition, 'lastTransitionTime', prereqReady.lastTransitionTime);
    condition.reason = reason;
    conditions.push(condition);
  };
  const hasPolicy = isSet(getPath(spec, 'reserved.resourcePolicyName'));
  const hasBootstrap = spec.bootstrap !== undefined;
  if (prereqReady.status === 'True') {
    add(CLASS_READY, 'True', 'True');
    add(IMAGE_READY, 'True', 'True');
    if (hasPolicy) add(POLICY_READY, 'True', 'True');
    if (hasBootstrap) add(BOOTSTRAP_READY, 'True', 'True');
  } else if (prereqReady.status === 'False') {
    // The class is checked before the image: what failed tells how far the check got.
    const reason = typeof prereqReady.reason === 'string' ? prereqReady.reason : '';
    if (CLASS_REASONS.has(reason)) {
      add(CLASS_READY, 'False', reason);
      add(IMAGE_READY, 'Unknown', 'Unknown');
    } else if (IMAGE_REASONS.has(reason)) {
      add(CLASS_READY, 'True', 'True');
      add(IMAGE_READY, 'False', reason);
    }
    if (hasPolicy) add(POLICY_READY, 'Unknown', 'Unknown');
    if (hasBootstrap) add(BOOTSTRAP_READY, 'Unknown', 'Unknown');
  }
}

function restoreSpec(spec: JsonObject, saved: JsonObject): void {
  assignSaved(spec, saved, RESTORED_SPEC_FIELDS);
  restoreBootstrap(spec, objectOr(saved.bootstrap));
  const instanceID = getPath(saved, 'bootstrap.cloudInit.instanceID');
  if (isSet(instanceID)) ensureObject(spec, 'bootstrap.cloudInit').instanceID = instanceID;
  restoreNetwork(spec, objectOr(saved.network));
  const savedProbe = objectOr(saved.readinessProbe);
  if (savedProbe) assignSaved(ensureObject(spec, 'readinessProbe'), savedProbe, ['guestInfo']);
  restoreVolumes(spec, objectsIn(saved.volumes));
  if (isSet(saved.volumeAttributesClassName))
    spec.volumeAttributesClassName = saved.volumeAttributesClassName;
  const savedAdvanced = objectOr(saved.advanced);
  if (savedAdvanced) assignSaved(ensureObject(spec, 'advanced'), savedAdvanced, RESTORED_ADVANCED_FIELDS);
}

/**
 * Fills in the providers the v1alpha1 transport kept, keeping the object a client named. A
 * bootstrap v1alpha1 dropped comes back only for its linuxPrep or disabled: vm-operator means to
 * bring back an empty one too, but its check for one never matches.
 */
function restoreBootstrap(spec: JsonObject, saved: JsonObject | undefined): void {
  if (!saved) return;
  const bootstrap = objectOr(spec.bootstrap);
  if (!bootstrap) {
    if (isObject(saved.linuxPrep) || saved.disabled === true) {
      const kept: JsonObject = {};
      copyFields(saved, kept, ['linuxPrep', 'disabled']);
      spec.bootstrap = kept;
    }
    return;
  }
  const cloudInit = objectOr(bootstrap.cloudInit);
  const savedCloudInit = objectOr(saved.cloudInit);
  if (cloudInit && savedCloudInit) {
    assignSaved(cloudInit, savedCloudInit, RESTORED_CLOUD_INIT_FIELDS);
    restoreSelectorKeepingName(cloudInit, savedCloudInit, 'rawCloudConfig');
  }
  const linuxPrep = objectOr(bootstrap.linuxPrep);
  const savedLinuxPrep = objectOr(saved.linuxPrep);
  if (linuxPrep && savedLinuxPrep) assignSaved(linuxPrep, savedLinuxPrep, RESTORED_LINUX_PREP_FIELDS);
  const sysprep = objectOr(bootstrap.sysprep);
  const savedSysprep = objectOr(saved.sysprep);
  if (sysprep && savedSysprep) {
    assignSaved(sysprep, savedSysprep, ['sysprep', 'customizeAtNextPowerOn']);
    restoreSelectorKeepingName(sysprep, savedSysprep, 'rawSysprep');
    // v1alpha1 cannot say Sysprep with vAppConfig: a saved vAppConfig returns beside it.
    if (bootstrap.vAppConfig === undefined && isObject(saved.vAppConfig)) bootstrap.vAppConfig = {};
  }
  const vAppConfig = objectOr(bootstrap.vAppConfig);
  const savedVAppConfig = objectOr(saved.vAppConfig);
  if (vAppConfig && savedVAppConfig)
    assignSaved(vAppConfig, savedVAppConfig, ['properties', 'rawProperties']);
  assignSaved(bootstrap, saved, ['disabled']);
}

/** The saved secret key selector, under the name the v1alpha1 object gives (a client may have changed it). */
function restoreSelectorKeepingName(provider: JsonObject, saved: JsonObject, field: string): void {
  const selector = objectOr(provider[field]);
  const savedSelector = objectOr(saved[field]);
  if (!selector || !savedSelector) return;
  const merged: JsonObject = { ...savedSelector };
  if (selector.name === undefined) delete merged.name;
  else merged.name = selector.name;
  provider[field] = merged;
}

/**
 * The network's settings come back; so do the interfaces, whole, while v1alpha1 has any:
 * nameless, its interfaces cannot be matched to the hub's, so a change to them is not kept.
 */
function restoreNetwork(spec: JsonObject, saved: JsonObject | undefined): void {
  if (!saved) return;
  const network = ensureObject(spec, 'network');
  assignSaved(network, saved, RESTORED_NETWORK_FIELDS);
  if (Array.isArray(network.interfaces) && network.interfaces.length > 0)
    assignSaved(network, saved, ['interfaces']);
}

/**
 * Gives each volume its saved placement, by name; keeps the claims and the disks placed on a
 * controller, which drops the boot disk's stand-in and v1alpha1's other vSphere volumes.
 */
function restoreVolumes(spec: JsonObject, saved: readonly JsonObject[]): void {
  const savedByName = new Map(saved.map((volume) => [volume.name, volume]));
  const kept = objectsIn(spec.volumes).filter((volume) => {
    const match = savedByName.get(volume.name);
    if (match) assignSaved(volume, match, VOLUME_FIELDS_SINCE_V1ALPHA5);
    return (
      isObject(volume.persistentVolumeClaim) ||
      (isSet(volume.controllerType) &&
        volume.controllerBusNumber !== undefined &&
        volume.unitNumber !== undefined)
    );
  });
  if (kept.length > 0) spec.volumes = kept;
  else delete spec.volumes;
}

function up(_spoke: JsonObject, hub: JsonObject, saved: JsonObject | undefined): void {
  const v1alpha1Spec = objectOr(hub.spec);
  const spec = specUp(v1alpha1Spec ?? {}, getPath(hub, 'metadata.generation'));
  const namesConfigMap = isSet(getPath(v1alpha1Spec, 'vmMetadata.configMapName'));
  if (namesConfigMap && getAnnotation(hub, CONFIG_MAP_TRANSPORT_ANNOTATION) === undefined)
    setAnnotation(hub, CONFIG_MAP_TRANSPORT_ANNOTATION, 'true');
  moveAnnotation(hub, OLD_PAUSED_ANNOTATION, PAUSED_ANNOTATION);
  // The status is the hub's alone: with the annotation, the saved one comes back whole.
  const status = saved ? saved.status : statusUp(objectOr(hub.status) ?? {}, spec);
  if (saved) restoreSpec(spec, objectOr(saved.spec) ?? {});
  if (status === undefined) delete hub.status;
  else hub.status = status;
  if (v1alpha1Spec || Object.keys(spec).length > 0) hub.spec = spec;
}

export const virtualMachineV1alpha1Rule: SpokeRule = {
  hubOnly: [],
  lost: ['spec.class'],
  preserve: true,
  down,
  up,
};
