/**
 * The kinds the store serves. Each kind names its API group and versions, its plural
 * resource name, whether it lives in a namespace and whether it has a status subresource.
 * Objects are kept in one storage version and shown in the version a caller asks for.
 */
import type { Clock, Random } from '@vsim/vsphere';
import {
  claimDefaults,
  endpointsDefaults,
  namespaceDefaults,
  secretDefaults,
  serviceDefaults,
  storageClassDefaults,
  volumeDefaults,
} from './core-defaults.js';
import { CORE_SHAPES } from './core-shapes.js';
import { claimProblems, claimUpdateProblems, configMapProblems, secretProblems } from './core-validation.js';
import { type FieldCause, kubeErrors, type Subject } from './errors.js';
import { deepEqual, type KubeObject, type NameFormat, type ObjectRef, parseApiVersion } from './meta.js';
import { quantityNanos } from './quantity.js';
import { checkClaimQuota } from './resource-quota.js';
import type { ScaleSubresource } from './scale.js';
import { objectShape, type SchemaShape, type ShapeNode } from './schema-shape.js';
import { serviceProblems } from './service-validation.js';
import type { Structure } from './structure.js';

export type AdmissionOperation = 'CREATE' | 'UPDATE';

/**
 * A synchronous read of the store for admission hooks, as a webhook reads the API server
 * (vm-operator's mutation webhook looks images up to resolve a VM's image name). Objects
 * come back as copies in the asked version; an unknown kind or version throws.
 */
export interface StoreReader {
  /** The object, or undefined when it does not exist. */
  get(ref: ObjectRef): KubeObject | undefined;
  /** The objects of a kind, in one namespace or (namespace unset) in all, sorted by namespace and name. */
  list(apiVersion: string, kind: string, namespace?: string): readonly KubeObject[];
}

/** What an admission hook may use besides the objects. */
export interface AdmissionContext {
  /** The store's seeded random source: draws from it keep a seeded run reproducible. */
  readonly random: Random;
  /** The store as it is before the write being admitted (its objects are read-only). */
  readonly reader: StoreReader;
  /** The simulator's clock: what a webhook stamps is the time of the write. */
  readonly clock: Clock;
  /**
   * Whether the caller is a privileged account, to the webhooks that ask: code in the
   * simulator writing through `direct` (its controllers are vm-operator's own service account).
   * The asynchronous methods' callers are DevOps users.
   */
  readonly privileged: boolean;
  /**
   * The API server's validation of the object as the mutating webhooks leave it, which comes
   * before the validating webhooks: a hook with both calls it between them (one that only
   * validates, first). It throws the 422 of what the kind's schema refuses. The store runs it on
   * the admitted object when the hook did not.
   */
  readonly validateSchema: (object: KubeObject) => void;
}

/**
 * A kind's admission: the mutating and validating webhooks of the API server in one step, with
 * the schema's validation between them (`validateSchema`). It gets the object as it will be
 * stored (storage version). On CREATE that is a copy it may change in place; on UPDATE it may
 * share parts with stored objects, so a hook that changes it returns a changed copy instead,
 * and the stored one (the second argument) is read-only. It returns undefined to keep `object`,
 * or the object to store instead; it throws `AdmissionDenied` to refuse the write.
 */
export type AdmitFunction = (
  operation: AdmissionOperation,
  object: KubeObject,
  old: KubeObject | undefined,
  context: AdmissionContext,
) => KubeObject | undefined;

/**
 * A validating webhook's judgement of a delete (the object as stored): it throws AdmissionDenied
 * to refuse it. The garbage collector's and a namespace's deletions are the API server's own.
 */
export type AdmitDeleteFunction = (object: KubeObject, context: { readonly privileged: boolean }) => void;

export interface KindDefinition {
  /** The API group; '' for the core group (apiVersion `v1`). */
  group: string;
  /** Served versions, e.g. `['v1']`. */
  versions: readonly string[];
  /** The version objects are stored in; defaults to the first served version. */
  storageVersion?: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  /** Whether `status` is a subresource: updates of the object ignore it, `updateStatus` sets it. */
  hasStatus: boolean;
  /** A `scale` subresource: where the kind keeps its replicas (the same in every served version). */
  scale?: ScaleSubresource;
  /** Extra field-selector fields beyond metadata.name and metadata.namespace. */
  selectableFields?: Readonly<Record<string, (object: KubeObject) => string | undefined>>;
  /**
   * Converts an object (any served version of this kind) to `apiVersion`: a new object,
   * the argument left as it was (it may be a stored object; `stored` says it is one, which
   * never changes). Without it, versions differ only in their `apiVersion` string.
   */
  convert?: (object: KubeObject, apiVersion: string, stored?: boolean) => KubeObject;
  /**
   * Admission of create, update and patch of the object (never of the status subresource),
   * run after the store's own checks and before the write.
   */
  admit?: AdmitFunction;
  /** What the API server fills in on every write of the object, in place (a built-in kind's defaults). */
  defaults?: (object: KubeObject) => void;
  /**
   * The API server's own checks of a write of the object, `old` the stored one on an update: a
   * built-in kind's rules (its immutable fields...), a custom resource's CEL rules (the rest of its
   * schema is generated: see schema-constraints.ts).
   */
  validate?: (next: KubeObject, old: KubeObject | undefined) => FieldCause[];
  /** The lists and objects within `spec` and `status` its schema types (see `checkStructure`). */
  structure?: Structure | undefined;
  /**
   * Served versions whose objects are held to their own schema's constraints as they are sent,
   * before their conversion (not on a status write): a version that spells its fields its own
   * way (v1alpha1's VirtualMachine), where the storage version's constraints would miss them.
   */
  constrainedAsSent?: readonly string[] | undefined;
  /**
   * The fields each served version declares and their defaults, by version: what the API
   * server keeps of an object sent in it and fills in (see store/schema-shape.ts). A version
   * without one keeps its top level whole.
   */
  shapes?: Readonly<Record<string, SchemaShape>> | undefined;
  /**
   * What its objects' names must be: an RFC 1123 subdomain (the default), an RFC 1123 label (a
   * Namespace) or an RFC 1035 label (a Service, whose name is a DNS name of its own).
   */
  names?: NameFormat;
}

export interface KindInfo
  extends Required<
    Omit<
      KindDefinition,
      | 'convert'
      | 'selectableFields'
      | 'admit'
      | 'defaults'
      | 'validate'
      | 'structure'
      | 'constrainedAsSent'
      | 'shapes'
      | 'names'
      | 'scale'
    >
  > {
  /** `group/kind`, the key objects are stored under. */
  readonly key: string;
  /** The apiVersion of the storage version: one string the stored objects share. */
  readonly storageApiVersion: string;
  readonly selectableFields: Readonly<Record<string, (object: KubeObject) => string | undefined>>;
  /** `stored`: the object is a stored one, which never changes (its conversion may defer work). */
  readonly convert: ((object: KubeObject, apiVersion: string, stored?: boolean) => KubeObject) | undefined;
  readonly admit: AdmitFunction | undefined;
  /** Webhooks added that judge deletes (see KindRegistry.addWebhook). */
  readonly admitDelete?: AdmitDeleteFunction;
  readonly defaults: ((object: KubeObject) => void) | undefined;
  readonly validate: ((next: KubeObject, old: KubeObject | undefined) => FieldCause[]) | undefined;
  readonly structure: Structure | undefined;
  readonly constrainedAsSent: readonly string[] | undefined;
  /** What the store keeps of an object sent in each served version, and fills in (see store/schema-shape.ts). */
  readonly shapes: Readonly<Record<string, ShapeNode>>;
  readonly names: NameFormat;
  readonly scale: ScaleSubresource | undefined;
  /**
   * A built-in kind (ConfigMap, Service...) rather than a custom resource (a CRD's, any kind served
   * by `registerKind`). As in the API server, an update of a built-in kind's object may leave out
   * the resourceVersion it replaces, and its objects keep no `metadata.generation`; a custom
   * resource's update names it, and its generation counts spec changes and the deletion.
   */
  readonly builtIn: boolean;
}

export const apiVersionOf = (group: string, version: string) => (group ? `${group}/${version}` : version);

export const kindKey = (group: string, kind: string) => `${group}/${kind}`;

export function subjectOf(info: KindInfo, name?: string): Subject {
  return {
    group: info.group,
    resource: info.plural,
    kind: info.kind,
    ...(name !== undefined ? { name } : {}),
  };
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

const forbidden = (field: string, why: string): FieldCause => ({
  field,
  message: `Forbidden: ${why}`,
  reason: 'FieldValueForbidden',
});

const LOCKED = 'field is immutable when `immutable` is set';

/** A ConfigMap or Secret once `immutable: true`: that and its content stay. */
const immutableContent =
  (fields: readonly string[]) =>
  (next: KubeObject, old: KubeObject | undefined): FieldCause[] => {
    if (old?.immutable !== true) return [];
    const causes: FieldCause[] = [];
    if (next.immutable !== true) causes.push(forbidden('immutable', LOCKED));
    for (const field of fields)
      if (!deepEqual(next[field], old[field])) causes.push(forbidden(field, LOCKED));
    return causes;
  };

/** A Secret's type stays, and so does an immutable one's data; then what any Secret is held to. */
const secretUpdate = (next: KubeObject, old: KubeObject | undefined): FieldCause[] => [
  ...(old === undefined || next.type === old.type
    ? []
    : [{ field: 'type', message: `Invalid value: ${JSON.stringify(next.type)}: field is immutable` }]),
  ...immutableContent(['data'])(next, old),
  ...secretProblems(next),
];

/** What a StorageClass is made with stays. */
const storageClassUpdate = (next: KubeObject, old: KubeObject | undefined): FieldCause[] => {
  const causes: FieldCause[] = [];
  if (old === undefined) return causes;
  for (const field of ['parameters', 'provisioner', 'reclaimPolicy'])
    if (!deepEqual(next[field], old[field]))
      causes.push(forbidden(field, `updates to ${field} are forbidden.`));
  if (next.volumeBindingMode !== old.volumeBindingMode)
    causes.push({
      field: 'volumeBindingMode',
      message: `Invalid value: ${JSON.stringify(next.volumeBindingMode ?? null)}: field is immutable`,
    });
  return causes;
};

/** What the API server's StorageObjectInUseProtection plugin puts on every new claim. */
export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';

/**
 * A claim's admission: the StorageObjectInUseProtection plugin's finalizer on a new one (the
 * pvc-protection controller takes it off once it is deleted), the PersistentVolumeClaimResize
 * plugin's rule, then the ResourceQuota plugin's (see resource-quota.ts).
 */
const admitClaim: AdmitFunction = (operation, claim, old, context) => {
  admitClaimResize(operation, claim, old, context);
  checkClaimQuota(claim, operation === 'UPDATE' ? old : undefined, context.reader);
  if (operation !== 'CREATE') return undefined;
  const finalizers = claim.metadata.finalizers ?? [];
  if (!finalizers.includes(PVC_PROTECTION_FINALIZER))
    claim.metadata.finalizers = [...finalizers, PVC_PROTECTION_FINALIZER];
  return undefined;
};

/**
 * The PersistentVolumeClaimResize admission plugin: a claim asks for more storage only once
 * bound, and only of a class, the one it was made with, that allows volume expansion.
 */
const admitClaimResize: AdmitFunction = (operation, claim, old, { reader }) => {
  if (operation !== 'UPDATE' || !old) return undefined;
  const storage = (object: KubeObject) =>
    quantityNanos((object.spec as ClaimFields | undefined)?.resources?.requests?.storage) ?? 0n;
  if (storage(claim) <= storage(old)) return undefined;
  const refuse = (why: string) => {
    throw kubeErrors.forbidden(
      {
        group: '',
        resource: 'persistentvolumeclaims',
        kind: 'PersistentVolumeClaim',
        name: claim.metadata.name as string,
      },
      why,
    );
  };
  if ((old.status as { phase?: unknown } | undefined)?.phase !== 'Bound')
    refuse('Only bound persistent volume claims can be expanded');
  const className = (claim.spec as ClaimFields | undefined)?.storageClassName;
  const storageClass =
    typeof className === 'string' &&
    className !== '' &&
    className === (old.spec as ClaimFields | undefined)?.storageClassName
      ? reader.get({ ...STORAGE_CLASS, name: className })
      : undefined;
  if (storageClass?.allowVolumeExpansion !== true)
    refuse(
      'only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize',
    );
  return undefined;
};

interface ClaimFields {
  storageClassName?: unknown;
  resources?: { requests?: { storage?: unknown } };
}

/** The object an Event is about. */
const involved = (event: KubeObject) => event.involvedObject as Record<string, unknown> | undefined;

/** References to core kinds the controllers read and write. */
export const PERSISTENT_VOLUME_CLAIM = { apiVersion: 'v1', kind: 'PersistentVolumeClaim' } as const;
export const PERSISTENT_VOLUME = { apiVersion: 'v1', kind: 'PersistentVolume' } as const;
export const STORAGE_CLASS = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass' } as const;

export const CORE_KINDS: readonly KindDefinition[] = [
  {
    group: '',
    versions: ['v1'],
    kind: 'Namespace',
    shapes: CORE_SHAPES.Namespace,
    plural: 'namespaces',
    namespaced: false,
    hasStatus: true,
    names: 'label',
    defaults: namespaceDefaults,
    selectableFields: { 'status.phase': (o) => str((o.status as { phase?: unknown } | undefined)?.phase) },
  },
  {
    group: '',
    versions: ['v1'],
    kind: 'ConfigMap',
    shapes: CORE_SHAPES.ConfigMap,
    plural: 'configmaps',
    namespaced: true,
    hasStatus: false,
    structure: {
      data: ['object', 'map[string]string'],
      'data.*': ['string', 'string'],
      binaryData: ['object', 'map[string][]uint8'],
      'binaryData.*': ['string', '[]uint8'],
      immutable: ['boolean', 'bool'],
    },
    validate: (next, old) => [
      ...configMapProblems(next),
      ...immutableContent(['data', 'binaryData'])(next, old),
    ],
  },
  {
    group: '',
    versions: ['v1'],
    kind: 'Secret',
    shapes: CORE_SHAPES.Secret,
    plural: 'secrets',
    namespaced: true,
    hasStatus: false,
    selectableFields: { type: (o) => str(o.type) ?? 'Opaque' },
    structure: {
      data: ['object', 'map[string][]uint8'],
      'data.*': ['string', '[]uint8'],
      stringData: ['object', 'map[string]string'],
      'stringData.*': ['string', 'string'],
      type: ['string', 'v1.SecretType'],
      immutable: ['boolean', 'bool'],
    },
    defaults: secretDefaults,
    validate: secretUpdate,
  },
  {
    group: '',
    versions: ['v1'],
    kind: 'Service',
    shapes: CORE_SHAPES.Service,
    plural: 'services',
    namespaced: true,
    hasStatus: true,
    names: 'dns1035',
    // What the Service's storage and validation read (a target port is a number or a name).
    structure: {
      'spec.type': ['string', 'v1.ServiceType'],
      'spec.ports': ['array', '[]v1.ServicePort'],
      'spec.ports[]': ['object', 'v1.ServicePort'],
      'spec.ports[].name': ['string', 'string'],
      'spec.ports[].protocol': ['string', 'v1.Protocol'],
      'spec.ports[].port': ['integer', 'int32'],
      'spec.ports[].nodePort': ['integer', 'int32'],
      'spec.selector': ['object', 'map[string]string'],
      'spec.clusterIP': ['string', 'string'],
      'spec.clusterIPs': ['array', '[]string'],
      'spec.clusterIPs[]': ['string', 'string'],
      'spec.ipFamilies': ['array', '[]v1.IPFamily'],
      'spec.ipFamilies[]': ['string', 'v1.IPFamily'],
      'spec.ipFamilyPolicy': ['string', 'v1.IPFamilyPolicy'],
      'spec.externalName': ['string', 'string'],
      'spec.sessionAffinity': ['string', 'v1.ServiceAffinity'],
      'spec.externalTrafficPolicy': ['string', 'v1.ServiceExternalTrafficPolicy'],
      'spec.internalTrafficPolicy': ['string', 'v1.ServiceInternalTrafficPolicy'],
      'spec.healthCheckNodePort': ['integer', 'int32'],
      'spec.allocateLoadBalancerNodePorts': ['boolean', 'bool'],
    },
    defaults: serviceDefaults,
    validate: serviceProblems,
  },
  {
    group: '',
    versions: ['v1'],
    kind: 'Endpoints',
    shapes: CORE_SHAPES.Endpoints,
    plural: 'endpoints',
    namespaced: true,
    hasStatus: false,
    defaults: endpointsDefaults,
  },
  {
    group: '',
    versions: ['v1'],
    kind: 'PersistentVolumeClaim',
    shapes: CORE_SHAPES.PersistentVolumeClaim,
    plural: 'persistentvolumeclaims',
    namespaced: true,
    hasStatus: true,
    structure: {
      'spec.resources': ['object', 'v1.VolumeResourceRequirements'],
      'spec.resources.requests': ['object', 'v1.ResourceList'],
      'spec.resources.requests.*': ['string', 'resource.Quantity'],
      'spec.resources.limits': ['object', 'v1.ResourceList'],
      'spec.resources.limits.*': ['string', 'resource.Quantity'],
    },
    defaults: claimDefaults,
    validate: (next, old) => [...claimProblems(next), ...(old ? claimUpdateProblems(next, old) : [])],
    admit: admitClaim,
  },
  {
    group: '',
    versions: ['v1'],
    kind: 'PersistentVolume',
    shapes: CORE_SHAPES.PersistentVolume,
    plural: 'persistentvolumes',
    namespaced: false,
    hasStatus: true,
    defaults: volumeDefaults,
  },
  {
    group: '',
    versions: ['v1'],
    kind: 'ResourceQuota',
    shapes: CORE_SHAPES.ResourceQuota,
    plural: 'resourcequotas',
    namespaced: true,
    hasStatus: true,
  },
  {
    // What a controller records of an object (client-go's recorder): kubectl describe lists them
    // by the fields of the object they are about.
    group: '',
    versions: ['v1'],
    kind: 'Event',
    shapes: CORE_SHAPES.Event,
    plural: 'events',
    namespaced: true,
    hasStatus: false,
    selectableFields: {
      'involvedObject.kind': (o) => str(involved(o)?.kind),
      'involvedObject.namespace': (o) => str(involved(o)?.namespace),
      'involvedObject.name': (o) => str(involved(o)?.name),
      'involvedObject.uid': (o) => str(involved(o)?.uid),
      'involvedObject.apiVersion': (o) => str(involved(o)?.apiVersion),
      reason: (o) => str(o.reason),
      type: (o) => str(o.type),
      source: (o) => str((o.source as { component?: unknown } | undefined)?.component),
    },
  },
  {
    group: 'storage.k8s.io',
    versions: ['v1'],
    kind: 'StorageClass',
    shapes: CORE_SHAPES.StorageClass,
    plural: 'storageclasses',
    namespaced: false,
    hasStatus: false,
    defaults: storageClassDefaults,
    validate: storageClassUpdate,
  },
];

export class KindRegistry {
  #byKey = new Map<string, KindInfo>();
  /** apiVersion -> kind -> what `resolve` found: every read and write resolves its kind. */
  #resolved = new Map<string, Map<string, { readonly info: KindInfo; readonly version: string }>>();

  /** Serves a kind: a custom resource unless `builtIn` (see KindInfo.builtIn). */
  register(definition: KindDefinition, builtIn = false): KindInfo {
    if (definition.versions.length === 0) throw new Error(`kind ${definition.kind} serves no version`);
    const storageVersion = definition.storageVersion ?? (definition.versions[0] as string);
    if (!definition.versions.includes(storageVersion))
      throw new Error(`storage version ${storageVersion} of ${definition.kind} is not served`);
    const key = kindKey(definition.group, definition.kind);
    const existing = this.#byKey.get(key);
    if (existing)
      throw new Error(`kind ${definition.kind} of group '${definition.group}' is already registered`);
    const info: KindInfo = {
      key,
      group: definition.group,
      versions: [...definition.versions],
      storageVersion,
      storageApiVersion: apiVersionOf(definition.group, storageVersion),
      kind: definition.kind,
      plural: definition.plural,
      namespaced: definition.namespaced,
      hasStatus: definition.hasStatus,
      selectableFields: { ...definition.selectableFields },
      convert: definition.convert,
      admit: definition.admit,
      defaults: definition.defaults,
      validate: definition.validate,
      structure: definition.structure,
      constrainedAsSent: definition.constrainedAsSent,
      shapes: Object.fromEntries(
        definition.versions.map((version) => [version, objectShape(definition.shapes?.[version])]),
      ),
      scale: definition.scale,
      names: definition.names ?? 'subdomain',
      builtIn,
    };
    this.#byKey.set(key, info);
    this.#resolved.clear();
    return info;
  }

  has(group: string, kind: string): boolean {
    return this.#byKey.has(kindKey(group, kind));
  }

  /**
   * Another webhook for a kind served: `admit` runs before the kind's own admission, as a
   * validating webhook runs before the API server's last plugins (the ResourceQuota's);
   * `admitDelete`, when given, judges the deletes users ask for.
   */
  addWebhook(group: string, kind: string, admit: AdmitFunction, admitDelete?: AdmitDeleteFunction): void {
    const key = kindKey(group, kind);
    const info = this.#byKey.get(key);
    if (!info) throw new Error(`kind ${kind} of group '${group}' is not registered`);
    const own = info.admit;
    const ownDelete = info.admitDelete;
    this.#byKey.set(key, {
      ...info,
      admit: (operation, object, old, context) => {
        const admitted = admit(operation, object, old, context) ?? object;
        return own ? (own(operation, admitted, old, context) ?? admitted) : admitted;
      },
      ...(admitDelete
        ? {
            admitDelete: (object, context) => {
              admitDelete(object, context);
              ownDelete?.(object, context);
            },
          }
        : {}),
    });
    this.#resolved.clear();
  }

  /** The kind served at `apiVersion`, or a NotFound error as the server gives for an unknown resource. */
  resolve(apiVersion: unknown, kind: unknown): { readonly info: KindInfo; readonly version: string } {
    if (typeof apiVersion !== 'string' || apiVersion === '' || typeof kind !== 'string' || kind === '')
      throw kubeErrors.badRequest('Object has no apiVersion or kind');
    const known = this.#resolved.get(apiVersion)?.get(kind);
    if (known) return known;
    const { group, version } = parseApiVersion(apiVersion);
    const info = this.#byKey.get(kindKey(group, kind));
    if (!info?.versions.includes(version)) throw kubeErrors.noResource(`${kind} ${apiVersion}`);
    const found = { info, version };
    const kinds = this.#resolved.get(apiVersion) ?? new Map();
    kinds.set(kind, found);
    this.#resolved.set(apiVersion, kinds);
    return found;
  }

  byKey(key: string): KindInfo | undefined {
    return this.#byKey.get(key);
  }

  values(): IterableIterator<KindInfo> {
    return this.#byKey.values();
  }
}
