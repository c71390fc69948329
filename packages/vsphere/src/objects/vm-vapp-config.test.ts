import { describe, expect, it } from 'vitest';
import type { DatacenterRecord, InventoryRecord, VmRecord } from '../inventory/records.js';
import { descriptorOfVm, SAMPLE_OVF_IMAGES } from '../library/ovf.js';
import { readOvfDescriptor } from '../library/ovf-read.js';
import { createFixture } from '../testing/fixture.js';
import type { VmConfigSpec } from './vm-config-spec.js';
import type { VAppPropertySpec } from './vm-vapp-config.js';

/** An appliance's descriptor, as uploaded: two ProductSections' properties. */
const APPLIANCE = `<?xml version="1.0" encoding="UTF-8"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1">
  <VirtualSystem ovf:id="appliance">
    <ProductSection>
      <Product>Appliance</Product>
      <Property ovf:key="hostname" ovf:type="string" ovf:userConfigurable="true" ovf:value="appliance">
        <Label>Host name</Label>
        <Description>The guest's host name</Description>
      </Property>
      <Property ovf:key="ssh" ovf:type="boolean" ovf:userConfigurable="true" ovf:value="False"/>
    </ProductSection>
    <ProductSection>
      <Property ovf:key="build" ovf:type="string(..64)"/>
    </ProductSection>
  </VirtualSystem>
</Envelope>`;

const setup = () => {
  const fixture = createFixture();
  const { vsphere, at, run } = fixture;
  const lib = vsphere.library.create({
    name: 'images',
    datastore: at('/DC0/datastore/LocalDS_0').id,
    type: 'LOCAL',
  });
  const ovf = readOvfDescriptor(APPLIANCE);
  if (!ovf) throw new Error('the appliance descriptor does not read');
  const item = vsphere.library.createItem(lib, { name: 'appliance', description: '', type: 'ovf', ovf });
  const folder = at('/DC0/vm').id;
  const pool = at<InventoryRecord & { resourcePool: string }>('/DC0/host/DC0_C0').resourcePool;
  const get = (id: string) => vsphere.store.get(id) as VmRecord;
  const deploy = async (name: string, from = item) =>
    get((await run(vsphere.library.deploy(from, { name, folder, pool }))).value);
  const reconfigure = (vm: string, ...property: VAppPropertySpec[]) =>
    run(vsphere.vm.reconfigure(vm, { vAppConfig: { property } }));
  const properties = (vm: string) => get(vm).config.vAppConfig?.properties;
  return { ...fixture, lib, folder, pool, get, deploy, reconfigure, properties };
};

const DEPLOYED = [
  {
    key: 0,
    id: 'hostname',
    label: 'Host name',
    type: 'string',
    userConfigurable: true,
    defaultValue: 'appliance',
    value: '',
    description: "The guest's host name",
  },
  { key: 1, id: 'ssh', type: 'boolean', userConfigurable: true, defaultValue: 'False', value: '' },
  { key: 2, id: 'build', type: 'string(..64)', userConfigurable: false, value: '' },
];

describe('vApp properties of a VM deployed from an OVF item', () => {
  it("lists the OVF's properties in order, keyed from 0, unset, and shares them between deployments", async () => {
    const { deploy, vsphere } = setup();
    const a = await deploy('a');
    const b = await deploy('b');
    expect(a.config.vAppConfig?.properties).toStrictEqual(DEPLOYED);
    expect(b.config.vAppConfig).toBe(a.config.vAppConfig);
    expect(Object.isFrozen(a.config.vAppConfig?.properties)).toBe(true);
    expect(vsphere.read(a.id, 'config.vAppConfig')).toMatchObject({
      _type: 'VmConfigInfo',
      property: DEPLOYED.map((p) => ({ _type: 'VAppPropertyInfo', ...p })),
      installBootRequired: false,
    });
  });

  it('gives vApp options without properties for a ProductSection without any, none without a ProductSection', async () => {
    const { vsphere, lib, deploy, at } = setup();
    const image = SAMPLE_OVF_IMAGES[0] as (typeof SAMPLE_OVF_IMAGES)[number];
    const node = await deploy('node', vsphere.library.createItem(lib, image));
    expect(node.config.vAppConfig).toStrictEqual({ properties: [] });
    const { product: _, ...bare } = image.ovf;
    const plain = await deploy(
      'plain',
      vsphere.library.createItem(lib, { ...image, name: 'bare', ovf: bare }),
    );
    expect(plain.config).not.toHaveProperty('vAppConfig');
    expect(vsphere.read(plain.id, 'config.vAppConfig')).toBeUndefined();
    // Nor has a VM built without them: a saved state holds no empty field.
    expect(at<VmRecord>('/DC0/vm/DC0_H0_VM0').config).not.toHaveProperty('vAppConfig');
  });
});

describe('ReconfigVM_Task: vAppConfig', () => {
  it('adds, edits and removes properties by key, leaving other VMs deployed from the item as they were', async () => {
    const { deploy, reconfigure, properties } = setup();
    const vm = await deploy('a');
    const other = await deploy('b');
    await reconfigure(
      vm.id,
      { operation: 'edit', info: { key: 0, value: 'web-1' } },
      { operation: 'remove', removeKey: 1 },
      { operation: 'add', info: { key: 7, id: 'token', type: 'password', userConfigurable: true } },
    );
    expect(properties(vm.id)).toStrictEqual([
      { ...DEPLOYED[0], value: 'web-1' },
      DEPLOYED[2],
      { key: 7, id: 'token', type: 'password', value: '', userConfigurable: true },
    ]);
    expect(properties(other.id)).toStrictEqual(DEPLOYED);
  });

  it('gives vApp options to a VM without any, and drops them with vAppConfigRemoved', async () => {
    const { at, run, vsphere, reconfigure, properties, get } = setup();
    const vm = at<VmRecord>('/DC0/vm/DC0_H0_VM0').id;
    await reconfigure(vm, { operation: 'add', info: { key: 0, id: 'role', value: 'db' } });
    expect(properties(vm)).toStrictEqual([{ key: 0, id: 'role', type: 'string', value: 'db' }]);
    await run(vsphere.vm.reconfigure(vm, { vAppConfigRemoved: true }));
    expect(get(vm).config.vAppConfig).toBeUndefined();
  });

  it('takes the transports an OVF declares, and those a spec sets, keeping them through property edits', async () => {
    const { at, vsphere, lib, deploy, reconfigure, get, run } = setup();
    const ovf = readOvfDescriptor(
      APPLIANCE.replace(
        '<VirtualSystem ovf:id="appliance">',
        '<VirtualSystem ovf:id="appliance"><VirtualHardwareSection ovf:transport="iso com.vmware.guestInfo"/>',
      ),
    );
    if (!ovf) throw new Error('the descriptor does not read');
    const item = vsphere.library.createItem(lib, {
      name: 'with-transport',
      description: '',
      type: 'ovf',
      ovf,
    });
    const vm = await deploy('t', item);
    expect(vm.config.vAppConfig?.ovfEnvironmentTransport).toEqual(['iso', 'com.vmware.guestInfo']);
    await reconfigure(vm.id, { operation: 'edit', info: { key: 0, value: 'web' } });
    expect(get(vm.id).config.vAppConfig?.ovfEnvironmentTransport).toEqual(['iso', 'com.vmware.guestInfo']);
    // A VM without vApp options gets them with the spec's transport; an empty list clears it.
    const plain = at<VmRecord>('/DC0/vm/DC0_H0_VM0').id;
    await run(
      vsphere.vm.reconfigure(plain, { vAppConfig: { ovfEnvironmentTransport: ['com.vmware.guestInfo'] } }),
    );
    expect(get(plain).config.vAppConfig).toStrictEqual({
      properties: [],
      ovfEnvironmentTransport: ['com.vmware.guestInfo'],
    });
    // A capture declares it.
    expect(descriptorOfVm(get(plain), (id) => id).transport).toEqual(['com.vmware.guestInfo']);
    const transportRead = () =>
      vsphere.read<{ ovfEnvironmentTransport?: string[] }>(plain, 'config.vAppConfig')
        .ovfEnvironmentTransport;
    expect(transportRead()).toEqual(['com.vmware.guestInfo']);
    await run(vsphere.vm.reconfigure(plain, { vAppConfig: { ovfEnvironmentTransport: [] } }));
    expect(get(plain).config.vAppConfig?.ovfEnvironmentTransport).toEqual([]);
    // An empty list is no transport to a client.
    expect(transportRead()).toBeUndefined();
    // An item without one deploys VMs without one.
    expect((await deploy('u')).config.vAppConfig?.ovfEnvironmentTransport).toBeUndefined();
  });

  it.each<[string, VAppPropertySpec, string]>([
    [
      'an add of a key in use',
      { operation: 'add', info: { key: 1, id: 'other' } },
      'vAppConfig.property.info.key',
    ],
    [
      'an edit of an unknown key',
      { operation: 'edit', info: { key: 9, value: 'x' } },
      'vAppConfig.property.info.key',
    ],
    ['a removal of an unknown key', { operation: 'remove', removeKey: 9 }, 'vAppConfig.property.removeKey'],
    ['an add without an id', { operation: 'add', info: { key: 9 } }, 'vAppConfig.property.info.id'],
    ['an id in use', { operation: 'edit', info: { key: 1, id: 'hostname' } }, 'vAppConfig.property.info.id'],
  ])('refuses %s with InvalidArgument, changing nothing of the spec', async (_, bad, invalidProperty) => {
    const { deploy, reconfigure, properties } = setup();
    const vm = await deploy('a');
    await expect(
      reconfigure(vm.id, { operation: 'edit', info: { key: 0, value: 'set first' } }, bad),
    ).rejects.toMatchObject({ fault: { _type: 'InvalidArgument', invalidProperty } });
    expect(properties(vm.id)).toStrictEqual(DEPLOYED);
  });

  it('is refused for a template, whose only changes are name and annotation', async () => {
    const { deploy, vsphere, reconfigure, run } = setup();
    const vm = await deploy('a');
    vsphere.vm.markAsTemplate(vm.id);
    await expect(reconfigure(vm.id, { operation: 'remove', removeKey: 0 })).rejects.toMatchObject({
      fault: { _type: 'NotSupported' },
    });
    await expect(run(vsphere.vm.reconfigure(vm.id, { annotation: 'golden' }))).resolves.toBeUndefined();
  });
});

describe('vApp properties of new and cloned VMs', () => {
  it("keeps the source's in a clone, a template clone too, and applies a clone spec's edits to the clone", async () => {
    const { deploy, vsphere, run, folder, pool, properties, get } = setup();
    const vm = await deploy('a');
    const template = get(
      (await run(vsphere.vm.clone(vm.id, folder, 'tmpl', { location: {}, powerOn: false, template: true })))
        .value,
    );
    expect(template.config.vAppConfig).toBe(vm.config.vAppConfig);
    const config: VmConfigSpec = {
      vAppConfig: { property: [{ operation: 'edit', info: { key: 2, value: '42' } }] },
    };
    const copy = await run(
      vsphere.vm.clone(template.id, folder, 'copy', {
        location: { pool },
        powerOn: false,
        template: false,
        config,
      }),
    );
    expect(properties(copy.value)).toStrictEqual([DEPLOYED[0], DEPLOYED[1], { ...DEPLOYED[2], value: '42' }]);
    expect(properties(template.id)).toStrictEqual(DEPLOYED);
  });

  it("CreateVM_Task adds its spec's properties", async () => {
    const { vsphere, run, at, properties } = setup();
    const dc = at<DatacenterRecord>('/DC0');
    const spec: VmConfigSpec = {
      name: 'new',
      files: { vmPathName: '[LocalDS_0]' },
      vAppConfig: {
        property: [{ operation: 'add', info: { key: 5, id: 'role', type: 'string', defaultValue: 'web' } }],
      },
    };
    const ref = await run(vsphere.vm.create(dc.vmFolder, spec, at('/DC0/host/DC0_H0/Resources').id));
    expect(properties(ref.value)).toStrictEqual([
      { key: 5, id: 'role', type: 'string', value: '', defaultValue: 'web' },
    ]);
  });
});
