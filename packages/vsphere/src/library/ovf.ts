/**
 * OVF templates as the content library holds them: the descriptor's facts (hardware,
 * guest OS, product), the envelope XML generated from them, the file list of an OVF
 * item, and the capture of a VM into a descriptor.
 */
import { mapped } from '../core/arrays.js';
import { getOrInsert } from '../core/maps.js';
import { isDisk, isEthernetCard, nicNetwork } from '../inventory/devices.js';
import type { LibraryFile, OptionValue, VAppProperty, VmRecord, VmVAppConfig } from '../inventory/records.js';

/** The ProductSection of an OVF (what a Kubernetes release image names itself). */
export interface OvfProduct {
  readonly name: string;
  readonly vendor: string;
  readonly version: string;
  readonly fullVersion: string;
}

/** The OperatingSystemSection: vSphere's guest id (`ubuntu64Guest`) and its description. */
export interface OvfOperatingSystem {
  readonly id: string;
  readonly description: string;
}

export interface OvfDisk {
  /** The disk's label, e.g. `Hard disk 1`. */
  readonly name: string;
  readonly capacityKB: number;
}

/**
 * A property of a ProductSection: `ovf:key`, `ovf:type` and its default, `ovf:value`. vCenter
 * gives it to a VM deployed from the OVF as a vApp property (see vAppConfigOfOvf).
 */
export interface OvfProperty {
  readonly key: string;
  readonly type: string;
  readonly value?: string;
  /** `ovf:userConfigurable`; absent, the property is not. */
  readonly userConfigurable?: boolean;
  readonly label?: string;
  readonly description?: string;
}

/** What an OVF descriptor says about the VM it deploys. */
export interface OvfDescriptor {
  readonly product?: OvfProduct;
  readonly os?: OvfOperatingSystem;
  readonly numCPUs: number;
  readonly memoryMB: number;
  readonly disks: readonly OvfDisk[];
  /** The OVF's logical networks, one NIC each; deploy maps them onto inventory networks. */
  readonly networks: readonly string[];
  /** Its `firmware` key; unset when it names none (a VM deployed from it boots with BIOS). */
  readonly firmware?: 'bios' | 'efi';
  /** The virtual hardware family, e.g. `vmx-19`. */
  readonly hardwareVersion: string;
  readonly annotation?: string;
  /** The properties of its ProductSections, in order. */
  readonly properties?: readonly OvfProperty[];
  /** The VirtualHardwareSection's `vmw:ExtraConfig` entries, the deployed VM's extraConfig. */
  readonly extraConfig?: readonly OptionValue[];
  /** The VirtualHardwareSection's `ovf:transport`: how the guest gets its OVF environment. */
  readonly transport?: readonly string[];
}

/** One per descriptor: every VM deployed from an item shares its vApp options until one is edited. */
const vAppConfigs = new WeakMap<OvfDescriptor, VmVAppConfig>();

/**
 * The vApp options of a VM deployed from `d`: a ProductSection or a transport gives it them, its
 * properties keyed 0, 1, 2... in order, unset until a value is set, as vCenter deploys them;
 * undefined for an OVF with neither.
 */
export const vAppConfigOfOvf = (d: OvfDescriptor): VmVAppConfig | undefined => {
  if (!d.product && !d.properties && !d.transport) return undefined;
  return getOrInsert(vAppConfigs, d, () => {
    const properties = Object.freeze(mapped(d.properties ?? [], vAppPropertyOf));
    return Object.freeze(
      d.transport ? { properties, ovfEnvironmentTransport: Object.freeze([...d.transport]) } : { properties },
    );
  });
};

const vAppPropertyOf = (p: OvfProperty, key: number): VAppProperty =>
  Object.freeze({
    key,
    id: p.key,
    ...(p.label === undefined ? {} : { label: p.label }),
    type: p.type,
    userConfigurable: p.userConfigurable ?? false,
    ...(p.value === undefined ? {} : { defaultValue: p.value }),
    value: '',
    ...(p.description === undefined ? {} : { description: p.description }),
  });

/** An image to put in a library as an OVF item: `library.createItem(libraryId, image)`. */
export interface SampleOvfImage {
  readonly name: string;
  readonly description: string;
  readonly type: 'ovf';
  readonly ovf: OvfDescriptor;
}

const GIB_KB = 1024 * 1024;

const KUBERNETES_VERSION = 'v1.30.0';

/** A node image of the Kubernetes release: its hardware is the same whatever its OS. */
const nodeImage = (name: string, system: string, os: OvfOperatingSystem): SampleOvfImage => ({
  name,
  description: `${system} node image for Kubernetes ${KUBERNETES_VERSION}`,
  type: 'ovf',
  ovf: {
    product: {
      name,
      vendor: 'VMware Inc.',
      version: `${KUBERNETES_VERSION}+vmware.1`,
      fullVersion: `${KUBERNETES_VERSION}+vmware.1-tkg.1`,
    },
    os,
    numCPUs: 2,
    memoryMB: 4096,
    disks: [{ name: 'Hard disk 1', capacityKB: 20 * GIB_KB }],
    networks: ['VM Network'],
    firmware: 'efi',
    hardwareVersion: 'vmx-19',
  },
});

/** Kubernetes release images as a Supervisor's content library holds them. */
export const SAMPLE_OVF_IMAGES: readonly SampleOvfImage[] = Object.freeze([
  nodeImage('ubuntu-2204-kube-v1.30.0', 'Ubuntu 22.04', {
    id: 'ubuntu64Guest',
    description: 'Ubuntu Linux (64-bit)',
  }),
  nodeImage('photon-5-kube-v1.30.0', 'Photon OS 5', {
    id: 'vmwarePhoton64Guest',
    description: 'VMware Photon OS (64-bit)',
  }),
]);

/** CIM operating system types (OVF's OperatingSystemSection ids) of the guests OVFs name most. */
const CIM_OS_TYPES: Readonly<Record<string, number>> = {
  otherGuest: 1,
  otherGuest64: 102,
  otherLinuxGuest: 36,
  otherLinux64Guest: 101,
  ubuntuGuest: 93,
  ubuntu64Guest: 94,
  debian10_64Guest: 96,
  debian11_64Guest: 96,
  debian12_64Guest: 96,
  centos64Guest: 107,
  centos7_64Guest: 107,
  centos8_64Guest: 107,
  rhel7_64Guest: 80,
  rhel8_64Guest: 80,
  rhel9_64Guest: 80,
  vmwarePhoton64Guest: 101,
  windows2019srv_64Guest: 112,
};

/** The CIM operating system type of a vSphere guest id; undefined for one not in the table. */
export const cimOsTypeOf = (guestId: string): number | undefined =>
  Object.hasOwn(CIM_OS_TYPES, guestId) ? CIM_OS_TYPES[guestId] : undefined;

const xmlEscape = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** A stream-optimized VMDK of a freshly built image compresses to about 1/32 of its capacity. */
export const vmdkFileBytes = (capacityKB: number): number => Math.ceil((capacityKB * 1024) / 32 / 512) * 512;

export const vmdkFileName = (itemName: string, index: number) => `${itemName}-disk-${index}.vmdk`;

const STREAM_OPTIMIZED = 'http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized';

const NAMESPACES = [
  'xmlns="http://schemas.dmtf.org/ovf/envelope/1"',
  'xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"',
  'xmlns:cim="http://schemas.dmtf.org/wbem/wscim/1/common"',
  'xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData"',
  'xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData"',
  'xmlns:vmw="http://www.vmware.com/schema/ovf"',
  'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"',
].join(' ');

type RasdFields = readonly (readonly [string, string | number])[];

/** One RASD item of the VirtualHardwareSection. */
const item = (fields: RasdFields) =>
  [
    '      <Item>',
    ...fields.map(([k, v]) => `        <rasd:${k}>${xmlEscape(String(v))}</rasd:${k}>`),
    '      </Item>',
  ].join('\n');

/** The RASD items of a descriptor's VirtualHardwareSection, each its fields in order. */
const hardwareItems = (d: OvfDescriptor): RasdFields[] => {
  const out: RasdFields[] = [
    [
      ['AllocationUnits', 'hertz * 10^6'],
      ['Description', 'Number of Virtual CPUs'],
      ['ElementName', `${d.numCPUs} virtual CPU(s)`],
      ['InstanceID', 1],
      ['ResourceType', 3],
      ['VirtualQuantity', d.numCPUs],
    ],
    [
      ['AllocationUnits', 'byte * 2^20'],
      ['Description', 'Memory Size'],
      ['ElementName', `${d.memoryMB}MB of memory`],
      ['InstanceID', 2],
      ['ResourceType', 4],
      ['VirtualQuantity', d.memoryMB],
    ],
    [
      ['Address', 0],
      ['Description', 'SCSI Controller'],
      ['ElementName', 'SCSI Controller 0'],
      ['InstanceID', 3],
      ['ResourceSubType', 'VirtualSCSI'],
      ['ResourceType', 6],
    ],
  ];
  let instance = 4;
  d.disks.forEach((disk, i) => {
    out.push([
      ['AddressOnParent', i < 7 ? i : i + 1],
      ['ElementName', disk.name],
      ['HostResource', `ovf:/disk/vmdisk${i + 1}`],
      ['InstanceID', instance++],
      ['Parent', 3],
      ['ResourceType', 17],
    ]);
  });
  d.networks.forEach((network, i) => {
    out.push([
      ['AddressOnParent', 7 + i],
      ['AutomaticAllocation', 'true'],
      ['Connection', network],
      ['Description', `VmxNet3 ethernet adapter on "${network}"`],
      ['ElementName', `Network adapter ${i + 1}`],
      ['InstanceID', instance++],
      ['ResourceSubType', 'VmxNet3'],
      ['ResourceType', 10],
    ]);
  });
  return out;
};

const property = (p: OvfProperty): string[] => {
  const attrs = [
    `ovf:key="${xmlEscape(p.key)}"`,
    `ovf:type="${xmlEscape(p.type)}"`,
    ...(p.userConfigurable === undefined ? [] : [`ovf:userConfigurable="${p.userConfigurable}"`]),
    ...(p.value === undefined ? [] : [`ovf:value="${xmlEscape(p.value)}"`]),
  ].join(' ');
  if (p.label === undefined && p.description === undefined) return [`      <Property ${attrs}/>`];
  return [
    `      <Property ${attrs}>`,
    ...(p.label === undefined ? [] : [`        <Label>${xmlEscape(p.label)}</Label>`]),
    ...(p.description === undefined
      ? []
      : [`        <Description>${xmlEscape(p.description)}</Description>`]),
    '      </Property>',
  ];
};

const productSection = (d: OvfDescriptor): string[] => {
  const p = d.product;
  const properties = d.properties ?? [];
  if (!p && properties.length === 0) return [];
  return [
    '    <ProductSection>',
    '      <Info>Information about the installed software</Info>',
    ...(p
      ? [
          `      <Product>${xmlEscape(p.name)}</Product>`,
          `      <Vendor>${xmlEscape(p.vendor)}</Vendor>`,
          `      <Version>${xmlEscape(p.version)}</Version>`,
          `      <FullVersion>${xmlEscape(p.fullVersion)}</FullVersion>`,
        ]
      : []),
    ...properties.flatMap(property),
    '    </ProductSection>',
  ];
};

/** The OVF envelope of an item named `name` (its files are `<name>-disk-<n>.vmdk`). */
export const ovfXml = (d: OvfDescriptor, name = d.product?.name ?? 'vm'): string => {
  const guestId = d.os?.id ?? 'otherGuest';
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<Envelope ${NAMESPACES}>`,
    '  <References>',
    ...d.disks.map(
      (disk, i) =>
        `    <File ovf:href="${xmlEscape(vmdkFileName(name, i))}" ovf:id="file${i + 1}" ovf:size="${vmdkFileBytes(disk.capacityKB)}"/>`,
    ),
    '  </References>',
    '  <DiskSection>',
    '    <Info>Virtual disk information</Info>',
    ...d.disks.map(
      (disk, i) =>
        `    <Disk ovf:capacity="${disk.capacityKB}" ovf:capacityAllocationUnits="byte * 2^10" ovf:diskId="vmdisk${i + 1}" ovf:fileRef="file${i + 1}" ovf:format="${STREAM_OPTIMIZED}"/>`,
    ),
    '  </DiskSection>',
    '  <NetworkSection>',
    '    <Info>The list of logical networks</Info>',
    ...d.networks.map(
      (n) =>
        `    <Network ovf:name="${xmlEscape(n)}">\n      <Description>The ${xmlEscape(n)} network</Description>\n    </Network>`,
    ),
    '  </NetworkSection>',
    `  <VirtualSystem ovf:id="${xmlEscape(name)}">`,
    '    <Info>A virtual machine</Info>',
    `    <Name>${xmlEscape(name)}</Name>`,
    ...(d.annotation ? ['    <AnnotationSection>', '      <Info>A human-readable annotation</Info>'] : []),
    ...(d.annotation
      ? [`      <Annotation>${xmlEscape(d.annotation)}</Annotation>`, '    </AnnotationSection>']
      : []),
    `    <OperatingSystemSection ovf:id="${cimOsTypeOf(guestId) ?? 101}" vmw:osType="${xmlEscape(guestId)}">`,
    '      <Info>The kind of installed guest operating system</Info>',
    ...(d.os ? [`      <Description>${xmlEscape(d.os.description)}</Description>`] : []),
    '    </OperatingSystemSection>',
    d.transport
      ? `    <VirtualHardwareSection ovf:transport="${xmlEscape(d.transport.join(' '))}">`
      : '    <VirtualHardwareSection>',
    '      <Info>Virtual hardware requirements</Info>',
    '      <System>',
    '        <vssd:ElementName>Virtual Hardware Family</vssd:ElementName>',
    '        <vssd:InstanceID>0</vssd:InstanceID>',
    `        <vssd:VirtualSystemIdentifier>${xmlEscape(name)}</vssd:VirtualSystemIdentifier>`,
    `        <vssd:VirtualSystemType>${xmlEscape(d.hardwareVersion)}</vssd:VirtualSystemType>`,
    '      </System>',
    ...hardwareItems(d).map((fields) => item(fields)),
    ...(d.firmware
      ? [`      <vmw:Config ovf:required="false" vmw:key="firmware" vmw:value="${d.firmware}"/>`]
      : []),
    ...(d.extraConfig ?? []).map(
      (o) =>
        `      <vmw:ExtraConfig ovf:required="false" vmw:key="${xmlEscape(o.key)}" vmw:value="${xmlEscape(o.value)}"/>`,
    ),
    '    </VirtualHardwareSection>',
    ...productSection(d),
    '  </VirtualSystem>',
    '</Envelope>',
  ];
  return `${lines.join('\n')}\n`;
};

/** RASD fields govmomi holds as lists, numbers and booleans; the others are strings. */
const RASD_LISTS: ReadonlySet<string> = new Set(['Connection', 'HostResource']);
const RASD_NUMBERS: ReadonlySet<string> = new Set(['ResourceType', 'VirtualQuantity']);

/** A RASD item as govmomi's ResourceAllocationSettingData marshals it to JSON. */
const itemJson = (fields: RasdFields): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const [k, v] of fields) {
    const key = `${k[0]?.toLowerCase()}${k.slice(1)}`;
    if (RASD_LISTS.has(k)) out[key] = [String(v)];
    else if (RASD_NUMBERS.has(k)) out[key] = Number(v);
    else if (k === 'AutomaticAllocation') out[key] = v === 'true';
    else out[key] = String(v);
  }
  return out;
};

const propertyJson = (p: OvfProperty): Record<string, unknown> => ({
  key: p.key,
  type: p.type,
  ...(p.userConfigurable === undefined ? {} : { userConfigurable: p.userConfigurable }),
  ...(p.value === undefined ? {} : { default: p.value }),
  ...(p.label === undefined ? {} : { label: p.label }),
  ...(p.description === undefined ? {} : { description: p.description }),
});

const configJson = (key: string, value: string) => ({ required: false, key, value });

/**
 * The envelope `ovfXml` writes, as govmomi's ovf.Envelope marshals it to JSON (its fields' JSON
 * names): what vm-operator's image cache keeps, as YAML, in its OVF ConfigMap.
 */
export const ovfEnvelope = (d: OvfDescriptor, name = d.product?.name ?? 'vm'): Record<string, unknown> => {
  const guestId = d.os?.id ?? 'otherGuest';
  const p = d.product;
  const properties = d.properties ?? [];
  const extraConfig = d.extraConfig ?? [];
  const hardware = {
    id: null,
    info: 'Virtual hardware requirements',
    ...(d.transport ? { transport: d.transport.join(' ') } : {}),
    system: {
      elementName: 'Virtual Hardware Family',
      instanceID: '0',
      virtualSystemIdentifier: name,
      virtualSystemType: d.hardwareVersion,
    },
    item: hardwareItems(d).map(itemJson),
    ...(d.firmware ? { config: [configJson('firmware', d.firmware)] } : {}),
    ...(extraConfig.length > 0 ? { extraConfig: extraConfig.map((o) => configJson(o.key, o.value)) } : {}),
  };
  const product = {
    info: 'Information about the installed software',
    ...(p ? { product: p.name, vendor: p.vendor, version: p.version, fullVersion: p.fullVersion } : {}),
    ...(properties.length > 0 ? { property: properties.map(propertyJson) } : {}),
  };
  return {
    references: d.disks.map((disk, i) => ({
      id: `file${i + 1}`,
      href: vmdkFileName(name, i),
      size: vmdkFileBytes(disk.capacityKB),
    })),
    diskSection: {
      info: 'Virtual disk information',
      disk: d.disks.map((disk, i) => ({
        diskId: `vmdisk${i + 1}`,
        fileRef: `file${i + 1}`,
        capacity: String(disk.capacityKB),
        capacityAllocationUnits: 'byte * 2^10',
        format: STREAM_OPTIMIZED,
      })),
    },
    networkSection: {
      info: 'The list of logical networks',
      network: d.networks.map((n) => ({ name: n, description: `The ${n} network` })),
    },
    virtualSystem: {
      id: name,
      info: 'A virtual machine',
      name,
      ...(d.annotation
        ? { annotationSection: { info: 'A human-readable annotation', annotation: d.annotation } }
        : {}),
      ...(p || properties.length > 0 ? { productSection: [product] } : {}),
      operatingSystemSection: {
        info: 'The kind of installed guest operating system',
        id: cimOsTypeOf(guestId) ?? 101,
        osType: guestId,
        ...(d.os ? { description: d.os.description } : {}),
      },
      virtualHardwareSection: [hardware],
    },
  };
};

const utf8 = new TextEncoder();

/** The files of an OVF item named `name`: its descriptor, then one VMDK per disk. */
export const ovfFiles = (d: OvfDescriptor, name: string): LibraryFile[] => [
  { name: `${name}.ovf`, size: utf8.encode(ovfXml(d, name)).length, version: '1', cached: true },
  ...d.disks.map((disk, i) => ({
    name: vmdkFileName(name, i),
    size: vmdkFileBytes(disk.capacityKB),
    version: '1',
    cached: true,
  })),
];

/**
 * What an OVF export of `vm` describes; `networkName` names a NIC's network. Its extraConfig
 * goes with it only when asked (`vcenter.ovf.LibraryItem.create`'s `EXTRA_CONFIG` flag).
 */
export const descriptorOfVm = (
  vm: VmRecord,
  networkName: (id: string) => string,
  withExtraConfig = false,
): OvfDescriptor => {
  const c = vm.config;
  const networks = new Set<string>();
  for (const d of c.devices) {
    const net = isEthernetCard(d) ? nicNetwork(d) : undefined;
    if (net) networks.add(networkName(net));
  }
  return {
    os: { id: c.guestId, description: c.guestFullName },
    numCPUs: c.numCPU,
    memoryMB: c.memoryMB,
    disks: c.devices.filter(isDisk).map((d, i) => ({
      name: d.deviceInfo?.label ?? `Hard disk ${i + 1}`,
      capacityKB: d.capacityInKB as number,
    })),
    networks: [...networks],
    firmware: c.firmware === 'efi' ? 'efi' : 'bios',
    hardwareVersion: c.version,
    ...(c.annotation ? { annotation: c.annotation } : {}),
    ...(withExtraConfig && c.extraConfig.length > 0 ? { extraConfig: c.extraConfig } : {}),
    ...(c.vAppConfig?.properties.length ? { properties: c.vAppConfig.properties.map(ovfPropertyOf) } : {}),
    ...(c.vAppConfig?.ovfEnvironmentTransport?.length
      ? { transport: c.vAppConfig.ovfEnvironmentTransport }
      : {}),
  };
};

/**
 * A VM's vApp property as its captured OVF declares it: its id, type, label, description and
 * whether users set it, with its default (not the value the VM was given, which may be a password).
 */
const ovfPropertyOf = (p: VAppProperty): OvfProperty => ({
  key: p.id,
  type: p.type,
  ...(p.defaultValue === undefined ? {} : { value: p.defaultValue }),
  ...(p.userConfigurable === undefined ? {} : { userConfigurable: p.userConfigurable }),
  ...(p.label === undefined ? {} : { label: p.label }),
  ...(p.description === undefined ? {} : { description: p.description }),
});
