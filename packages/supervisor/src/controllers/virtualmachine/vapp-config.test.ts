import type { VAppProperty, VmRecord } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import type { VirtualMachine, VirtualMachineBootstrapSpec } from '../../api/types.js';
import { hubVm } from '../../testing/virtual-machine.js';
import { renderTemplate } from './bootstrap-template.js';
import { type VAppSecrets, vAppBootstrapOf, vAppEdits } from './vapp-config.js';

/** A deployed VM with these vApp properties (user-configurable unless said), as vSphere reports them. */
const recordWith = (properties: Partial<VAppProperty>[]): VmRecord =>
  ({
    config: {
      vAppConfig: {
        properties: properties.map((p, key) => ({
          key,
          id: `p${key}`,
          type: 'string',
          userConfigurable: true,
          value: '',
          ...p,
        })),
      },
    },
  }) as unknown as VmRecord;

const vm = (bootstrap: VirtualMachineBootstrapSpec) => hubVm({ bootstrap });
/** The edits, the values rendered as templates over a VM with one interface. */
const editsFor = (spec: VirtualMachine, record: VmRecord, secrets: VAppSecrets | undefined) =>
  vAppEdits(spec, record, secrets, (text) =>
    renderTemplate(
      text,
      () => ({
        devices: [
          {
            macAddress: '00-50-56-00-00-01',
            ipAddresses: ['10.0.0.5/24'],
            gateway4: '10.0.0.1',
            ipv6Addresses: [],
            gateway6: '',
          },
        ],
        nameservers: [],
      }),
      spec,
    ),
  );
const values = (pairs: Record<string, string>) => ({
  vAppConfig: { properties: Object.entries(pairs).map(([key, value]) => ({ key, value: { value } })) },
});

describe('the vApp bootstrap', () => {
  it('applies beside LinuxPrep or Sysprep, never beside cloud-init or while disabled', () => {
    const vAppConfig = { rawProperties: 's' };
    expect(vAppBootstrapOf(vm({ vAppConfig }))).toBe(vAppConfig);
    expect(vAppBootstrapOf(vm({ linuxPrep: {}, vAppConfig }))).toBe(vAppConfig);
    expect(vAppBootstrapOf(vm({ cloudInit: {}, vAppConfig }))).toBeUndefined();
    expect(vAppBootstrapOf(vm({ vAppConfig, disabled: true }))).toBeUndefined();
    expect(vAppBootstrapOf(vm({ linuxPrep: {} }))).toBeUndefined();
  });

  it('edits the user-configurable properties whose value differs, by their keys, with values from Secrets', () => {
    const record = recordWith([
      { id: 'hostname' },
      { id: 'locked', userConfigurable: false },
      { id: 'same', value: 'kept' },
      { id: 'password' },
      { id: 'unasked' },
    ]);
    const spec = vm({
      vAppConfig: {
        properties: [
          { key: 'hostname', value: { value: 'web-1' } },
          { key: 'locked', value: { value: 'no' } },
          { key: 'same', value: { value: 'kept' } },
          { key: 'password', value: { from: { name: 'creds', key: 'pw' } } },
          { key: 'not-on-the-vm', value: { value: 'x' } },
        ],
      },
    });
    expect(editsFor(spec, record, { from: new Map([['creds', { pw: 's3cret' }]]) })).toEqual({
      property: [
        { operation: 'edit', info: { key: 0, value: 'web-1' } },
        { operation: 'edit', info: { key: 3, value: 's3cret' } },
      ],
      // The guest reads them through GuestInfo.
      ovfEnvironmentTransport: ['com.vmware.guestInfo'],
    });
    // With nothing that differs, nothing to reconfigure.
    expect(editsFor(vm(values({ same: 'kept' })), record, {})).toBeUndefined();
  });

  it('renders each value as a template over the VM’s network', () => {
    const record = recordWith([{ id: 'ip' }, { id: 'gateway' }]);
    const spec = vm(
      values({ ip: '{{ V1alpha2_FirstIP }}', gateway: '{{ (index .V1alpha2.Net.Devices 0).Gateway4 }}' }),
    );
    expect(editsFor(spec, record, {})).toEqual({
      property: [
        { operation: 'edit', info: { key: 0, value: '10.0.0.5/24' } },
        { operation: 'edit', info: { key: 1, value: '10.0.0.1' } },
      ],
      ovfEnvironmentTransport: ['com.vmware.guestInfo'],
    });
  });

  it("takes every key of the rawProperties Secret, and unescapes braces as vm-operator's templates do", () => {
    const record = recordWith([{ id: 'a' }, { id: 'b' }]);
    expect(
      editsFor(vm({ vAppConfig: { rawProperties: 'raw' } }), record, { raw: { a: '\\{x\\}', c: '3' } }),
    ).toEqual({
      property: [{ operation: 'edit', info: { key: 0, value: '{x}' } }],
      ovfEnvironmentTransport: ['com.vmware.guestInfo'],
    });
  });

  it('checks each value against its OVF type, in vm-operator’s words', () => {
    const edit = (type: string, value: string) => {
      const spec = editsFor(vm(values({ p0: value })), recordWith([{ type }]), {});
      return spec?.property?.[0]?.info?.value;
    };
    expect(edit('boolean', 'true')).toBe('True');
    // A value as vSphere already has it, once written for its type, asks for nothing.
    expect(
      editsFor(vm(values({ p0: 'true' })), recordWith([{ type: 'boolean', value: 'True' }]), {}),
    ).toBeUndefined();
    expect(edit('boolean', 'yes')).toBe('False');
    expect(edit('int', '-2147483648')).toBe('-2147483648');
    expect(() => edit('int', '2147483648')).toThrow(
      'failed to create bootstrap data: failed to parse prop="p0", type=int, value=2147483648',
    );
    expect(edit('real', '1.5e3')).toBe('1.5e3');
    expect(() => edit('real', 'one')).toThrow('failed to parse prop="p0", type=real, value=one');
    expect(edit('ip', '10.0.0.1')).toBe('10.0.0.1');
    expect(edit('ip', 'fd00::1/64')).toBe('fd00::1/64');
    expect(() => edit('ip', '10.0.0.256')).toThrow('type=ip, value=10.0.0.256');
    expect(() => edit('expression', 'x')).toThrow(
      'failed to parse unsupported prop="p0", type=expression, value=x, reason=unsupported type',
    );
    expect(() => edit('ip:eth0', 'x')).toThrow('reason=unsupported type');
    expect(() => edit('string(3..)', 'ab')).toThrow(
      'failed to parse prop="p0", type=string(3..) due to length: len=2, min=3, max=65535',
    );
    expect(() => edit('password(..2)', 'abc')).toThrow('due to length: len=3, min=0, max=2');
    expect(edit('string(1..3)', 'abc')).toBe('abc');
    expect(() => edit('string(4..3)', 'abc')).toThrow('type=string(4..3) due to min=4 > max=3');
    expect(edit('int(0..255)', '255')).toBe('255');
    expect(() => edit('int(0..255)', '256')).toThrow('due to size: val=256, min=0, max=255');
    expect(() => edit('int(0..255)', '-1')).toThrow('failed to parse prop="p0", type=int(0..255), value=-1');
    expect(edit('int(-5..5)', '-5')).toBe('-5');
    expect(() => edit('real(-1.5..1.5)', '2')).toThrow(
      'due to size: val=2.000000, min=-1.500000, max=1.500000',
    );
    expect(edit('anything-else', 'as is')).toBe('as is');
    expect(() => edit('string', 'x'.repeat(65536))).toThrow('due to length: len=65536, min=0, max=65535');
  });

  it('asks for nothing without the Secrets read (one missing), rather than empty values', () => {
    const spec = vm({
      vAppConfig: { properties: [{ key: 'p0', value: { from: { name: 'gone', key: 'k' } } }] },
    });
    expect(editsFor(spec, recordWith([{ value: 'kept' }]), undefined)).toBeUndefined();
  });

  it('beside LinuxPrep or Sysprep, hands the properties over only as the VM powers on from off, unless its latch says no', () => {
    const properties = [{ key: 'p0', value: { value: 'new' } }];
    const off = { ...recordWith([{}]), powerState: 'poweredOff' } as VmRecord;
    const on = { ...off, powerState: 'poweredOn' } as VmRecord;
    const edits = {
      property: [{ operation: 'edit', info: { key: 0, value: 'new' } }],
      ovfEnvironmentTransport: ['com.vmware.guestInfo'],
    };
    const linuxPrep = (customizeAtNextPowerOn?: boolean) =>
      vm({
        linuxPrep: customizeAtNextPowerOn === undefined ? {} : { customizeAtNextPowerOn },
        vAppConfig: { properties },
      });
    expect(editsFor(linuxPrep(), off, {})).toEqual(edits);
    expect(editsFor(linuxPrep(), on, {})).toBeUndefined();
    expect(editsFor(linuxPrep(false), off, {})).toBeUndefined();
    expect(editsFor(vm({ sysprep: {}, vAppConfig: { properties } }), on, {})).toBeUndefined();
    const staysOff = hubVm({
      powerState: 'PoweredOff',
      bootstrap: { linuxPrep: {}, vAppConfig: { properties } },
    });
    expect(editsFor(staysOff, off, {})).toBeUndefined();
    // Alone, on every update, powered on or off.
    expect(editsFor(vm({ vAppConfig: { properties } }), on, {})).toEqual(edits);
  });

  it('fails a VM its image gave no vApp configuration', () => {
    const bare = { config: { vAppConfig: undefined } } as unknown as VmRecord;
    expect(() => editsFor(vm(values({ a: 'b' })), bare, {})).toThrow(
      'failed to create bootstrap data: vAppConfig is not yet available',
    );
  });
});
