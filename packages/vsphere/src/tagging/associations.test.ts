import { describe, expect, it } from 'vitest';
import type { InventoryRecord, VmRecord } from '../inventory/records.js';
import { createFixture } from '../testing/fixture.js';
import type { VSphere } from '../vsphere.js';

const setup = () => {
  const fixture = createFixture();
  const { tagging } = fixture.vsphere;
  const env = tagging.category.create({
    name: 'env',
    cardinality: 'SINGLE',
    associable_types: ['VirtualMachine'],
  });
  const team = tagging.category.create({ name: 'team', cardinality: 'MULTIPLE' });
  const nets = tagging.category.create({
    name: 'nets',
    cardinality: 'MULTIPLE',
    associable_types: ['Network'],
  });
  return {
    ...fixture,
    tagging,
    env,
    team,
    prod: tagging.tag.create({ name: 'prod', category_id: env }),
    dev: tagging.tag.create({ name: 'dev', category_id: env }),
    web: tagging.tag.create({ name: 'web', category_id: team }),
    db: tagging.tag.create({ name: 'db', category_id: team }),
    dmz: tagging.tag.create({ name: 'dmz', category_id: nets }),
    vm: fixture.at<VmRecord>('/DC0/vm/DC0_H0_VM0'),
    vm1: fixture.at<VmRecord>('/DC0/vm/DC0_H0_VM1'),
    host: fixture.at('/DC0/host/DC0_H0/DC0_H0'),
  };
};

const tagEvents = (vsphere: VSphere) =>
  vsphere.events.list().filter((e) => String(e.eventTypeId).startsWith('com.vmware.cis.tagging.'));

const invalid = (invalidProperty: string, message?: RegExp) =>
  expect.objectContaining({
    fault: { _type: 'InvalidArgument', invalidProperty },
    ...(message ? { message: expect.stringMatching(message) } : {}),
  });
const notFound = expect.objectContaining({ fault: { _type: 'NotFound' } });
const ref = (r: InventoryRecord) => ({ type: r.kind, id: r.id });

describe('attach and detach', () => {
  it('attaches a tag to an object named by DynamicID, MoRef or id, and lists both ways', () => {
    const { tagging, prod, web, db, vm, vm1, vsphere } = setup();
    tagging.association.attach(prod, { type: 'VirtualMachine', id: vm.id });
    tagging.association.attach(web, { type: 'VirtualMachine', value: vm.id });
    tagging.association.attach(web, vm1.id);
    tagging.association.attach(db, { type: 'ManagedEntity', id: vm.id });
    expect(tagging.association.listAttachedTags(vm.id)).toEqual([prod, web, db]);
    expect(tagging.association.listAttachedTags({ type: 'VirtualMachine', value: vm1.id })).toEqual([web]);
    expect(tagging.association.listAttachedObjects(web)).toEqual([ref(vm), ref(vm1)]);
    expect(vsphere.store.referrers('tagAttachment', vm.id).size).toBe(3);
    expect(vsphere.store.referrers('objectAttachment', web).size).toBe(2);
  });

  it('posts vCenter\u2019s EventEx for each attach and detach', () => {
    const { tagging, prod, vm, vsphere } = setup();
    tagging.association.attach(prod, vm.id);
    tagging.association.detach(prod, vm.id);
    const user = vsphere.userName;
    expect(tagEvents(vsphere)).toMatchObject([
      {
        _type: 'EventEx',
        eventTypeId: 'com.vmware.cis.tagging.attach',
        severity: 'info',
        arguments: [
          { _type: 'KeyAnyValue', key: 'Tag', value: 'prod' },
          { _type: 'KeyAnyValue', key: 'Object', value: vm.name },
          { _type: 'KeyAnyValue', key: 'User', value: user },
        ],
        fullFormattedMessage: `User ${user} attached tag prod to object ${vm.name}`,
      },
      {
        eventTypeId: 'com.vmware.cis.tagging.detach',
        fullFormattedMessage: `User ${user} detached tag prod from object ${vm.name}`,
      },
    ]);
  });

  it('treats attaching twice and detaching what is not attached as no-ops', () => {
    const { tagging, prod, vm, vsphere } = setup();
    tagging.association.attach(prod, vm.id);
    const version = vsphere.store.version;
    tagging.association.attach(prod, vm.id);
    expect(vsphere.store.version).toBe(version);
    tagging.association.detach(prod, vm.id);
    tagging.association.detach(prod, vm.id);
    expect(tagging.association.listAttachedTags(vm.id)).toEqual([]);
    expect(tagEvents(vsphere).map((e) => e.eventTypeId)).toEqual([
      'com.vmware.cis.tagging.attach',
      'com.vmware.cis.tagging.detach',
    ]);
  });

  it('refuses a second tag of a SINGLE category on one object, naming the cardinality', () => {
    const { tagging, prod, dev, vm, vsphere } = setup();
    tagging.association.attach(prod, vm.id);
    const version = vsphere.store.version;
    expect(() => tagging.association.attach(dev, vm.id)).toThrow(invalid('tag_id', /cardinality/));
    expect(vsphere.store.version).toBe(version);
    expect(tagging.association.listAttachedTags(vm.id)).toEqual([prod]);
    tagging.association.detach(prod, vm.id);
    tagging.association.attach(dev, vm.id);
    expect(tagging.association.listAttachedTags(vm.id)).toEqual([dev]);
  });

  it('allows several tags of a MULTIPLE category, and more after SINGLE became MULTIPLE', () => {
    const { tagging, env, prod, dev, web, db, vm } = setup();
    tagging.association.attach(web, vm.id);
    tagging.association.attach(db, vm.id);
    tagging.association.attach(prod, vm.id);
    tagging.category.update(env, { cardinality: 'MULTIPLE' });
    tagging.association.attach(dev, vm.id);
    expect(tagging.association.listAttachedTags(vm.id)).toEqual([web, db, prod, dev]);
  });

  it('refuses an object whose type the category does not admit; a subtype counts', () => {
    const { tagging, prod, dmz, host, at } = setup();
    expect(() => tagging.association.attach(prod, host.id)).toThrow(invalid('object_id', /associable/));
    const portgroup = at('/DC0/network/DC0_DVPG0');
    tagging.association.attach(dmz, ref(portgroup));
    tagging.association.attach(dmz, at('/DC0/network/VM Network').id);
    expect(tagging.association.listAttachedObjects(dmz).map((o) => o.type)).toEqual([
      'DistributedVirtualPortgroup',
      'Network',
    ]);
  });

  it('answers NotFound for an unknown tag, a missing object or one of another type', () => {
    const { tagging, prod, web, vm, host } = setup();
    expect(() => tagging.association.attach('urn:none', vm.id)).toThrow(notFound);
    expect(() => tagging.association.attach(web, 'vm-9999')).toThrow(notFound);
    expect(() => tagging.association.attach(web, { type: 'HostSystem', id: vm.id })).toThrow(notFound);
    expect(() => tagging.association.attach(web, { type: 'VirtualMachine' } as never)).toThrow(notFound);
    expect(() => tagging.association.attach(web, 'TaskManager')).toThrow(notFound);
    expect(() => tagging.association.detach(prod, 'vm-9999')).toThrow(notFound);
    expect(() => tagging.association.detach('urn:none', host.id)).toThrow(notFound);
    expect(() => tagging.association.listAttachedObjects('urn:none')).toThrow(notFound);
    expect(() => tagging.association.listAttachedTags('vm-9999')).toThrow(notFound);
  });

  it('passes the interception point under the vAPI operation names', () => {
    const { tagging, prod, vm, vsphere } = setup();
    vsphere.interceptor.add({
      method: 'cis.tagging.tag_association.attach',
      target: prod,
      fault: { _type: 'NotFound' },
    });
    expect(() => tagging.association.attach(prod, vm.id)).toThrow(notFound);
    expect(tagging.association.listAttachedTags(vm.id)).toEqual([]);
  });
});

describe('batches', () => {
  it('attaches several tags to one object and reports the ones that fail', () => {
    const { tagging, prod, dev, web, dmz, vm, vsphere } = setup();
    const result = tagging.association.attachMultipleTagsToObject(ref(vm), [
      prod,
      web,
      dev,
      'urn:none',
      dmz,
      web,
    ]);
    expect(result.success).toBe(false);
    expect(result.error_messages).toEqual([
      expect.objectContaining({ id: 'cis.tagging.invalidArgument.error', args: [dev, vm.id] }),
      expect.objectContaining({ id: 'cis.tagging.objectNotFound.error', args: ['urn:none', vm.id] }),
      expect.objectContaining({ id: 'cis.tagging.invalidArgument.error', args: [dmz, vm.id] }),
    ]);
    expect(result.error_messages[0]?.default_message).toMatch(/cardinality/);
    expect(tagging.association.listAttachedTags(vm.id)).toEqual([prod, web]);
    expect(tagEvents(vsphere)).toHaveLength(2);
  });

  it('detaches several tags from one object; absent ones are no-ops', () => {
    const { tagging, prod, web, db, vm } = setup();
    tagging.association.attachMultipleTagsToObject(vm.id, [prod, web]);
    expect(tagging.association.detachMultipleTagsFromObject(vm.id, [prod, db])).toEqual({
      success: true,
      error_messages: [],
    });
    expect(tagging.association.listAttachedTags(vm.id)).toEqual([web]);
    const result = tagging.association.detachMultipleTagsFromObject(vm.id, ['urn:none']);
    expect(result).toMatchObject({ success: false, error_messages: [{ args: ['urn:none', vm.id] }] });
  });

  it('refuses a whole object batch for a missing object or a tag list that is no list', () => {
    const { tagging, prod, vm, vsphere } = setup();
    const version = vsphere.store.version;
    expect(() => tagging.association.attachMultipleTagsToObject('vm-9999', [prod])).toThrow(notFound);
    expect(() => tagging.association.detachMultipleTagsFromObject('vm-9999', [prod])).toThrow(notFound);
    expect(() => tagging.association.attachMultipleTagsToObject(vm.id, prod as never)).toThrow(
      invalid('tag_ids'),
    );
    expect(vsphere.store.version).toBe(version);
  });

  it('attaches one tag to several objects and reports the ones that fail', () => {
    const { tagging, prod, vm, vm1, host } = setup();
    const result = tagging.association.attachTagToMultipleObjects(prod, [
      vm.id,
      ref(host),
      'vm-9999',
      vm1.id,
    ]);
    expect(result.success).toBe(false);
    expect(result.error_messages.map((e) => [e.id, e.args])).toEqual([
      ['cis.tagging.invalidArgument.error', [prod, host.id]],
      ['cis.tagging.objectNotFound.error', [prod, 'vm-9999']],
    ]);
    expect(tagging.association.listAttachedObjects(prod)).toEqual([ref(vm), ref(vm1)]);
    expect(tagging.association.detachTagFromMultipleObjects(prod, [vm.id, vm1.id])).toEqual({
      success: true,
      error_messages: [],
    });
    expect(tagging.association.listAttachedObjects(prod)).toEqual([]);
  });

  it('refuses a whole tag batch for an unknown tag or an object list that is no list', () => {
    const { tagging, web, vm } = setup();
    expect(() => tagging.association.attachTagToMultipleObjects('urn:none', [vm.id])).toThrow(notFound);
    expect(() => tagging.association.detachTagFromMultipleObjects('urn:none', [vm.id])).toThrow(notFound);
    expect(() => tagging.association.attachTagToMultipleObjects(web, vm.id as never)).toThrow(
      invalid('object_ids'),
    );
  });
});

describe('listing', () => {
  it('lists the objects of several tags, leaving unknown tags out', () => {
    const { tagging, prod, web, db, vm, vm1 } = setup();
    tagging.association.attach(prod, vm.id);
    tagging.association.attachTagToMultipleObjects(web, [vm.id, vm1.id]);
    expect(tagging.association.listAttachedObjectsOnTags([prod, 'urn:none', web, db])).toEqual([
      { tag_id: prod, object_ids: [ref(vm)] },
      { tag_id: web, object_ids: [ref(vm), ref(vm1)] },
      { tag_id: db, object_ids: [] },
    ]);
  });

  it('lists the tags of several objects, leaving missing objects out', () => {
    const { tagging, prod, web, vm, vm1, host } = setup();
    tagging.association.attachMultipleTagsToObject(vm.id, [prod, web]);
    expect(
      tagging.association.listAttachedTagsOnObjects([
        { type: 'VirtualMachine', id: vm.id },
        'vm-9999',
        vm1.id,
        host.id,
      ]),
    ).toEqual([
      { object_id: ref(vm), tag_ids: [prod, web] },
      { object_id: ref(vm1), tag_ids: [] },
      { object_id: ref(host), tag_ids: [] },
    ]);
  });

  it('lists the tags an object could take now', () => {
    const { tagging, prod, dev, web, db, dmz, vm, host } = setup();
    expect(tagging.association.listAttachableTags(vm.id)).toEqual([prod, dev, web, db]);
    tagging.association.attachMultipleTagsToObject(vm.id, [prod, web]);
    expect(tagging.association.listAttachableTags(vm.id)).toEqual([db]);
    expect(tagging.association.listAttachableTags(host.id)).toEqual([web, db]);
    expect(tagging.association.listAttachableTags(ref(host))).not.toContain(dmz);
    expect(() => tagging.association.listAttachableTags('vm-9999')).toThrow(notFound);
  });
});
