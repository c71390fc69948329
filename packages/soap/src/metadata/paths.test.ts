import { describe, expect, it } from 'vitest';
import { isSchemaPath, pathType } from './paths.js';

describe('property paths against the schema', () => {
  it('types nested and keyed paths', () => {
    expect(pathType('VirtualMachine', 'summary.runtime.powerState')).toEqual({
      type: 'VirtualMachinePowerState',
      array: false,
    });
    expect(pathType('VirtualMachine', 'config.hardware.device[4000]')?.type).toBe('VirtualDevice');
    expect(pathType('VirtualMachine', 'config.hardware.device')?.array).toBe(true);
  });

  it('accepts paths the schema has, also through subtypes and keyed steps', () => {
    expect(isSchemaPath('VirtualMachine', 'summary.runtime.powerState')).toBe(true);
    expect(isSchemaPath('VirtualMachine', 'config.hardware.device[4000].backing.fileName')).toBe(true);
    expect(isSchemaPath('VirtualMachine', 'config.extraConfig["guestinfo.a.b"]')).toBe(true);
    expect(isSchemaPath('VirtualMachine', 'config.extraConfig["guestinfo.a.b"].value')).toBe(true);
    expect(isSchemaPath('Datastore', 'info.vmfs.capacity')).toBe(true);
  });

  it('rejects a name below the top level that no type along the path has', () => {
    expect(isSchemaPath('VirtualMachine', 'config.noSuchThing')).toBe(false);
    expect(isSchemaPath('VirtualMachine', 'summary.runtime.powerState.more')).toBe(false);
    expect(isSchemaPath('VirtualMachine', 'parent.name')).toBe(false);
    expect(isSchemaPath('HostSystem', 'config.hardware.device')).toBe(false);
  });

  it('leaves unknown top-level names and unknown types to the model', () => {
    expect(isSchemaPath('VirtualMachine', 'noSuchProperty')).toBe(true);
    expect(isSchemaPath('NoSuchType', 'a.b')).toBe(true);
  });
});
