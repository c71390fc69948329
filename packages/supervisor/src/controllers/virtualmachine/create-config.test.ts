import { isDefaultAllocation } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import type { VirtualMachine, VirtualMachineClass } from '../../api/types.js';
import { ClassConfigSpecError, classAllocations, classConfigOf, createExtraConfig } from './create-config.js';

const vmClass = (spec: VirtualMachineClass['spec']): VirtualMachineClass =>
  ({
    apiVersion: 'vmoperator.vmware.com/v1alpha6',
    kind: 'VirtualMachineClass',
    metadata: { name: 'c', namespace: 'ns1' },
    spec,
  }) as VirtualMachineClass;

const vm = (annotations: Record<string, string> = {}): VirtualMachine =>
  ({
    apiVersion: 'vmoperator.vmware.com/v1alpha6',
    kind: 'VirtualMachine',
    metadata: { name: 'vm1', namespace: 'ns1', annotations },
  }) as VirtualMachine;

describe("a class's config spec, as vm-operator decodes it", () => {
  it("reads govmomi's JSON: type names, boxed values and arrays", () => {
    const config = classConfigOf(
      vmClass({
        configSpec: {
          _typeName: 'VirtualMachineConfigSpec',
          extraConfig: [
            { _typeName: 'OptionValue', key: 'a', value: { _typeName: 'int', _value: 7 } },
            { _typeName: 'OptionValue', key: 'b', value: { _typeName: 'boolean', _value: true } },
            // An enum's value in an `any` field.
            {
              _typeName: 'OptionValue',
              key: 'c',
              value: { _typeName: 'VirtualMachinePowerState', _value: 'poweredOn' },
            },
          ],
          deviceChange: [
            {
              _typeName: 'VirtualDeviceConfigSpec',
              operation: 'add',
              device: {
                _typeName: 'VirtualPCIPassthrough',
                key: -1,
                backing: {
                  _typeName: 'VirtualPCIPassthroughDynamicBackingInfo',
                  allowedDevice: {
                    _typeName: 'ArrayOfVirtualPCIPassthroughAllowedDevice',
                    _value: [{ _typeName: 'VirtualPCIPassthroughAllowedDevice', vendorId: 1, deviceId: 2 }],
                  },
                },
              },
            },
            // Kept, as vm-operator keeps it: vSphere says whether it can be done.
            {
              _typeName: 'VirtualDeviceConfigSpec',
              operation: 'remove',
              device: { _typeName: 'VirtualFloppy', key: 8000 },
            },
          ],
        },
      }),
    );
    expect(config.extraConfig).toEqual([
      { key: 'a', value: '7' },
      { key: 'b', value: 'true' },
      { key: 'c', value: 'poweredOn' },
    ]);
    expect(config.deviceChange).toEqual([
      {
        _type: 'VirtualDeviceConfigSpec',
        operation: 'add',
        device: {
          _type: 'VirtualPCIPassthrough',
          key: -1,
          backing: {
            _type: 'VirtualPCIPassthroughDynamicBackingInfo',
            allowedDevice: [{ _type: 'VirtualPCIPassthroughAllowedDevice', vendorId: 1, deviceId: 2 }],
          },
        },
      },
      {
        _type: 'VirtualDeviceConfigSpec',
        operation: 'remove',
        device: { _type: 'VirtualFloppy', key: 8000 },
      },
    ]);
    expect(Object.isFrozen(config.deviceChange)).toBe(true);
  });

  it('keeps a raw device mapping, but no other disk', () => {
    const disk = (backing: string) => ({
      operation: 'add',
      device: { _typeName: 'VirtualDisk', key: -1, backing: { _typeName: backing } },
    });
    const config = classConfigOf(
      vmClass({
        configSpec: {
          deviceChange: [
            disk('VirtualDiskFlatVer2BackingInfo'),
            disk('VirtualDiskRawDiskMappingVer1BackingInfo'),
          ],
        },
      }),
    );
    expect(config.deviceChange.map((c) => (c.device.backing as { _type: string })._type)).toEqual([
      'VirtualDiskRawDiskMappingVer1BackingInfo',
    ]);
  });

  it('refuses what is no VirtualMachineConfigSpec', () => {
    const refused: [unknown, string][] = [
      [[], 'spec.configSpec: not a VirtualMachineConfigSpec'],
      [{ _typeName: 'VirtualMachineCloneSpec' }, 'spec.configSpec: not a VirtualMachineConfigSpec'],
      [{ annotation: { _typeName: 7 } }, 'spec.configSpec.annotation._typeName: not a type name'],
      [
        { annotation: { _typeName: 'OptionValue', _value: { key: 'x' } } },
        'spec.configSpec.annotation: a OptionValue is no boxed value',
      ],
      [{ deviceChange: { operation: 'add' } }, 'spec.configSpec.deviceChange: not a list'],
      [{ extraConfig: [{ value: 'x' }] }, 'spec.configSpec.extraConfig[0]: no key'],
      [{ deviceChange: [{ operation: 'add', device: {} }] }, 'spec.configSpec.deviceChange[0]: no device'],
      [{ cpuAllocation: [] }, 'spec.configSpec.cpuAllocation: not a ResourceAllocationInfo'],
      [
        { memoryAllocation: { reservation: '1Gi' } },
        'spec.configSpec.memoryAllocation.reservation: not an integer',
      ],
      [{ cpuAllocation: { limit: 1.5 } }, 'spec.configSpec.cpuAllocation.limit: not an integer'],
      [
        { cpuAllocation: { shares: { shares: 10 } } },
        'spec.configSpec.cpuAllocation.shares: not a SharesInfo',
      ],
      [{ cpuAllocation: { shares: 'high' } }, 'spec.configSpec.cpuAllocation.shares: not a SharesInfo'],
      [
        { memoryAllocation: { shares: { level: 'custom', shares: 'many' } } },
        'spec.configSpec.memoryAllocation.shares.shares: not an integer',
      ],
      [{ latencySensitivity: 'high' }, 'spec.configSpec.latencySensitivity: not a LatencySensitivity'],
    ];
    for (const [configSpec, message] of refused) {
      const decode = () => classConfigOf(vmClass({ configSpec }));
      expect(decode).toThrow(ClassConfigSpecError);
      expect(decode).toThrow(message);
    }
  });

  it('is decoded once per version of the class', () => {
    const c = vmClass({ hardware: { devices: { vgpuDevices: [{ profileName: 'grid_t4-1q' }] } } });
    expect(classConfigOf(c)).toBe(classConfigOf(c));
    expect(classConfigOf(vmClass({}))).toBe(classConfigOf(undefined));
  });
});

describe("the allocations vm-operator's create config spec gives a VM", () => {
  const mhz = () => 2000;

  it("turns a class's requests and limits into a reservation and a limit, normal shares", () => {
    const c = vmClass({
      policies: { resources: { requests: { cpu: '1500m', memory: '1.5Gi' }, limits: { memory: '2Gi' } } },
    });
    expect(classAllocations(c, classConfigOf(c), mhz)).toEqual({
      cpu: { reservation: 3000, limit: -1, shares: { level: 'normal' } },
      memory: { reservation: 1536, limit: 2048, shares: { level: 'normal' } },
    });
    // A negative request is passed on (for vSphere to refuse); without a clock a core is 0 MHz.
    const negative = vmClass({ policies: { resources: { requests: { cpu: '-500m' } } } });
    expect(classAllocations(negative, classConfigOf(negative), mhz).cpu.reservation).toBe(-1000);
    const clockless = vmClass({ policies: { resources: { limits: { cpu: '1' } } } });
    expect(classAllocations(clockless, classConfigOf(clockless), () => 0).cpu).toEqual({
      limit: 0,
      shares: { level: 'normal' },
    });
  });

  it("otherwise completes the config spec's with vSphere's defaults, and gives none at all the defaults", () => {
    const configSpec = { cpuAllocation: { limit: 100, shares: { level: 'low', shares: 0 } } };
    const c = vmClass({ configSpec, policies: { resources: { requests: { cpu: '0' } } } });
    const allocations = classAllocations(c, classConfigOf(c), mhz);
    expect(allocations.cpu).toEqual({ reservation: 0, limit: 100, shares: { level: 'low', shares: 0 } });
    expect(isDefaultAllocation(allocations.cpu)).toBe(false);
    expect(isDefaultAllocation(allocations.memory)).toBe(true);
    expect(isDefaultAllocation(classAllocations(undefined, classConfigOf(undefined), mhz).cpu)).toBe(true);
  });
});

describe("the extra config vm-operator's create gives a VM", () => {
  it("puts the VM's name and the class's reserved profile over the class's, and its own defaults under it", () => {
    const c = vmClass({
      reservedProfileID: 'profile-1',
      configSpec: {
        extraConfig: [
          { key: 'vmservice.namespacedName', value: 'other/name' },
          { key: 'vmware.tools.gosc.ignoretoolscheck', value: 'FALSE' },
        ],
      },
    });
    expect(createExtraConfig(vm(), c, classConfigOf(c))).toEqual([
      { key: 'vmservice.namespacedName', value: 'ns1/vm1' },
      { key: 'vmware.tools.gosc.ignoretoolscheck', value: 'FALSE' },
      { key: 'resourcepool.vmResourceProfileId', value: 'profile-1' },
      { key: 'disk.enableUUID', value: 'TRUE' },
    ]);
  });

  it('opens a 64-bit MMIO window for PCI passthrough devices, of the size the VM asks for', () => {
    const c = vmClass({ hardware: { devices: { vgpuDevices: [{ profileName: 'grid_t4-1q' }] } } });
    const mmio = (annotations?: Record<string, string>) =>
      createExtraConfig(vm(annotations), c, classConfigOf(c))
        .filter((o) => o.key.startsWith('pciPassthru'))
        .map((o) => `${o.key}=${o.value}`);
    expect(mmio()).toEqual(['pciPassthru.64bitMMIOSizeGB=512', 'pciPassthru.use64bitMMIO=TRUE']);
    expect(mmio({ 'vmoperator.vmware.com/pci-passthru-64bit-mmio-size': '256' })).toEqual([
      'pciPassthru.64bitMMIOSizeGB=256',
      'pciPassthru.use64bitMMIO=TRUE',
    ]);
    expect(mmio({ 'vmoperator.vmware.com/pci-passthru-64bit-mmio-size': '0' })).toEqual([]);
  });
});
