/**
 * VirtualMachineService validation as vm-operator's validating webhook does it: it refuses
 * what could not become a valid Kubernetes Service, with Kubernetes' own checks and words.
 * With the WorkloadIPv6 capability (on unless said otherwise) IP families pass to the Service,
 * which judges them (the Supervisor's cluster is IPv4: see the VirtualMachineService
 * controller); without it, asking for any is forbidden.
 */

import { ipProblems, isCidr } from '@vsim/vsphere';
import {
  dns1035LabelProblems,
  dns1123LabelProblems,
  dns1123SubdomainProblems,
  labelKeyProblems,
  labelValueProblems,
} from '../store/names.js';
import type { VirtualMachineService, VirtualMachineServicePort, VirtualMachineServiceSpec } from './types.js';
import {
  duplicate,
  type FieldError,
  forbidden,
  IMMUTABLE,
  invalid,
  required,
  unsupported,
} from './validation.js';

/** A spec as a client sent it: the webhook decodes into Go structs, so absent fields are zero values. */
type SentSpec = Partial<VirtualMachineServiceSpec>;
type SentPort = Partial<VirtualMachineServicePort>;

// Sorted, as Go's string sets list them in the message.
const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer'];
const PORT_PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
/** The cluster IP of a headless service. */
const HEADLESS = 'None';

/* The webhook. */

const PORT_RANGE = 'must be between 1 and 65535, inclusive';
const isPortNumber = (port: number): boolean => Number.isInteger(port) && port >= 1 && port <= 65535;

function validatePort(port: SentPort, path: string, nameRequired: boolean, names: Set<string>): FieldError[] {
  const errors: FieldError[] = [];
  const name = port.name ?? '';
  if (name === '') {
    if (nameRequired) errors.push(required(`${path}.name`));
  } else {
    errors.push(...dns1123LabelProblems(name).map((problem) => invalid(`${path}.name`, name, problem)));
    if (names.has(name)) errors.push(duplicate(`${path}.name`, name));
    names.add(name);
  }
  const number = port.port ?? 0;
  if (!isPortNumber(number)) errors.push(invalid(`${path}.port`, number, PORT_RANGE));
  const protocol = port.protocol ?? '';
  if (protocol === '') errors.push(required(`${path}.protocol`));
  else if (!PORT_PROTOCOLS.includes(protocol))
    errors.push(unsupported(`${path}.protocol`, protocol, PORT_PROTOCOLS));
  const targetPort = port.targetPort ?? 0;
  if (!isPortNumber(targetPort)) errors.push(invalid(`${path}.targetPort`, targetPort, PORT_RANGE));
  return errors;
}

function validatePorts(spec: SentSpec): FieldError[] {
  const errors: FieldError[] = [];
  const ports: SentPort[] = spec.ports ?? [];
  // A headless or ExternalName service forwards no port of its own.
  if (ports.length === 0 && spec.clusterIp !== HEADLESS && spec.type !== 'ExternalName')
    errors.push(required('spec.ports'));
  const names = new Set<string>();
  ports.forEach((port, i) => {
    errors.push(...validatePort(port, `spec.ports[${i}]`, ports.length > 1, names));
  });
  // Two ports may not share protocol and number; the message shows the pair as a port of its own.
  const pairs = new Set<string>();
  ports.forEach((port, i) => {
    const pair = { name: '', protocol: port.protocol ?? '', port: port.port ?? 0, targetPort: 0 };
    const key = JSON.stringify(pair);
    if (pairs.has(key)) errors.push(duplicate(`spec.ports[${i}]`, pair));
    pairs.add(key);
  });
  return errors;
}

function validateExternalName(spec: SentSpec): FieldError[] {
  const errors: FieldError[] = [];
  if (spec.clusterIp) errors.push(forbidden('spec.clusterIP', 'may not be set for ExternalName services'));
  // The CNAME may end in a dot, marking it fully qualified.
  const cname = (spec.externalName ?? '').replace(/\.$/, '');
  if (cname === '') errors.push(required('spec.externalName'));
  else
    errors.push(
      ...dns1123SubdomainProblems(cname, 'characters').map((problem) =>
        invalid('spec.externalName', cname, problem),
      ),
    );
  return errors;
}

/** The Supervisor capabilities vm-operator's webhooks and controllers read. */
export interface VirtualMachineServiceCapabilities {
  /** WorkloadIPv6: IP families may be asked for (on unless said otherwise). */
  readonly workloadIPv6?: boolean;
  /**
   * VMResize (off unless said): a VM's `spec.className` may change, which resizes it once it is
   * powered off; an edit of its class resizes it only with the `same-vm-class-resize` annotation.
   */
  readonly vmResize?: boolean;
  /**
   * VMResizeCPUMemory (off unless said): as VMResize, but a resize changes the VM's CPUs, memory
   * and their allocations alone, not the rest of its class's config spec.
   */
  readonly vmResizeCpuMemory?: boolean;
  /**
   * VMSharedDisks (off unless said): CD-ROMs are placed where `spec.hardware.cdrom` says, each
   * left unplaced given a controller and unit by the mutating webhook.
   */
  readonly vmSharedDisks?: boolean;
  /**
   * AllDisksArePVCs (off unless said): a VM's own disks become claims of its namespace, registered
   * with CNS (CnsRegisterVolume) before it powers on; its volumes held to the shared disks' rules.
   */
  readonly allDisksArePVCs?: boolean;
  /**
   * VMIncrementalRestore (off unless said): every backup is a version, kept in the VM's extra
   * config and annotation, and `VirtualMachineBackupUpToDate` says how the last went.
   */
  readonly vmIncrementalRestore?: boolean;
  /**
   * VMImportNewNet (off unless said): a privileged account may make a VM without an image or a
   * class, for a vSphere VM it imports (found by its instance UUID), its class then the VM's own.
   */
  readonly vmImportNewNet?: boolean;
  /**
   * VMPlacementPolicies (off unless said): a group's VMs are placed by their zone affinity and
   * anti-affinity, their labels the tags those name.
   */
  readonly vmPlacementPolicies?: boolean;
  /**
   * MutableNetworks (off unless said): a VM's interfaces may be added, removed and moved to other
   * networks, its NICs following them while it is powered off.
   */
  readonly mutableNetworks?: boolean;
  /**
   * ImmutableClasses (off unless said): each configuration of a class is kept as a
   * VirtualMachineClassInstance, and a VM names the one it is of in `spec.class`.
   */
  readonly immutableClasses?: boolean;
  /**
   * GuestCustomizationVCDParity (off unless said): LinuxPrep's and Sysprep's password expiry and
   * script (and LinuxPrep's password) reach the guest customization.
   */
  readonly guestCustomizationVCDParity?: boolean;
  /**
   * InstanceStorage (off unless said): a class's `spec.hardware.instanceStorage` becomes volumes
   * of its VMs, claims made and bound on the host placement chose, which the VM is deployed on.
   */
  readonly instanceStorage?: boolean;
  /**
   * BringYourOwnEncryptionKey (off unless said): VMs encrypted with a namespace's EncryptionClass
   * (its default one for a VM of an encryption storage class) or vSphere's default key provider,
   * `spec.crypto` taken, `status.crypto` and `VirtualMachineEncryptionSynced` reported.
   */
  readonly bringYourOwnEncryptionKey?: boolean;
  /**
   * FastDeploy (off unless said): an image's files are cached on the datastores its VMs go to
   * (VirtualMachineImageCache), and VMs are made from them (CreateVM_Task), linked to the cached
   * disks or with copies of them (see the Supervisor's `fastDeployMode`).
   */
  readonly fastDeploy?: boolean;
}

/** Whether VMs are resized by their class name (VMResize or VMResizeCPUMemory), not by edits of their class. */
export const resizesByClassName = (capabilities: VirtualMachineServiceCapabilities | undefined): boolean =>
  capabilities?.vmResize === true || capabilities?.vmResizeCpuMemory === true;

const NO_IPV6 = 'the WorkloadIPv6 feature is not enabled';

/** The spec's checks, on create and update alike. The paths are Go's field names (`clusterIP`). */
function validateSpec(spec: SentSpec, capabilities: VirtualMachineServiceCapabilities): FieldError[] {
  const errors: FieldError[] = [];
  const clusterIP = spec.clusterIp ?? '';
  if (spec.type === 'LoadBalancer' && clusterIP === HEADLESS)
    errors.push(invalid('spec.clusterIP', clusterIP, "may not be set to 'None' for LoadBalancer services"));
  if (spec.type === 'ExternalName') errors.push(...validateExternalName(spec));
  errors.push(...validatePorts(spec));
  for (const [key, value] of Object.entries(spec.selector ?? {})) {
    errors.push(...labelKeyProblems(key).map((problem) => invalid('spec.selector', key, problem)));
    errors.push(...labelValueProblems(value).map((problem) => invalid('spec.selector', value, problem)));
  }
  if (clusterIP !== '' && clusterIP !== HEADLESS)
    errors.push(...ipProblems(clusterIP).map((problem) => invalid('spec.clusterIP', clusterIP, problem)));
  if (!spec.type) errors.push(required('spec.type'));
  else if (!SERVICE_TYPES.includes(spec.type))
    errors.push(unsupported('spec.type', spec.type, SERVICE_TYPES));
  const sourceRanges = spec.loadBalancerSourceRanges ?? [];
  if (sourceRanges.length > 0 && spec.type !== 'LoadBalancer')
    errors.push(forbidden('spec.loadBalancerSourceRanges', "may only be used when `type` is 'LoadBalancer'"));
  sourceRanges.forEach((range, i) => {
    const cidr = range.trim();
    if (!isCidr(cidr))
      errors.push(
        invalid(
          `spec.loadBalancerSourceRanges[${i}]`,
          cidr,
          'must be compatible with https://pkg.go.dev/net#ParseCIDR',
        ),
      );
  });
  if (capabilities.workloadIPv6 === false) {
    if (spec.ipFamilies?.length) errors.push(forbidden('spec.ipFamilies', NO_IPV6));
    if (spec.ipFamilyPolicy !== undefined) errors.push(forbidden('spec.ipFamilyPolicy', NO_IPV6));
  }
  return errors;
}

/** Validates a VirtualMachineService being created: its name must also make a Service name. */
export function validateVirtualMachineServiceCreate(
  svc: VirtualMachineService,
  capabilities: VirtualMachineServiceCapabilities = {},
): FieldError[] {
  const name = svc.metadata.name ?? '';
  return [
    ...dns1035LabelProblems(name).map((problem) => invalid('metadata.name', name, problem)),
    ...validateSpec(svc.spec ?? {}, capabilities),
  ];
}

/** Validates an update of a VirtualMachineService: type and cluster IP stay, as a Service's do. */
export function validateVirtualMachineServiceUpdate(
  svc: VirtualMachineService,
  old: VirtualMachineService,
  capabilities: VirtualMachineServiceCapabilities = {},
): FieldError[] {
  const spec: SentSpec = svc.spec ?? {};
  const prev: SentSpec = old.spec ?? {};
  const errors: FieldError[] = [];
  if ((spec.type ?? '') !== (prev.type ?? '')) errors.push(forbidden('spec.type', IMMUTABLE));
  if ((spec.clusterIp ?? '') !== (prev.clusterIp ?? '')) errors.push(forbidden('spec.clusterIP', IMMUTABLE));
  return [...errors, ...validateSpec(spec, capabilities)];
}
