/**
 * A tolerant reader of OVF descriptors: enough of the envelope to know the VM an uploaded
 * `.ovf` deploys (guest, CPUs, memory, disks, networks, hardware family, product and its
 * properties, extraConfig). It reads
 * elements by local name whatever their namespace prefix and ignores what it does not know;
 * an envelope without a VirtualSystem is no descriptor (undefined).
 */
import type { OptionValue } from '../inventory/records.js';
import type { OvfDescriptor, OvfDisk, OvfOperatingSystem, OvfProduct, OvfProperty } from './ovf.js';

const P = '(?:[\\w.-]+:)?';

const xmlText = (s: string) =>
  s
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&apos;', "'")
    .replaceAll('&amp;', '&')
    .trim();

/** Every element `name` (any prefix): its attributes text and its inner text. */
const elements = (xml: string, name: string): { attrs: string; body: string }[] => {
  const re = new RegExp(`<${P}${name}(\\s[^>]*?)?(?:/>|>([\\s\\S]*?)</${P}${name}\\s*>)`, 'g');
  return [...xml.matchAll(re)].map((m) => ({ attrs: m[1] ?? '', body: m[2] ?? '' }));
};

const first = (xml: string, name: string) => elements(xml, name)[0];

const text = (xml: string, name: string): string | undefined => {
  const e = first(xml, name);
  return e === undefined ? undefined : xmlText(e.body);
};

const attr = (attrs: string, name: string): string | undefined => {
  const m = new RegExp(`(?:^|\\s)${P}${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(attrs);
  return m === null ? undefined : xmlText(m[1] ?? m[2] ?? '');
};

/** `byte * 2^20` -> 2^20; bare `byte` -> 1; unreadable -> the fallback. */
const unitBytes = (units: string | undefined, fallback: number): number => {
  if (units === undefined) return fallback;
  const m = /byte\s*(?:\*\s*(\d+)\s*\^\s*(\d+))?/i.exec(units);
  if (m === null) return fallback;
  return m[1] === undefined ? 1 : Number(m[1]) ** Number(m[2]);
};

const positive = (s: string | undefined): number | undefined => {
  const n = Number(s);
  return s !== undefined && Number.isFinite(n) && n > 0 ? n : undefined;
};

/** xs:boolean: `true` or `1`, `false` or `0`; anything else says nothing. */
const xsBoolean = (s: string | undefined): boolean | undefined =>
  s === 'true' || s === '1' ? true : s === 'false' || s === '0' ? false : undefined;

/** The properties of every ProductSection of a VirtualSystem, in order; a keyless one is skipped. */
const propertiesOf = (vs: string): OvfProperty[] => {
  const out: OvfProperty[] = [];
  for (const section of elements(vs, 'ProductSection'))
    for (const p of elements(section.body, 'Property')) {
      const key = attr(p.attrs, 'key');
      if (key === undefined || key === '') continue;
      const value = attr(p.attrs, 'value');
      const userConfigurable = xsBoolean(attr(p.attrs, 'userConfigurable'));
      const label = text(p.body, 'Label');
      const description = text(p.body, 'Description');
      out.push({
        key,
        type: attr(p.attrs, 'type') ?? '',
        ...(value === undefined ? {} : { value }),
        ...(userConfigurable === undefined ? {} : { userConfigurable }),
        ...(label === undefined ? {} : { label }),
        ...(description === undefined ? {} : { description }),
      });
    }
  return out;
};

/** The `vmw:ExtraConfig` entries of the first VirtualHardwareSection. */
const extraConfigOf = (hardware: string): OptionValue[] =>
  elements(hardware, 'ExtraConfig').flatMap((e) => {
    const key = attr(e.attrs, 'key');
    return key === undefined || key === '' ? [] : [{ key, value: attr(e.attrs, 'value') ?? '' }];
  });

/** The descriptor an OVF envelope describes, or undefined when it is not one. */
export const readOvfDescriptor = (xml: string): OvfDescriptor | undefined => {
  if (!new RegExp(`<${P}Envelope[\\s>]`).test(xml)) return undefined;
  const system = first(xml, 'VirtualSystem');
  if (system === undefined) return undefined;
  const vs = system.body;

  let numCPUs = 1;
  let memoryMB = 32;
  let diskItems = 0;
  for (const item of elements(vs, 'Item')) {
    const type = text(item.body, 'ResourceType');
    const quantity = positive(text(item.body, 'VirtualQuantity'));
    if (type === '3' && quantity !== undefined) numCPUs = Math.round(quantity);
    if (type === '4' && quantity !== undefined) {
      const bytes = unitBytes(text(item.body, 'AllocationUnits'), 2 ** 20);
      memoryMB = Math.max(1, Math.round((quantity * bytes) / 2 ** 20));
    }
    if (type === '17') diskItems++;
  }

  const disks: OvfDisk[] = elements(first(xml, 'DiskSection')?.body ?? '', 'Disk').map((d, i) => {
    const capacity = positive(attr(d.attrs, 'capacity')) ?? 0;
    const bytes = unitBytes(attr(d.attrs, 'capacityAllocationUnits'), 1);
    return { name: `Hard disk ${i + 1}`, capacityKB: Math.ceil((capacity * bytes) / 1024) };
  });
  // A disk item without a DiskSection entry still is a disk: give it no capacity.
  for (let i = disks.length; i < diskItems; i++) disks.push({ name: `Hard disk ${i + 1}`, capacityKB: 0 });

  const networks = elements(first(xml, 'NetworkSection')?.body ?? '', 'Network')
    .map((n) => attr(n.attrs, 'name'))
    .filter((n): n is string => n !== undefined && n !== '');

  const osSection = first(vs, 'OperatingSystemSection');
  const osType = osSection === undefined ? undefined : attr(osSection.attrs, 'osType');
  const os: OvfOperatingSystem | undefined =
    osType === undefined || osType === ''
      ? undefined
      : { id: osType, description: text(osSection?.body ?? '', 'Description') ?? osType };

  const productSection = first(vs, 'ProductSection');
  const productName = productSection === undefined ? undefined : text(productSection.body, 'Product');
  const product: OvfProduct | undefined =
    productSection === undefined || productName === undefined
      ? undefined
      : {
          name: productName,
          vendor: text(productSection.body, 'Vendor') ?? '',
          version: text(productSection.body, 'Version') ?? '',
          fullVersion: text(productSection.body, 'FullVersion') ?? '',
        };

  const family = text(vs, 'VirtualSystemType')?.split(/[\s,]+/)[0];
  const firmwareKey = /key\s*=\s*"firmware"[^>]*value\s*=\s*"([^"]*)"/i.exec(vs)?.[1];
  const firmware =
    firmwareKey === undefined ? undefined : firmwareKey.toLowerCase() === 'efi' ? 'efi' : 'bios';
  const annotation = text(first(vs, 'AnnotationSection')?.body ?? '', 'Annotation');
  const properties = propertiesOf(vs);
  const hardware = first(vs, 'VirtualHardwareSection');
  const extraConfig = extraConfigOf(hardware?.body ?? '');
  const transport = (hardware === undefined ? undefined : attr(hardware.attrs, 'transport'))
    ?.split(/\s+/)
    .filter(Boolean);

  return {
    numCPUs,
    memoryMB,
    disks,
    networks,
    ...(firmware ? { firmware } : {}),
    hardwareVersion: family !== undefined && /^vmx-\d+$/.test(family) ? family : 'vmx-13',
    ...(os ? { os } : {}),
    ...(product ? { product } : {}),
    ...(annotation ? { annotation } : {}),
    ...(properties.length > 0 ? { properties } : {}),
    ...(extraConfig.length > 0 ? { extraConfig } : {}),
    ...(transport?.length ? { transport } : {}),
  };
};
