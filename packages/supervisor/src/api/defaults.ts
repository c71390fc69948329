/**
 * VirtualMachine defaulting as vm-operator's mutation webhook does it on
 * create: power state, power op modes, instance and BIOS UUIDs (cloud-init
 * instanceID follows the BIOS UUID), and an eth0 on the namespace's default
 * network. Image name resolution is the supervisor's, behind a hook.
 */

import type { PartialObjectRef, VirtualMachine, VirtualMachineImageRef } from './types.js';

/** Annotation asking for no default network interface. */
export const NO_DEFAULT_NIC_ANNOTATION = 'vmoperator.vmware.com/no-default-nic';

export interface DefaultingContext {
  /** Returns a number in [0, 1); seeded by the caller for reproducible UUIDs. */
  random: () => number;
  /** The namespace's default network, or undefined when it has none. */
  defaultNetwork?: PartialObjectRef | undefined;
  /** Resolves spec.imageName to spec.image; undefined leaves spec.image unset. */
  resolveImageName?:
    | ((name: string, namespace: string | undefined) => VirtualMachineImageRef | undefined)
    | undefined;
}

/** A random (version 4) UUID drawn from `random`. */
export function randomUUID(random: () => number): string {
  const bytes = Array.from({ length: 16 }, () => Math.floor(random() * 256) & 0xff);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Returns a defaulted copy of a hub VirtualMachine being created. */
export function defaultVirtualMachineOnCreate(vm: VirtualMachine, ctx: DefaultingContext): VirtualMachine {
  const out = structuredClone(vm);
  const spec = out.spec ?? {};
  out.spec = spec;

  const annotations = out.metadata.annotations ?? {};
  if (!spec.network?.disabled && (spec.network?.interfaces ?? []).length === 0 && ctx.defaultNetwork) {
    if (annotations[NO_DEFAULT_NIC_ANNOTATION] === undefined) {
      spec.network = { ...spec.network, interfaces: [{ name: 'eth0', network: { ...ctx.defaultNetwork } }] };
    }
  } else if (ctx.defaultNetwork && spec.network?.interfaces) {
    // Interfaces without a network ref get the default network.
    for (const iface of spec.network.interfaces)
      if (!iface.network) iface.network = { ...ctx.defaultNetwork };
  }

  spec.powerState ??= 'PoweredOn';
  spec.powerOffMode ??= 'TrySoft';
  spec.suspendMode ??= 'TrySoft';
  spec.restartMode ??= 'TrySoft';
  spec.promoteDisksMode ??= 'Online';
  if (!spec.instanceUUID) spec.instanceUUID = randomUUID(ctx.random);
  if (!spec.biosUUID) spec.biosUUID = randomUUID(ctx.random);
  const cloudInit = spec.bootstrap?.cloudInit;
  if (cloudInit && !cloudInit.instanceID) cloudInit.instanceID = spec.biosUUID;

  if (!spec.image && spec.imageName && ctx.resolveImageName) {
    const ref = ctx.resolveImageName(spec.imageName, out.metadata.namespace);
    if (ref) spec.image = ref;
  }
  return out;
}
