import { describe, expect, it } from 'vitest';
import { findByInventoryPath } from './inventory/paths.js';
import type { HostRecord, VmRecord } from './inventory/records.js';
import { serializeState } from './save.js';
import { VSphere } from './vsphere.js';

/** The same calls, in the same order, on a model built with `seed`. */
const scenario = async (seed: number) => {
  const vsphere = new VSphere({ seed, inventory: { host: 2, vm: 3, pool: 1, app: 1 } });
  const vm = (path: string) => (findByInventoryPath(vsphere.store, path) as VmRecord).id;
  const steps = [
    () => vsphere.vm.powerOff(vm('/DC0/vm/DC0_C0_RP1_VM0')),
    () => vsphere.vm.powerOff(vm('/DC0/vm/DC0_H0_VM2')),
    () => vsphere.vm.powerOn(vm('/DC0/vm/DC0_C0_RP1_VM0')),
    () => vsphere.vm.powerOn(vm('/DC0/vm/DC0_C0_APP0_VM1')),
  ];
  for (const step of steps) {
    const task = step();
    vsphere.scheduler.runDue();
    await task.wait().catch(() => {});
  }
  vsphere.sessions.login('user', 'pass');
  return vsphere;
};

const uuids = (vsphere: VSphere) => [
  ...[...vsphere.store.ofKind<HostRecord>('HostSystem')].map((h) => h.uuid),
  ...[...vsphere.store.ofKind<VmRecord>('VirtualMachine')].map((v) => v.config.uuid),
];

describe('determinism', () => {
  it('gives identical saved states for the same seed and the same calls', async () => {
    const [a, b] = await Promise.all([scenario(7), scenario(7)]);
    expect(serializeState(a)).toBe(serializeState(b));
  });

  it('gives other UUIDs, but the same morefs, for another seed', async () => {
    const [a, b] = await Promise.all([scenario(7), scenario(8)]);
    const ids = (v: VSphere) => [...v.store.values()].map((r) => r.id);
    expect(ids(a)).toEqual(ids(b));
    const [ua, ub] = [uuids(a), uuids(b)];
    expect(ua.length).toBeGreaterThan(0);
    for (const [i, u] of ua.entries()) expect(u).not.toBe(ub[i]);
    expect(a.sessions.list()[0]?.key).not.toBe(b.sessions.list()[0]?.key);
  });
});
