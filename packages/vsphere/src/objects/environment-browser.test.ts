import { describe, expect, it } from 'vitest';
import { ROOT_FOLDER } from '../inventory/build.js';
import {
  browserIdOf,
  type ComputeResourceRecord,
  type DatacenterRecord,
  environmentBrowserIdOf,
  type HostRecord,
  type VmRecord,
} from '../inventory/records.js';
import type { MoRef } from '../refs.js';
import { createFixture } from '../testing/fixture.js';

const setup = () => {
  const fixture = createFixture();
  const cluster = fixture.at<ComputeResourceRecord>('/DC0/host/DC0_C0');
  const browser = fixture.vsphere.read<MoRef>(cluster.id, 'environmentBrowser');
  return { ...fixture, cluster, browser };
};

describe('EnvironmentBrowser', () => {
  it("is its compute resource's, and its VMs', with the datastore browser of its first host", () => {
    const { vsphere, cluster, browser, at } = setup();
    expect(browser).toEqual({ type: 'EnvironmentBrowser', value: environmentBrowserIdOf(cluster.id) });
    const vm = at<VmRecord>('/DC0/vm/DC0_C0_RP0_VM0');
    expect(vsphere.read(vm.id, 'environmentBrowser')).toEqual(browser);
    const host = at<HostRecord>('/DC0/host/DC0_C0/DC0_C0_H0');
    expect(vsphere.read(browser, 'datastoreBrowser')).toEqual({
      type: 'HostDatastoreBrowser',
      value: browserIdOf(host.id),
    });
  });

  it('describes the hardware versions the hosts run, from vmx-13 to the latest, the latest the default', () => {
    const { vsphere, browser, cluster } = setup();
    const descriptors = vsphere.environmentBrowser.configOptionDescriptors(browser) as {
      key: string;
      defaultConfigOption: boolean;
      host: MoRef[];
    }[];
    expect(descriptors.map((d) => d.key)).toEqual([
      'vmx-13',
      'vmx-14',
      'vmx-15',
      'vmx-17',
      'vmx-18',
      'vmx-19',
      'vmx-20',
      'vmx-21',
    ]);
    expect(descriptors.filter((d) => d.defaultConfigOption).map((d) => d.key)).toEqual(['vmx-21']);
    const hosts = vsphere.read<MoRef[]>(cluster.id, 'host');
    expect(descriptors[0]?.host).toEqual(hosts);
  });

  it("gives a version's options, its guests narrowed to those asked for when any is known", () => {
    const { vsphere, browser } = setup();
    const option = vsphere.environmentBrowser.configOption(browser, 'vmx-15') as {
      version: string;
      hardwareOptions: { hwVersion: number; numCPU: number[]; memoryMB: { max: number } };
      guestOSDescriptor: { id: string }[];
    };
    expect(option.version).toBe('vmx-15');
    expect(option.hardwareOptions.hwVersion).toBe(15);
    expect(option.hardwareOptions.numCPU.at(-1)).toBe(256);
    expect(option.guestOSDescriptor.map((g) => g.id)).toContain('ubuntu64Guest');
    const narrowed = vsphere.environmentBrowser.configOptionEx(browser, {
      guestId: ['rhel9_64Guest', 'nope'],
    }) as {
      version: string;
      guestOSDescriptor: { id: string; family: string }[];
    };
    expect(narrowed.version).toBe('vmx-21');
    expect(narrowed.guestOSDescriptor.map((g) => [g.id, g.family])).toEqual([
      ['rhel9_64Guest', 'linuxGuest'],
    ]);
    const unmatched = vsphere.environmentBrowser.configOptionEx(browser, { guestId: ['nope'] }) as {
      guestOSDescriptor: unknown[];
    };
    expect(unmatched.guestOSDescriptor.length).toBe(option.guestOSDescriptor.length);
    expect(() => vsphere.environmentBrowser.configOption(browser, 'vmx-16')).toThrow(
      expect.objectContaining({ name: 'InvalidArgument' }),
    );
  });

  it('counts the CPUs, datastores and networks of the hosts, or of the one asked about', () => {
    const { vsphere, browser, at } = setup();
    const all = vsphere.environmentBrowser.configTarget(browser) as {
      numCpus: number;
      numNumaNodes: number;
      datastore: { name: string }[];
    };
    expect(all.numNumaNodes).toBe(3);
    expect(all.datastore.map((d) => d.name)).toEqual(['LocalDS_0']);
    const host = at<HostRecord>('/DC0/host/DC0_C0/DC0_C0_H1');
    const one = vsphere.environmentBrowser.configTarget(browser, host.id) as {
      numCpus: number;
      numNumaNodes: number;
    };
    expect([one.numNumaNodes, one.numCpus * 3]).toEqual([1, all.numCpus]);
    const standalone = at<HostRecord>('/DC0/host/DC0_H0/DC0_H0');
    expect(() => vsphere.environmentBrowser.configTarget(browser, standalone.id)).toThrow(
      expect.objectContaining({ name: 'InvalidArgument' }),
    );
  });

  it('goes with its compute resource', async () => {
    const { vsphere, run, at } = createFixture({ inventory: { vm: 0 } });
    const dc = at<DatacenterRecord>('/DC0');
    const cluster = at<ComputeResourceRecord>('/DC0/host/DC0_C0');
    const folder = vsphere.folder.create(ROOT_FOLDER, 'leaving');
    await run(vsphere.folder.moveInto(folder, [dc.id]));
    expect(vsphere.store.get(environmentBrowserIdOf(cluster.id))?.kind).toBe('EnvironmentBrowser');
    await run(vsphere.folder.destroy(folder));
    expect(vsphere.store.get(environmentBrowserIdOf(cluster.id))).toBeUndefined();
  });
});
