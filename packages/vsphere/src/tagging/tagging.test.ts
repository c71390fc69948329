import { describe, expect, it } from 'vitest';
import type { TagAttachmentRecord, VmRecord } from '../inventory/records.js';
import { parseState, serializeState } from '../save.js';
import { createFixture } from '../testing/fixture.js';
import { VSphere } from '../vsphere.js';
import type { CategoryCreateSpec } from './tagging.js';

const URN = (kind: string) =>
  new RegExp(
    `^urn:vmomi:InventoryService${kind}:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}:GLOBAL$`,
  );

const setup = () => {
  const fixture = createFixture();
  const { tagging } = fixture.vsphere;
  const category = tagging.category.create({
    name: 'env',
    description: 'Environments',
    cardinality: 'SINGLE',
    associable_types: ['VirtualMachine'],
  });
  const tag = tagging.tag.create({ name: 'prod', description: 'Production', category_id: category });
  return { ...fixture, tagging, category, tag };
};

const invalid = (invalidProperty: string) =>
  expect.objectContaining({ fault: { _type: 'InvalidArgument', invalidProperty } });
const notFound = expect.objectContaining({ fault: { _type: 'NotFound' } });
const alreadyExists = (name: string) => expect.objectContaining({ fault: { _type: 'AlreadyExists', name } });

describe('categories', () => {
  it('creates a category with a URN id and reads it back as the vAPI model', () => {
    const { tagging, category, vsphere } = setup();
    expect(category).toMatch(URN('Category'));
    expect(tagging.category.get(category)).toEqual({
      id: category,
      name: 'env',
      description: 'Environments',
      cardinality: 'SINGLE',
      associable_types: ['VirtualMachine'],
      used_by: [],
    });
    expect(vsphere.store.get(category)?.kind).toBe('TagCategory');
  });

  it('lists categories oldest first; description and types default to empty', () => {
    const { tagging, category } = setup();
    const other = tagging.category.create({ name: 'team', cardinality: 'MULTIPLE' });
    expect(tagging.category.list()).toEqual([category, other]);
    expect(tagging.category.get(other)).toMatchObject({ description: '', associable_types: [] });
  });

  it('accepts an id of the caller choosing and refuses one of another shape or taken', () => {
    const { tagging, category } = setup();
    const id = 'urn:vmomi:InventoryServiceCategory:0d6b5c1e-1111-4222-8333-444455556666:GLOBAL';
    expect(tagging.category.create({ name: 'mine', cardinality: 'SINGLE', category_id: id })).toBe(id);
    expect(() => tagging.category.create({ name: 'x', cardinality: 'SINGLE', category_id: 'cat-1' })).toThrow(
      invalid('create_spec.category_id'),
    );
    expect(() =>
      tagging.category.create({ name: 'y', cardinality: 'SINGLE', category_id: category }),
    ).toThrow(alreadyExists(category));
  });

  it('refuses a taken name with AlreadyExists and changes nothing', () => {
    const { tagging, vsphere } = setup();
    const version = vsphere.store.version;
    expect(() => tagging.category.create({ name: 'env', cardinality: 'MULTIPLE' })).toThrow(
      alreadyExists('env'),
    );
    expect(vsphere.store.version).toBe(version);
  });

  it('refuses a blank name, a bad cardinality, bad types and a description that is no text', () => {
    const { tagging } = setup();
    const create = (spec: Partial<CategoryCreateSpec>) => () =>
      tagging.category.create({ name: 'c', cardinality: 'SINGLE', ...spec } as CategoryCreateSpec);
    expect(create({ name: ' ' })).toThrow(invalid('create_spec.name'));
    expect(create({ cardinality: 'MANY' as 'SINGLE' })).toThrow(invalid('create_spec.cardinality'));
    expect(create({ associable_types: 'VirtualMachine' as unknown as string[] })).toThrow(
      invalid('create_spec.associable_types'),
    );
    expect(create({ associable_types: [''] })).toThrow(invalid('create_spec.associable_types'));
    expect(create({ description: 7 as unknown as string })).toThrow(invalid('create_spec.description'));
    expect(tagging.category.list()).toHaveLength(1);
  });

  it('updates name, description, cardinality SINGLE -> MULTIPLE and adds associable types', () => {
    const { tagging, category } = setup();
    tagging.category.update(category, {
      name: 'environment',
      description: 'Where it runs',
      cardinality: 'MULTIPLE',
      associable_types: ['VirtualMachine', 'HostSystem', 'HostSystem'],
    });
    expect(tagging.category.get(category)).toMatchObject({
      name: 'environment',
      description: 'Where it runs',
      cardinality: 'MULTIPLE',
      associable_types: ['VirtualMachine', 'HostSystem'],
    });
  });

  it('writes nothing for an update that changes nothing', () => {
    const { tagging, category, vsphere } = setup();
    const version = vsphere.store.version;
    tagging.category.update(category, {
      name: 'env',
      cardinality: 'SINGLE',
      associable_types: ['VirtualMachine'],
    });
    expect(vsphere.store.version).toBe(version);
  });

  it('refuses an update that makes the category stricter, a blank or taken name', () => {
    const { tagging, category } = setup();
    const other = tagging.category.create({
      name: 'team',
      cardinality: 'MULTIPLE',
      associable_types: ['Datastore'],
    });
    expect(() => tagging.category.update(other, { cardinality: 'SINGLE' })).toThrow(
      invalid('update_spec.cardinality'),
    );
    expect(() => tagging.category.update(category, { cardinality: 'ONE' as 'SINGLE' })).toThrow(
      invalid('update_spec.cardinality'),
    );
    expect(() => tagging.category.update(other, { associable_types: ['VirtualMachine'] })).toThrow(
      invalid('update_spec.associable_types'),
    );
    expect(() => tagging.category.update(category, { name: '' })).toThrow(invalid('update_spec.name'));
    expect(() => tagging.category.update(category, { name: 'team' })).toThrow(alreadyExists('team'));
    expect(tagging.category.get(other)).toMatchObject({
      cardinality: 'MULTIPLE',
      associable_types: ['Datastore'],
    });
  });

  it('answers NotFound for an unknown category', () => {
    const { tagging, tag } = setup();
    const unknown = 'urn:vmomi:InventoryServiceCategory:none:GLOBAL';
    expect(() => tagging.category.get(unknown)).toThrow(notFound);
    expect(() => tagging.category.get(tag)).toThrow(notFound);
    expect(() => tagging.category.update(unknown, { name: 'x' })).toThrow(notFound);
    expect(() => tagging.category.delete(unknown)).toThrow(notFound);
  });

  it('deletes a category with its tags and their attachments', () => {
    const { tagging, category, tag, at, vsphere } = setup();
    const vm = at<VmRecord>('/DC0/vm/DC0_H0_VM0');
    const other = tagging.category.create({ name: 'team', cardinality: 'MULTIPLE' });
    const kept = tagging.tag.create({ name: 'web', category_id: other });
    tagging.association.attach(tag, vm.id);
    tagging.association.attach(kept, vm.id);
    tagging.category.delete(category);
    expect(tagging.category.list()).toEqual([other]);
    expect(tagging.tag.list()).toEqual([kept]);
    expect(tagging.association.listAttachedTags(vm.id)).toEqual([kept]);
    expect(vsphere.store.countOf('TagAttachment')).toBe(1);
  });
});

describe('tags', () => {
  it('creates a tag in a category with a URN id', () => {
    const { tagging, category, tag } = setup();
    expect(tag).toMatch(URN('Tag'));
    expect(tagging.tag.get(tag)).toEqual({
      id: tag,
      category_id: category,
      name: 'prod',
      description: 'Production',
      used_by: [],
    });
  });

  it('keeps names unique within a category only', () => {
    const { tagging, category, tag } = setup();
    const other = tagging.category.create({ name: 'team', cardinality: 'MULTIPLE' });
    const same = tagging.tag.create({ name: 'prod', category_id: other });
    expect(() => tagging.tag.create({ name: 'prod', category_id: category })).toThrow(alreadyExists('prod'));
    expect(tagging.tag.list()).toEqual([tag, same]);
    expect(tagging.tag.listTagsForCategory(category)).toEqual([tag]);
    expect(tagging.tag.listTagsForCategory(other)).toEqual([same]);
  });

  it('refuses a blank name, an unknown category and a bad chosen id', () => {
    const { tagging, category, tag } = setup();
    expect(() => tagging.tag.create({ name: '', category_id: category })).toThrow(
      invalid('create_spec.name'),
    );
    expect(() => tagging.tag.create({ name: 'x', category_id: 'urn:none' })).toThrow(notFound);
    expect(() => tagging.tag.create({ name: 'x', category_id: category, tag_id: 'tag-1' })).toThrow(
      invalid('create_spec.tag_id'),
    );
    expect(() => tagging.tag.create({ name: 'x', category_id: category, tag_id: tag })).toThrow(
      alreadyExists(tag),
    );
    expect(() => tagging.tag.listTagsForCategory('urn:none')).toThrow(notFound);
  });

  it('updates a tag; a blank or taken name changes nothing', () => {
    const { tagging, category, tag } = setup();
    tagging.tag.create({ name: 'dev', category_id: category });
    tagging.tag.update(tag, { name: 'production', description: 'Live' });
    expect(tagging.tag.get(tag)).toMatchObject({ name: 'production', description: 'Live' });
    expect(() => tagging.tag.update(tag, { name: ' ' })).toThrow(invalid('update_spec.name'));
    expect(() => tagging.tag.update(tag, { name: 'dev' })).toThrow(alreadyExists('dev'));
    expect(() => tagging.tag.update('urn:none', { name: 'x' })).toThrow(notFound);
    expect(tagging.tag.get(tag).name).toBe('production');
  });

  it('deletes a tag with its attachments', () => {
    const { tagging, tag, at, vsphere } = setup();
    const vm = at<VmRecord>('/DC0/vm/DC0_H0_VM0');
    tagging.association.attach(tag, vm.id);
    tagging.tag.delete(tag);
    expect(tagging.tag.list()).toEqual([]);
    expect(tagging.association.listAttachedTags(vm.id)).toEqual([]);
    expect(vsphere.store.referrers('tagAttachment', vm.id).size).toBe(0);
    expect(() => tagging.tag.delete(tag)).toThrow(notFound);
    expect(() => tagging.tag.get(tag)).toThrow(notFound);
  });

  it('passes the interception point under the vAPI operation names', () => {
    const { tagging, vsphere, category } = setup();
    vsphere.interceptor.add({ method: 'cis.tagging.tag.create', fault: { _type: 'NotFound' }, times: 1 });
    expect(() => tagging.tag.create({ name: 'dev', category_id: category })).toThrow(notFound);
    expect(tagging.tag.listTagsForCategory(category)).toHaveLength(1);
    vsphere.interceptor.add({
      method: /^cis\.tagging\.category\./,
      target: category,
      fault: { _type: 'NotFound' },
    });
    expect(() => tagging.category.get(category)).toThrow(notFound);
  });
});

describe('objects that go away', () => {
  it('lose their attachments whichever operation removes them', async () => {
    const { tagging, at, vsphere, run } = setup();
    const all = tagging.category.create({ name: 'any', cardinality: 'MULTIPLE' });
    const mark = tagging.tag.create({ name: 'mark', category_id: all });
    const vm = at<VmRecord>('/DC0/vm/DC0_H0_VM1');
    const pool = vsphere.pool.create(at('/DC0/host/DC0_C0/Resources').id, 'gone');
    const folder = vsphere.folder.create(at('/DC0/vm').id, 'box');
    const inner = vsphere.folder.create(folder, 'inner');
    const host = at('/DC0/host/DC0_H0/DC0_H0');
    for (const ref of [vm.id, pool, folder, inner, host.id]) tagging.association.attach(mark, ref);
    await run(vsphere.vm.powerOff(vm.id));
    await run(vsphere.vm.destroy(vm.id));
    expect(tagging.association.listAttachedObjects(mark).map((o) => o.id)).toEqual([
      pool.value,
      folder.value,
      inner.value,
      host.id,
    ]);
    await run(vsphere.pool.destroy(pool));
    await run(vsphere.folder.destroy(folder));
    expect(tagging.association.listAttachedObjects(mark)).toEqual([{ type: 'HostSystem', id: host.id }]);
    const attachments = [...vsphere.store.ofKind<TagAttachmentRecord>('TagAttachment')];
    expect(attachments.map((a) => a.object)).toEqual([host.id]);
  });

  it('keep their attachments when they only move or are renamed', async () => {
    const { tagging, tag, at, vsphere, run } = setup();
    const vm = at<VmRecord>('/DC0/vm/DC0_H0_VM0');
    tagging.association.attach(tag, vm.id);
    await run(vsphere.entity.rename(vm.id, 'renamed'));
    const folder = vsphere.folder.create(at('/DC0/vm').id, 'apps');
    await run(vsphere.folder.moveInto(folder, [vm.id]));
    expect(tagging.association.listAttachedTags(vm.id)).toEqual([tag]);
  });
});

describe('save and load', () => {
  it('keeps categories, tags and attachments, and the loaded model continues identically', () => {
    const { tagging, tag, at, vsphere } = setup();
    const vm = at<VmRecord>('/DC0/vm/DC0_H0_VM0');
    tagging.association.attach(tag, vm.id);
    const saved = serializeState(vsphere);
    const loaded = new VSphere({ state: parseState(saved) });
    expect(serializeState(loaded)).toBe(saved);
    expect(loaded.tagging.category.list()).toEqual(tagging.category.list());
    expect(loaded.tagging.tag.get(tag)).toEqual(tagging.tag.get(tag));
    expect(loaded.tagging.association.listAttachedTags(vm.id)).toEqual([tag]);
    expect(loaded.tagging.association.listAttachedObjects(tag)).toEqual([
      { type: 'VirtualMachine', id: vm.id },
    ]);
    const next = { name: 'dev', category_id: tagging.tag.get(tag).category_id };
    expect(loaded.tagging.tag.create(next)).toBe(tagging.tag.create(next));
    // The loaded model still drops attachments with their objects.
    loaded.tagging.tag.delete(tag);
    expect(loaded.store.countOf('TagAttachment')).toBe(0);
  });
});
