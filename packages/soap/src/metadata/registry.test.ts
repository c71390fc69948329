import { describe, expect, it } from 'vitest';
import {
  arrayItemTypeOf,
  arrayWrapperName,
  compatibleTypeOf,
  enumOf,
  enumValues,
  isSubtypeOf,
  isVisibleIn,
  kindOf,
  knownVersions,
  managedTypeOf,
  metadata,
  methodOf,
  propertyOf,
  subtypesOf,
  typeOf,
  versionFromNamespace,
  versionOrder,
  visiblePropertiesOf,
} from './registry.js';

const names = (list: readonly { name: string }[]) => list.map((x) => x.name);

describe('data types', () => {
  it('resolves VirtualDisk as a VirtualDevice', () => {
    const disk = typeOf('VirtualDisk');
    expect(disk?.kind).toBe('data');
    expect(disk?.base).toBe('VirtualDevice');
    expect(isSubtypeOf('VirtualDisk', 'VirtualDevice')).toBe(true);
    expect(isSubtypeOf('VirtualDisk', 'DynamicData')).toBe(true);
    expect(isSubtypeOf('VirtualDevice', 'VirtualDisk')).toBe(false);
    expect(subtypesOf('VirtualDevice')).toContain('VirtualDisk');
    expect(subtypesOf('VirtualEthernetCard')).toContain('VirtualVmxnet3');
    expect(subtypesOf('VirtualDevice')[0]).toBe('VirtualDevice');
  });

  it('lists inherited properties first, in declaration order', () => {
    const disk = typeOf('VirtualDisk');
    const props = names(disk?.properties ?? []);
    // DynamicData's, then VirtualDevice's, then VirtualDisk's own.
    expect(props.slice(0, 4)).toEqual(['dynamicType', 'dynamicProperty', 'key', 'deviceInfo']);
    expect(props.indexOf('key')).toBeLessThan(props.indexOf('capacityInKB'));
    expect(propertyOf('VirtualDisk', 'key')?.declaredBy).toBe('VirtualDevice');
    expect(propertyOf('VirtualDisk', 'capacityInKB')).toMatchObject({
      type: 'long',
      array: false,
      declaredBy: 'VirtualDisk',
    });
    expect(propertyOf('VirtualDisk', 'backing')).toMatchObject({
      type: 'VirtualDeviceBackingInfo',
      optional: true,
    });
  });

  it('knows VirtualMachineConfigInfo', () => {
    const info = typeOf('VirtualMachineConfigInfo');
    expect(info?.base).toBe('DynamicData');
    expect(info?.version).toBe('2.0');
    expect(propertyOf('VirtualMachineConfigInfo', 'hardware')).toMatchObject({
      type: 'VirtualHardware',
      array: false,
      optional: false,
    });
    expect(propertyOf('VirtualMachineConfigInfo', 'extraConfig')).toMatchObject({
      type: 'OptionValue',
      array: true,
      optional: true,
    });
    expect(propertyOf('VirtualMachineConfigInfo', 'changeVersion')).toMatchObject({
      type: 'string',
      optional: false,
      version: '2.0',
    });
    expect(propertyOf('VirtualMachineConfigInfo', 'modified')?.type).toBe('dateTime');
    expect(propertyOf('VirtualMachineConfigInfo', 'createDate')?.version).toBe('6.7');
    expect(propertyOf('VirtualMachineConfigInfo', 'keyId')).toMatchObject({
      type: 'CryptoKeyId',
      version: '6.5',
    });
    expect(propertyOf('VirtualMachineConfigInfo', 'vmxConfigChecksum')?.type).toBe('base64Binary');
    expect(propertyOf('VirtualMachineConfigInfo', 'npivDesiredNodeWwns')?.type).toBe('short');
    expect(propertyOf('VirtualMachineConfigInfo', 'nope')).toBeUndefined();
  });

  it('adds vim25 7.0 properties from govmomi at their wire position, hidden from older clients', () => {
    const sgx = propertyOf('VirtualMachineConfigInfo', 'sgxInfo');
    expect(sgx).toMatchObject({ type: 'VirtualMachineSgxInfo', optional: true, version: '7.0' });
    expect(typeOf('VirtualMachineSgxInfo')?.version).toBe('7.0');
    expect(propertyOf('VirtualMachineConfigInfo', 'contentLibItemInfo')?.version).toBe('7.0');
    // vcpuConfig sits between hardware and cpuAllocation on the wire.
    const props = names(typeOf('VirtualMachineConfigInfo')?.properties ?? []);
    expect(props.indexOf('vcpuConfig')).toBe(props.indexOf('hardware') + 1);

    expect(isVisibleIn('7.0', '6.7')).toBe(false);
    expect(isVisibleIn('7.0', '7.0')).toBe(true);
    const for67 = names(visiblePropertiesOf('VirtualMachineConfigInfo', '6.7'));
    const for70 = names(visiblePropertiesOf('VirtualMachineConfigInfo', '7.0'));
    expect(for67).not.toContain('sgxInfo');
    expect(for67).not.toContain('vcpuConfig');
    expect(for67).toContain('createDate');
    expect(for70).toContain('sgxInfo');
    // 6.7.1 added nothing to this type; 6.7 and 6.7.1 see the same.
    expect(names(visiblePropertiesOf('VirtualMachineConfigInfo', '6.7.1'))).toEqual(for67);
    // createDate is 6.7: a 6.5 client does not get it.
    expect(names(visiblePropertiesOf('VirtualMachineConfigInfo', '6.5'))).not.toContain('createDate');
  });

  it('treats MethodFault subtypes as data types and faults', () => {
    const f = typeOf('InvalidPowerState');
    expect(f?.kind).toBe('data');
    expect(f?.kind === 'data' && f.fault).toBe(true);
    expect(isSubtypeOf('InvalidPowerState', 'InvalidState')).toBe(true);
    expect(isSubtypeOf('InvalidPowerState', 'VimFault')).toBe(true);
    expect(isSubtypeOf('InvalidPowerState', 'MethodFault')).toBe(true);
    expect(propertyOf('InvalidPowerState', 'existingState')?.type).toBe('VirtualMachinePowerState');
    expect(isSubtypeOf('ManagedObjectNotFound', 'RuntimeFault')).toBe(true);
    expect(propertyOf('ManagedObjectNotFound', 'obj')).toMatchObject({ type: 'ManagedObjectReference' });
    const vm = typeOf('VirtualMachineConfigInfo');
    expect(vm?.kind === 'data' && vm.fault).toBe(false);
  });

  it('types faults as they travel: LocalizedMethodFault wraps the fault', () => {
    expect(typeOf('LocalizedMethodFault')?.base).toBe('DynamicData');
    expect(propertyOf('LocalizedMethodFault', 'fault')).toMatchObject({
      type: 'MethodFault',
      optional: false,
    });
    expect(propertyOf('LocalizedMethodFault', 'localizedMessage')?.optional).toBe(true);
    expect(propertyOf('TaskInfo', 'error')).toMatchObject({ type: 'LocalizedMethodFault', optional: true });
    expect(propertyOf('MethodFault', 'faultCause')?.type).toBe('LocalizedMethodFault');
    expect(propertyOf('MethodFault', 'faultMessage')).toMatchObject({
      type: 'LocalizableMessage',
      array: true,
    });
    expect(propertyOf('MethodFault', 'msg')).toBeUndefined();
    expect(propertyOf('TaskInfo', 'result')?.type).toBe('anyType');
  });

  it('sends links to other objects of an answer as their keys', () => {
    expect(propertyOf('HostVirtualSwitch', 'pnic')).toMatchObject({ type: 'string', array: true });
    expect(propertyOf('HostPortGroup', 'vswitch')).toMatchObject({ type: 'string', array: false });
  });

  it('marks secrets', () => {
    expect(propertyOf('HostConnectSpec', 'password')?.secret).toBe(true);
    expect(propertyOf('HostConnectSpec', 'userName')?.secret).toBe(false);
  });
});

describe('ManagedObjectReference', () => {
  it('is its own kind, with the referenced managed type on properties', () => {
    expect(kindOf('ManagedObjectReference')).toBe('moref');
    expect(typeOf('ManagedObjectReference')).toBeUndefined();
    expect(propertyOf('VirtualMachine', 'resourcePool')).toMatchObject({
      type: 'ManagedObjectReference',
      refType: 'ResourcePool',
      array: false,
      optional: true,
    });
    expect(propertyOf('VirtualMachine', 'datastore')).toMatchObject({
      type: 'ManagedObjectReference',
      refType: 'Datastore',
      array: true,
    });
    expect(propertyOf('ManagedEntity', 'parent')).toMatchObject({ type: 'ManagedObjectReference' });
    expect(propertyOf('VirtualMachineRuntimeInfo', 'host')).toMatchObject({
      type: 'ManagedObjectReference',
      refType: 'HostSystem',
    });
    expect(propertyOf('ServiceContent', 'propertyCollector')).toMatchObject({ refType: 'PropertyCollector' });
    expect(arrayWrapperName('ManagedObjectReference')).toBe('ArrayOfManagedObjectReference');
  });
});

describe('managed types and methods', () => {
  it('resolves VirtualMachine with inherited properties and methods', () => {
    const vm = managedTypeOf('VirtualMachine');
    expect(vm?.base).toBe('ManagedEntity');
    expect(isSubtypeOf('VirtualMachine', 'ManagedEntity')).toBe(true);
    expect(isSubtypeOf('VirtualMachine', 'ExtensibleManagedObject')).toBe(true);
    const props = names(vm?.properties ?? []);
    expect(props.indexOf('name')).toBeLessThan(props.indexOf('runtime'));
    expect(propertyOf('VirtualMachine', 'config')).toMatchObject({
      type: 'VirtualMachineConfigInfo',
      optional: true,
    });
    expect(propertyOf('VirtualMachine', 'name')?.declaredBy).toBe('ManagedEntity');
    expect(names(vm?.methods ?? [])).toEqual(
      expect.arrayContaining(['PowerOnVM_Task', 'Destroy_Task', 'Rename_Task']),
    );
    expect(names(vm?.ownMethods ?? [])).not.toContain('Destroy_Task');
    expect(kindOf('VirtualMachine')).toBe('managed');
  });

  it('knows PowerOnVM_Task', () => {
    const m = methodOf('PowerOnVM_Task');
    expect(m?.owners).toEqual(['VirtualMachine']);
    expect(m?.version).toBe('2.0');
    expect(m?.params.map((p) => [p.name, p.type, p.refType, p.optional])).toEqual([
      ['_this', 'ManagedObjectReference', 'VirtualMachine', false],
      ['host', 'ManagedObjectReference', 'HostSystem', true],
    ]);
    expect(m?.returns).toMatchObject({ type: 'ManagedObjectReference', refType: 'Task', array: false });
    expect(m?.task).toBe(true);
    expect(m?.faults).toEqual(
      expect.arrayContaining(['InvalidState', 'TaskInProgress', 'InsufficientResourcesFault']),
    );
    expect(m?.privilege).toBe('VirtualMachine.Interact.PowerOn');
  });

  it('knows task results and plain results', () => {
    expect(methodOf('CloneVM_Task')?.taskResult).toMatchObject({
      type: 'ManagedObjectReference',
      refType: 'VirtualMachine',
    });
    expect(methodOf('CreateSnapshot_Task')?.taskResult?.refType).toBe('VirtualMachineSnapshot');
    expect(methodOf('PowerOffVM_Task')?.taskResult).toBeUndefined();
    const login = methodOf('Login');
    expect(login?.task).toBe(false);
    expect(login?.returns?.type).toBe('UserSession');
    expect(login?.params.find((p) => p.name === 'password')?.secret).toBe(true);
    expect(methodOf('Logout')?.returns).toBeUndefined();
    expect(methodOf('RetrieveServiceContent')?.returns?.type).toBe('ServiceContent');
  });

  it('knows RetrievePropertiesEx and friends', () => {
    const m = methodOf('RetrievePropertiesEx');
    expect(m?.owners).toEqual(['PropertyCollector']);
    expect(m?.version).toBe('4.1');
    expect(m?.params.map((p) => [p.name, p.type, p.array, p.optional])).toEqual([
      ['_this', 'ManagedObjectReference', false, false],
      ['specSet', 'PropertyFilterSpec', true, false],
      ['options', 'RetrieveOptions', false, false],
    ]);
    expect(m?.returns).toMatchObject({ type: 'RetrieveResult', optional: true });
    expect(m?.faults).toContain('InvalidProperty');
    expect(methodOf('ContinueRetrievePropertiesEx')?.params.map((p) => p.name)).toEqual(['_this', 'token']);
    expect(methodOf('WaitForUpdatesEx')?.params.map((p) => p.name)).toEqual(['_this', 'version', 'options']);
    expect(propertyOf('PropertySpec', 'pathSet')).toMatchObject({
      type: 'string',
      array: true,
      optional: true,
    });
    expect(propertyOf('PropertySpec', 'type')?.type).toBe('string');
    expect(methodOf('NoSuchMethod')).toBeUndefined();
  });

  it('adds 7.0 methods and parameters from govmomi', () => {
    const m = methodOf('CustomizeGuest_Task');
    expect(m?.version).toBe('7.0');
    expect(m?.task).toBe(true);
    expect(m?.params[0]?.name).toBe('_this');
    const force = methodOf('RemoveInternetScsiSendTargets')?.params.find((p) => p.name === 'force');
    expect(force).toMatchObject({ type: 'boolean', optional: true, version: '7.0' });
    expect(managedTypeOf('VirtualMachineGuestCustomizationManager')?.version).toBe('7.0');
    expect(propertyOf('ServiceContent', 'guestCustomizationManager')?.version).toBe('7.0');
  });
});

describe('enums', () => {
  it('knows TaskInfoState', () => {
    expect(enumValues('TaskInfoState')).toEqual(['queued', 'running', 'success', 'error']);
    expect(kindOf('TaskInfoState')).toBe('enum');
    expect(enumValues('VirtualMachinePowerState')).toEqual(['poweredOff', 'poweredOn', 'suspended']);
    expect(enumValues('NoSuchEnum')).toBeUndefined();
  });

  it('hides 7.0 values from older clients', () => {
    const ids = enumOf('VirtualMachineGuestOsIdentifier');
    expect(ids?.values.find((v) => v.value === 'windows2019srv_64Guest')?.version).toBe('7.0');
    expect(enumValues('VirtualMachineGuestOsIdentifier', '6.7')).not.toContain('windows2019srv_64Guest');
    expect(enumValues('VirtualMachineGuestOsIdentifier', '7.0')).toContain('windows2019srv_64Guest');
    expect(enumValues('VirtualMachineGuestOsIdentifier', '6.7')).toContain('otherGuest');
  });
});

describe('versions', () => {
  it('orders the wire versions', () => {
    const v = knownVersions();
    expect(v.slice(0, 3)).toEqual(['2.0', '2.5', '2.5u2']);
    for (const [a, b] of [
      ['5.5', '6.0'],
      ['6.0', '6.5'],
      ['6.5', '6.7'],
      ['6.7', '6.7.1'],
      ['6.7.1', '7.0'],
    ] as const) {
      expect(versionOrder(a)).toBeLessThan(versionOrder(b));
    }
    expect(versionOrder('9.9')).toBe(-1);
    expect(metadata().versions.find((x) => x.name === '6.7')?.urn).toBe('urn:vim25/6.7');
  });

  it('answers visibility by the parent relation', () => {
    expect(isVisibleIn('6.7', '6.7')).toBe(true);
    expect(isVisibleIn('6.5', '6.7')).toBe(true);
    expect(isVisibleIn('2.0', '7.0')).toBe(true);
    expect(isVisibleIn('6.7.1', '6.7')).toBe(false);
    expect(isVisibleIn('6.7', '6.5')).toBe(false);
    expect(isVisibleIn('4.1', '4.0')).toBe(false);
    expect(isVisibleIn('2.5u2', '2.5u2server')).toBe(true);
    // Hidden API content reaches numbered clients never.
    expect(isVisibleIn('legacy', '7.0')).toBe(false);
    expect(isVisibleIn('6.7', 'legacy')).toBe(true);
  });

  it('places unknown numeric client versions after the known ones they follow', () => {
    expect(isVisibleIn('7.0', '8.0.2.0')).toBe(true);
    expect(isVisibleIn('6.7.1', '6.7.3')).toBe(true);
    expect(isVisibleIn('7.0', '6.7.3')).toBe(false);
    expect(isVisibleIn('2.0', 'nonsense')).toBe(false);
    expect(isVisibleIn('2.0', '1.0')).toBe(false);
  });

  it('reads versions from namespaces', () => {
    expect(versionFromNamespace('urn:vim25/6.7')).toBe('6.7');
    expect(versionFromNamespace('vim25/7.0')).toBe('7.0');
    expect(versionFromNamespace('urn:vim25/8.0.2.0')).toBe('8.0.2.0');
    expect(versionFromNamespace('urn:vim25')).toBe('2.5u2');
    expect(versionFromNamespace('urn:pbm/6.7')).toBeUndefined();
  });

  it('picks the newest type a client knows for an xsi:type', () => {
    expect(compatibleTypeOf('VirtualDisk', '6.7')).toBe('VirtualDisk');
    // A 7.0 fault reaches a 6.7 client as its nearest known ancestor.
    const newer = metadata().dataTypes.find(
      (t) => t[1] === 'VimFault' && metadata().versions[t[2]]?.name === '7.0',
    );
    expect(newer).toBeDefined();
    if (newer) expect(compatibleTypeOf(newer[0], '6.7')).toBe('VimFault');
  });
});

describe('array wrappers', () => {
  it('names them as the WSDL does', () => {
    expect(arrayWrapperName('VirtualDevice')).toBe('ArrayOfVirtualDevice');
    expect(arrayWrapperName('VirtualDevice[]')).toBe('ArrayOfVirtualDevice');
    expect(arrayWrapperName('string')).toBe('ArrayOfString');
    expect(arrayWrapperName('int')).toBe('ArrayOfInt');
    expect(arrayWrapperName('long')).toBe('ArrayOfLong');
    expect(arrayWrapperName('boolean')).toBe('ArrayOfBoolean');
    expect(arrayWrapperName('dateTime')).toBe('ArrayOfDateTime');
    expect(arrayWrapperName('base64Binary')).toBe('ArrayOfBase64Binary');
    expect(arrayWrapperName('anyType')).toBe('ArrayOfAnyType');
    expect(arrayWrapperName('vslmInfrastructureObjectPolicy')).toBe('ArrayOfVslmInfrastructureObjectPolicy');
  });

  it('reads them back', () => {
    expect(arrayItemTypeOf('ArrayOfManagedObjectReference')).toBe('ManagedObjectReference');
    expect(arrayItemTypeOf('ArrayOfVirtualDevice')).toBe('VirtualDevice');
    expect(arrayItemTypeOf('ArrayOfString')).toBe('string');
    expect(arrayItemTypeOf('ArrayOfInt')).toBe('int');
    expect(arrayItemTypeOf('ArrayOfBase64Binary')).toBe('base64Binary');
    expect(arrayItemTypeOf('ArrayOfVslmInfrastructureObjectPolicy')).toBe('vslmInfrastructureObjectPolicy');
    expect(arrayItemTypeOf('ArrayOfVirtualMachinePowerState')).toBe('VirtualMachinePowerState');
    expect(arrayItemTypeOf('ArrayOfNothingAtAll')).toBeUndefined();
    expect(arrayItemTypeOf('VirtualDevice')).toBeUndefined();
  });
});

describe('the table as a whole', () => {
  const meta = metadata();

  it('resolves every base type and every referenced type', () => {
    const problems: string[] = [];
    const check = (where: string, spec: string) => {
      const [type, ref] = spec.replace(/\[\]$/, '').split(':');
      if (type === undefined || kindOf(type) === undefined) problems.push(`${where}: ${spec}`);
      if (ref !== undefined && kindOf(ref) !== 'managed') problems.push(`${where}: ${spec}`);
    };
    for (const [name, base, , props] of meta.dataTypes) {
      if (base !== null && kindOf(base) !== 'data') problems.push(`${name} base ${base}`);
      for (const p of props) check(`${name}.${p[0]}`, p[1]);
      // Resolving walks the whole chain and must not repeat a property.
      const all = names(typeOf(name)?.properties ?? []);
      if (new Set(all).size !== all.length) problems.push(`${name} repeats a property`);
    }
    for (const [name, base, , props, methods] of meta.managedTypes) {
      if (base !== null && kindOf(base) !== 'managed') problems.push(`${name} base ${base}`);
      for (const p of props) check(`${name}.${p[0]}`, p[1]);
      for (const m of methods) {
        for (const p of m[2]) check(`${m[0]}(${p[0]})`, p[1]);
        if (m[3]) check(`${m[0]} result`, m[3][0]);
        for (const f of m[5]) if (!isSubtypeOf(f, 'MethodFault')) problems.push(`${m[0]} fault ${f}`);
      }
      expect(typeOf(name)?.kind).toBe('managed');
    }
    expect(problems).toEqual([]);
  });

  it('is sorted by name and sized as expected', () => {
    const sorted = (list: readonly (readonly [string, ...unknown[]])[]) => {
      const n = list.map((x) => x[0]);
      return n.every((x, i) => i === 0 || (n[i - 1] as string) < x);
    };
    expect(sorted(meta.dataTypes)).toBe(true);
    expect(sorted(meta.managedTypes)).toBe(true);
    expect(sorted(meta.enums)).toBe(true);
    expect(meta.dataTypes.length).toBeGreaterThan(2800);
    expect(meta.managedTypes.length).toBeGreaterThan(130);
    expect(meta.enums.length).toBeGreaterThan(400);
  });

  it('hands out the same resolved objects every time', () => {
    expect(typeOf('VirtualMachine')).toBe(typeOf('VirtualMachine'));
    expect(methodOf('PowerOnVM_Task')).toBe(
      managedTypeOf('VirtualMachine')?.ownMethods.find((m) => m.name === 'PowerOnVM_Task'),
    );
  });
});
