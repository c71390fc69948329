import { describe, expect, it } from 'vitest';
import { defaultVirtualMachineOnCreate, NO_DEFAULT_NIC_ANNOTATION, randomUUID } from './defaults.js';
import type { VirtualMachine } from './types.js';
import { validateVirtualMachineCreate, validateVirtualMachineUpdate } from './validation.js';

function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

function vm(spec: VirtualMachine['spec'] = {}): VirtualMachine {
  return {
    apiVersion: 'vmoperator.vmware.com/v1alpha6',
    kind: 'VirtualMachine',
    metadata: { name: 'm', namespace: 'ns' },
    spec: { className: 'best-effort-small', imageName: 'ubuntu', ...spec },
  };
}

const network = { apiVersion: 'netoperator.vmware.com/v1alpha1', kind: 'Network', name: 'primary' };

describe('defaulting', () => {
  it('sets power state, modes, UUIDs, cloud-init instanceID and eth0', () => {
    const out = defaultVirtualMachineOnCreate(vm({ bootstrap: { cloudInit: {} } }), {
      random: seeded(1),
      defaultNetwork: network,
    });
    expect(out.spec?.powerState).toBe('PoweredOn');
    expect(out.spec?.powerOffMode).toBe('TrySoft');
    expect(out.spec?.instanceUUID).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(out.spec?.biosUUID).not.toBe(out.spec?.instanceUUID);
    expect(out.spec?.bootstrap?.cloudInit?.instanceID).toBe(out.spec?.biosUUID);
    expect(out.spec?.network?.interfaces).toEqual([{ name: 'eth0', network }]);
  });

  it('is reproducible with the same seed and keeps given values', () => {
    const a = defaultVirtualMachineOnCreate(vm(), { random: seeded(7) });
    const b = defaultVirtualMachineOnCreate(vm(), { random: seeded(7) });
    expect(a).toEqual(b);
    const kept = defaultVirtualMachineOnCreate(vm({ powerState: 'PoweredOff', biosUUID: 'x' }), {
      random: seeded(7),
    });
    expect(kept.spec?.powerState).toBe('PoweredOff');
    expect(kept.spec?.biosUUID).toBe('x');
    expect(randomUUID(seeded(3))).toHaveLength(36);
  });

  it('adds no interface when asked not to, or with one already there', () => {
    const none = vm();
    none.metadata.annotations = { [NO_DEFAULT_NIC_ANNOTATION]: '' };
    expect(
      defaultVirtualMachineOnCreate(none, { random: seeded(1), defaultNetwork: network }).spec?.network,
    ).toBeUndefined();
    const own = defaultVirtualMachineOnCreate(vm({ network: { interfaces: [{ name: 'nic0' }] } }), {
      random: seeded(1),
      defaultNetwork: network,
    });
    expect(own.spec?.network?.interfaces).toEqual([{ name: 'nic0', network }]);
  });

  it('resolves imageName through the hook', () => {
    const out = defaultVirtualMachineOnCreate(vm(), {
      random: seeded(1),
      resolveImageName: (name) => ({ kind: 'VirtualMachineImage', name: `vmi-${name}` }),
    });
    expect(out.spec?.image).toEqual({ kind: 'VirtualMachineImage', name: 'vmi-ubuntu' });
  });
});

describe('validation', () => {
  it('accepts a defaulted VM', () => {
    expect(validateVirtualMachineCreate(defaultVirtualMachineOnCreate(vm(), { random: seeded(1) }))).toEqual(
      [],
    );
  });

  it('requires className and rejects bad power values', () => {
    const bad = vm({ powerState: 'On' as never, powerOffMode: 'Nice' as never });
    delete bad.spec?.className;
    expect(validateVirtualMachineCreate(bad).map((e) => e.field)).toEqual([
      'spec.className',
      'spec.powerState',
      'spec.powerOffMode',
    ]);
    expect(validateVirtualMachineCreate(vm({ powerState: 'Suspended' }))[0]?.message).toContain(
      "cannot set a new VM's power state to Suspended",
    );
  });

  it('rejects mixed bootstrap providers and a bad image kind', () => {
    const errs = validateVirtualMachineCreate(
      vm({ bootstrap: { cloudInit: {}, linuxPrep: {} }, image: { kind: 'Pod', name: 'x' } }),
    );
    expect(errs.map((e) => e.field)).toEqual([
      'spec.image.kind',
      'spec.bootstrap.cloudInit',
      'spec.bootstrap.linuxPrep',
    ]);
  });

  it('keeps immutable fields on update', () => {
    const old = defaultVirtualMachineOnCreate(vm({ reserved: { resourcePolicyName: 'p' } }), {
      random: seeded(1),
      defaultNetwork: network,
    });
    const next = structuredClone(old);
    if (next.spec) {
      next.spec.className = 'other';
      next.spec.storageClass = 'sc2';
      next.spec.biosUUID = 'changed';
      next.spec.reserved = { resourcePolicyName: 'q' };
      next.spec.network = { interfaces: [] };
      next.spec.powerState = 'PoweredOff';
    }
    expect(validateVirtualMachineUpdate(next, old).map((e) => e.field)).toEqual([
      'spec.className',
      'spec.storageClass',
      'spec.biosUUID',
      'spec.reserved.resourcePolicyName',
      'spec.network.interfaces',
    ]);
    expect(validateVirtualMachineUpdate(old, old)).toEqual([]);
  });
});
