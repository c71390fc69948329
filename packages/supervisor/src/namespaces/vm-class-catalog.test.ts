import { isVimFault } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import { HUB_VERSION } from '../api/index.js';
import { createSupervisorFixture } from '../testing/fixture.js';
import { DEFAULT_VM_CLASS_NAMES } from './vm-classes.js';

const VM_CLASS = { apiVersion: `vmoperator.vmware.com/${HUB_VERSION}`, kind: 'VirtualMachineClass' };
const SPEC = { hardware: { cpus: 3, memory: '3Gi' }, description: 'three' };

const faultOf = (run: () => unknown): string | undefined => {
  try {
    run();
  } catch (error) {
    if (isVimFault(error)) return error.fault._type;
    throw error;
  }
  return undefined;
};

describe("vCenter's VM class catalogue", () => {
  it('starts with the default classes, which a prepared namespace offers unless told otherwise', async () => {
    const { supervisor, kube } = await createSupervisorFixture();
    expect(supervisor.vmClasses.list().map((c) => c.name)).toEqual(DEFAULT_VM_CLASS_NAMES);
    supervisor.vmClasses.create({ name: 'three-cpus', spec: SPEC });
    await supervisor.prepareNamespace('ns1');
    const names = kube.direct.list(VM_CLASS.apiVersion, VM_CLASS.kind, 'ns1').map((c) => c.metadata.name);
    expect(names).toContain('three-cpus');
    expect(names).toHaveLength(DEFAULT_VM_CLASS_NAMES.length + 1);
  });

  it('refuses a bad name, a name in use and a spec the webhook refuses, keeping what it had', async () => {
    const { supervisor } = await createSupervisorFixture();
    const { vmClasses } = supervisor;
    expect(faultOf(() => vmClasses.create({ name: 'Three_CPUs', spec: SPEC }))).toBe('InvalidArgument');
    expect(faultOf(() => vmClasses.create({ name: 'a'.repeat(64), spec: SPEC }))).toBe('InvalidArgument');
    expect(faultOf(() => vmClasses.create({ name: 'best-effort-small', spec: SPEC }))).toBe('AlreadyExists');
    const overcommitted = {
      ...SPEC,
      policies: { resources: { requests: { cpu: '4' }, limits: { cpu: '2' } } },
    };
    expect(faultOf(() => vmClasses.create({ name: 'over', spec: overcommitted }))).toBe('InvalidArgument');
    await expect(vmClasses.update('nope', SPEC)).rejects.toMatchObject({ fault: { _type: 'NotFound' } });
    await expect(vmClasses.delete('nope')).rejects.toMatchObject({ fault: { _type: 'NotFound' } });
    expect(vmClasses.list().map((c) => c.name)).toEqual(DEFAULT_VM_CLASS_NAMES);
    expect(vmClasses.get('best-effort-small')?.spec).toEqual({ hardware: { cpus: 2, memory: '4Gi' } });
  });

  it("writes a change to every namespace's object of the class, and a deletion removes them all", async () => {
    const { supervisor, kube } = await createSupervisorFixture();
    await supervisor.prepareNamespace('ns1');
    await supervisor.prepareNamespace('ns2', { classes: ['best-effort-small'] });
    await supervisor.prepareNamespace('ns3', { classes: ['guaranteed-small'] });
    await supervisor.vmClasses.update('best-effort-small', SPEC);
    for (const namespace of ['ns1', 'ns2'])
      expect(kube.direct.get({ ...VM_CLASS, namespace, name: 'best-effort-small' })?.spec).toEqual(SPEC);
    expect(supervisor.vmClasses.get('best-effort-small')?.spec).toEqual(SPEC);

    // The store refuses a memory that is no quantity at the first object: nothing changes.
    const bad = { hardware: { cpus: 3, memory: 'three gigs' } };
    await expect(supervisor.vmClasses.update('best-effort-small', bad)).rejects.toMatchObject({ code: 422 });
    expect(supervisor.vmClasses.get('best-effort-small')?.spec).toEqual(SPEC);
    for (const namespace of ['ns1', 'ns2'])
      expect(kube.direct.get({ ...VM_CLASS, namespace, name: 'best-effort-small' })?.spec).toEqual(SPEC);

    await supervisor.vmClasses.delete('best-effort-small');
    expect(supervisor.vmClasses.get('best-effort-small')).toBeUndefined();
    const left = kube.direct
      .list(VM_CLASS.apiVersion, VM_CLASS.kind)
      .filter((c) => c.metadata.name === 'best-effort-small');
    expect(left).toEqual([]);
    expect(kube.direct.list(VM_CLASS.apiVersion, VM_CLASS.kind, 'ns3').map((c) => c.metadata.name)).toEqual([
      'guaranteed-small',
    ]);
    // A namespace can no longer be given it.
    await expect(supervisor.updateNamespace('ns3', { classes: ['best-effort-small'] })).rejects.toThrow(
      /no VM class best-effort-small/,
    );
  });
});
