import { Agent, getGlobalDispatcher, request, setGlobalDispatcher, fetch as undiciFetch } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimulator, type Simulator, type VmRecord } from 'vsim';

const sims: Simulator[] = [];
const start = async (options: Parameters<typeof createSimulator>[0] = {}) => {
  const sim = await createSimulator({ seed: 1, ...options });
  sims.push(sim);
  return sim;
};
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

const DEFAULT_COUNTS = {
  datacenters: 1,
  clusters: 1,
  hosts: 4,
  resourcePools: 2,
  datastores: 1,
  networks: 3,
  virtualMachines: 4,
  folders: 5,
};

describe('createSimulator serves /about on every transport', () => {
  it('in-process fetch', async () => {
    const sim = await start();
    const res = await sim.fetch(`${sim.url}/about`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      name: 'vsim',
      vcenter: { version: '8.0.3' },
      inventory: DEFAULT_COUNTS,
    });
  });

  it('undici request and fetch through the dispatcher, and the global fetch once installed', async () => {
    const sim = await start({ inventory: { vm: 5 }, about: { version: '7.0.3' } });
    const { statusCode, body } = await request(`${sim.url}/about`, { dispatcher: sim.dispatcher });
    expect(statusCode).toBe(200);
    expect(await body.json()).toMatchObject({
      vcenter: { version: '7.0.3' },
      inventory: { virtualMachines: 10 },
    });
    const viaFetch = await undiciFetch(`${sim.url}/about`, { dispatcher: sim.dispatcher });
    expect((await viaFetch.json()) as object).toMatchObject({ inventory: { virtualMachines: 10 } });
    const previous = getGlobalDispatcher();
    setGlobalDispatcher(sim.dispatcher);
    try {
      const res = await fetch(`${sim.url}/about`);
      expect(await res.json()).toMatchObject({ inventory: { virtualMachines: 10 } });
    } finally {
      setGlobalDispatcher(previous);
    }
  });

  it('a real port over HTTP and HTTPS', async () => {
    const sim = await start({ inventory: { dc: 0 } });
    const plain = await sim.listen({ port: 0 });
    const secure = await sim.listen({ port: 0, tls: true });
    expect(plain.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(secure.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const overHttp = await request(`${plain.url}/about`);
    expect(await overHttp.body.json()).toMatchObject({
      inventory: { virtualMachines: 0, datacenters: 0, folders: 1 },
    });
    const insecure = new Agent({ connect: { rejectUnauthorized: false } });
    try {
      const overHttps = await request(`${secure.url}/about`, { dispatcher: insecure });
      expect(overHttps.statusCode).toBe(200);
      await overHttps.body.dump();
    } finally {
      await insecure.close();
    }
  });
});

describe('the scheduler driver', () => {
  it('completes tasks on its own, and settle() waits for them', async () => {
    const sim = await start();
    const task = sim.vsphere.vm.powerOff('vm-20');
    await task.wait();
    expect((sim.vsphere.store.get('vm-20') as VmRecord).powerState).toBe('poweredOff');
    sim.vsphere.vm.powerOn('vm-20');
    await sim.settle();
    expect((sim.vsphere.store.get('vm-20') as VmRecord).powerState).toBe('poweredOn');
  });

  it('runs delayed work only when the virtual clock reaches it', async () => {
    const sim = await start();
    sim.vsphere.interceptor.add({ method: 'PowerOffVM_Task', delayMs: 5_000 });
    const started = sim.vsphere.clock.now();
    sim.vsphere.vm.powerOff('vm-20');
    await sim.settle();
    expect((sim.vsphere.store.get('vm-20') as VmRecord).powerState).toBe('poweredOn');
    await sim.advance(4_999);
    expect((sim.vsphere.store.get('vm-20') as VmRecord).powerState).toBe('poweredOn');
    await sim.advance(1);
    expect((sim.vsphere.store.get('vm-20') as VmRecord).powerState).toBe('poweredOff');
    expect(sim.vsphere.clock.now() - started).toBe(5_000);
  });

  it('refuses advance() on the real clock', async () => {
    const sim = await start({ clock: 'real', inventory: { dc: 0 } });
    await expect(sim.advance(1)).rejects.toThrow(/virtual clock/);
  });
});
