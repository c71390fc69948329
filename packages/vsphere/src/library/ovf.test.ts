import { describe, expect, it } from 'vitest';
import { type OvfDescriptor, ovfEnvelope, ovfFiles, ovfXml, SAMPLE_OVF_IMAGES } from './ovf.js';

const ubuntu = (SAMPLE_OVF_IMAGES[0] as (typeof SAMPLE_OVF_IMAGES)[number]).ovf;

/** Element names in document order, checking that every element closes where it opened. */
const elements = (xml: string): string[] => {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const stack: string[] = [];
  const names: string[] = [];
  for (const [, close, name, , selfClose] of body.matchAll(
    /<(\/?)([\w:]+)((?:\s+[\w:]+="[^"<]*")*)\s*(\/?)>/g,
  )) {
    if (close) {
      expect(stack.pop()).toBe(name);
      continue;
    }
    names.push(name as string);
    if (!selfClose) stack.push(name as string);
  }
  expect(stack).toEqual([]);
  expect(body.replace(/<[^>]*>/g, '')).not.toMatch(/[<>]|&(?!amp;|lt;|gt;|quot;)/);
  return names;
};

describe('ovfXml', () => {
  it('writes a well-formed envelope with every section', () => {
    const xml = ovfXml(ubuntu, 'node-image');
    const names = elements(xml);
    expect(names[0]).toBe('Envelope');
    for (const section of [
      'References',
      'DiskSection',
      'NetworkSection',
      'VirtualSystem',
      'OperatingSystemSection',
      'VirtualHardwareSection',
      'ProductSection',
    ])
      expect(names).toContain(section);
  });

  it('carries the descriptor: guest, CPUs, memory, disks, networks, firmware and product', () => {
    const xml = ovfXml(ubuntu, 'node-image');
    expect(xml).toContain('vmw:osType="ubuntu64Guest"');
    expect(xml).toContain('<vssd:VirtualSystemType>vmx-19</vssd:VirtualSystemType>');
    expect(xml).toContain('<rasd:VirtualQuantity>2</rasd:VirtualQuantity>');
    expect(xml).toContain('<rasd:VirtualQuantity>4096</rasd:VirtualQuantity>');
    expect(xml).toContain(`ovf:capacity="${20 * 1024 * 1024}" ovf:capacityAllocationUnits="byte * 2^10"`);
    expect(xml).toContain('ovf:href="node-image-disk-0.vmdk"');
    expect(xml).toContain('<Network ovf:name="VM Network">');
    expect(xml).toContain('<rasd:Connection>VM Network</rasd:Connection>');
    expect(xml).toContain('vmw:key="firmware" vmw:value="efi"');
    expect(xml).toContain('<Product>ubuntu-2204-kube-v1.30.0</Product>');
    expect(xml).toContain('<FullVersion>v1.30.0+vmware.1-tkg.1</FullVersion>');
  });

  it('escapes names and leaves out the sections a descriptor lacks', () => {
    const bare: OvfDescriptor = {
      numCPUs: 1,
      memoryMB: 512,
      disks: [],
      networks: ['a & <b>'],
      firmware: 'bios',
      hardwareVersion: 'vmx-13',
      annotation: 'say "hi"',
    };
    const names = elements(ovfXml(bare, 'x&y'));
    expect(names).not.toContain('ProductSection');
    expect(names).toContain('AnnotationSection');
    expect(ovfXml(bare, 'x&y')).toContain('ovf:name="a &amp; &lt;b&gt;"');
  });
});

describe('ovfFiles', () => {
  it('lists the descriptor and one stream-optimized VMDK per disk', () => {
    const files = ovfFiles(
      { ...ubuntu, disks: [...ubuntu.disks, { name: 'Hard disk 2', capacityKB: 1 }] },
      'n',
    );
    expect(files.map((f) => f.name)).toEqual(['n.ovf', 'n-disk-0.vmdk', 'n-disk-1.vmdk']);
    expect(files[1]?.size).toBe((20 * 1024 ** 3) / 32);
    expect(files[2]?.size).toBe(512);
  });
});

describe('ovfEnvelope', () => {
  it("is the envelope ovfXml writes, in govmomi's JSON names: files, disks, networks, guest, hardware, product", () => {
    const envelope = ovfEnvelope(ubuntu, 'node-image') as {
      references: { href: string; size: number }[];
      diskSection: { disk: { capacity: string; fileRef: string }[] };
      networkSection: { network: { name: string }[] };
      virtualSystem: {
        operatingSystemSection: { osType: string };
        productSection: { product: string; property?: { key: string }[] }[];
        virtualHardwareSection: {
          system: { virtualSystemType: string };
          item: { resourceType: number; virtualQuantity?: number; connection?: string[] }[];
          config?: { key: string; value: string }[];
        }[];
      };
    };
    const files = ovfFiles(ubuntu, 'node-image').filter((f) => f.name.endsWith('.vmdk'));
    expect(envelope.references).toEqual(
      files.map((f, i) => ({ id: `file${i + 1}`, href: f.name, size: f.size })),
    );
    expect(envelope.diskSection.disk).toMatchObject([
      { capacity: String(20 * 1024 * 1024), fileRef: 'file1' },
    ]);
    expect(envelope.networkSection.network.map((n) => n.name)).toEqual(['VM Network']);
    const system = envelope.virtualSystem;
    expect(system.operatingSystemSection.osType).toBe('ubuntu64Guest');
    expect(system.productSection[0]?.product).toBe('ubuntu-2204-kube-v1.30.0');
    const hardware = system.virtualHardwareSection[0];
    expect(hardware?.system.virtualSystemType).toBe('vmx-19');
    expect(hardware?.item.filter((i) => i.resourceType === 3 || i.resourceType === 4)).toMatchObject([
      { virtualQuantity: 2 },
      { virtualQuantity: 4096 },
    ]);
    expect(hardware?.item.find((i) => i.resourceType === 10)?.connection).toEqual(['VM Network']);
    expect(hardware?.config).toEqual([{ required: false, key: 'firmware', value: 'efi' }]);
  });
});
