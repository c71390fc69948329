import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../store/meta.js';
import { placementOf, type ZoneChooser } from './layout.js';

const zone = (name: string, deleting = false): KubeObject => ({
  apiVersion: 'topology.tanzu.vmware.com/v1alpha1',
  kind: 'Zone',
  metadata: { name, namespace: 'ns1', ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
  spec: { managedVMs: { poolMoIDs: [`pool-${name}`], folderMoID: 'folder' } },
});
const at = (name: string) => ({ pool: `pool-${name}`, folder: 'folder', zone: name });
const last: ZoneChooser = (candidates) => candidates.at(-1);

describe("a namespace's placement among its zones", () => {
  it('takes the zone wanted, the only one, or the one chosen among several, marked chosen', () => {
    const zones = [zone('a'), zone('b'), zone('c')];
    expect(placementOf(undefined, zones, 'b', last)).toEqual(at('b'));
    expect(placementOf(undefined, [zone('a')], undefined, last)).toEqual(at('a'));
    expect(placementOf(undefined, zones, undefined, last)).toEqual({ ...at('c'), chosen: true });
    // Without a chooser: the first, as for the resource policies' folder.
    expect(placementOf(undefined, zones)).toEqual(at('a'));
  });

  it('leaves zones being deleted out of the choice while another can take the VM', () => {
    expect(placementOf(undefined, [zone('a'), zone('b', true), zone('c')], undefined, last)).toEqual({
      ...at('c'),
      chosen: true,
    });
    expect(placementOf(undefined, [zone('a', true), zone('b')], undefined, last)).toEqual(at('b'));
    expect(placementOf(undefined, [zone('a', true)], undefined, last)).toEqual(at('a'));
    // A zone named is taken whatever its state.
    expect(placementOf(undefined, [zone('a', true), zone('b')], 'a', last)).toEqual(at('a'));
  });

  it('gives no zone when the chooser finds the VM in none of them', () => {
    expect(placementOf(undefined, [zone('a'), zone('b')], undefined, () => undefined)).toEqual({
      pool: 'pool-a',
      folder: 'folder',
    });
  });
});
