/**
 * The kinds vm-operator installs with the Bring Your Own Key capability: EncryptionClass (group
 * `encryption.vmware.com`, v1alpha1), a key provider and key a namespace's VMs are encrypted with,
 * the namespace's default one labelled so; and StoragePolicy (group `infra.vmware.com`, v1alpha1),
 * vm-operator's record of a storage class's vSphere policy in its own namespace, `status.encrypted`
 * telling an encryption storage class (see controllers/storage). Also the readings of them the
 * webhooks and the VirtualMachine controller share.
 */
import { registerCustomResource } from './api/crd-shapes.js';
import { VM_OPERATOR_NAMESPACE } from './namespaces/layout.js';
import { type KindDefinition, STORAGE_CLASS } from './store/kinds.js';
import type { KubeStore } from './store/kube-store.js';
import type { KubeObject } from './store/meta.js';

export const ENCRYPTION_GROUP = 'encryption.vmware.com';
export const INFRA_GROUP = 'infra.vmware.com';
export const ENCRYPTION_CLASS = {
  apiVersion: `${ENCRYPTION_GROUP}/v1alpha1`,
  kind: 'EncryptionClass',
} as const;
export const STORAGE_POLICY = { apiVersion: `${INFRA_GROUP}/v1alpha1`, kind: 'StoragePolicy' } as const;

/** The label of a namespace's default EncryptionClass, with the value `true`. */
export const DEFAULT_ENCRYPTION_CLASS_LABEL = 'encryption.vmware.com/default';
/** What names a claim's EncryptionClass, for the kinds that have no field for it. */
export const ENCRYPTION_CLASS_NAME_ANNOTATION = 'encryption.vmware.com/encryption-class-name';

export const ENCRYPTION_KINDS: readonly KindDefinition[] = [
  {
    group: ENCRYPTION_GROUP,
    versions: ['v1alpha1'],
    kind: 'EncryptionClass',
    plural: 'encryptionclasses',
    namespaced: true,
    hasStatus: true,
  },
  {
    group: INFRA_GROUP,
    versions: ['v1alpha1'],
    kind: 'StoragePolicy',
    plural: 'storagepolicies',
    namespaced: true,
    hasStatus: true,
  },
];

export const registerEncryptionKinds = (store: KubeStore): void => {
  for (const kind of ENCRYPTION_KINDS) registerCustomResource(store, kind);
};

export interface EncryptionClass extends KubeObject {
  spec?: { keyProvider?: string; keyID?: string };
}

/** How the readings below get an object: a store's reader, or a controller's that notes what it read. */
export type GetObject = (
  apiVersion: string,
  kind: string,
  namespace: string | undefined,
  name: string,
) => KubeObject | undefined;

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/;

/**
 * The name of a storage policy's StoragePolicy object: `pol-`, the first 8 and the last 16 hex
 * digits of its id; none for an id that is no UUID.
 */
export const storagePolicyObjectName = (profileId: string): string | undefined => {
  const id = profileId.toLowerCase();
  if (!UUID.test(id)) return undefined;
  const hex = id.replaceAll('-', '');
  return `pol-${hex.slice(0, 8)}-${hex.slice(16)}`;
};

/** A storage class's `storagePolicyID`, if it has one. */
export const storagePolicyIdOf = (storageClass: KubeObject | undefined): string | undefined => {
  const id = (storageClass as { parameters?: { storagePolicyID?: unknown } } | undefined)?.parameters
    ?.storagePolicyID;
  return typeof id === 'string' && id !== '' ? id : undefined;
};

/**
 * Whether a storage class is an encryption one, as vm-operator's IsEncryptedStorageClass reads it:
 * the StoragePolicy object of its policy says so (a class or an object not found: not encrypted).
 */
export const isEncryptedStorageClass = (get: GetObject, name: string | undefined): boolean =>
  name !== undefined &&
  name !== '' &&
  isEncryptedPolicy(
    get,
    storagePolicyIdOf(get(STORAGE_CLASS.apiVersion, STORAGE_CLASS.kind, undefined, name)),
  );

/** Whether a storage policy is an encryption one: its StoragePolicy object says so. */
export const isEncryptedPolicy = (get: GetObject, profileId: string | undefined): boolean => {
  const objectName = profileId && storagePolicyObjectName(profileId);
  if (!objectName) return false;
  const policy = get(STORAGE_POLICY.apiVersion, STORAGE_POLICY.kind, VM_OPERATOR_NAMESPACE, objectName) as
    | { status?: { encrypted?: boolean } }
    | undefined;
  return policy?.status?.encrypted === true;
};

const MANY_DEFAULTS = `multiple EncryptionClass resources have the label "${DEFAULT_ENCRYPTION_CLASS_LABEL}": "true"`;

/**
 * A namespace's default EncryptionClass, labelled so; `problem` when more than one is (none is
 * none).
 */
export const defaultEncryptionClass = (
  classes: readonly KubeObject[],
): { name?: string; problem?: string } => {
  const defaults = classes.filter((c) => c.metadata.labels?.[DEFAULT_ENCRYPTION_CLASS_LABEL] === 'true');
  if (defaults.length > 1) return { problem: MANY_DEFAULTS };
  const name = defaults[0]?.metadata.name;
  return name === undefined ? {} : { name };
};
