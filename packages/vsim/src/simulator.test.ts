import { KubeStore } from '@vsim/supervisor';
import { describe, expect, it, vi } from 'vitest';
import { createSimulator } from './simulator.js';

describe('what a simulator makes with its first use', () => {
  it('makes the object store when sim.kube is first used, not for a REST client', async () => {
    const made = vi.spyOn(KubeStore.prototype, 'onWrite');
    const sim = await createSimulator({ seed: 1 });
    try {
      const basic = `Basic ${Buffer.from('user:pass').toString('base64')}`;
      const login = await sim.fetch(`${sim.url}/api/session`, {
        method: 'POST',
        headers: { authorization: basic },
      });
      const token = (await login.json()) as string;
      const vms = await sim.fetch(`${sim.url}/api/vcenter/vm`, {
        headers: { 'vmware-api-session-id': token },
      });
      expect(vms.status).toBe(200);
      expect(made).not.toHaveBeenCalled();
      // The namespace-management endpoints read it, and so make it.
      const namespaces = await sim.fetch(`${sim.url}/api/vcenter/namespaces/instances`, {
        headers: { 'vmware-api-session-id': token },
      });
      expect(namespaces.status).toBe(200);
      expect(made).toHaveBeenCalledTimes(1);
      expect(sim.kube).toBe(sim.kube);
      expect(made).toHaveBeenCalledTimes(1);
    } finally {
      made.mockRestore();
      await sim.close();
    }
  });
});

describe('options a simulator does not know', () => {
  // Options from JavaScript, or built at run time, are not checked by the compiler.
  const start = (options: Record<string, unknown>) => createSimulator(options as never);

  it('refuses a misspelled option anywhere, naming it and the known ones', async () => {
    await expect(start({ seed: 1, invntory: {} })).rejects.toThrow(
      "createSimulator: unknown option 'invntory' (known: seed, clock,",
    );
    await expect(start({ inventory: { datacenter: 2 } })).rejects.toThrow(
      "inventory: unknown option 'datacenter' (known: dc, cluster,",
    );
    await expect(start({ supervisor: { namespace: ['ns1'] } })).rejects.toThrow(
      "supervisor: unknown option 'namespace' (known: cluster, clusters, namespaces,",
    );
    await expect(start({ soap: { maxBody: 1 } })).rejects.toThrow("soap: unknown option 'maxBody'");
    await expect(start({ folder: { limit: 1 } })).rejects.toThrow("folder: unknown option 'limit'");
  });

  it('refuses an inventory count that is not a whole number, 0 or more', async () => {
    for (const host of [-1, 1.5, '3', Number.NaN])
      await expect(start({ inventory: { host } })).rejects.toThrow(
        `inventory: host must be a count (a whole number, 0 or more), not ${String(host)}`,
      );
    const sim = await start({ inventory: { host: 0, vm: 0 } });
    // No cluster hosts: the standalone host alone.
    expect(sim.vsphere.store.countOf('HostSystem')).toBe(1);
    await sim.close();
  });
});
