import { describe, expect, it } from 'vitest';
import { ovfXml, SAMPLE_OVF_IMAGES } from './ovf.js';
import { readOvfDescriptor } from './ovf-read.js';

const ubuntu = SAMPLE_OVF_IMAGES[0] as (typeof SAMPLE_OVF_IMAGES)[number];

describe('readOvfDescriptor', () => {
  it('reads back what ovfXml writes', () => {
    expect(readOvfDescriptor(ovfXml(ubuntu.ovf, ubuntu.name))).toEqual(ubuntu.ovf);
  });

  it('reads back the properties of its ProductSections (a missing type empty, as govmomi reads it), its extraConfig and transports', () => {
    const ovf = {
      ...ubuntu.ovf,
      properties: [
        { key: 'vmware-system.guest.kubernetes', type: 'string', value: 'v1.30.0' },
        {
          key: 'user-data',
          type: 'string',
          userConfigurable: true,
          label: 'User <data>',
          description: 'cloud-init',
        },
        { key: 'hostname', type: 'string', value: 'node', userConfigurable: false },
      ],
      extraConfig: [{ key: 'guestinfo.vmservice.defer-cloud-init', value: 'ready' }],
      transport: ['com.vmware.guestInfo', 'iso'],
    };
    expect(readOvfDescriptor(ovfXml(ovf, ubuntu.name))).toEqual(ovf);
    // Properties without a product section's Product, over two sections, keyless ones skipped.
    const xml = `<Envelope><VirtualSystem>
  <ProductSection><Property ovf:key="a" ovf:type="int" ovf:value="1" ovf:userConfigurable="1"/></ProductSection>
  <ProductSection ovf:class="x"><Property ovf:type="string"/><Property ovf:key="b"/></ProductSection>
</VirtualSystem></Envelope>`;
    expect(readOvfDescriptor(xml)?.properties).toEqual([
      { key: 'a', type: 'int', value: '1', userConfigurable: true },
      { key: 'b', type: '' },
    ]);
    expect(readOvfDescriptor(xml)?.product).toBeUndefined();
  });

  it('reads foreign prefixes, GB memory and byte capacities', () => {
    const xml = `<?xml version="1.0"?>
<ovf:Envelope xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" xmlns:r="rasd" xmlns:v="vssd" xmlns:w="vmw">
  <ovf:DiskSection><ovf:Disk ovf:capacity="2147483648" ovf:diskId="d1"/></ovf:DiskSection>
  <ovf:NetworkSection><ovf:Network ovf:name="net &amp; more"/></ovf:NetworkSection>
  <ovf:VirtualSystem ovf:id="tiny">
    <ovf:OperatingSystemSection ovf:id="94" w:osType="ubuntu64Guest"/>
    <ovf:VirtualHardwareSection>
      <ovf:System><v:VirtualSystemType>vmx-11 vmx-13</v:VirtualSystemType></ovf:System>
      <ovf:Item><r:AllocationUnits>byte * 2^30</r:AllocationUnits><r:ResourceType>4</r:ResourceType><r:VirtualQuantity>2</r:VirtualQuantity></ovf:Item>
      <ovf:Item><r:ResourceType>3</r:ResourceType><r:VirtualQuantity>4</r:VirtualQuantity></ovf:Item>
      <ovf:Item><r:ResourceType>17</r:ResourceType></ovf:Item>
    </ovf:VirtualHardwareSection>
  </ovf:VirtualSystem>
</ovf:Envelope>`;
    expect(readOvfDescriptor(xml)).toEqual({
      numCPUs: 4,
      memoryMB: 2048,
      disks: [{ name: 'Hard disk 1', capacityKB: 2 * 1024 * 1024 }],
      // No firmware key: none (a deployment boots it with BIOS).
      networks: ['net & more'],
      hardwareVersion: 'vmx-11',
      os: { id: 'ubuntu64Guest', description: 'ubuntu64Guest' },
    });
  });

  it('is undefined for what is no descriptor', () => {
    expect(readOvfDescriptor('not xml at all')).toBeUndefined();
    expect(readOvfDescriptor('<Envelope></Envelope>')).toBeUndefined();
  });
});
