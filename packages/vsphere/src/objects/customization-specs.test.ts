import { describe, expect, it } from 'vitest';
import { saveState } from '../save.js';
import { createFixture } from '../testing/fixture.js';
import { VSphere } from '../vsphere.js';
import type { CustomizationSpecItem } from './customization-specs.js';

const linux = (name: string, hostName = 'web'): CustomizationSpecItem => ({
  info: { name, description: 'web servers', type: 'Linux' },
  spec: {
    identity: {
      _type: 'CustomizationLinuxPrep',
      hostName: { _type: 'CustomizationFixedName', name: hostName },
    },
    globalIPSettings: { _type: 'CustomizationGlobalIPSettings' },
  },
});

describe('CustomizationSpecManager', () => {
  it('keeps specs by name, stamped with a change version and the time of their last change', () => {
    const { vsphere } = createFixture();
    const specs = vsphere.customizationSpecs;
    expect(specs.list()).toEqual([]);
    expect(specs.exists('web')).toBe(false);
    specs.create(linux('web'));
    expect(specs.exists('web')).toBe(true);
    expect(specs.get('web')).toEqual({
      info: {
        name: 'web',
        description: 'web servers',
        type: 'Linux',
        changeVersion: '1',
        lastUpdateTime: new Date(vsphere.clock.now()).toISOString(),
      },
      spec: linux('web').spec,
    });
    expect(vsphere.read('CustomizationSpecManager', 'info')).toEqual([
      { _type: 'CustomizationSpecInfo', ...specs.get('web').info },
    ]);
  });

  it('overwrites a spec as of its change version, and refuses a stale one (ConcurrentAccess)', () => {
    const { vsphere } = createFixture();
    const specs = vsphere.customizationSpecs;
    specs.create(linux('web'));
    const read = specs.get('web');
    specs.overwrite({ ...linux('web', 'web-2'), info: read.info });
    expect(specs.get('web').info.changeVersion).toBe('2');
    expect(() => specs.overwrite({ ...linux('web', 'web-3'), info: read.info })).toThrow(
      expect.objectContaining({ fault: { _type: 'ConcurrentAccess' } }),
    );
    // Without a change version, the last writer wins.
    specs.overwrite(linux('web', 'web-4'));
    expect(specs.get('web').spec.identity.hostName).toEqual({
      _type: 'CustomizationFixedName',
      name: 'web-4',
    });
    expect(() => specs.overwrite(linux('other'))).toThrow(
      expect.objectContaining({ fault: { _type: 'NotFound' } }),
    );
  });

  it('duplicates, renames and deletes by name; a taken name is AlreadyExists, a missing one NotFound', () => {
    const { vsphere } = createFixture();
    const specs = vsphere.customizationSpecs;
    specs.create(linux('web'));
    expect(() => specs.create(linux('web'))).toThrow(
      expect.objectContaining({ fault: { _type: 'AlreadyExists', name: 'web' } }),
    );
    specs.duplicate('web', 'web-copy');
    expect(specs.get('web-copy').spec).toEqual(specs.get('web').spec);
    expect(() => specs.duplicate('web', 'web-copy')).toThrow(
      expect.objectContaining({ fault: { _type: 'AlreadyExists', name: 'web-copy' } }),
    );
    specs.rename('web-copy', 'db');
    expect(specs.list().map((info) => info.name)).toEqual(['web', 'db']);
    expect(specs.get('db').info.changeVersion).toBe('2');
    specs.delete('web');
    expect(specs.list().map((info) => info.name)).toEqual(['db']);
    for (const attempt of [() => specs.get('web'), () => specs.delete('web'), () => specs.rename('web', 'x')])
      expect(attempt).toThrow(expect.objectContaining({ fault: { _type: 'NotFound' } }));
  });

  it('refuses a spec without a name, a known type, the identity of its type or global IP settings (CustomizationFault)', () => {
    const { vsphere } = createFixture();
    const specs = vsphere.customizationSpecs;
    const good = linux('x');
    const bad: CustomizationSpecItem[] = [
      { ...good, info: { ...good.info, name: '' } },
      { ...good, info: { ...good.info, type: 'Solaris' as 'Linux' } },
      { ...good, info: { ...good.info, type: 'Windows' } },
      { info: good.info, spec: { globalIPSettings: {} } as unknown as CustomizationSpecItem['spec'] },
      { info: good.info, spec: { identity: good.spec.identity } },
    ];
    for (const item of bad)
      expect(() => specs.create(item)).toThrow(
        expect.objectContaining({ fault: { _type: 'CustomizationFault' } }),
      );
    expect(specs.list()).toEqual([]);
  });

  it('keeps its specs in a saved state', () => {
    const { vsphere } = createFixture();
    vsphere.customizationSpecs.create(linux('web'));
    const loaded = new VSphere({ state: JSON.parse(JSON.stringify(saveState(vsphere))) });
    expect(loaded.customizationSpecs.get('web')).toEqual(vsphere.customizationSpecs.get('web'));
  });
});
