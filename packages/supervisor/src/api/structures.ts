/**
 * The JSON types vm-operator's CRD schemas give the fields its webhooks and controllers read:
 * a value of another type is refused before either sees it (`checkStructure`), as the API
 * server refuses it against the schema.
 */
import type { VersionSchema } from '../store/kinds.js';
import type { Structure } from '../store/structure.js';
import { v1alpha1VmSchemaProblems } from './vm-schema.js';

/** Conditions, as metav1.Condition types them. */
export const CONDITIONS: Structure = {
  'status.conditions': 'array',
  'status.conditions[]': 'object',
  'status.conditions[].type': 'string',
  'status.conditions[].status': 'string',
  'status.conditions[].reason': 'string',
  'status.conditions[].message': 'string',
};

/** A reference to an object by kind and name (a class, an image, a network). */
const ref = (path: string): Structure => ({
  [path]: 'object',
  [`${path}.apiVersion`]: 'string',
  [`${path}.kind`]: 'string',
  [`${path}.name`]: 'string',
});

/** A quantity (`4Gi`, `500m`, or an integer), as controller-gen's schema has resource.Quantity. */
const QUANTITY = ['string', 'resource.Quantity'] as const;

/** CPU and memory quantities under `path`. */
const resources = (path: string): Structure => ({
  [path]: 'object',
  [`${path}.cpu`]: QUANTITY,
  [`${path}.memory`]: QUANTITY,
});

/** A list of strings. */
const strings = (path: string): Structure => ({ [path]: 'array', [`${path}[]`]: 'string' });

/** A Secret's key, by the Secret's name and the key. */
const secretKey = (path: string): Structure => ({
  [path]: 'object',
  [`${path}.name`]: 'string',
  [`${path}.key`]: 'string',
});

const INTERFACE = 'spec.network.interfaces[]';
const CLOUD_CONFIG = 'spec.bootstrap.cloudInit.cloudConfig';

const VIRTUAL_MACHINE: Structure = {
  ...CONDITIONS,
  ...Object.fromEntries(
    [
      'className',
      'imageName',
      'storageClass',
      'powerState',
      'powerOffMode',
      'suspendMode',
      'restartMode',
      'nextRestartTime',
      'biosUUID',
      'instanceUUID',
      'guestID',
      'promoteDisksMode',
    ].map((field) => [`spec.${field}`, 'string']),
  ),
  'spec.minHardwareVersion': 'integer',
  'spec.image': 'object',
  'spec.image.kind': 'string',
  'spec.image.name': 'string',
  ...ref('spec.class'),
  'spec.network': 'object',
  'spec.network.hostName': 'string',
  'spec.network.domainName': 'string',
  'spec.network.disabled': 'boolean',
  ...strings('spec.network.nameservers'),
  ...strings('spec.network.searchDomains'),
  'spec.network.interfaces': 'array',
  [INTERFACE]: 'object',
  [`${INTERFACE}.name`]: 'string',
  ...ref(`${INTERFACE}.network`),
  ...strings(`${INTERFACE}.addresses`),
  ...strings(`${INTERFACE}.nameservers`),
  ...strings(`${INTERFACE}.searchDomains`),
  [`${INTERFACE}.gateway4`]: 'string',
  [`${INTERFACE}.gateway6`]: 'string',
  [`${INTERFACE}.dhcp4`]: 'boolean',
  [`${INTERFACE}.dhcp6`]: 'boolean',
  [`${INTERFACE}.mtu`]: 'integer',
  [`${INTERFACE}.routes`]: 'array',
  [`${INTERFACE}.routes[]`]: 'object',
  'spec.volumes': 'array',
  'spec.volumes[]': 'object',
  'spec.volumes[].name': 'string',
  'spec.volumes[].persistentVolumeClaim': 'object',
  'spec.volumes[].persistentVolumeClaim.claimName': 'string',
  'spec.volumes[].persistentVolumeClaim.readOnly': 'boolean',
  'spec.volumes[].persistentVolumeClaim.instanceVolumeClaim': 'object',
  'spec.volumes[].persistentVolumeClaim.instanceVolumeClaim.size': QUANTITY,
  'spec.bootstrap': 'object',
  'spec.bootstrap.cloudInit': 'object',
  'spec.bootstrap.cloudInit.instanceID': 'string',
  ...strings('spec.bootstrap.cloudInit.sshAuthorizedKeys'),
  ...secretKey('spec.bootstrap.cloudInit.rawCloudConfig'),
  [CLOUD_CONFIG]: 'object',
  [`${CLOUD_CONFIG}.timezone`]: 'string',
  [`${CLOUD_CONFIG}.users`]: 'array',
  [`${CLOUD_CONFIG}.users[]`]: 'object',
  [`${CLOUD_CONFIG}.users[].name`]: 'string',
  ...strings(`${CLOUD_CONFIG}.users[].ssh_authorized_keys`),
  [`${CLOUD_CONFIG}.write_files`]: 'array',
  [`${CLOUD_CONFIG}.write_files[]`]: 'object',
  [`${CLOUD_CONFIG}.write_files[].path`]: 'string',
  'spec.bootstrap.linuxPrep': 'object',
  'spec.bootstrap.sysprep': 'object',
  'spec.bootstrap.sysprep.sysprep': 'object',
  ...secretKey('spec.bootstrap.sysprep.rawSysprep'),
  'spec.bootstrap.vAppConfig': 'object',
  'spec.bootstrap.vAppConfig.rawProperties': 'string',
  'spec.bootstrap.vAppConfig.properties': 'array',
  'spec.bootstrap.vAppConfig.properties[]': 'object',
  'spec.bootstrap.vAppConfig.properties[].key': 'string',
  'spec.readinessProbe': 'object',
  'spec.readinessProbe.tcpSocket': 'object',
  'spec.readinessProbe.tcpSocket.host': 'string',
  'spec.readinessProbe.guestHeartbeat': 'object',
  'spec.readinessProbe.guestHeartbeat.thresholdStatus': 'string',
  'spec.readinessProbe.guestInfo': 'array',
  'spec.readinessProbe.guestInfo[]': 'object',
  'spec.readinessProbe.guestInfo[].key': 'string',
  'spec.readinessProbe.guestInfo[].value': 'string',
  'spec.reserved': 'object',
  'spec.reserved.resourcePolicyName': 'string',
  'spec.hardware': 'object',
  'spec.hardware.cdrom': 'array',
  'spec.hardware.cdrom[]': 'object',
  'spec.hardware.cdrom[].name': 'string',
  'spec.hardware.cdrom[].connected': 'boolean',
  'spec.hardware.cdrom[].allowGuestControl': 'boolean',
  ...ref('spec.hardware.cdrom[].image'),
  'spec.hardware.cdrom[].controllerType': 'string',
  'spec.hardware.cdrom[].controllerBusNumber': 'integer',
  'spec.hardware.cdrom[].unitNumber': 'integer',
  ...Object.fromEntries(
    ['ideControllers', 'nvmeControllers', 'sataControllers', 'scsiControllers'].flatMap((list) => [
      [`spec.hardware.${list}`, 'array'],
      [`spec.hardware.${list}[]`, 'object'],
      [`spec.hardware.${list}[].busNumber`, 'integer'],
    ]),
  ),
  'spec.hardware.nvmeControllers[].sharingMode': 'string',
  'spec.hardware.scsiControllers[].sharingMode': 'string',
  'spec.hardware.scsiControllers[].type': 'string',
  'spec.advanced': 'object',
  'spec.advanced.changeBlockTracking': 'boolean',
  'spec.advanced.defaultVolumeProvisioningMode': 'string',
  'spec.bootOptions': 'object',
  'spec.bootOptions.firmware': 'string',
  'spec.bootOptions.bootDelay': 'string',
  'spec.bootOptions.bootRetry': 'string',
  'spec.bootOptions.bootRetryDelay': 'string',
  'spec.bootOptions.efiSecureBoot': 'string',
  'spec.bootOptions.networkBootProtocol': 'string',
  'spec.bootOptions.bootOrder': 'array',
  'spec.bootOptions.bootOrder[]': 'object',
  'spec.bootOptions.bootOrder[].type': 'string',
  'spec.bootOptions.bootOrder[].name': 'string',
  'spec.crypto': 'object',
  'status.network': 'object',
  'status.network.interfaces': 'array',
  'status.network.interfaces[]': 'object',
  'status.volumes': 'array',
  'status.volumes[]': 'object',
};

const VIRTUAL_MACHINE_SERVICE: Structure = {
  ...CONDITIONS,
  'spec.type': 'string',
  'spec.ports': 'array',
  'spec.ports[]': 'object',
  'spec.ports[].name': 'string',
  'spec.ports[].protocol': 'string',
  'spec.ports[].port': 'integer',
  'spec.ports[].targetPort': 'integer',
  'spec.selector': 'object',
  'spec.selector.*': 'string',
  'spec.loadBalancerIP': 'string',
  'spec.clusterIp': 'string',
  'spec.externalName': 'string',
  'spec.ipFamilyPolicy': 'string',
  ...strings('spec.loadBalancerSourceRanges'),
  ...strings('spec.ipFamilies'),
  'status.loadBalancer': 'object',
  'status.loadBalancer.ingress': 'array',
  'status.loadBalancer.ingress[]': 'object',
  'status.loadBalancer.ingress[].ip': 'string',
  'status.loadBalancer.ingress[].hostname': 'string',
};

const VIRTUAL_MACHINE_CLASS: Structure = {
  'spec.controllerName': 'string',
  'spec.hardware': 'object',
  'spec.hardware.cpus': 'integer',
  'spec.hardware.memory': QUANTITY,
  'spec.hardware.devices': 'object',
  'spec.hardware.instanceStorage': 'object',
  'spec.hardware.instanceStorage.volumes': 'array',
  'spec.hardware.instanceStorage.volumes[]': 'object',
  'spec.hardware.instanceStorage.volumes[].size': QUANTITY,
  'spec.policies': 'object',
  'spec.policies.resources': 'object',
  ...resources('spec.policies.resources.requests'),
  ...resources('spec.policies.resources.limits'),
};

const RESOURCE_POLICY: Structure = {
  'spec.resourcePool': 'object',
  'spec.resourcePool.name': 'string',
  ...resources('spec.resourcePool.reservations'),
  ...resources('spec.resourcePool.limits'),
  'spec.folder': 'string',
  ...strings('spec.clusterModuleGroups'),
  'status.resourcePools': 'array',
  'status.resourcePools[]': 'object',
  'status.clustermodules': 'array',
  'status.clustermodules[]': 'object',
};

const PUBLISH_REQUEST: Structure = {
  ...CONDITIONS,
  ...ref('spec.source'),
  'spec.target': 'object',
  'spec.target.item': 'object',
  'spec.target.item.name': 'string',
  'spec.target.item.description': 'string',
  ...ref('spec.target.location'),
  'spec.ttlSecondsAfterFinished': 'integer',
};

const WEB_CONSOLE_REQUEST: Structure = {
  'spec.name': 'string',
  'spec.publicKey': 'string',
};

const MEMBERS = 'status.members[]';

const VIRTUAL_MACHINE_GROUP: Structure = {
  ...CONDITIONS,
  'spec.groupName': 'string',
  'spec.powerState': 'string',
  'spec.nextForcePowerStateSyncTime': 'string',
  'spec.powerOffMode': 'string',
  'spec.suspendMode': 'string',
  'spec.bootOrder': 'array',
  'spec.bootOrder[]': 'object',
  'spec.bootOrder[].members': 'array',
  'spec.bootOrder[].members[]': 'object',
  'spec.bootOrder[].members[].name': 'string',
  'spec.bootOrder[].members[].kind': 'string',
  'spec.bootOrder[].powerOnDelay': 'string',
  'spec.bootOrder[].powerOffDelay': 'string',
  'status.members': 'array',
  [MEMBERS]: 'object',
  [`${MEMBERS}.name`]: 'string',
  [`${MEMBERS}.kind`]: 'string',
  [`${MEMBERS}.conditions`]: 'array',
  'status.lastUpdatedPowerStateTime': 'string',
};

const VIRTUAL_MACHINE_SNAPSHOT: Structure = {
  ...CONDITIONS,
  'spec.memory': 'boolean',
  'spec.quiesce': 'object',
  'spec.quiesce.timeout': 'string',
  'spec.description': 'string',
  'spec.vmName': 'string',
  'status.powerState': 'string',
  'status.quiesced': 'boolean',
  'status.uniqueID': 'string',
  'status.children': 'array',
  'status.children[]': 'object',
  'status.children[].type': 'string',
  'status.children[].name': 'string',
};

const GROUP_PUBLISH_REQUEST: Structure = {
  ...CONDITIONS,
  'spec.source': 'string',
  ...strings('spec.virtualMachines'),
  'spec.target': 'string',
  'spec.ttlSecondsAfterFinished': 'integer',
  'status.source': 'string',
  'status.target': 'string',
  'status.images': 'array',
  'status.images[]': 'object',
  'status.images[].source': 'string',
  'status.images[].publishRequestName': 'string',
  'status.images[].imageName': 'string',
};

/** A replica set: its own fields, and its template's metadata and VM spec. */
const VIRTUAL_MACHINE_REPLICA_SET: Structure = {
  ...CONDITIONS,
  'spec.replicas': 'integer',
  'spec.deletePolicy': 'string',
  'spec.selector': 'object',
  'spec.selector.matchLabels': 'object',
  'spec.selector.matchLabels.*': 'string',
  'spec.selector.matchExpressions': 'array',
  'spec.selector.matchExpressions[]': 'object',
  'spec.selector.matchExpressions[].key': 'string',
  'spec.selector.matchExpressions[].operator': 'string',
  ...strings('spec.selector.matchExpressions[].values'),
  'spec.template': 'object',
  'spec.template.metadata': 'object',
  'spec.template.metadata.labels': 'object',
  'spec.template.metadata.labels.*': 'string',
  'spec.template.metadata.annotations': 'object',
  'spec.template.metadata.annotations.*': 'string',
  ...Object.fromEntries(
    Object.entries(VIRTUAL_MACHINE)
      .filter(([path]) => path.startsWith('spec.'))
      .map(([path, type]) => [`spec.template.${path}`, type]),
  ),
  'status.replicas': 'integer',
  'status.fullyLabeledReplicas': 'integer',
  'status.readyReplicas': 'integer',
  'status.observedGeneration': 'integer',
};

/** v1alpha1's own spellings of what the conversion reads, where they differ from the hub's. */
const V1ALPHA1_RESOURCE_POLICY: Structure = {
  'spec.resourcepool': 'object',
  'spec.resourcepool.name': 'string',
  ...resources('spec.resourcepool.reservations'),
  ...resources('spec.resourcepool.limits'),
  'spec.folder': 'object',
  'spec.folder.name': 'string',
  'spec.clustermodules': 'array',
  'spec.clustermodules[]': 'object',
  'spec.clustermodules[].groupname': 'string',
  'status.resourcePools': 'array',
  'status.resourcePools[]': 'object',
  'status.clustermodules': 'array',
  'status.clustermodules[]': 'object',
};

const V1ALPHA1_INTERFACE = 'spec.networkInterfaces[]';

const V1ALPHA1_VIRTUAL_MACHINE: Structure = {
  ...Object.fromEntries(Object.entries(VIRTUAL_MACHINE).filter(([path]) => !path.startsWith('spec.network'))),
  'spec.networkInterfaces': 'array',
  [V1ALPHA1_INTERFACE]: 'object',
  [`${V1ALPHA1_INTERFACE}.networkType`]: 'string',
  [`${V1ALPHA1_INTERFACE}.networkName`]: 'string',
  [`${V1ALPHA1_INTERFACE}.ethernetCardType`]: 'string',
  [`${V1ALPHA1_INTERFACE}.providerRef`]: 'object',
  'spec.vmMetadata': 'object',
  'spec.vmMetadata.configMapName': 'string',
  'spec.vmMetadata.secretName': 'string',
  'spec.vmMetadata.transport': 'string',
  'spec.advancedOptions': 'object',
  'spec.advancedOptions.defaultVolumeProvisioningOptions': 'object',
  'spec.advancedOptions.defaultVolumeProvisioningOptions.thinProvisioned': 'boolean',
  'spec.advancedOptions.defaultVolumeProvisioningOptions.eagerZeroed': 'boolean',
  'spec.advancedOptions.changeBlockTracking': 'boolean',
  'spec.volumes[].vSphereVolume': 'object',
  'spec.volumes[].vSphereVolume.deviceKey': 'integer',
  'spec.volumes[].vSphereVolume.capacity': 'object',
  'spec.ports': 'array',
  'spec.ports[]': 'object',
  'spec.resourcePolicyName': 'string',
  'status.vmIp': 'string',
  'status.phase': 'string',
  'status.networkInterfaces': 'array',
  'status.networkInterfaces[]': 'object',
};

/** v1alpha1's own schemas, by kind, where it spells the kind its own way. */
export const VM_OPERATOR_V1ALPHA1_SCHEMAS: Readonly<Record<string, VersionSchema>> = {
  VirtualMachine: { structure: V1ALPHA1_VIRTUAL_MACHINE, rules: v1alpha1VmSchemaProblems },
  VirtualMachineSetResourcePolicy: { structure: V1ALPHA1_RESOURCE_POLICY },
};

/** By kind; the images' are written by the simulator alone. */
export const VM_OPERATOR_STRUCTURES: Readonly<Record<string, Structure>> = {
  VirtualMachine: VIRTUAL_MACHINE,
  VirtualMachineService: VIRTUAL_MACHINE_SERVICE,
  VirtualMachineClass: VIRTUAL_MACHINE_CLASS,
  VirtualMachineSetResourcePolicy: RESOURCE_POLICY,
  VirtualMachinePublishRequest: PUBLISH_REQUEST,
  VirtualMachineWebConsoleRequest: WEB_CONSOLE_REQUEST,
  WebConsoleRequest: { 'spec.virtualMachineName': 'string', 'spec.publicKey': 'string' },
  VirtualMachineGroup: VIRTUAL_MACHINE_GROUP,
  VirtualMachineSnapshot: VIRTUAL_MACHINE_SNAPSHOT,
  VirtualMachineReplicaSet: VIRTUAL_MACHINE_REPLICA_SET,
  VirtualMachineGroupPublishRequest: GROUP_PUBLISH_REQUEST,
};
