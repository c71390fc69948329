/**
 * Registers vm-operator's kinds in a store: every served version (v1alpha2..v1alpha6)
 * stored as the v1alpha6 hub, converted both ways on the way in and out. VirtualMachine
 * gets vm-operator's admission: its mutating webhook's defaults on create, then its
 * validating webhook on create and update.
 */
import {
  convertTo,
  type DefaultingContext,
  defaultVirtualMachineOnCreate,
  type FieldError,
  GROUP,
  HUB_VERSION,
  isServedVersion,
  type PartialObjectRef,
  type VirtualMachine,
  VM_OPERATOR_KINDS,
  validateVirtualMachineCreate,
  validateVirtualMachineUpdate,
} from './api/index.js';
import { AdmissionDenied } from './store/errors.js';
import { type AdmitFunction, parseApiVersion } from './store/kinds.js';
import type { KubeStore } from './store/kube-store.js';
import type { KubeObject } from './store/meta.js';

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
  /**
   * Resolves `spec.imageName` to `spec.image` on create. Without it (the default for now)
   * the name is left as it is and nothing is refused for it; vm-operator denies a create
   * whose image name resolves to nothing.
   */
  resolveImageName?: DefaultingContext['resolveImageName'];
}

/** vm-operator's webhook names: `default.<mutating|validating>.<kind>.<hub version>.<group>`. */
export const webhookName = (kind: string, type: 'mutating' | 'validating'): string =>
  `default.${type}.${kind.toLowerCase()}.${HUB_VERSION}.${GROUP}`;

function deny(kind: string, errors: readonly FieldError[]): void {
  if (errors.length > 0) throw new AdmissionDenied(webhookName(kind, 'validating'), errors);
}

/**
 * v1alpha2 knows only `imageName`; going up, an existing object gets `spec.image` from
 * `status.image` or, failing that, `{name: imageName}`. vm-operator has resolved the image
 * on create, so the guess matches; while image names are not resolved here, the stored VM
 * has no `spec.image`, and the guess (a kind-less ref to the same name) is dropped rather
 * than refused as a change of an immutable field.
 */
function dropUnresolvedImage(vm: VirtualMachine, old: VirtualMachine): void {
  const image = vm.spec?.image;
  if (!vm.spec || !image || old.spec?.image !== undefined) return;
  if (image.kind === undefined && image.name === vm.spec.imageName && Object.keys(image).length === 1)
    delete vm.spec.image;
}

function admitVirtualMachine(options: VmOperatorKindsOptions): AdmitFunction {
  const defaultNetwork = options.defaultNetwork === undefined ? DEFAULT_VM_NETWORK : options.defaultNetwork;
  return (operation, object, old, { random }) => {
    const vm = object as unknown as VirtualMachine;
    if (operation === 'CREATE') {
      const defaulted = defaultVirtualMachineOnCreate(vm, {
        random: () => random.float(),
        defaultNetwork: defaultNetwork ?? undefined,
        resolveImageName: options.resolveImageName,
      });
      deny('VirtualMachine', validateVirtualMachineCreate(defaulted));
      return defaulted as unknown as KubeObject;
    }
    const before = old as unknown as VirtualMachine;
    dropUnresolvedImage(vm, before);
    deny('VirtualMachine', validateVirtualMachineUpdate(vm, before));
    return undefined;
  };
}

export const registerVmOperatorKinds = (store: KubeStore, options: VmOperatorKindsOptions = {}): void => {
  const admit: Partial<Record<string, AdmitFunction>> = { VirtualMachine: admitVirtualMachine(options) };
  for (const k of VM_OPERATOR_KINDS) {
    const kindAdmit = admit[k.kind];
    store.registerKind({
      group: k.group,
      versions: k.servedVersions,
      storageVersion: k.storageVersion,
      kind: k.kind,
      plural: k.plural,
      namespaced: k.namespaced,
      hasStatus: k.hasStatus,
      convert: (object, apiVersion) => {
        const { version } = parseApiVersion(apiVersion);
        if (!isServedVersion(version)) throw new Error(`${apiVersion} is not served for ${k.kind}`);
        return convertTo(object, version) as KubeObject;
      },
      ...(kindAdmit ? { admit: kindAdmit } : {}),
    });
  }
};
