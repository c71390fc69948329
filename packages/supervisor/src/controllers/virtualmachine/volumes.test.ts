import { describe, expect, it } from 'vitest';
import { bytesQuantity } from '../../store/quantity.js';
import { classicVolumes, pvcName } from './volumes.js';
import { xxHash64 } from './xxhash64.js';

describe('xxHash64', () => {
  it('gives the reference digests, through every path of the algorithm', () => {
    // The specification's vectors, and digests of xxhash's reference implementation: under 4,
    // 4 to 7 and 8 or more bytes after the 32-byte stripes, with and without stripes.
    const digests: [string, string][] = [
      ['', 'ef46db3751d8e999'],
      ['a', 'd24ec4f1a98c6e5b'],
      ['abc', '44bc2cf5ad770999'],
      ['hello, world!!', '69090a66e2886539'],
      ['0123456789abcdef', '5c5b90c34e376d0b'],
      ['Nobody inspects the spammish repetition', 'fbcea83c8a378bf1'],
      ['6000C29a-1111-2222-3333-444455556666', '9f893515c1f3ed41'],
    ];
    for (const [text, digest] of digests) expect(xxHash64(Buffer.from(text)), text).toBe(digest);
    // A prefix of a longer array: its first `length` bytes.
    expect(xxHash64(Buffer.from('abcdef'), 3)).toBe('44bc2cf5ad770999');
  });
});

describe('classic volumes', () => {
  it('names a disk as vm-operator does: the prefix, a dash, 8 hex digits of its UUID’s xxHash64', () => {
    expect(pvcName('disk', '6000C29a-1111-2222-3333-444455556666')).toBe('disk-9f893515');
    expect(pvcName('x'.repeat(60), '')).toBe(`${'x'.repeat(54)}-ef46db37`);
    // The UTF-8 of the text is hashed, however long it is.
    for (const suffix of ['disk-é-ü', 'z'.repeat(300), `é${'z'.repeat(255)}`])
      expect(pvcName('disk', suffix), suffix).toBe(`disk-${xxHash64(Buffer.from(suffix)).slice(0, 8)}`);
  });

  it('writes sizes as vm-operator does: binary when they divide down by 1024, else decimal', () => {
    const sizes = [0, 512, 1000, 1024, 2048, 1536 * 1024, 10 * 1024 ** 3, 10e9, 1000 * 1024 ** 2];
    expect(sizes.map(bytesQuantity)).toEqual([
      '0',
      '512',
      '1k',
      '1Ki',
      '2Ki',
      '1572864',
      '10Gi',
      '10G',
      '1000Mi',
    ]);
  });

  it('updates volumes as vm-operator does: usage only for a disk it lists, new disks added, gone ones dropped', () => {
    const disk = (uuid: string, gib: number) =>
      ({ _type: 'VirtualDisk', key: 2000, capacityInKB: gib * 1024 * 1024, backing: { uuid } }) as never;
    const listed = classicVolumes([disk('b', 20)]);
    const filesOf = (gib: number) => String(gib * 1024 ** 3 + 512);
    expect(listed).toMatchObject([{ diskUUID: 'b', limit: '20Gi', requested: '20Gi', used: filesOf(20) }]);
    // The same disks: the same list, as most passes find it.
    expect(classicVolumes([disk('b', 20)], listed)).toBe(listed);
    // Grown: the entry keeps its limit and request; the usage follows.
    const managed = { name: 'data', type: 'Managed' as const, attached: true, diskUUID: 'z' };
    const grown = classicVolumes([disk('b', 30), disk('a', 1)], [...listed, managed]);
    expect(grown).toEqual([
      {
        name: pvcName('disk', 'a'),
        type: 'Classic',
        attached: true,
        diskUUID: 'a',
        limit: '1Gi',
        requested: '1Gi',
        used: filesOf(1),
      },
      { ...listed[0], used: filesOf(30) },
      managed,
    ]);
    // Gone: its Classic entry goes; a claim's stays.
    expect(classicVolumes([], grown)).toEqual([managed]);
  });

  it('names a disk after the volume of the spec that sits where it does, listing it anew when renamed', () => {
    const devices = [
      { _type: 'ParaVirtualSCSIController', key: 1000, busNumber: 0 },
      {
        _type: 'VirtualDisk',
        key: 2000,
        controllerKey: 1000,
        unitNumber: 0,
        capacityInKB: 1024,
        backing: { uuid: 'b' },
      },
    ] as Parameters<typeof classicVolumes>[0] & Record<string, unknown>[];
    const listed = classicVolumes(devices);
    expect(listed.map((v) => v.name)).toEqual([pvcName('disk', 'b')]);
    const boot = { name: 'vm1-boot', controllerType: 'SCSI' as const, controllerBusNumber: 0, unitNumber: 0 };
    const renamed = classicVolumes(devices, [{ ...listed[0], limit: '9Gi' } as never], false, [boot]);
    expect(renamed).toEqual([{ ...listed[0], name: 'vm1-boot' }]);
    expect(classicVolumes(devices, renamed, false, [boot])).toBe(renamed);
    // A claim's disk keeps its own entry, whatever the spec places where it sits.
    const fcd = [devices[0], { ...devices[1], vDiskId: { id: 'fcd-1' } }] as typeof devices;
    const managed = [{ ...listed[0], name: 'data', type: 'Managed' as const }];
    expect(classicVolumes(fcd, managed, false, [boot])).toBe(managed);
    // A volume elsewhere, or placed in part, names nothing.
    expect(
      classicVolumes(devices, listed, false, [
        { ...boot, unitNumber: 1 },
        { name: 'x', controllerType: 'SCSI' },
      ]),
    ).toBe(listed);
  });
});
