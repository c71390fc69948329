import { describe, expect, it } from 'vitest';
import { RealClock, VirtualClock } from './core/clock.js';
import { findByInventoryPath } from './inventory/paths.js';
import type { HostRecord, VmRecord } from './inventory/records.js';
import type { InventoryTree } from './inventory/tree.js';
import type { Task } from './model.js';
import { loadState, parseState, type SavedState, saveState, serializeState } from './save.js';
import { VSphere } from './vsphere.js';

const run = async (vsphere: VSphere, task: Task<unknown>) => {
  vsphere.scheduler.runDue();
  await task.wait();
};

const vmAt = (vsphere: VSphere, path: string) => findByInventoryPath(vsphere.store, path) as VmRecord;

/** Saves `from`, loads the text into a fresh model and returns both texts and the loaded model. */
const roundTrip = (from: VSphere) => {
  const first = serializeState(from);
  const loaded = new VSphere({ seed: 12345, inventory: { dc: 0 } });
  loadState(loaded, parseState(first));
  return { first, second: serializeState(loaded), loaded };
};

const CUSTOM: InventoryTree = {
  datacenters: [
    {
      name: 'Lab',
      folder: 'Sites',
      subfolder: 'Team',
      datastores: [{ name: 'fast' }, { name: 'slow', capacity: 2 * 1024 ** 4 }],
      storagePods: ['pod'],
      networks: ['VM Network', 'Backup'],
      dvs: { name: 'dvs', portgroups: ['pg-a', 'pg-b'] },
      standaloneHosts: [{ name: 'esx-solo', vms: [{ name: 'solo-vm', powerState: 'poweredOff' }] }],
      clusters: [
        {
          name: 'cl',
          hosts: [{ name: 'esx-1' }, { name: 'esx-2' }],
          vms: [{ name: 'root-vm', powerState: 'poweredOn', numCPU: 2, memoryMB: 2048 }],
          pools: [
            {
              name: 'gold',
              vms: [{ name: 'gold-vm', powerState: 'poweredOn' }],
              pools: [{ name: 'gold-child', vms: [{ name: 'tpl', template: true }] }],
            },
          ],
          vApps: [
            { name: 'app', vms: [{ name: 'app-vm', powerState: 'poweredOn', guestId: 'ubuntu64Guest' }] },
          ],
        },
      ],
    },
    { name: 'Empty' },
  ],
};

describe('saved records', () => {
  it('are plain data that survive JSON unchanged', async () => {
    const vsphere = new VSphere({ seed: 3, inventory: CUSTOM });
    await run(vsphere, vsphere.vm.powerOff(vmAt(vsphere, '/Sites/Lab/vm/Team/root-vm').id));
    vsphere.sessions.login('user', 'pass');
    const state = saveState(vsphere);
    expect(state.store.records.length).toBe(vsphere.store.size);
    for (const record of state.store.records)
      expect(JSON.parse(JSON.stringify(record))).toStrictEqual(record);
    expect(JSON.parse(JSON.stringify(state))).toStrictEqual(state);
  });
});

describe('save, load, save', () => {
  it('gives identical files for the default inventory', () => {
    const { first, second, loaded } = roundTrip(new VSphere({ seed: 1 }));
    expect(second).toBe(first);
    expect(vmAt(loaded, '/DC0/vm/DC0_H0_VM0').powerState).toBe('poweredOn');
  });

  it('gives identical files after power operations, logins and events', async () => {
    const vsphere = new VSphere({ seed: 1 });
    const vm = vmAt(vsphere, '/DC0/vm/DC0_C0_RP0_VM0');
    await run(vsphere, vsphere.vm.powerOff(vm.id));
    await run(vsphere, vsphere.vm.powerOn(vm.id));
    const failed = vsphere.vm.powerOn(vm.id);
    await expect(run(vsphere, failed)).rejects.toMatchObject({ fault: { _type: 'InvalidPowerState' } });
    vsphere.sessions.login('user', 'pass', { userAgent: 'govc' });
    vsphere.ipam.pin('00:50:56:00:00:01', '192.168.1.10');
    const { first, second, loaded } = roundTrip(vsphere);
    expect(second).toBe(first);
    expect(loaded.events.list()).toEqual(vsphere.events.list());
    expect(loaded.sessions.list()).toEqual(vsphere.sessions.list());
    expect(loaded.recentTasks).toEqual(vsphere.recentTasks);
    expect(loaded.store.version).toBe(vsphere.store.version);
    expect(loaded.store.get(failed.ref.value)).toEqual(vsphere.store.get(failed.ref.value));
    await expect(loaded.waitForTask(failed.ref.value)).rejects.toMatchObject({
      fault: { _type: 'InvalidPowerState' },
    });
  });

  it('gives identical files for a tree with folders, pools and vApps', () => {
    const vsphere = new VSphere({ seed: 5, inventory: CUSTOM, about: { version: '7.0.3', build: '1' } });
    const { first, second, loaded } = roundTrip(vsphere);
    expect(second).toBe(first);
    expect(loaded.about).toEqual(vsphere.about);
    expect(loaded.about).toMatchObject({ version: '7.0.3', build: '1' });
    const app = vmAt(loaded, '/Sites/Lab/vm/Team/app-vm');
    expect(app.parentVApp).toBeDefined();
    for (const target of ['childEntity', 'vm'] as const) {
      for (const record of vsphere.store.values()) {
        expect([...loaded.store.referrers(target, record.id)]).toEqual([
          ...vsphere.store.referrers(target, record.id),
        ]);
      }
    }
  });

  it('keeps the order a moved VM joined its new host in', async () => {
    const vsphere = new VSphere({ seed: 1 });
    const vm0 = vmAt(vsphere, '/DC0/vm/DC0_C0_RP0_VM0');
    const vm1 = vmAt(vsphere, '/DC0/vm/DC0_C0_RP0_VM1');
    const h1 = vm1.host as string;
    await run(vsphere, vsphere.vm.powerOff(vm0.id));
    await run(vsphere, vsphere.vm.powerOn(vm0.id, h1));
    expect([...vsphere.store.referrers('vm', h1)]).toEqual([vm1.id, vm0.id]);
    const state = saveState(vsphere);
    expect(state.store.referrerOrder).toContainEqual(['vm', h1, [vm1.id, vm0.id]]);
    const { first, second, loaded } = roundTrip(vsphere);
    expect(second).toBe(first);
    expect([...loaded.store.referrers('vm', h1)]).toEqual([vm1.id, vm0.id]);
    expect((loaded.store.get(h1) as HostRecord).name).toBe('DC0_C0_H1');
  });
});

describe('a loaded model', () => {
  it('continues exactly as the saved one', async () => {
    const original = new VSphere({ seed: 9 });
    await run(original, original.vm.powerOff(vmAt(original, '/DC0/vm/DC0_H0_VM1').id));
    const { loaded } = roundTrip(original);
    expect(loaded.idCounter).toBe(original.idCounter);
    expect(loaded.clock.now()).toBe(original.clock.now());
    expect(loaded.random.state).toEqual(original.random.state);
    for (const model of [original, loaded]) {
      const vm = vmAt(model, '/DC0/vm/DC0_H0_VM1').id;
      await run(model, model.vm.powerOn(vm));
      await run(model, model.vm.powerOff(vmAt(model, '/DC0/vm/DC0_C0_RP0_VM1').id));
      model.sessions.login('user', 'pass');
    }
    expect(serializeState(loaded)).toBe(serializeState(original));
    expect(loaded.newId('VirtualMachine')).toBe(original.newId('VirtualMachine'));
    expect(loaded.random.uuid()).toBe(original.random.uuid());
    expect(loaded.events.reserveKey()).toBe(original.events.reserveKey());
  });

  it('keeps what live sessions made, not what ended ones did, though their removal is still due', () => {
    const original = new VSphere({ seed: 3 });
    const [gone, kept] = [0, 1].map(() => original.sessions.login('user', 'pass').key) as [string, string];
    const vm = { type: 'VirtualMachine', value: vmAt(original, '/DC0/vm/DC0_H0_VM0').id };
    const spec = { objectSet: [{ obj: vm }], propSet: [{ type: 'VirtualMachine', pathSet: ['name'] }] };
    const made = (key: string) =>
      original.runAs({ sessionKey: key }, () => {
        const collector = original.collector.create();
        return {
          view: original.views.createContainerView('group-d1', [], true).value,
          // A filter on the default collector: its referrer set holds both sessions' filters.
          filter: original.collector.get().createFilter(spec).value,
          collector: collector.value,
        };
      });
    const [goneMade, keptMade] = [made(gone), made(kept)];
    // A filter made outside any session on the ended session's collector goes with the collector.
    const orphan = original.collector.get(goneMade.collector).createFilter(spec).value;
    original.sessions.logout(gone);
    const { loaded } = roundTrip(original);
    for (const id of [...Object.values(goneMade), orphan]) expect(loaded.store.has(id), id).toBe(false);
    for (const id of Object.values(keptMade)) expect(loaded.store.has(id), id).toBe(true);
    expect(loaded.sessions.list().map((s) => s.key)).toEqual([kept]);
  });

  it('gives the same guest address to a VM whose lease was saved', async () => {
    const original = new VSphere({ seed: 2 });
    const vm = vmAt(original, '/DC0/vm/DC0_H0_VM0');
    await run(original, original.vm.powerOff(vm.id));
    const { loaded } = roundTrip(original);
    await run(loaded, loaded.vm.powerOn(vm.id));
    expect(vmAt(loaded, '/DC0/vm/DC0_H0_VM0').guest.ipAddress).toBe(vm.guest.ipAddress);
  });
});

describe('refused saves and loads', () => {
  it('refuses to save while a task is queued', async () => {
    const vsphere = new VSphere({ seed: 1 });
    const task = vsphere.vm.powerOff(vmAt(vsphere, '/DC0/vm/DC0_H0_VM0').id);
    expect(() => saveState(vsphere)).toThrow(new RegExp(`queued or running \\(${task.ref.value}\\)`));
    await run(vsphere, task);
    expect(() => saveState(vsphere)).not.toThrow();
  });

  it('names a file that is not JSON or not a vsim state', () => {
    expect(() => parseState('{oops')).toThrow(/^not a vsim state file: /);
    expect(() => parseState('[]')).toThrow(/expected format 'vsim-state'/);
    expect(() => parseState(JSON.stringify({ format: 'govc-object-save', version: 1 }))).toThrow(
      /expected format 'vsim-state'/,
    );
  });

  it('names an unknown version', () => {
    const state = { ...saveState(new VSphere({ seed: 1 })), version: 2 };
    expect(() => parseState(JSON.stringify(state))).toThrow(
      /unsupported vsim state version 2: this vsim reads version 1/,
    );
  });

  it('names the malformed parts', () => {
    const state = saveState(new VSphere({ seed: 1 }));
    const bad = { ...state, random: [1, 2], events: { items: [] } };
    expect(() => parseState(JSON.stringify(bad))).toThrow(/malformed vsim state: bad random, events/);
  });

  it('refuses a model whose virtual clock is past the saved time and leaves it unchanged', () => {
    const state = saveState(new VSphere({ seed: 1 }));
    const later = new VSphere({ seed: 1, clock: new VirtualClock(state.clock.now + 1) });
    const before = serializeState(later);
    expect(() => loadState(later, state)).toThrow(/before the model's virtual clock/);
    expect(serializeState(later)).toBe(before);
  });

  it('refuses a model with work scheduled', () => {
    const state = saveState(new VSphere({ seed: 1 }));
    const busy = new VSphere({ seed: 1 });
    busy.scheduler.schedule(() => {}, 1000);
    expect(() => loadState(busy, state)).toThrow(/freshly constructed model/);
  });

  it('refuses a state object with a wrong header', () => {
    const state = saveState(new VSphere({ seed: 1 }));
    const wrong = { ...state, format: 'other' } as unknown as SavedState;
    expect(() => loadState(new VSphere(), wrong)).toThrow(/not a vsim state file/);
  });
});

describe('a real clock', () => {
  it('keeps its own time; the rest is restored', () => {
    const saved = saveState(new VSphere({ seed: 4 }));
    const live = new VSphere({ seed: 0, clock: new RealClock() });
    loadState(live, saved);
    const again = saveState(live);
    expect(again.clock.virtual).toBe(false);
    expect({ ...again, clock: saved.clock }).toEqual(saved);
  });
});

describe('starting from a saved state', () => {
  it('builds nothing and continues from the save', async () => {
    const original = new VSphere({ seed: 3, inventory: { vm: 3 } });
    const saved = serializeState(original);
    const restored = new VSphere({ state: parseState(saved) });
    expect(serializeState(restored)).toBe(saved);
    expect(restored.store.countOf('VirtualMachine')).toBe(6);
  });
});
