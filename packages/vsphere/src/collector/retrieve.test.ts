import { describe, expect, it } from 'vitest';
import type { InventoryRecord, VmRecord } from '../inventory/records.js';
import { newVmRecord, putVm } from '../inventory/vm.js';
import { type MoRef, moref } from '../refs.js';
import { createFixture } from '../testing/fixture.js';
import type { ObjectContent } from './results.js';
import type { PropertyFilterSpec, TraversalSpec } from './spec.js';

const setup = () => {
  const { vsphere, ref } = createFixture();
  return { vsphere, pc: vsphere.collector.get(), ref };
};

const oneObject = (obj: MoRef, type: string, pathSet: string[]): PropertyFilterSpec => ({
  objectSet: [{ obj }],
  propSet: [{ type, pathSet }],
});

/** What govmomi's view.Manager sends: the objects a ContainerView shows. */
export const viewSpec = (view: MoRef, type: string, pathSet: string[]): PropertyFilterSpec => ({
  objectSet: [
    {
      obj: view,
      skip: true,
      selectSet: [{ _type: 'TraversalSpec', name: 'view', type: 'ContainerView', path: 'view', skip: false }],
    },
  ],
  propSet: [{ type, pathSet }],
});

/** The classic whole-inventory traversal, recursive through named SelectionSpecs. */
const inventoryTraversal: TraversalSpec[] = [
  {
    _type: 'TraversalSpec',
    name: 'folder',
    type: 'Folder',
    path: 'childEntity',
    selectSet: [{ name: 'folder' }, { name: 'dcVm' }, { name: 'dcHost' }, { name: 'cr' }, { name: 'pool' }],
  },
  {
    _type: 'TraversalSpec',
    name: 'dcVm',
    type: 'Datacenter',
    path: 'vmFolder',
    selectSet: [{ name: 'folder' }],
  },
  {
    _type: 'TraversalSpec',
    name: 'dcHost',
    type: 'Datacenter',
    path: 'hostFolder',
    selectSet: [{ name: 'folder' }],
  },
  {
    _type: 'TraversalSpec',
    name: 'cr',
    type: 'ComputeResource',
    path: 'resourcePool',
    selectSet: [{ name: 'pool' }],
  },
  {
    _type: 'TraversalSpec',
    name: 'pool',
    type: 'ResourcePool',
    path: 'resourcePool',
    selectSet: [{ name: 'pool' }],
  },
];

const props = (content: ObjectContent | undefined) =>
  Object.fromEntries((content?.propSet ?? []).map((p) => [p.name, p.val]));

const faultOf = (work: () => unknown) => {
  try {
    work();
  } catch (error) {
    return (error as { fault?: unknown }).fault;
  }
  throw new Error('no fault');
};

describe('RetrieveProperties', () => {
  it('reads the requested properties and omits unset ones', () => {
    const { pc, ref } = setup();
    const vm = ref('/DC0/vm/DC0_H0_VM0');
    const [content, ...rest] = pc.retrieveProperties([
      oneObject(vm, 'VirtualMachine', ['name', 'runtime.powerState', 'parentVApp', 'name']),
    ]);
    expect(rest).toEqual([]);
    expect(content?.obj).toEqual(vm);
    expect(content?.propSet).toEqual([
      { name: 'name', val: 'DC0_H0_VM0' },
      { name: 'runtime.powerState', val: 'poweredOn' },
    ]);
    expect(content?.missingSet).toBeUndefined();
  });

  it('returns every set property for all=true', () => {
    const { pc, ref } = setup();
    const [content] = pc.retrieveProperties([
      { objectSet: [{ obj: ref('/DC0/vm/DC0_H0_VM0') }], propSet: [{ type: 'VirtualMachine', all: true }] },
    ]);
    const names = content?.propSet.map((p) => p.name) ?? [];
    expect(names).toEqual(
      expect.arrayContaining(['name', 'config', 'runtime', 'guest', 'summary', 'parent']),
    );
    expect(names).not.toContain('parentVApp');
  });

  it('applies a PropertySpec to subtypes and leaves objects no PropertySpec applies to out', () => {
    const { vsphere, pc, ref } = setup();
    const everything = vsphere.views.createContainerView(ref('/'), [], true);
    const computes = pc.retrieveProperties([viewSpec(everything, 'ComputeResource', ['name'])]);
    expect(computes.map((c) => [c.obj.type, props(c).name])).toEqual([
      ['ComputeResource', 'DC0_H0'],
      ['ClusterComputeResource', 'DC0_C0'],
    ]);
    const entities = pc.retrieveProperties([viewSpec(everything, 'ManagedEntity', ['name'])]);
    expect(entities.length).toBe(vsphere.read<MoRef[]>(everything, 'view').length);
  });

  it('faults the whole call for a path that is not a property of the type, or an unknown type', () => {
    const { pc, ref } = setup();
    const vm = ref('/DC0/vm/DC0_H0_VM0');
    expect(faultOf(() => pc.retrieveProperties([oneObject(vm, 'VirtualMachine', ['name', 'nope'])]))).toEqual(
      {
        _type: 'InvalidProperty',
        name: 'nope',
      },
    );
    // runtime is a VirtualMachine property, not a ManagedEntity one.
    expect(faultOf(() => pc.retrieveProperties([oneObject(vm, 'ManagedEntity', ['runtime'])]))).toEqual({
      _type: 'InvalidProperty',
      name: 'runtime',
    });
    expect(
      faultOf(() => pc.retrieveProperties([oneObject(vm, 'VirtualMachine', ['config.hardware.device['])])),
    ).toMatchObject({ _type: 'InvalidProperty' });
    expect(faultOf(() => pc.retrieveProperties([oneObject(vm, 'NoSuchType', ['name'])]))).toEqual({
      _type: 'InvalidType',
      argument: 'NoSuchType',
    });
  });

  it('puts properties that exist but cannot be read in missingSet', () => {
    const { pc, ref } = setup();
    const [content] = pc.retrieveProperties([
      oneObject(ref('/DC0/vm/DC0_H0_VM0'), 'VirtualMachine', ['name', 'config.hardware.device.key']),
    ]);
    expect(props(content)).toEqual({ name: 'DC0_H0_VM0' });
    expect(content?.missingSet).toEqual([
      {
        path: 'config.hardware.device.key',
        fault: {
          _type: 'LocalizedMethodFault',
          fault: { _type: 'InvalidProperty', name: 'config.hardware.device.key' },
          localizedMessage: expect.any(String),
        },
      },
    ]);
  });

  it('skips a root with skip=true and follows traversals only from objects of their type', () => {
    const { pc, ref } = setup();
    const folder = ref('/DC0/vm');
    const children = pc.retrieveProperties([
      {
        objectSet: [
          {
            obj: folder,
            skip: true,
            selectSet: [{ _type: 'TraversalSpec', type: 'Folder', path: 'childEntity' }],
          },
        ],
        propSet: [{ type: 'ManagedEntity', pathSet: ['name'] }],
      },
    ]);
    expect(children.map((c) => props(c).name)).toEqual([
      'DC0_H0_VM0',
      'DC0_H0_VM1',
      'DC0_C0_RP0_VM0',
      'DC0_C0_RP0_VM1',
    ]);
    const wrongType = pc.retrieveProperties([
      {
        objectSet: [
          { obj: folder, selectSet: [{ _type: 'TraversalSpec', type: 'Datacenter', path: 'vmFolder' }] },
        ],
        propSet: [{ type: 'ManagedEntity', pathSet: ['name'] }],
      },
    ]);
    expect(wrongType.map((c) => props(c).name)).toEqual(['vm']);
  });

  it('resolves named SelectionSpecs anywhere in the spec and ends cycles', () => {
    const { pc, ref } = setup();
    const contents = pc.retrieveProperties([
      {
        objectSet: [{ obj: ref('/'), skip: true, selectSet: inventoryTraversal }],
        propSet: [{ type: 'VirtualMachine', pathSet: ['name'] }],
      },
    ]);
    expect(contents.map((c) => props(c).name).sort()).toEqual([
      'DC0_C0_RP0_VM0',
      'DC0_C0_RP0_VM1',
      'DC0_H0_VM0',
      'DC0_H0_VM1',
    ]);
    // A cycle: VM -> host -> VM -> ... ends once each object was visited.
    const cycle: TraversalSpec[] = [
      {
        _type: 'TraversalSpec',
        name: 'toHost',
        type: 'VirtualMachine',
        path: 'runtime.host',
        selectSet: [{ name: 'toVm' }],
      },
      {
        _type: 'TraversalSpec',
        name: 'toVm',
        type: 'HostSystem',
        path: 'vm',
        selectSet: [{ name: 'toHost' }],
      },
    ];
    const around = pc.retrieveProperties([
      {
        objectSet: [{ obj: ref('/DC0/vm/DC0_H0_VM0'), selectSet: cycle }],
        propSet: [{ type: 'ManagedEntity', pathSet: ['name'] }],
      },
    ]);
    expect(around.map((c) => props(c).name)).toEqual(['DC0_H0_VM0', 'DC0_H0', 'DC0_H0_VM1']);
  });

  it('faults an unknown SelectionSpec name and a traversal path the type does not have', () => {
    const { pc, ref } = setup();
    const spec = (selectSet: PropertyFilterSpec['objectSet'][number]['selectSet']): PropertyFilterSpec => ({
      objectSet: [{ obj: ref('/'), ...(selectSet ? { selectSet } : {}) }],
      propSet: [{ type: 'Folder', pathSet: ['name'] }],
    });
    expect(faultOf(() => pc.retrieveProperties([spec([{ name: 'nowhere' }])]))).toEqual({
      _type: 'InvalidArgument',
      invalidProperty: 'selectSet',
    });
    expect(
      faultOf(() => pc.retrieveProperties([spec([{ _type: 'TraversalSpec', type: 'Folder', path: 'vm' }])])),
    ).toEqual({ _type: 'InvalidProperty', name: 'vm' });
  });

  it('faults a missing object unless the spec reports missing objects, which leaves it out', () => {
    const { pc, ref } = setup();
    const gone = moref('VirtualMachine', 'vm-999');
    const spec = (report?: boolean): PropertyFilterSpec => ({
      objectSet: [{ obj: gone }, { obj: ref('/DC0/vm/DC0_H0_VM0') }],
      propSet: [{ type: 'VirtualMachine', pathSet: ['name'] }],
      ...(report === undefined ? {} : { reportMissingObjectsInResults: report }),
    });
    expect(faultOf(() => pc.retrieveProperties([spec()]))).toEqual({
      _type: 'ManagedObjectNotFound',
      obj: gone,
    });
    // A reference whose type does not fit the object is missing too.
    expect(
      faultOf(() =>
        pc.retrieveProperties([
          oneObject(moref('HostSystem', ref('/DC0/vm/DC0_H0_VM0').value), 'ManagedEntity', ['name']),
        ]),
      ),
    ).toMatchObject({ _type: 'ManagedObjectNotFound' });
    expect(pc.retrieveProperties([spec(true)]).map((c) => props(c).name)).toEqual(['DC0_H0_VM0']);
  });

  it('merges what several specs ask of one object', () => {
    const { pc, ref } = setup();
    const vm = ref('/DC0/vm/DC0_H0_VM0');
    const contents = pc.retrieveProperties([
      oneObject(vm, 'VirtualMachine', ['name']),
      oneObject(vm, 'ManagedEntity', ['overallStatus']),
    ]);
    expect(contents).toHaveLength(1);
    expect(props(contents[0])).toEqual({ name: 'DC0_H0_VM0', overallStatus: 'green' });
  });

  it('passes the interception point with its method name', () => {
    const { vsphere, pc, ref } = setup();
    vsphere.interceptor.add({ method: 'RetrieveProperties', times: 1, fault: { _type: 'SystemError' } });
    const spec = oneObject(ref('/DC0/vm/DC0_H0_VM0'), 'VirtualMachine', ['name']);
    expect(faultOf(() => pc.retrieveProperties([spec]))).toEqual({ _type: 'SystemError' });
    expect(pc.retrieveProperties([spec])).toHaveLength(1);
  });
});

describe('RetrievePropertiesEx', () => {
  it('pages with maxObjects and a token', () => {
    const { vsphere, pc, ref } = setup();
    const view = vsphere.views.createContainerView(ref('/'), ['VirtualMachine'], true);
    const first = pc.retrievePropertiesEx([viewSpec(view, 'VirtualMachine', ['name'])], { maxObjects: 3 });
    expect(first?.objects).toHaveLength(3);
    const token = first?.token as string;
    expect(typeof token).toBe('string');
    const second = pc.continueRetrievePropertiesEx(token);
    expect(second.objects).toHaveLength(1);
    expect(second.token).toBeUndefined();
    expect([...(first?.objects ?? []), ...second.objects].map((c) => props(c).name)).toEqual([
      'DC0_H0_VM0',
      'DC0_H0_VM1',
      'DC0_C0_RP0_VM0',
      'DC0_C0_RP0_VM1',
    ]);
    expect(faultOf(() => pc.continueRetrievePropertiesEx(token))).toEqual({
      _type: 'InvalidProperty',
      name: 'token',
    });
  });

  it('cancels a token, and faults an unknown one', () => {
    const { vsphere, pc, ref } = setup();
    const view = vsphere.views.createContainerView(ref('/'), ['VirtualMachine'], true);
    const first = pc.retrievePropertiesEx([viewSpec(view, 'VirtualMachine', ['name'])], { maxObjects: 1 });
    const token = first?.token as string;
    pc.cancelRetrievePropertiesEx(token);
    expect(faultOf(() => pc.continueRetrievePropertiesEx(token))).toEqual({
      _type: 'InvalidProperty',
      name: 'token',
    });
    expect(faultOf(() => pc.cancelRetrievePropertiesEx('nope'))).toEqual({
      _type: 'InvalidProperty',
      name: 'token',
    });
  });

  it('answers nothing when nothing matched, and everything at once without maxObjects', () => {
    const { pc, ref } = setup();
    const vm = ref('/DC0/vm/DC0_H0_VM0');
    expect(pc.retrievePropertiesEx([oneObject(vm, 'Datastore', ['name'])])).toBeUndefined();
    expect(pc.retrievePropertiesEx([oneObject(vm, 'VirtualMachine', ['name'])])).toEqual({
      objects: [{ obj: vm, propSet: [{ name: 'name', val: 'DC0_H0_VM0' }] }],
    });
  });
});

describe('property collectors', () => {
  it('creates collectors with their own tokens, and destroys them', () => {
    const { vsphere, ref } = setup();
    const created = vsphere.collector.create();
    expect(created.type).toBe('PropertyCollector');
    expect(created.value).toMatch(/^session\[[0-9a-f-]{36}\][0-9a-f-]{36}$/);
    const pc = vsphere.collector.get(created);
    const view = vsphere.views.createContainerView(ref('/'), ['VirtualMachine'], true);
    const page = pc.retrievePropertiesEx([viewSpec(view, 'VirtualMachine', ['name'])], { maxObjects: 1 });
    // Tokens belong to the collector that issued them.
    expect(
      faultOf(() => vsphere.collector.get().continueRetrievePropertiesEx(page?.token as string)),
    ).toEqual({
      _type: 'InvalidProperty',
      name: 'token',
    });
    vsphere.collector.destroy(created);
    expect(vsphere.store.has(created.value)).toBe(false);
    expect(faultOf(() => vsphere.collector.get(created))).toMatchObject({ _type: 'ManagedObjectNotFound' });
    expect(faultOf(() => pc.retrieveProperties([]))).toMatchObject({ _type: 'ManagedObjectNotFound' });
    expect(faultOf(() => vsphere.collector.destroy(created))).toMatchObject({
      _type: 'ManagedObjectNotFound',
    });
  });

  it('keeps the default collector when it is destroyed, without its filters', () => {
    const { vsphere, pc, ref } = setup();
    pc.createFilter(oneObject(ref('/DC0/vm/DC0_H0_VM0'), 'VirtualMachine', ['name']), false);
    vsphere.collector.destroy('propertyCollector');
    expect(vsphere.store.has('propertyCollector')).toBe(true);
    expect(vsphere.read('propertyCollector', 'filter')).toEqual([]);
    expect(vsphere.store.countOf('PropertyFilter')).toBe(0);
  });

  it('adds a VM created in a transaction to what a retrieve sees', () => {
    const { vsphere, pc, ref } = setup();
    const view = vsphere.views.createContainerView(ref('/'), ['VirtualMachine'], true);
    const folder = vsphere.store.get(ref('/DC0/vm').value) as InventoryRecord;
    const template = vsphere.store.get(ref('/DC0/vm/DC0_H0_VM0').value) as VmRecord;
    vsphere.store.transact((tx) =>
      putVm(
        tx,
        newVmRecord(vsphere, tx, { name: 'fresh', folder: folder.id, datastore: template.homeDatastore }),
      ),
    );
    const names = pc
      .retrieveProperties([viewSpec(view, 'VirtualMachine', ['name'])])
      .map((c) => props(c).name);
    expect(names).toContain('fresh');
  });
});
