/**
 * VirtualMachine defaulting as vm-operator's mutation webhook does it on
 * create: the build and schema it is made at (annotations), power state, power op modes, instance and BIOS UUIDs (cloud-init
 * instanceID follows the BIOS UUID), an eth0 on the namespace's default
 * network, and `spec.imageName` resolved to `spec.image` (vm-operator's
 * `ResolveImageNameOnCreate`) from the images the caller hands over.
 */

import { getOrInsert, uuidV4 } from '@vsim/vsphere';
import { clone, nanoTimestamp } from '../store/meta.js';
import {
  CREATED_AT_BUILD_VERSION_ANNOTATION,
  CREATED_AT_SCHEMA_VERSION_ANNOTATION,
  VM_OPERATOR_BUILD_VERSION,
} from './annotations.js';
import { CDROM_CONTROLLER_LIMITS } from './cdrom-placement.js';
import { HUB_VERSION } from './conversion/engine.js';
import type {
  ClusterVirtualMachineImage,
  PartialObjectRef,
  VirtualMachine,
  VirtualMachineImage,
  VirtualMachineImageRef,
  VirtualMachineNetworkInterfaceSpec,
  VirtualMachineNetworkSpec,
  VirtualMachineSpec,
} from './types.js';

/** Annotation asking for no default network interface. */
export const NO_DEFAULT_NIC_ANNOTATION = 'vmoperator.vmware.com/no-default-nic';

export interface DefaultingContext {
  /** Returns a number in [0, 1); seeded by the caller for reproducible UUIDs. */
  random: () => number;
  /** The namespace's default network, or undefined when it has none. */
  defaultNetwork?: PartialObjectRef | undefined;
}

/** The images a VM's namespace sees: its VirtualMachineImages and the cluster's images. */
export interface ImageCatalog {
  /** The image of that object name: a VirtualMachineImage of the namespace or a ClusterVirtualMachineImage. */
  get(kind: ImageKind, name: string): VirtualMachineImage | ClusterVirtualMachineImage | undefined;
  /** Every image of that kind the namespace sees. */
  list(kind: ImageKind): readonly (VirtualMachineImage | ClusterVirtualMachineImage)[];
}

export type ImageKind = 'VirtualMachineImage' | 'ClusterVirtualMachineImage';

/** What an image name resolves to: the image, or why it resolves to none (vm-operator's words). */
export type ImageNameResolution = { image: VirtualMachineImageRef } | { problem: string };

const uuidBytes = new Uint8Array(16);

/** A random (version 4) UUID drawn from `random`: 16 draws, one per byte, in order. */
export function randomUUID(random: () => number): string {
  for (let i = 0; i < 16; i++) uuidBytes[i] = Math.floor(random() * 256);
  return uuidV4(uuidBytes);
}

const defaultNetworkSpecs = new WeakMap<PartialObjectRef, VirtualMachineNetworkSpec>();
/**
 * The network of a VM that names none: one interface on the default network. One frozen spec
 * per default network, shared by the VMs that get it (stored objects never change).
 */
const defaultNetworkSpec = (network: PartialObjectRef): VirtualMachineNetworkSpec =>
  getOrInsert(defaultNetworkSpecs, network, () => {
    const iface = Object.freeze({ name: 'eth0', network: Object.freeze({ ...network }) });
    return Object.freeze({ interfaces: Object.freeze([iface]) }) as VirtualMachineNetworkSpec;
  });

/** Returns a defaulted copy of a hub VirtualMachine being created. */
export function defaultVirtualMachineOnCreate(vm: VirtualMachine, ctx: DefaultingContext): VirtualMachine {
  return defaultVirtualMachineInPlace(clone(vm), ctx);
}

/** Defaults a hub VirtualMachine being created in place (a copy of the caller's); returns it. */
export function defaultVirtualMachineInPlace(out: VirtualMachine, ctx: DefaultingContext): VirtualMachine {
  const spec = out.spec ?? {};
  out.spec = spec;

  const annotations = out.metadata.annotations ?? {};
  // vm-operator's SetCreatedAtAnnotations, over whatever the creator wrote there.
  annotations[CREATED_AT_BUILD_VERSION_ANNOTATION] = VM_OPERATOR_BUILD_VERSION;
  annotations[CREATED_AT_SCHEMA_VERSION_ANNOTATION] = HUB_VERSION;
  out.metadata.annotations = annotations;
  // vm-operator's SetDefaultControllers: every IDE bus a VM may have, unless it names some.
  if (!spec.hardware?.ideControllers?.length)
    spec.hardware = { ...spec.hardware, ideControllers: defaultIdeControllers() };
  if (!spec.network?.disabled && (spec.network?.interfaces ?? []).length === 0 && ctx.defaultNetwork) {
    if (annotations[NO_DEFAULT_NIC_ANNOTATION] === undefined) {
      spec.network =
        spec.network === undefined
          ? defaultNetworkSpec(ctx.defaultNetwork)
          : { ...spec.network, interfaces: [{ name: 'eth0', network: { ...ctx.defaultNetwork } }] };
    }
  } else if (ctx.defaultNetwork && spec.network?.interfaces && !spec.network.disabled) {
    withDefaultInterfaceNetworks(spec.network.interfaces, ctx.defaultNetwork);
  }

  spec.powerState ??= 'PoweredOn';
  withCdromImageKinds(spec);
  // vm-operator's SetImageNameFromCdrom: a VM of CD-ROMs alone is of its first connected one's image.
  const cdroms = spec.hardware?.cdrom ?? [];
  // A CD-ROM without an image (the schema refuses it after this webhook) names none.
  const fromCdrom = (cdroms.find((c) => c.connected === true) ?? cdroms[0])?.image?.name;
  if (!spec.imageName && !spec.image && fromCdrom) spec.imageName = fromCdrom;
  if (!spec.instanceUUID) spec.instanceUUID = randomUUID(ctx.random);
  if (!spec.biosUUID) spec.biosUUID = randomUUID(ctx.random);
  const cloudInit = spec.bootstrap?.cloudInit;
  if (cloudInit && !cloudInit.instanceID) cloudInit.instanceID = spec.biosUUID;

  return out;
}

/**
 * vm-operator's setDefaultNetworkInterfaceNetwork, in place: an interface without a network gets
 * the default network's kind (net-operator picks the namespace's default network for no name);
 * one whose network names no kind or version gets the default's. Whether anything changed.
 */
export function withDefaultInterfaceNetworks(
  interfaces: VirtualMachineNetworkInterfaceSpec[],
  defaultNetwork: PartialObjectRef,
): boolean {
  let changed = false;
  for (const iface of interfaces) {
    const network = iface.network;
    if (!network) iface.network = { ...defaultNetwork };
    else if ((!network.apiVersion && defaultNetwork.apiVersion) || (!network.kind && defaultNetwork.kind))
      iface.network = {
        ...network,
        ...(network.apiVersion ? {} : { apiVersion: defaultNetwork.apiVersion }),
        ...(network.kind ? {} : { kind: defaultNetwork.kind }),
      } as PartialObjectRef;
    else continue;
    changed = true;
  }
  return changed;
}

const defaultIdeControllers = () =>
  Array.from({ length: CDROM_CONTROLLER_LIMITS.IDE.buses }, (_, busNumber) => ({ busNumber }));

/**
 * vm-operator's SetDefaultCdromImgKind: a CD-ROM's image without a kind is a VirtualMachineImage,
 * on create, and on update when the stored CD-ROM of that image was one (an image whose kind was
 * another stays without one, and is refused). In place; whether anything changed.
 */
export function withCdromImageKinds(spec: VirtualMachineSpec, old?: VirtualMachineSpec): boolean {
  const cdroms = spec.hardware?.cdrom;
  // A CD-ROM without an image is left for the schema to refuse.
  if (!cdroms?.some((c) => c.image && !c.image.kind)) return false;
  const before = new Map((old?.hardware?.cdrom ?? []).map((c) => [c.image?.name, c.image?.kind]));
  let changed = false;
  spec.hardware = {
    ...spec.hardware,
    cdrom: cdroms.map((c) => {
      if (!c.image || c.image.kind || (old && before.get(c.image.name) !== 'VirtualMachineImage')) return c;
      changed = true;
      return { ...c, image: { ...c.image, kind: 'VirtualMachineImage' } };
    }),
  };
  return changed;
}

/** The object name prefix of the images vm-operator makes: such a name is looked up as is. */
const IMAGE_OBJECT_PREFIX = 'vmi-';

const notFound = (name: string) => ({
  problem: `no VM image exists for ${JSON.stringify(name)} in namespace or cluster scope`,
});
const several = (name: string, scope: string) => ({
  problem: `multiple VM images exist for ${JSON.stringify(name)} in ${scope} scope`,
});

/**
 * Resolves an image name as vm-operator does: a `vmi-` name is an object name, looked up
 * in the namespace first and then in the cluster; any other name is an image's display
 * name (`status.name`), which must be unique in the namespace, in the cluster, and across
 * both.
 */
export function resolveImageName(name: string, catalog: ImageCatalog): ImageNameResolution {
  if (name.startsWith(IMAGE_OBJECT_PREFIX)) {
    for (const kind of ['VirtualMachineImage', 'ClusterVirtualMachineImage'] as const)
      if (catalog.get(kind, name)) return { image: { kind, name } };
    return notFound(name);
  }
  const named = (kind: ImageKind) => catalog.list(kind).filter((image) => image.status?.name === name);
  const namespaced = named('VirtualMachineImage');
  if (namespaced.length > 1) return several(name, 'namespace');
  const cluster = named('ClusterVirtualMachineImage');
  if (cluster.length > 1) return several(name, 'cluster');
  if (namespaced.length + cluster.length > 1) return several(name, 'namespace and cluster');
  const found = namespaced[0] ?? cluster[0];
  if (!found) return notFound(name);
  return { image: { kind: found.kind, name: found.metadata.name ?? '' } };
}

/**
 * vm-operator's `ResolveImageNameOnCreate` on a VM being created (changed in place): a set
 * `spec.imageName` must resolve, and gives `spec.image` when that is unset or must name the
 * same image when it is set. Returns why the create is denied, or undefined.
 */
export function resolveImageNameOnCreate(
  vm: VirtualMachine,
  resolve: (name: string) => ImageNameResolution,
): string | undefined {
  const spec = vm.spec;
  const name = spec?.imageName;
  if (!spec || !name) return undefined;
  const resolution = resolve(name);
  if ('problem' in resolution) return resolution.problem;
  const { image } = resolution;
  if (!spec.image) {
    spec.image = image;
    return undefined;
  }
  if (spec.image.kind !== image.kind || spec.image.name !== image.name)
    return `spec.imageName: Invalid value: ${JSON.stringify(name)}: must refer to the same resource as spec.image`;
  return undefined;
}

/**
 * vm-operator's `SetNextRestartTime` on an update: `now` (in any case) becomes the time of the
 * update (RFC 3339 with its fraction) when the stored VM is to be powered on; an empty value
 * keeps the stored one; any other new value is refused. Returns the value to store, or why
 * the update is denied.
 */
export function nextRestartTimeOnUpdate(
  vm: VirtualMachine,
  old: VirtualMachine,
  nowMs: number,
): { time: string | undefined } | { problem: string } {
  const next = vm.spec?.nextRestartTime;
  const stored = old.spec?.nextRestartTime;
  if (!next) return { time: stored };
  const problem = (detail: string) =>
    `spec.nextRestartTime: Invalid value: ${JSON.stringify(next)}: ${detail}`;
  if (next.toLowerCase() === 'now') {
    if (old.spec?.powerState !== 'PoweredOn') return { problem: problem('can only restart powered on vm') };
    return { time: nanoTimestamp(nowMs) };
  }
  return next === stored ? { time: stored } : { problem: problem('may only be set to "now"') };
}
