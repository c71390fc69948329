import { describe, expect, it } from 'vitest';
import { ZONE_LABEL } from '../../api/annotations.js';
import type { VirtualMachine } from '../../api/types.js';
import { TaggedZones, tagsOf, zoneRulesOf } from './zone-policies.js';

const vm = (labels: Record<string, string>, affinity?: NonNullable<VirtualMachine['spec']>['affinity']) =>
  ({ metadata: { name: 'vm', labels }, spec: affinity ? { affinity } : {} }) as VirtualMachine;

const term = (selector: object, topologyKey = ZONE_LABEL) => ({ labelSelector: selector, topologyKey });

describe('zone placement policies', () => {
  it("makes tags of a VM's labels but vm-operator's", () => {
    expect(tagsOf(vm({ app: 'web', 'vmoperator.vmware.com/paused': 'admin', [ZONE_LABEL]: 'z1' }))).toEqual([
      'app:web',
      `${ZONE_LABEL}:z1`,
    ]);
  });

  it('reads the zone terms alone, match labels and In expressions as tags, sorted', () => {
    const rules = zoneRulesOf(
      vm(
        {},
        {
          vmAffinity: {
            requiredDuringSchedulingPreferredDuringExecution: [
              term({
                matchLabels: { b: '1' },
                matchExpressions: [{ key: 'a', operator: 'In', values: ['2', '1'] }],
              }),
              term({ matchLabels: { host: 'x' } }, 'kubernetes.io/hostname'),
              term({ matchExpressions: [{ key: 'c', operator: 'NotIn', values: ['1'] }] }),
            ],
          },
          vmAntiAffinity: {
            preferredDuringSchedulingPreferredDuringExecution: [term({ matchLabels: { d: '1' } })],
          },
        },
      ),
    );
    expect(rules).toEqual({
      required: { with: ['a:1', 'a:2', 'b:1'], apart: [] },
      preferred: { with: [], apart: ['d:1'] },
    });
    expect(zoneRulesOf(vm({}, { vmAffinity: {} }))).toBeUndefined();
  });

  it('allows the zones of the tagged VMs, none of the anti-affine ones, preferences where some zone keeps them', () => {
    const tagged = new TaggedZones();
    tagged.add(vm({ tier: 'db' }), 'z1');
    tagged.add(vm({ tier: 'web' }), 'z2');
    const zones = ['z1', 'z2', 'z3'];
    const rules = (required: object, preferred: object = {}) => ({
      required: { with: [], apart: [], ...required },
      preferred: { with: [], apart: [], ...preferred },
    });
    expect(tagged.allowed(zones, rules({ with: ['tier:db'] }))).toEqual(['z1']);
    // No VM of the tag yet: anywhere.
    expect(tagged.allowed(zones, rules({ with: ['tier:cache'] }))).toEqual(zones);
    expect(tagged.allowed(zones, rules({ apart: ['tier:db', 'tier:web'] }))).toEqual(['z3']);
    expect(tagged.allowed(zones, rules({ with: ['tier:db'], apart: ['tier:db'] }))).toEqual([]);
    expect(tagged.allowed(zones, rules({}, { apart: ['tier:web'] }))).toEqual(['z1', 'z3']);
    // A preference no allowed zone keeps is dropped.
    expect(tagged.allowed(zones, rules({ with: ['tier:web'] }, { apart: ['tier:web'] }))).toEqual(['z2']);
  });
});
