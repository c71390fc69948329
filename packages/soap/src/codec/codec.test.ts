/**
 * Round trips of every registered data type: a sample value built from the metadata is
 * encoded as the server writes it and decoded as the server reads it, and comes back equal.
 */
import { describe, expect, it } from 'vitest';
import {
  compatibleTypeOf,
  enumOf,
  kindOf,
  MOREF,
  metadata,
  typeOf,
  visiblePropertiesOf,
} from '../metadata/registry.js';
import type { PropertyInfo } from '../metadata/types.js';
import { decodeFragment } from './decode.js';
import { encodeProperty } from './encode.js';

const NEWEST = { version: '7.0' };

const SAMPLES: Record<string, unknown> = {
  string: 'a<b>&"c"',
  boolean: true,
  byte: -7,
  short: 1234,
  int: -2147483648,
  long: 9007199254740991,
  float: 1.5,
  double: -0.25,
  dateTime: '2025-01-01T00:00:00.000Z',
  base64Binary: 'aGVsbG8=',
  anyURI: 'https://example.invalid/x',
};

/** A value of `type` with every property set, nested types down to `depth`. */
const sample = (type: string, depth: number): unknown => {
  if (type in SAMPLES) return SAMPLES[type];
  if (type === MOREF) return { type: 'VirtualMachine', value: 'vm-42' };
  if (type === 'anyType') return 'any';
  const kind = kindOf(type);
  if (kind === 'enum') return enumOf(type)?.values[0]?.value;
  const info = typeOf(type);
  if (info?.kind !== 'data') return undefined;
  const out: Record<string, unknown> = { _type: type };
  for (const p of visiblePropertiesOf(type, NEWEST.version)) {
    if (depth <= 0 && p.optional) continue;
    const v = sampleOf(p, depth - 1);
    if (v !== undefined) out[p.name] = v;
  }
  return out;
};

const sampleOf = (p: PropertyInfo, depth: number): unknown => {
  const v = sample(p.type, depth);
  return v === undefined ? undefined : p.array ? [v, v] : v;
};

const roundTrip = (value: unknown, type: string, array = false) => {
  const xml = `<w xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">${encodeProperty('v', value, { type, array }, NEWEST)}</w>`;
  return decodeFragment(xml, 'v', { type, array }, NEWEST.version);
};

describe('the codec', () => {
  it('round-trips every data type of the metadata', () => {
    const failures: string[] = [];
    let count = 0;
    for (const [name] of metadata().dataTypes) {
      // Types a 7.0 client does not know are written as an ancestor: nothing to round-trip.
      if (compatibleTypeOf(name, NEWEST.version) !== name) continue;
      const value = sample(name, 2);
      if (value === undefined) continue;
      count++;
      try {
        expect(roundTrip(value, name)).toEqual(value);
      } catch (error) {
        failures.push(`${name}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
      }
    }
    expect(count).toBeGreaterThan(2500);
    expect(failures).toEqual([]);
  });

  it('writes a subtype with its xsi:type and reads it back as that subtype', () => {
    const disk = sample('VirtualDisk', 1) as Record<string, unknown>;
    const xml = encodeProperty('device', disk, { type: 'VirtualDevice', array: false }, NEWEST);
    expect(xml.startsWith('<device xsi:type="VirtualDisk">')).toBe(true);
    expect(roundTrip([disk], 'VirtualDevice', true)).toEqual([disk]);
  });

  it('omits what a client of an older version does not know', () => {
    const info = sample('VirtualMachineConfigInfo', 0) as Record<string, unknown>;
    const newer = encodeProperty(
      'v',
      { ...info, sgxInfo: { _type: 'VirtualMachineSgxInfo', epcSize: 1 } },
      { type: 'VirtualMachineConfigInfo', array: false },
      NEWEST,
    );
    const older = encodeProperty(
      'v',
      { ...info, sgxInfo: { _type: 'VirtualMachineSgxInfo', epcSize: 1 } },
      { type: 'VirtualMachineConfigInfo', array: false },
      { version: '6.7' },
    );
    expect(newer).toContain('<sgxInfo>');
    expect(older).not.toContain('sgxInfo');
  });
});
