import { describe, expect, it } from 'vitest';
import { type InventoryRecord, relations, sameRelations, type VmRecord } from './records.js';

/** One record of each kind that has relations of its own, with the fields they come from. */
const SAMPLES = [
  {
    id: 'vm-1',
    kind: 'VirtualMachine',
    name: 'vm',
    parent: 'group-v1',
    host: 'host-1',
    pool: 'resgroup-1',
    parentVApp: 'vapp-1',
    datastores: ['datastore-1'],
    networks: ['network-1'],
    powerState: 'poweredOn',
    config: { instanceUuid: '5003a1b2-0000-0000-0000-000000000001' },
  },
  {
    id: 'host-1',
    kind: 'HostSystem',
    name: 'h',
    parent: 'domain-c1',
    datastores: ['datastore-1'],
    networks: ['network-1'],
  },
  { id: 'dvportgroup-1', kind: 'DistributedVirtualPortgroup', name: 'pg', parent: 'group-n1', dvs: 'dvs-1' },
  { id: 'dvs-1', kind: 'VmwareDistributedVirtualSwitch', name: 'dvs', parent: 'group-n1', hosts: ['host-1'] },
  { id: 'item-1', kind: 'LibraryItem', name: 'item', library: 'lib-1' },
  { id: 'filter-1', kind: 'PropertyFilter', name: 'f', collector: 'collector-1' },
  { id: 'tag-1', kind: 'Tag', name: 'tag', category: 'category-1' },
  { id: 'attachment-1', kind: 'TagAttachment', name: 'a', tag: 'tag-1', object: 'vm-1' },
  { id: 'datastore-1', kind: 'Datastore', name: 'ds', parent: 'group-s1', used: 1 },
  { id: 'task-1', kind: 'Task', name: 'PowerOnVM_Task', parent: 'vm-1' },
] as unknown as InventoryRecord[];

const changed = (value: unknown): unknown =>
  Array.isArray(value)
    ? [...value, 'other']
    : typeof value === 'number'
      ? value + 1
      : typeof value === 'object' && value !== null
        ? Object.fromEntries(Object.entries(value).map(([key, field]) => [key, changed(field)]))
        : `${String(value)}-other`;

describe('sameRelations', () => {
  it('holds for a copy, and fails whenever a field a relation comes from changes', () => {
    for (const record of SAMPLES) {
      expect(sameRelations(record, { ...record })).toBe(true);
      for (const [field, value] of Object.entries(record)) {
        if (field === 'id' || field === 'kind') continue;
        const other = { ...record, [field]: changed(value) } as InventoryRecord;
        const same = JSON.stringify(relations(other)) === JSON.stringify(relations(record));
        // Unchanged relations may still be judged changed (the store then compares them).
        if (!same) expect(sameRelations(record, other), `${record.kind}.${field}`).toBe(false);
      }
    }
  });

  it('tells a list that is a new copy from the same list', () => {
    const vm = SAMPLES[0] as VmRecord;
    const copy: VmRecord = { ...vm, datastores: [...vm.datastores] };
    expect(sameRelations(vm, copy)).toBe(false);
  });
});
