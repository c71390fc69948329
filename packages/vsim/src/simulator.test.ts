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
