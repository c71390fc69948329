import { Random, Scheduler, VirtualClock, VSphere } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import { registerNetOperatorKinds } from '../../net-operator-kinds.js';
import { Manager } from '../../runtime/manager.js';
import { KubeStore } from '../../store/kube-store.js';
import type { KubeObject } from '../../store/meta.js';
import { AddressPool } from './address-pool.js';
import {
  DEFAULT_NETWORK_LABEL,
  NET_OPERATOR_API_VERSION,
  type NetworkInterfaceControllerOptions,
  startNetworkInterfaceController,
} from './network-interface.js';

/** Lets watch events and promise continuations (microtasks) run. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

function setup(options?: NetworkInterfaceControllerOptions) {
  const clock = new VirtualClock();
  const scheduler = new Scheduler(clock);
  const errors: unknown[] = [];
  scheduler.onError = (error) => errors.push(error);
  const kube = new KubeStore({ clock, random: new Random(1) }, { namespaces: ['default', 'ns1', 'ns2'] });
  registerNetOperatorKinds(kube);
  const vsphere = new VSphere({ clock, inventory: { pg: 2 } });
  const manager = new Manager({ scheduler, defaults: { onError: (_key, error) => errors.push(error) } });
  const started = startNetworkInterfaceController(manager, {
    kube,
    vsphere,
    ...(options ? { options } : {}),
  });
  manager.start();
  /** What the simulator's settle() does: rounds of runDue with the event loop in between. */
  const settle = async () => {
    for (let round = 0; round < 1000; round++) {
      await flush();
      const ran = scheduler.runDue();
      await flush();
      const due = scheduler.nextDue();
      if (ran === 0 && (due === undefined || due > clock.now())) return;
    }
    throw new Error('did not settle');
  };
  const advance = async (ms: number) => {
    scheduler.advanceTo(clock, clock.now() + ms);
    await settle();
  };
  return { clock, kube, vsphere, manager, errors, settle, advance, ...started };
}

const network = (name: string, namespace = 'ns1', labels?: Record<string, string>): KubeObject => ({
  apiVersion: NET_OPERATOR_API_VERSION,
  kind: 'Network',
  metadata: { name, namespace, ...(labels ? { labels } : {}) },
  spec: { type: 'vsphere-distributed' },
});

const iface = (name: string, networkName: string, namespace = 'ns1'): KubeObject => ({
  apiVersion: NET_OPERATOR_API_VERSION,
  kind: 'NetworkInterface',
  metadata: { name, namespace },
  spec: { networkName, type: 'vmxnet3' },
});

interface Status {
  ipConfigs?: { ip: string; ipFamily: string; gateway: string; subnetMask: string }[];
  macAddress?: string;
  networkID?: string;
  conditions?: { type: string; status: string; reason: string; message: string }[];
}

const statusOf = async (kube: KubeStore, name: string, namespace = 'ns1'): Promise<Status> => {
  const object = await kube.get({
    apiVersion: NET_OPERATOR_API_VERSION,
    kind: 'NetworkInterface',
    namespace,
    name,
  });
  return (object.status ?? {}) as Status;
};

const ready = (status: Status) => status.conditions?.find((c) => c.type === 'Ready');

/** The key of the datacenter's first (non-uplink) distributed portgroup. */
const firstPortgroupKey = (vsphere: VSphere): string => {
  for (const id of vsphere.store.idsOf('DistributedVirtualPortgroup')) {
    const pg = vsphere.store.get(id) as { name: string; key?: string; uplink?: boolean; id: string };
    if (!pg.uplink) return pg.key ?? pg.id;
  }
  throw new Error('no portgroup');
};

describe('NetworkInterface controller', () => {
  it('gives an interface an address, a MAC, the gateway and the portgroup, and marks it Ready', async () => {
    const { kube, vsphere, settle, errors } = setup();
    await kube.create(network('primary'));
    await kube.create(iface('vm1-primary-eth0', 'primary'));
    await settle();

    const status = await statusOf(kube, 'vm1-primary-eth0');
    expect(status.ipConfigs).toEqual([
      { ip: '10.0.1.10', ipFamily: 'IPv4', gateway: '10.0.1.1', subnetMask: '255.255.255.0' },
    ]);
    expect(status.macAddress).toMatch(/^00:50:56:[0-3][0-9a-f]:[0-9a-f]{2}:[0-9a-f]{2}$/);
    expect(status.networkID).toBe(firstPortgroupKey(vsphere));
    expect(ready(status)).toMatchObject({ status: 'True', reason: 'Ready' });
    // The guest of a VM with that MAC reports the address.
    expect(vsphere.ipam.lease('any-network', status.macAddress as string)).toBe('10.0.1.10');
    expect(errors).toEqual([]);
  });

  it('gives two interfaces different addresses that stay the same across reconciles', async () => {
    const { kube, settle, controller } = setup();
    await kube.create(network('primary'));
    await kube.create(iface('a', 'primary'));
    await kube.create(iface('b', 'primary'));
    await settle();
    const a = await statusOf(kube, 'a');
    const b = await statusOf(kube, 'b');
    expect(a.ipConfigs?.[0]?.ip).toBe('10.0.1.10');
    expect(b.ipConfigs?.[0]?.ip).toBe('10.0.1.11');
    expect(a.macAddress).not.toBe(b.macAddress);

    // Reconciling again (and touching the objects) changes nothing.
    const before = await kube.get({
      apiVersion: NET_OPERATOR_API_VERSION,
      kind: 'NetworkInterface',
      namespace: 'ns1',
      name: 'a',
    });
    controller.enqueue('ns1/a');
    controller.enqueue('ns1/b');
    await kube.update({ ...before, metadata: { ...before.metadata, labels: { touched: 'yes' } } });
    await settle();
    expect(await statusOf(kube, 'a')).toEqual(a);
    expect(await statusOf(kube, 'b')).toEqual(b);
  });

  it('gives each Network its own subnet, and resolves an empty name to the default Network', async () => {
    const { kube, settle } = setup();
    await kube.create(network('other'));
    await kube.create(network('workload', 'ns1', { [DEFAULT_NETWORK_LABEL]: 'true' }));
    await kube.create(iface('x', 'other'));
    await settle();
    await kube.create(iface('y', ''));
    await settle();
    expect((await statusOf(kube, 'x')).ipConfigs?.[0]?.ip).toBe('10.0.1.10');
    expect((await statusOf(kube, 'y')).ipConfigs?.[0]).toMatchObject({
      ip: '10.0.2.10',
      gateway: '10.0.2.1',
    });
  });

  it('marks an interface whose Network is missing not Ready, and converges once the Network appears', async () => {
    const { kube, settle, errors } = setup();
    await kube.create(iface('late', 'net-late'));
    await settle();
    const waiting = await statusOf(kube, 'late');
    expect(ready(waiting)).toMatchObject({ status: 'False', reason: 'NetworkNotFound' });
    expect(waiting.ipConfigs).toBeUndefined();

    await kube.create(network('net-late'));
    await settle();
    const done = await statusOf(kube, 'late');
    expect(ready(done)).toMatchObject({ status: 'True' });
    expect(done.ipConfigs?.[0]?.ip).toBe('10.0.1.10');

    // The Network goes: the address is given back, the MAC kept; it comes back with it.
    const ref = { apiVersion: NET_OPERATOR_API_VERSION, kind: 'Network', namespace: 'ns1' };
    await kube.delete({ ...ref, name: 'net-late' });
    await settle();
    const gone = await statusOf(kube, 'late');
    expect(ready(gone)).toMatchObject({ status: 'False', reason: 'NetworkNotFound' });
    expect(gone.ipConfigs).toBeUndefined();
    expect(gone.macAddress).toBe(done.macAddress);
    await kube.create(network('net-late'));
    await settle();
    const back = await statusOf(kube, 'late');
    expect(ready(back)).toMatchObject({ status: 'True' });
    expect(back.macAddress).toBe(done.macAddress);
    expect(back.ipConfigs?.[0]?.ip).toBe('10.0.2.10');
    expect(errors).toEqual([]);
  });

  it('releases the address of a deleted interface', async () => {
    const { kube, settle, pool } = setup();
    await kube.create(network('primary'));
    await kube.create(iface('first', 'primary'));
    await kube.create(iface('second', 'primary'));
    await settle();
    const first = await statusOf(kube, 'first');
    expect(pool.size).toBe(2);

    await kube.delete({
      apiVersion: NET_OPERATOR_API_VERSION,
      kind: 'NetworkInterface',
      namespace: 'ns1',
      name: 'first',
    });
    await settle();
    expect(pool.size).toBe(1);

    await kube.create(iface('third', 'primary'));
    await settle();
    const third = await statusOf(kube, 'third');
    // The freed address is handed out again; the MAC is not.
    expect(third.ipConfigs?.[0]?.ip).toBe(first.ipConfigs?.[0]?.ip);
    expect(third.macAddress).not.toBe(first.macAddress);
    expect((await statusOf(kube, 'second')).ipConfigs?.[0]?.ip).toBe('10.0.1.11');
  });

  it('maps every Network to a configured portgroup, and waits while there is none', async () => {
    const { kube, settle, vsphere } = setup({
      network: { portgroup: 'DC0_DVPG1' },
      retryDelay: 1000,
    });
    await kube.create(network('primary'));
    await kube.create(iface('p', 'primary'));
    await settle();
    const pg = [...vsphere.store.idsOf('DistributedVirtualPortgroup')]
      .map((id) => vsphere.store.get(id) as { name: string; key?: string; id: string })
      .find((r) => r.name === 'DC0_DVPG1');
    expect((await statusOf(kube, 'p')).networkID).toBe(pg?.key ?? pg?.id);

    const missing = setup({ network: { portgroup: 'nope' }, retryDelay: 1000 });
    await missing.kube.create(network('primary'));
    await missing.kube.create(iface('p', 'primary'));
    await missing.settle();
    expect(ready(await statusOf(missing.kube, 'p'))).toMatchObject({
      status: 'False',
      reason: 'PortgroupNotFound',
    });
    const reconciles = missing.controller.stats.reconciles;
    await missing.advance(1000);
    expect(missing.controller.stats.reconciles).toBeGreaterThan(reconciles);
  });
});

describe('AddressPool', () => {
  it('is deterministic, adopts a reported free address, and moves a holder between networks', () => {
    const pool = new AddressPool();
    const a = pool.lease('a', 'net1');
    expect(a).toMatchObject({ ip: '10.0.1.10', mac: '00:50:56:00:00:00' });
    expect(pool.lease('a', 'net1')).toBe(a);
    const b = pool.lease('b', 'net1', { ip: '10.0.1.42', mac: '00:50:56:00:00:07' });
    expect(b).toMatchObject({ ip: '10.0.1.42', mac: '00:50:56:00:00:07' });
    // A taken address or MAC is not adopted.
    expect(pool.lease('c', 'net1', { ip: '10.0.1.42', mac: '00:50:56:00:00:07' })).toMatchObject({
      ip: '10.0.1.11',
      mac: '00:50:56:00:00:01',
    });
    expect(pool.lease('a', 'net2')).toMatchObject({
      ip: '10.0.2.10',
      gateway: '10.0.2.1',
      mac: '00:50:56:00:00:00',
    });
    expect(pool.lease('d', 'net1').ip).toBe('10.0.1.10');
    // An address of another Network's subnet is not adopted.
    expect(pool.lease('e', 'net2', { ip: '10.0.1.99' }).ip).toBe('10.0.2.11');
  });

  it('never hands out a MAC a holder adopted ahead of its counter', () => {
    const pool = new AddressPool();
    expect(pool.lease('a', 'net1', { mac: '00:50:56:00:00:01' }).mac).toBe('00:50:56:00:00:01');
    const next = ['b', 'c', 'd'].map((holder) => pool.lease(holder, 'net1').mac);
    expect(next).toEqual(['00:50:56:00:00:00', '00:50:56:00:00:02', '00:50:56:00:00:03']);
  });

  it('gives a full network its next subnet, and reuses a released address first', () => {
    const pool = new AddressPool();
    pool.lease('other', 'net2');
    const ips = Array.from({ length: 300 }, (_, i) => pool.lease(`h${i}`, 'net1').ip);
    expect(ips[0]).toBe('10.0.2.10');
    expect(ips[244]).toBe('10.0.2.254');
    expect(ips[245]).toBe('10.0.3.10');
    expect(pool.lease('h299', 'net1').gateway).toBe('10.0.3.1');
    expect(new Set(ips).size).toBe(300);
    pool.release('h7');
    expect(pool.lease('again', 'net1').ip).toBe('10.0.2.17');
    expect(pool.lease('next', 'net1').ip).toBe('10.0.3.65');
  });
});
