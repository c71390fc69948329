import { describe, expect, it } from 'vitest';
import { parseState, serializeState } from '../save.js';
import { VSphere } from '../vsphere.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('storage policies', () => {
  it('makes policies with UUID ids, lists them oldest first and finds them by name', () => {
    const vsphere = new VSphere({ seed: 1 });
    const policies = vsphere.storagePolicies;
    expect(policies.list()).toEqual([]);
    const gold = policies.create('gold', 'replicated');
    const silver = policies.create('silver');
    expect(gold).toMatch(UUID);
    expect(policies.list()).toEqual([
      { policy: gold, name: 'gold', description: 'replicated' },
      { policy: silver, name: 'silver', description: '' },
    ]);
    expect([policies.find('silver'), policies.find('bronze')]).toEqual([silver, undefined]);
    // The same seed and calls give the same ids.
    expect(new VSphere({ seed: 1 }).storagePolicies.create('gold')).toBe(gold);
  });

  it('refuses a name taken or empty and a description that is not text, changing nothing', () => {
    const vsphere = new VSphere({ seed: 1 });
    const policies = vsphere.storagePolicies;
    policies.create('gold');
    const invalid = (invalidProperty: string) =>
      expect.objectContaining({ fault: { _type: 'InvalidArgument', invalidProperty } });
    expect(() => policies.create('gold')).toThrow(
      expect.objectContaining({ fault: { _type: 'AlreadyExists', name: 'gold' } }),
    );
    expect(() => policies.create(' ')).toThrow(invalid('name'));
    expect(() => policies.create(7 as unknown as string)).toThrow(invalid('name'));
    expect(() => policies.create('silver', {} as unknown as string)).toThrow(invalid('description'));
    expect(policies.list().map((p) => p.name)).toEqual(['gold']);
  });

  it("keeps a policy's object space reservation, and refuses one that is no percentage", () => {
    const vsphere = new VSphere({ seed: 1 });
    const policies = vsphere.storagePolicies;
    const thick = policies.create('thick', '', { proportionalCapacity: 100 });
    const plain = policies.create('plain');
    expect(policies.rulesOf(thick)).toEqual({ proportionalCapacity: 100 });
    // A policy without rules has none; an id no policy has (another object's too) is no policy.
    expect([policies.rulesOf(plain), policies.rulesOf('no-such-policy'), policies.rulesOf('vm-20')]).toEqual([
      {},
      undefined,
      undefined,
    ]);
    for (const proportionalCapacity of [-1, 101, 2.5, '100' as unknown as number])
      expect(() => policies.create('odd', '', { proportionalCapacity })).toThrow(
        expect.objectContaining({
          fault: { _type: 'InvalidArgument', invalidProperty: 'rules.proportionalCapacity' },
        }),
      );
    expect(policies.find('odd')).toBeUndefined();
  });

  it('passes the interception point, and saves and loads with the model', () => {
    const vsphere = new VSphere({ seed: 1 });
    vsphere.interceptor.add({
      method: 'vcenter.storage.policies.create',
      times: 1,
      fault: { _type: 'SystemError' },
    });
    expect(() => vsphere.storagePolicies.create('gold')).toThrow(
      expect.objectContaining({ name: 'SystemError' }),
    );
    const gold = vsphere.storagePolicies.create('gold', '', { proportionalCapacity: 0 });
    const saved = serializeState(vsphere);
    const loaded = new VSphere({ state: parseState(saved) });
    expect(loaded.storagePolicies.list()).toEqual([{ policy: gold, name: 'gold', description: '' }]);
    expect(loaded.storagePolicies.rulesOf(gold)).toEqual({ proportionalCapacity: 0 });
    expect(serializeState(loaded)).toBe(saved);
  });
});
