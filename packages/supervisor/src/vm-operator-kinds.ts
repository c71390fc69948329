/**
 * Registers vm-operator's kinds in a store: every served version (v1alpha2..v1alpha6)
 * stored as the v1alpha6 hub, converted both ways on the way in and out. VirtualMachine
 * gets vm-operator's admission: its mutating webhook's defaults on create (with
 * `spec.imageName` resolved against the images in the store) and `spec.nextRestartTime` on
 * update, then its validating webhook on create and update.
 */
import { skipsValidation } from './api/annotations.js';
import { withCdromPlacements } from './api/cdrom-placement.js';
import { registerCustomResource } from './api/crd-shapes.js';
import { cryptoProblems, defaultEncryptionClassOnCreate, getterOf } from './api/crypto-validation.js';
import {
  badDuration,
  type ClusterVirtualMachineImage,
  type ConsoleRequest,
  ConversionError,
  classInstanceProblems,
  convertTo,
  DEFAULT_PUBLISH_LIBRARY_LABEL,
  defaultVirtualMachineInPlace,
  type FieldError,
  GROUP,
  type GroupPublishReader,
  groupPowerStateMutation,
  groupPublishRequestDefaults,
  HUB_VERSION,
  type ImageCatalog,
  invalid,
  isServedVersion,
  LAST_RESIZED_ANNOTATION,
  LAST_RESIZED_INSTANCE_ANNOTATION,
  managedByProblemOnCreate,
  managedByProblemOnUpdate,
  nextRestartTimeOnUpdate,
  type PartialObjectRef,
  resolveClassAndClassName,
  resolveImageName,
  resolveImageNameOnCreate,
  undecodableDuration,
  type VirtualMachine,
  type VirtualMachineGroup,
  type VirtualMachineGroupPublishRequest,
  type VirtualMachineImage,
  type VirtualMachinePublishRequest,
  type VirtualMachineReplicaSet,
  type VirtualMachineService,
  type VirtualMachineServiceCapabilities,
  type VirtualMachineSnapshot,
  type VirtualMachineSpec,
  VM_OPERATOR_KINDS,
  validateGroupPublishRequestCreate,
  validateGroupPublishRequestUpdate,
  validatePublishRequestCreate,
  validatePublishRequestUpdate,
  validateReplicaSet,
  validateResourcePolicyCreate,
  validateResourcePolicyUpdate,
  validateSnapshotCreate,
  validateSnapshotUpdate,
  validateVirtualMachineClassCreate,
  validateVirtualMachineClassUpdate,
  validateVirtualMachineCreate,
  validateVirtualMachineGroup,
  validateVirtualMachineServiceCreate,
  validateVirtualMachineServiceUpdate,
  validateVirtualMachineUpdate,
  validateWebConsoleRequestCreate,
  validateWebConsoleRequestUpdate,
  WEB_CONSOLE_REQUEST_VM_NAME,
  withCdromImageKinds,
  withDefaultInterfaceNetworks,
  withoutStaleApplyTime,
  withoutStaleGroupOwner,
  withVmNameLabel,
} from './api/index.js';
import { admitInstanceStorageClaim, admitInstanceStorageClaimDelete } from './api/instance-storage.js';
import { withResizeMark } from './api/resize.js';
import { activatedFeatureVersion, isUpgraded } from './api/schema-upgrade.js';
import { type ClaimAccess, sharedVolumeRules, withVolumeDefaults } from './api/shared-volumes.js';
import { vmCelProblems, vmReplicaSetCelProblems } from './api/vm-cel-rules.js';
import { vmServiceSchemaProblems } from './api/vm-service-schema.js';
import { resizesByClassName } from './api/vm-service-validation.js';
import { withVolumeControllers } from './api/volume-placement.js';
import { isEncryptedStorageClass, registerEncryptionKinds } from './encryption-kinds.js';
import { IMAGE_REGISTRY_API_VERSION } from './image-registry-kinds.js';
import { quotasAssign, TOPOLOGY_API_VERSION } from './namespaces/layout.js';
import { AdmissionDenied, type KubeError, kubeErrors } from './store/errors.js';
import type { AdmitFunction, KindDefinition, StoreReader } from './store/kinds.js';
import type { KubeStore } from './store/kube-store.js';
import { deepEqual, type KubeObject, parseApiVersion } from './store/meta.js';

/**
 * The network vm-operator gives a VM that names none, with the vSphere Distributed Switch
 * network provider: the namespace's default net-operator Network (an empty name means
 * "the namespace's default").
 */
export const DEFAULT_VM_NETWORK: PartialObjectRef = {
  apiVersion: 'netoperator.vmware.com/v1alpha1',
  kind: 'Network',
  name: '',
};

export interface VmOperatorKindsOptions {
  /**
   * The network of the `eth0` added to a VM created without interfaces (default
   * `DEFAULT_VM_NETWORK`); `null` adds none, like a Supervisor without a network provider.
   */
  defaultNetwork?: PartialObjectRef | null;
  /** The Supervisor's capabilities the webhooks read (WorkloadIPv6 on unless said otherwise). */
  capabilities?: VirtualMachineServiceCapabilities;
}

const STORAGE_VERSIONS = new Map(VM_OPERATOR_KINDS.map((k) => [k.kind, k.storageVersion]));

/** vm-operator's webhook names: `default.<mutating|validating>.<kind>.<its storage version>.<group>`. */
export const webhookName = (kind: string, type: 'mutating' | 'validating'): string =>
  `default.${type}.${kind.toLowerCase()}.${STORAGE_VERSIONS.get(kind) ?? HUB_VERSION}.${GROUP}`;

/** A validating webhook's refusal, unless the object asks to skip validation. */
function deny(kind: string, object: object, errors: readonly FieldError[]): void {
  if (errors.length > 0 && !skipsValidation(object as KubeObject))
    throw new AdmissionDenied(webhookName(kind, 'validating'), errors);
}

/**
 * A denial by the mutating webhook. vm-operator answers with controller-runtime's
 * `admission.Denied`, which the API server passes on as 403 Forbidden with the webhook's
 * message and no field causes.
 */
function mutationDenied(kind: string, message: string): KubeError {
  return kubeErrors.webhookDenied(webhookName(kind, 'mutating'), message, 403, 'Forbidden');
}

const IMAGE_API_VERSION = `${GROUP}/${HUB_VERSION}`;

/** The images a namespace sees, read from the store as the webhook reads its cache. */
function imageCatalog(reader: StoreReader, namespace: string | undefined): ImageCatalog {
  type Image = VirtualMachineImage | ClusterVirtualMachineImage;
  const where = (kind: string) => (kind === 'VirtualMachineImage' ? (namespace ?? '') : undefined);
  return {
    get: (kind, name) => {
      const ns = where(kind);
      return reader.get({
        apiVersion: IMAGE_API_VERSION,
        kind,
        name,
        ...(ns === undefined ? {} : { namespace: ns }),
      }) as Image | undefined;
    },
    list: (kind) => {
      const ns = where(kind);
      // An empty namespace would list every namespace's images.
      if (ns === '') return [];
      return reader.list(IMAGE_API_VERSION, kind, ns) as unknown[] as Image[];
    },
  };
}

/** A copy of the spec with its `nextRestartTime` set (or dropped); the rest stays shared. */
function withNextRestartTime(
  spec: VirtualMachineSpec | undefined,
  time: string | undefined,
): VirtualMachineSpec {
  const out: VirtualMachineSpec = Object.assign({}, spec);
  if (time === undefined) delete out.nextRestartTime;
  else out.nextRestartTime = time;
  return out;
}

/**
 * Why a new zone label cannot name `zone`: the webhook looks the Zone up in the VM's namespace
 * (in its cache, whose not-found error names the kind), and keeps users but privileged accounts
 * and CAPV's from a Zone being deleted (the simulator's callers are users: `direct` writes as a
 * privileged account).
 */
const zoneProblemIn =
  (reader: StoreReader, namespace: string | undefined, privileged: boolean) =>
  (zone: string): string | undefined => {
    const found = reader.get({
      apiVersion: TOPOLOGY_API_VERSION,
      kind: 'Zone',
      namespace: namespace ?? '',
      name: zone,
    });
    if (!found) return `Zone.topology.tanzu.vmware.com "${zone}" not found`;
    return found.metadata.deletionTimestamp && !privileged
      ? 'cannot use zone that is being deleted'
      : undefined;
  };

/**
 * Why a new VM cannot have its storage class: the class does not exist, or no quota of the
 * namespace assigns it (vm-operator's create webhook, since v1.10; the controller's
 * `VirtualMachineStorageReady` still judges a class taken away later).
 */
function storageClassProblems(vm: VirtualMachine, reader: StoreReader): FieldError[] {
  const name = vm.spec?.storageClass;
  if (!name) return [];
  const field = 'spec.storageClass';
  if (reader.get({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', name }) === undefined)
    return [invalid(field, name, `Storage policy ${name} does not exist`)];
  const namespace = vm.metadata.namespace ?? '';
  return quotasAssign(reader.list('v1', 'ResourceQuota', namespace), name)
    ? []
    : [invalid(field, name, `Storage policy is not associated with the namespace ${namespace}`)];
}

/**
 * What the claims a VM names allow (none for a claim not found): many nodes reading and writing,
 * and, with Bring Your Own Key, an encryption storage class.
 */
const claimAccessIn =
  (reader: StoreReader, namespace: string | undefined, byok: boolean): ClaimAccess =>
  (claimName) => {
    const claim = reader.get({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      namespace: namespace ?? '',
      name: claimName,
    });
    const spec = claim?.spec as { accessModes?: unknown; storageClassName?: string } | undefined;
    const modes = spec?.accessModes;
    return (
      claim && {
        readWriteMany: Array.isArray(modes) && modes.includes('ReadWriteMany'),
        encrypted: byok && isEncryptedStorageClass(getterOf(reader), spec?.storageClassName),
      }
    );
  };

/*
 * On update nothing about the image is defaulted: every create resolved `spec.image`, and a
 * v1alpha2 client brings it back up from the conversion annotation or `status.image`. A
 * client that drops both sends `{name: imageName}`, which the validating webhook refuses
 * as a change of an immutable field, as vm-operator's does.
 */
function admitVirtualMachine(options: VmOperatorKindsOptions): AdmitFunction {
  const defaultNetwork = options.defaultNetwork === undefined ? DEFAULT_VM_NETWORK : options.defaultNetwork;
  const sharedDisks = options.capabilities?.vmSharedDisks === true;
  // Either capability holds volumes to the shared disks' rules and places an upgraded VM's.
  const volumesPlaced = sharedDisks || options.capabilities?.allDisksArePVCs === true;
  const mutableNetworks = options.capabilities?.mutableNetworks === true;
  const immutableClasses = options.capabilities?.immutableClasses === true;
  const byok = options.capabilities?.bringYourOwnEncryptionKey === true;
  /** vm-operator's ResolveClassAndClassName, with ImmutableClasses; its error the mutating webhook's denial. */
  const resolveClass = (vm: VirtualMachine, reader: StoreReader): boolean => {
    try {
      return resolveClassAndClassName(vm, reader);
    } catch (error) {
      throw mutationDenied('VirtualMachine', (error as Error).message);
    }
  };
  const activatedFeatures = activatedFeatureVersion(options.capabilities);
  return (operation, object, old, { random, reader, clock, privileged, validateSchema }) => {
    const vm = object as unknown as VirtualMachine;
    // A delay Go cannot decode fails the mutating webhook before it looks at anything, but for an
    // object being deleted, which takes any update.
    const boot = old?.metadata.deletionTimestamp ? undefined : vm.spec?.bootOptions;
    const undecodable = boot && undecodableDuration([boot.bootDelay, boot.bootRetryDelay]);
    if (undecodable)
      throw kubeErrors.webhookDenied(webhookName('VirtualMachine', 'mutating'), undecodable, 500, '');
    const zoneProblem = zoneProblemIn(reader, vm.metadata.namespace, privileged);
    if (operation === 'CREATE') {
      if (vm.spec?.instanceUUID && !privileged)
        throw mutationDenied(
          'VirtualMachine',
          'spec.instanceUUID: Forbidden: only privileged users may set this field',
        );
      // The store hands a create its own copy: defaulted in place, kept without another copy.
      const defaulted = defaultVirtualMachineInPlace(vm, {
        random: () => random.float(),
        defaultNetwork: defaultNetwork ?? undefined,
      });
      // Placed as the VM is made: vm-operator places them on the update after its schema upgrade.
      if (sharedDisks && defaulted.spec?.hardware?.cdrom)
        withCdromPlacements(defaulted.spec.hardware, undefined);
      if (sharedDisks) withVolumeDefaults(defaulted);
      const catalog = imageCatalog(reader, defaulted.metadata.namespace);
      const problem = resolveImageNameOnCreate(defaulted, (name) => resolveImageName(name, catalog));
      if (problem !== undefined) throw mutationDenied('VirtualMachine', problem);
      if (byok) {
        const problem = defaultEncryptionClassOnCreate(defaulted, reader);
        if (problem) throw mutationDenied('VirtualMachine', problem);
      }
      if (immutableClasses) resolveClass(defaulted, reader);
      validateSchema(object);
      const volumeRules = volumesPlaced
        ? sharedVolumeRules(defaulted, claimAccessIn(reader, defaulted.metadata.namespace, byok))
        : undefined;
      deny(
        'VirtualMachine',
        defaulted,
        validateVirtualMachineCreate(defaulted, options.capabilities, privileged, volumeRules, {
          zoneProblem,
          ...(immutableClasses ? { classInstance: classInstanceProblems(defaulted, reader) } : {}),
          storageClass: storageClassProblems(defaulted, reader),
          ...(byok ? { crypto: cryptoProblems(defaulted, reader) } : {}),
        }),
      );
      return undefined;
    }
    let spec = vm.spec;
    // An object being deleted takes any other update, as vm-operator's webhooks let it through.
    const deleting = Boolean(old?.metadata.deletionTimestamp);
    const stored = old as unknown as VirtualMachine;
    if (!deleting) {
      const restart = nextRestartTimeOnUpdate(vm, stored, clock.now());
      if ('problem' in restart) throw mutationDenied('VirtualMachine', restart.problem);
      if (restart.time !== spec?.nextRestartTime) spec = withNextRestartTime(spec, restart.time);
    }
    let admitted = spec === vm.spec || spec === undefined ? vm : Object.assign({}, vm, { spec });
    let classRider: VirtualMachine | undefined;
    if (!deleting) {
      admitted = withoutStaleGroupOwner(admitted, stored) ?? admitted;
      admitted = withoutStaleApplyTime(admitted, stored) ?? admitted;
      // With ImmutableClasses, the class resolved and the instance resized from marked, which
      // vm-operator's mutating webhook keeps only when another of its mutations patches the VM
      // (the mark of the class resized from is one).
      let withClass = admitted;
      if (immutableClasses && (admitted.spec?.className || admitted.spec?.class)) {
        const resolved = { ...admitted, spec: { ...admitted.spec } };
        if (resolveClass(resolved, reader)) withClass = resolved;
      }
      const marked = resizesByClassName(options.capabilities)
        ? (withResizeMark(withClass, stored, immutableClasses) ?? withClass)
        : withClass;
      const classMarked =
        marked.metadata.annotations?.[LAST_RESIZED_ANNOTATION] !==
        admitted.metadata.annotations?.[LAST_RESIZED_ANNOTATION];
      if (classMarked) admitted = marked;
      else if (marked !== admitted) classRider = marked;
      // With MutableNetworks, an interface added without a network gets the default's kind.
      const interfaces = admitted.spec?.network?.interfaces;
      if (mutableNetworks && defaultNetwork && interfaces && !admitted.spec?.network?.disabled) {
        const mutated = structuredClone(interfaces);
        if (withDefaultInterfaceNetworks(mutated, defaultNetwork))
          admitted = Object.assign({}, admitted, {
            spec: { ...admitted.spec, network: { ...admitted.spec?.network, interfaces: mutated } },
          });
      }
      // Once the VM's schema is upgraded (this write's object): its volumes' modes and controllers
      // (with AllDisksArePVCs too), then, with VMSharedDisks, its CD-ROMs' placement.
      const upgraded = volumesPlaced && isUpgraded(admitted, activatedFeatures);
      const placing = sharedDisks && upgraded;
      if (upgraded && admitted.spec?.volumes?.length) {
        const mutated = structuredClone(admitted.spec);
        withVolumeDefaults({ ...admitted, spec: mutated });
        withVolumeControllers(mutated);
        if (!deepEqual(mutated, admitted.spec)) admitted = Object.assign({}, admitted, { spec: mutated });
      }
      if (admitted.spec?.hardware?.cdrom && stored.spec) {
        // Placement edits the hardware in place, so it gets a copy of its own; the image kinds
        // replace what they change.
        const mutated = placing ? structuredClone(admitted.spec) : { ...admitted.spec };
        const placed = placing && withCdromPlacements(mutated.hardware ?? {}, stored.status?.hardware);
        if (withCdromImageKinds(mutated, stored.spec) || placed)
          admitted = Object.assign({}, admitted, { spec: mutated });
      }
    }
    if (classRider && admitted !== vm) admitted = withRider(admitted, classRider);
    validateSchema(admitted as unknown as KubeObject);
    if (!deleting) {
      const specChanged = admitted.spec !== stored.spec;
      deny(
        'VirtualMachine',
        admitted,
        validateVirtualMachineUpdate(
          admitted,
          stored,
          options.capabilities,
          privileged,
          specChanged && volumesPlaced
            ? sharedVolumeRules(admitted, claimAccessIn(reader, admitted.metadata.namespace, byok), stored)
            : undefined,
          {
            zoneProblem,
            // A new class's instance, where a resize may change the class.
            ...(immutableClasses &&
            resizesByClassName(options.capabilities) &&
            (admitted.spec?.className ?? '') !== (stored.spec?.className ?? '')
              ? { classInstance: classInstanceProblems(admitted, reader) }
              : {}),
            // On every update: the storage class may have stopped being an encryption one.
            ...(byok ? { crypto: cryptoProblems(admitted, reader) } : {}),
          },
        ),
      );
    }
    return admitted === vm ? undefined : (admitted as unknown as KubeObject);
  };
}

/**
 * The VM its update's other mutations made, with what the class's resolution and the mark of the
 * instance resized from (`rider`, made from the VM before them) changed of it.
 */
function withRider(vm: VirtualMachine, rider: VirtualMachine): VirtualMachine {
  const mark = rider.metadata.annotations?.[LAST_RESIZED_INSTANCE_ANNOTATION];
  const spec = { ...vm.spec };
  if (rider.spec?.className !== undefined) spec.className = rider.spec.className;
  if (rider.spec?.class !== undefined) spec.class = rider.spec.class;
  const metadata =
    mark === undefined
      ? vm.metadata
      : {
          ...vm.metadata,
          annotations: { ...vm.metadata.annotations, [LAST_RESIZED_INSTANCE_ANNOTATION]: mark },
        };
  return { ...vm, metadata, spec };
}

/**
 * A validating webhook, after the schema's validation: on create, and on an update of an object
 * not being deleted that changes the spec (one kept as stored, a metadata or status write, passed
 * it before), or every update when its rules read the metadata too (`judges: 'object'`).
 */
function validating<T>(
  kind: string,
  onCreate: (object: T) => FieldError[],
  onUpdate: (object: T, old: T) => FieldError[],
  judges: 'spec' | 'object' = 'spec',
): AdmitFunction {
  return (operation, object, old, { validateSchema }) => {
    validateSchema(object);
    if (operation === 'CREATE') deny(kind, object, onCreate(object as unknown as T));
    else if (old && !old.metadata.deletionTimestamp && (judges === 'object' || object.spec !== old.spec))
      deny(kind, object, onUpdate(object as unknown as T, old as unknown as T));
    return undefined;
  };
}

/**
 * vm-operator's VirtualMachineGroup webhooks (see vm-group-validation.ts): a boot order delay
 * that is no duration fails the mutating one's decoding (500), then it keeps the power-state
 * bookkeeping and drops a stale owner reference, then the validating one judges.
 */
function admitVirtualMachineGroup(): AdmitFunction {
  const kind = 'VirtualMachineGroup';
  return (_operation, object, old, { clock, privileged, validateSchema }) => {
    if (old?.metadata.deletionTimestamp) return undefined;
    const group = object as unknown as VirtualMachineGroup;
    const stored = old as unknown as VirtualMachineGroup | undefined;
    const undecodable = badDuration(group);
    if (undecodable) throw kubeErrors.webhookDenied(webhookName(kind, 'mutating'), undecodable, 500, '');
    const mutation = groupPowerStateMutation(group, stored, clock.now());
    if ('problem' in mutation) throw mutationDenied(kind, mutation.problem);
    let admitted = mutation.group;
    if (stored) admitted = withoutStaleGroupOwner(admitted, stored) ?? admitted;
    validateSchema(admitted as unknown as KubeObject);
    deny(kind, admitted, validateVirtualMachineGroup(admitted, stored, privileged));
    return admitted === group ? undefined : (admitted as unknown as KubeObject);
  };
}

/**
 * vm-operator's VirtualMachineSnapshot webhooks (see vm-snapshot-validation.ts): the mutating one
 * labels the snapshot with its VM's name, then the validating one judges, reading the VM it names.
 */
function admitVirtualMachineSnapshot(): AdmitFunction {
  const kind = 'VirtualMachineSnapshot';
  return (_operation, object, old, { reader, validateSchema }) => {
    if (old?.metadata.deletionTimestamp) return undefined;
    // A quiesce timeout Go cannot decode fails the mutating webhook before anything else.
    const undecodable = undecodableDuration([
      (object as unknown as VirtualMachineSnapshot).spec?.quiesce?.timeout,
    ]);
    if (undecodable) throw kubeErrors.webhookDenied(webhookName(kind, 'mutating'), undecodable, 500, '');
    const labelled = withVmNameLabel(object as unknown as VirtualMachineSnapshot);
    const snapshot = labelled ?? (object as unknown as VirtualMachineSnapshot);
    validateSchema(snapshot as unknown as KubeObject);
    if (old) deny(kind, snapshot, validateSnapshotUpdate(snapshot, old as unknown as VirtualMachineSnapshot));
    else {
      const vmName = snapshot.spec?.vmName;
      const vm = vmName
        ? reader.get({
            apiVersion: `${GROUP}/${HUB_VERSION}`,
            kind: 'VirtualMachine',
            namespace: snapshot.metadata.namespace ?? '',
            name: vmName,
          })
        : undefined;
      deny(kind, snapshot, validateSnapshotCreate(snapshot, vm as unknown as VirtualMachine | undefined));
    }
    return labelled as unknown as KubeObject | undefined;
  };
}

/** The groups and libraries of a namespace, as the group publish request's webhooks read them. */
function groupPublishReader(reader: StoreReader, namespace: string): GroupPublishReader {
  const libraries = () => reader.list(IMAGE_REGISTRY_API_VERSION, 'ContentLibrary', namespace);
  return {
    group: (name) =>
      reader.get({
        apiVersion: IMAGE_API_VERSION,
        kind: 'VirtualMachineGroup',
        namespace,
        name,
      }) as unknown as VirtualMachineGroup | undefined,
    // The webhook's cached client names the kind, not the resource.
    groupNotFound: (name) => `VirtualMachineGroup.${GROUP} ${JSON.stringify(name)} not found`,
    library: (name) => libraries().some((l) => l.metadata.name === name),
    defaultLibraries: () =>
      libraries()
        .filter((l) => l.metadata.labels?.[DEFAULT_PUBLISH_LIBRARY_LABEL] === '')
        .map((l) => l.metadata.name as string),
  };
}

/**
 * vm-operator's VirtualMachinePublishRequest validating webhook (see publish-request-validation.ts):
 * the managed-by label's ownership first, refused with 403 (on an update, a user's alone), then
 * the fields, on create and on an update of the spec.
 */
function admitPublishRequest(): AdmitFunction {
  const kind = 'VirtualMachinePublishRequest';
  const fields = validating(kind, validatePublishRequestCreate, validatePublishRequestUpdate);
  return (operation, object, old, context) => {
    // The schema first, as the API server validates before its validating webhooks.
    context.validateSchema(object);
    const request = object as unknown as VirtualMachinePublishRequest;
    const problem =
      operation === 'CREATE'
        ? managedByProblemOnCreate(request)
        : old && !old.metadata.deletionTimestamp && !context.privileged
          ? managedByProblemOnUpdate(request, old as unknown as VirtualMachinePublishRequest)
          : undefined;
    if (problem && !skipsValidation(object))
      throw kubeErrors.webhookDenied(webhookName(kind, 'validating'), problem, 403, '');
    return fields(operation, object, old, context);
  };
}

/**
 * vm-operator's VirtualMachineGroupPublishRequest webhooks (see group-publish-request-validation.ts):
 * on create the mutating one fills the source, target and VMs in (or answers with its error's
 * code), then the validating one judges; on an update of the spec, nothing of it changes.
 */
function admitGroupPublishRequest(): AdmitFunction {
  const kind = 'VirtualMachineGroupPublishRequest';
  return (_operation, object, old, { reader, validateSchema }) => {
    if (old?.metadata.deletionTimestamp) return undefined;
    const request = object as unknown as VirtualMachineGroupPublishRequest;
    if (old) {
      validateSchema(object);
      if (object.spec !== old.spec)
        deny(
          kind,
          request,
          validateGroupPublishRequestUpdate(request, old as unknown as VirtualMachineGroupPublishRequest),
        );
      return undefined;
    }
    const read = groupPublishReader(reader, request.metadata.namespace ?? '');
    const defaulted = groupPublishRequestDefaults(request, read);
    if ('code' in defaulted)
      throw kubeErrors.webhookDenied(webhookName(kind, 'mutating'), defaulted.message, defaulted.code, '');
    validateSchema(defaulted.request as unknown as KubeObject);
    deny(kind, defaulted.request, validateGroupPublishRequestCreate(defaulted.request, read));
    return defaulted.request as unknown as KubeObject;
  };
}

/**
 * vm-operator's VirtualMachineClass webhooks: the mutating one keeps the `spec.controllerName`
 * an update empties, then the validating one judges.
 */
function admitVirtualMachineClass(): AdmitFunction {
  const validate = validating(
    'VirtualMachineClass',
    validateVirtualMachineClassCreate,
    validateVirtualMachineClassUpdate,
  );
  return (operation, object, old, context) => {
    const kept = (old?.spec as { controllerName?: string } | undefined)?.controllerName;
    const spec = object.spec as { controllerName?: string } | undefined;
    const admitted =
      operation === 'UPDATE' && !old?.metadata.deletionTimestamp && kept && !spec?.controllerName
        ? Object.assign({}, object, { spec: { ...spec, controllerName: kept } })
        : object;
    validate(operation, admitted, old, context);
    return admitted === object ? undefined : admitted;
  };
}

export const registerVmOperatorKinds = (store: KubeStore, options: VmOperatorKindsOptions = {}): void => {
  const admit: Partial<Record<string, AdmitFunction>> = {
    VirtualMachine: admitVirtualMachine(options),
    VirtualMachineService: validating(
      'VirtualMachineService',
      (svc: VirtualMachineService) => validateVirtualMachineServiceCreate(svc, options.capabilities),
      (svc: VirtualMachineService, old: VirtualMachineService) =>
        validateVirtualMachineServiceUpdate(svc, old, options.capabilities),
    ),
    VirtualMachineSetResourcePolicy: validating(
      'VirtualMachineSetResourcePolicy',
      validateResourcePolicyCreate,
      validateResourcePolicyUpdate,
    ),
    VirtualMachineClass: admitVirtualMachineClass(),
    VirtualMachinePublishRequest: admitPublishRequest(),
    VirtualMachineWebConsoleRequest: validating(
      'VirtualMachineWebConsoleRequest',
      validateWebConsoleRequestCreate,
      validateWebConsoleRequestUpdate,
      'object',
    ),
    WebConsoleRequest: validating(
      'WebConsoleRequest',
      (request: ConsoleRequest) => validateWebConsoleRequestCreate(request, WEB_CONSOLE_REQUEST_VM_NAME),
      (request: ConsoleRequest, old: ConsoleRequest) =>
        validateWebConsoleRequestUpdate(request, old, WEB_CONSOLE_REQUEST_VM_NAME),
      'object',
    ),
    VirtualMachineGroup: admitVirtualMachineGroup(),
    VirtualMachineSnapshot: admitVirtualMachineSnapshot(),
    VirtualMachineGroupPublishRequest: admitGroupPublishRequest(),
    VirtualMachineReplicaSet: validating<VirtualMachineReplicaSet>(
      'VirtualMachineReplicaSet',
      validateReplicaSet,
      validateReplicaSet,
      'object',
    ),
  };
  /** The CRD schemas' CEL rules, which the API server runs after the rest of the schema. */
  const schemaRules: Partial<Record<string, NonNullable<KindDefinition['validate']>>> = {
    VirtualMachine: vmCelProblems,
    VirtualMachineReplicaSet: vmReplicaSetCelProblems,
    VirtualMachineService: vmServiceSchemaProblems,
  };
  const immutableClasses = options.capabilities?.immutableClasses === true;
  for (const k of VM_OPERATOR_KINDS) {
    // vm-operator installs the class instances' CRD with ImmutableClasses alone, the image caches' with FastDeploy.
    if (k.kind === 'VirtualMachineClassInstance' && !immutableClasses) continue;
    if (k.kind === 'VirtualMachineImageCache' && options.capabilities?.fastDeploy !== true) continue;
    const kindAdmit = admit[k.kind];
    const kindRules = schemaRules[k.kind];
    registerCustomResource(store, {
      group: k.group,
      versions: k.servedVersions,
      storageVersion: k.storageVersion,
      kind: k.kind,
      plural: k.plural,
      namespaced: k.namespaced,
      hasStatus: k.hasStatus,
      ...(k.scale ? { scale: k.scale } : {}),
      // A kind of one version (v1alpha1's own) has nothing to convert.
      ...(k.servedVersions.length > 1
        ? {
            convert: (object: KubeObject, apiVersion: string, stored?: boolean) => {
              const { version } = parseApiVersion(apiVersion);
              if (!isServedVersion(version)) throw new Error(`${apiVersion} is not served for ${k.kind}`);
              try {
                return convertTo(object, version, stored) as KubeObject;
              } catch (error) {
                if (!(error instanceof ConversionError)) throw error;
                throw kubeErrors.conversionFailed(object.apiVersion, k.kind, error.message);
              }
            },
          }
        : {}),
      // v1alpha1's VirtualMachine spells its spec its own way: held to v1alpha1's schema as sent.
      ...(k.kind === 'VirtualMachine' ? { constrainedAsSent: ['v1alpha1'] } : {}),
      ...(kindAdmit ? { admit: kindAdmit } : {}),
      ...(kindRules ? { validate: kindRules } : {}),
    });
  }
  // vm-operator installs the encryption classes' and storage policies' CRDs with Bring Your Own Key alone.
  if (options.capabilities?.bringYourOwnEncryptionKey) registerEncryptionKinds(store);
  // vm-operator's webhook of a core kind: the claims of instance storage are its own.
  store.addWebhook('', 'PersistentVolumeClaim', admitInstanceStorageClaim, admitInstanceStorageClaimDelete);
};
