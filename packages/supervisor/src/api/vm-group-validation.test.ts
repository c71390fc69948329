import { Random, VirtualClock } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import type { KubeError } from '../store/errors.js';
import { KubeStore } from '../store/kube-store.js';
import type { KubeObject } from '../store/meta.js';
import { registerVmOperatorKinds } from '../vm-operator-kinds.js';
import { parseDuration } from './duration.js';
import type { VirtualMachine, VirtualMachineGroup } from './types.js';
import {
  APPLY_POWER_STATE_TIME,
  LAST_UPDATED_POWER_STATE_TIME,
  parseRfc3339,
  rfc3339Nano,
} from './vm-group-validation.js';

const V6 = 'vmoperator.vmware.com/v1alpha6';
const START = Date.UTC(2025, 0, 1);
const MUTATING = 'default.mutating.virtualmachinegroup.v1alpha6.vmoperator.vmware.com';
const VALIDATING = 'default.validating.virtualmachinegroup.v1alpha6.vmoperator.vmware.com';

const setup = () => {
  const clock = new VirtualClock(START);
  const kube = new KubeStore({ clock, random: new Random(1) }, { namespaces: ['ns1'] });
  registerVmOperatorKinds(kube, { defaultNetwork: null });
  const group = (name: string, spec: VirtualMachineGroup['spec'] = {}, extra: Partial<KubeObject> = {}) =>
    ({
      apiVersion: V6,
      kind: 'VirtualMachineGroup',
      metadata: { name, namespace: 'ns1' },
      spec,
      ...extra,
    }) as KubeObject;
  const create = (object: KubeObject) => kube.create(object) as Promise<VirtualMachineGroup>;
  const refusal = (write: Promise<unknown>) =>
    write.then(
      () => {
        throw new Error('the write was admitted');
      },
      (error: KubeError) => error,
    );
  return { clock, kube, group, create, refusal };
};

describe('Go time and duration formats', () => {
  it("writes RFC3339Nano as Go does and reads RFC 3339 times and Go's durations", () => {
    expect(rfc3339Nano(START)).toBe('2025-01-01T00:00:00Z');
    expect(rfc3339Nano(START + 1500)).toBe('2025-01-01T00:00:01.5Z');
    expect(parseRfc3339('2025-01-01T00:00:01.5Z')).toBe(START + 1500);
    expect(parseRfc3339('2025-01-01T01:00:00+01:00')).toBe(START);
    expect(parseRfc3339('2025-01-01 00:00:00')).toBeUndefined();
    // As Go reads them: a comma fraction and long fractions pass; lower case and impossible dates do not.
    expect(parseRfc3339('2025-01-01T00:00:01,5Z')).toBe(START + 1500);
    expect(parseRfc3339('2025-01-01T00:00:01.1234567891Z')).toBe(START + 1123);
    expect(parseRfc3339('2025-01-01t00:00:00z')).toBeUndefined();
    expect(parseRfc3339('2023-02-29T00:00:00Z')).toBeUndefined();
    expect(parseRfc3339('2024-02-29T00:00:00Z')).toBeDefined();
    expect(parseRfc3339('2025-01-01T24:00:00Z')).toBeUndefined();
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration('10')).toBeUndefined();
    expect(parseDuration('1d')).toBeUndefined();
  });
});

describe('VirtualMachineGroup mutating webhook', () => {
  it('stamps a power change with the time, and a member kind defaults to VirtualMachine', async () => {
    const { create, group, kube, clock } = setup();
    const made = await create(group('g', { bootOrder: [{ members: [{ name: 'vm-1' }] }] }));
    expect(made.metadata.annotations?.[LAST_UPDATED_POWER_STATE_TIME]).toBeUndefined();
    expect(made.spec?.bootOrder?.[0]?.members).toEqual([{ name: 'vm-1', kind: 'VirtualMachine' }]);
    clock.set(START + 1500);
    const on = (await kube.update({
      ...made,
      spec: { ...made.spec, powerState: 'PoweredOn' },
    } as KubeObject)) as VirtualMachineGroup;
    expect(on.metadata.annotations?.[LAST_UPDATED_POWER_STATE_TIME]).toBe('2025-01-01T00:00:01.5Z');
    clock.set(START + 2500);
    const same = (await kube.update({
      ...on,
      spec: { ...on.spec, suspendMode: 'Hard' },
    } as KubeObject)) as VirtualMachineGroup;
    expect(same.metadata.annotations?.[LAST_UPDATED_POWER_STATE_TIME]).toBe('2025-01-01T00:00:01.5Z');
    const off = (await kube.update({
      ...same,
      spec: { ...same.spec, powerState: 'PoweredOff' },
    } as KubeObject)) as VirtualMachineGroup;
    expect(off.metadata.annotations?.[LAST_UPDATED_POWER_STATE_TIME]).toBe('2025-01-01T00:00:02.5Z');
    // A change before the clock moves past the last stamp gets a stamp of its own.
    const suspended = (await kube.update({
      ...off,
      spec: { ...off.spec, powerState: 'Suspended' },
    } as KubeObject)) as VirtualMachineGroup;
    expect(suspended.metadata.annotations?.[LAST_UPDATED_POWER_STATE_TIME]).toBe(
      '2025-01-01T00:00:02.500000001Z',
    );
  });

  it('turns nextForcePowerStateSyncTime "now" into the time and keeps it; any other value is denied', async () => {
    const { create, group, kube, clock, refusal } = setup();
    const made = await create(group('g', { powerState: 'PoweredOff', nextForcePowerStateSyncTime: 'NOW' }));
    expect(made.spec?.nextForcePowerStateSyncTime).toBe('2025-01-01T00:00:00Z');
    expect(made.metadata.annotations?.[LAST_UPDATED_POWER_STATE_TIME]).toBe('2025-01-01T00:00:00Z');
    clock.set(START + 5000);
    const { nextForcePowerStateSyncTime: _, ...withoutSync } = made.spec ?? {};
    const kept = (await kube.update({ ...made, spec: withoutSync } as KubeObject)) as VirtualMachineGroup;
    expect(kept.spec?.nextForcePowerStateSyncTime).toBe('2025-01-01T00:00:00Z');
    const denied = await refusal(
      kube.update({ ...kept, spec: { ...kept.spec, nextForcePowerStateSyncTime: 'tomorrow' } } as KubeObject),
    );
    expect(denied.status).toMatchObject({
      code: 403,
      reason: 'Forbidden',
      message: `admission webhook "${MUTATING}" denied the request: spec.nextForcePowerStateSyncTime: Invalid value: "tomorrow": may only be set to "now"`,
    });
  });

  it("drops the apply-power-state time a parent left when the group's own power state changes", async () => {
    const { create, group, kube } = setup();
    const made = await create(group('g', { powerState: 'PoweredOff' }, {}));
    const pushed = (await kube.direct.update({
      ...made,
      metadata: {
        ...made.metadata,
        annotations: { ...made.metadata.annotations, [APPLY_POWER_STATE_TIME]: 'x' },
      },
      spec: { ...made.spec, powerState: 'PoweredOn' },
    } as KubeObject)) as VirtualMachineGroup;
    expect(pushed.metadata.annotations?.[APPLY_POWER_STATE_TIME]).toBe('x');
    const direct = (await kube.update({
      ...pushed,
      spec: { ...pushed.spec, powerState: 'Suspended' },
    } as KubeObject)) as VirtualMachineGroup;
    expect(direct.metadata.annotations?.[APPLY_POWER_STATE_TIME]).toBeUndefined();
  });

  it('fails to decode a boot order delay that is no duration (500)', async () => {
    const { create, group, refusal } = setup();
    const failed = await refusal(
      create(group('g', { bootOrder: [{ members: [{ name: 'a' }], powerOnDelay: '5 s' }] })),
    );
    expect(failed.status).toMatchObject({
      code: 500,
      message: expect.stringContaining('time: unknown unit " s" in duration "5 s"'),
    });
  });

  it("takes a member's leaving off its owner references, and a VM's direct power change off its apply time", async () => {
    const { kube, group, create } = setup();
    const parent = await create(group('parent'));
    const owner = {
      apiVersion: V6,
      kind: 'VirtualMachineGroup',
      name: 'parent',
      uid: parent.metadata.uid as string,
    };
    const child = await create(group('child', { groupName: 'parent' }, {}));
    const owned = await kube.direct.update({
      ...child,
      metadata: { ...child.metadata, ownerReferences: [owner] },
    } as KubeObject);
    const left = await kube.update({ ...owned, spec: { ...(owned.spec as object), groupName: 'other' } });
    expect(left.metadata.ownerReferences).toBeUndefined();
    await kube.create({
      apiVersion: V6,
      kind: 'VirtualMachineImage',
      metadata: { name: 'i', namespace: 'ns1' },
    });
    const vm = await kube.direct.create({
      apiVersion: V6,
      kind: 'VirtualMachine',
      metadata: {
        name: 'vm-1',
        namespace: 'ns1',
        annotations: { [APPLY_POWER_STATE_TIME]: '2025-01-01T00:01:00Z' },
        ownerReferences: [owner],
      },
      spec: {
        className: 'c',
        image: { kind: 'VirtualMachineImage', name: 'i' },
        groupName: 'parent',
        powerState: 'PoweredOff',
      },
    });
    const powered = (await kube.update({
      ...vm,
      spec: { ...(vm.spec as object), powerState: 'PoweredOn' },
    })) as VirtualMachine;
    expect(powered.metadata.annotations?.[APPLY_POWER_STATE_TIME]).toBeUndefined();
    expect(powered.metadata.ownerReferences).toEqual([owner]);
    const unlinked = await kube.update({
      ...powered,
      spec: { ...powered.spec, groupName: '' },
    } as KubeObject);
    expect(unlinked.metadata.ownerReferences).toBeUndefined();
  });
});

describe('VirtualMachineGroup validating webhook', () => {
  it('refuses duplicate members, a group in itself, powerOffDelay and kinds outside the schema', async () => {
    const { create, group, refusal } = setup();
    const denied = await refusal(
      create(
        group('g', {
          groupName: 'g',
          bootOrder: [
            { members: [{ name: 'a' }, { name: 'g', kind: 'VirtualMachineGroup' }] },
            { members: [{ name: 'a', kind: 'VirtualMachine' }], powerOffDelay: '10s' },
          ],
        }),
      ),
    );
    expect(denied.status).toMatchObject({
      code: 422,
      message:
        `admission webhook "${VALIDATING}" denied the request: ` +
        'spec.bootOrder[0].members[1]: Invalid value: "VirtualMachineGroup/g": group cannot have itself as a member or group name, ' +
        'spec.bootOrder[1].members[0]: Duplicate value: "VirtualMachine/a", ' +
        'spec.groupName: Invalid value: "g": group cannot have itself as a member or group name, ' +
        'spec.bootOrder[1].powerOffDelay: Forbidden: specifying powerOffDelay is not supported',
    });
    const schema = await refusal(
      create(
        group('h', {
          powerState: 'On' as never,
          bootOrder: [{ members: [{ name: 'a', kind: 'Pod' as never }] }],
        }),
      ),
    );
    expect(schema.status).toMatchObject({ code: 422, reason: 'Invalid' });
    expect(schema.status.details?.causes?.map((c) => c.field)).toEqual([
      'spec.powerState',
      'spec.bootOrder[0].members[0].kind',
    ]);
  });

  it("keeps the stamp a privileged account's alone to change, and the power state once set", async () => {
    const { create, group, kube, refusal } = setup();
    await create(group('g', { powerState: 'PoweredOn' }));
    const stored = () =>
      kube.direct.get({
        apiVersion: V6,
        kind: 'VirtualMachineGroup',
        namespace: 'ns1',
        name: 'g',
      }) as KubeObject;
    const restamp = (stamp: string) =>
      ({
        ...stored(),
        metadata: { ...stored().metadata, annotations: { [LAST_UPDATED_POWER_STATE_TIME]: stamp } },
      }) as KubeObject;
    const forbidden = await refusal(kube.update(restamp('2026-01-01T00:00:00Z')));
    expect(forbidden.message).toContain(
      `metadata.annotations[${LAST_UPDATED_POWER_STATE_TIME}]: Forbidden: modifying this annotation is not allowed for non-admin users`,
    );
    expect(kube.direct.update(restamp('2026-01-01T00:00:00Z')).metadata.annotations).toBeDefined();
    const badTime = await refusal(Promise.resolve().then(() => kube.direct.update(restamp('yesterday'))));
    expect(badTime.message).toContain('Invalid value: "yesterday": time must be in RFC3339Nano format');
    const current = stored();
    const emptied = await refusal(kube.update({ ...current, spec: {} }));
    expect(emptied.message).toContain(
      "spec.powerState: Forbidden: cannot set powerState to empty once it's been set",
    );
  });

  it('refuses, as the CRD schema does, a member listed twice in one boot order group and one without a name', async () => {
    const { create, group, refusal } = setup();
    const denied = await refusal(
      create(
        group('g', {
          bootOrder: [
            {
              members: [
                { name: 'a' },
                { name: 'a', kind: 'VirtualMachine' },
                { kind: 'VirtualMachine' } as never,
              ],
            },
          ],
        }),
      ),
    );
    expect(denied.status).toMatchObject({ code: 422, reason: 'Invalid' });
    // The list's repeated key after the schema's causes, as the API server checks list types.
    expect(denied.status.details?.causes).toEqual([
      { field: 'spec.bootOrder[0].members[2].name', message: 'Required value', reason: 'FieldValueRequired' },
      {
        field: 'spec.bootOrder[0].members[1]',
        message: 'Duplicate value: map[string]interface {}{"kind":"VirtualMachine", "name":"a"}',
        reason: 'FieldValueDuplicate',
      },
    ]);
  });
});

describe("a VM's group fields in its webhooks", () => {
  const vm = (name: string, annotations: Record<string, string>, spec: Record<string, unknown> = {}) => ({
    apiVersion: V6,
    kind: 'VirtualMachine',
    metadata: { name, namespace: 'ns1', annotations },
    spec: { className: 'c', image: { kind: 'VirtualMachineImage', name: 'i' }, ...spec },
  });

  /** The store with the image `i` the VMs name. */
  const withImage = async () => {
    const t = setup();
    await t.kube.create({
      apiVersion: V6,
      kind: 'VirtualMachineImage',
      metadata: { name: 'i', namespace: 'ns1' },
    });
    return t;
  };

  it('needs an RFC3339Nano apply time, and a group for an affinity', async () => {
    const { kube, refusal } = await withImage();
    const badTime = await refusal(kube.create(vm('a', { [APPLY_POWER_STATE_TIME]: 'soon' })));
    expect(badTime.message).toContain(
      `metadata.annotations[${APPLY_POWER_STATE_TIME}]: Invalid value: "soon": must be formatted as RFC3339Nano`,
    );
    const affinity = { vmAffinity: { requiredDuringSchedulingPreferredDuringExecution: [] } };
    const lone = await refusal(kube.create(vm('b', {}, { affinity })));
    expect(lone.message).toContain('spec.groupName: Required value: when setting affinity');
    await expect(
      kube.create(
        vm('c', { [APPLY_POWER_STATE_TIME]: '2025-01-01T00:00:30Z' }, { affinity, groupName: 'g' }),
      ),
    ).resolves.toBeDefined();
  });

  it("takes affinity terms of `In` selectors without vm-operator's labels, by zone (or host where DRS may act)", async () => {
    const { kube, refusal } = await withImage();
    const ZONE = 'topology.kubernetes.io/zone';
    const HOST = 'kubernetes.io/hostname';
    const term = (
      topologyKey: string,
      selector: Record<string, unknown> = { matchLabels: { app: 'db' } },
    ) => ({
      labelSelector: selector,
      topologyKey,
    });
    const affinity = {
      vmAffinity: {
        requiredDuringSchedulingPreferredDuringExecution: [
          term(HOST),
          term(ZONE, { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['x'] }] }),
        ],
        preferredDuringSchedulingPreferredDuringExecution: [
          term(ZONE, { matchLabels: { 'vmoperator.vmware.com/paused': 'x' } }),
          term(ZONE, {
            matchExpressions: [{ key: 'a.vmoperator.vmware.com/b', operator: 'In', values: ['x'] }],
          }),
        ],
      },
      vmAntiAffinity: {
        requiredDuringSchedulingPreferredDuringExecution: [term(HOST)],
        preferredDuringSchedulingPreferredDuringExecution: [term(HOST), term('example.com/rack')],
      },
    };
    const refused = await refusal(kube.create(vm('a', {}, { affinity, groupName: 'g' })));
    const affinityPath = 'spec.affinity.vmAffinity.';
    const antiPath = 'spec.affinity.vmAntiAffinity.';
    const labels = 'label selector can not contain VM Operator managed labels (vmoperator.vmware.com)';
    expect(refused.status?.reason).toBe(
      [
        `${affinityPath}requiredDuringSchedulingPreferredDuringExecution[0].topologyKey: Unsupported value: "${HOST}": supported values: "${ZONE}"`,
        `${affinityPath}requiredDuringSchedulingPreferredDuringExecution[1].labelSelector.matchExpressions[0].operator: Unsupported value: "NotIn": supported values: "In"`,
        `${affinityPath}preferredDuringSchedulingPreferredDuringExecution[0].labelSelector.matchLabels: Forbidden: ${labels}`,
        `${affinityPath}preferredDuringSchedulingPreferredDuringExecution[1].labelSelector.matchExpressions[0].key: Forbidden: ${labels}`,
        `${antiPath}requiredDuringSchedulingPreferredDuringExecution[0].topologyKey: Unsupported value: "${HOST}": supported values: "${ZONE}"`,
        `${antiPath}preferredDuringSchedulingPreferredDuringExecution[1].topologyKey: Unsupported value: "example.com/rack": supported values: "${ZONE}", "${HOST}"`,
      ].join(', '),
    );
    // A privileged account's required anti-affinity may keep VMs on different hosts.
    const hosts = { vmAntiAffinity: { requiredDuringSchedulingPreferredDuringExecution: [term(HOST)] } };
    expect(kube.direct.create(vm('b', {}, { affinity: hosts, groupName: 'g' }))).toBeDefined();
    const zones = { vmAffinity: { requiredDuringSchedulingPreferredDuringExecution: [term(ZONE)] } };
    await expect(kube.create(vm('c', {}, { affinity: zones, groupName: 'g' }))).resolves.toBeDefined();
  });
});
