/**
 * vm-operator's vApp bootstrap (`spec.bootstrap.vAppConfig`, alone or beside LinuxPrep or
 * Sysprep): values for the VM's vApp properties, from the spec's `properties` (a value, or a
 * Secret's key) or from every key of a Secret (`rawProperties`), set on the user-configurable
 * properties the image's OVF gave the VM, each checked against its OVF type as vm-operator's
 * GetMergedvAppConfigSpec checks it, in its words.
 */
import { isCidr, isIp, type VAppProperty, type VmConfigSpec, type VmRecord } from '@vsim/vsphere';
import { isGoTrue, parseGoInteger } from '../../api/go-strconv.js';
import type { VirtualMachine, VirtualMachineBootstrapVAppConfigSpec } from '../../api/types.js';

/** What a vApp bootstrap read from Secrets, decoded: `rawProperties`' keys, or each `from` Secret's. */
export interface VAppSecrets {
  readonly raw?: Readonly<Record<string, string>>;
  readonly from?: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

/** The vApp bootstrap the VM's guest gets: none beside cloud-init, none while bootstraps are disabled. */
export function vAppBootstrapOf(vm: VirtualMachine): VirtualMachineBootstrapVAppConfigSpec | undefined {
  const bootstrap = vm.spec?.bootstrap;
  return bootstrap?.vAppConfig && !bootstrap.disabled && !bootstrap.cloudInit
    ? bootstrap.vAppConfig
    : undefined;
}

/**
 * The values asked for, by property id: the spec's properties when it lists some, else the
 * `rawProperties` Secret's keys; each rendered as vm-operator renders them (see bootstrap-template).
 */
function valuesOf(
  spec: VirtualMachineBootstrapVAppConfigSpec,
  secrets: VAppSecrets,
  render: (text: string) => string,
): Map<string, string> {
  const values = new Map<string, string>();
  if (spec.properties?.length) {
    for (const { key, value } of spec.properties)
      if (value?.value !== undefined) values.set(key, value.value);
      else if (value?.from) values.set(key, secrets.from?.get(value.from.name)?.[value.from.key] ?? '');
  } else for (const [key, value] of Object.entries(secrets.raw ?? {})) values.set(key, value);
  for (const [key, value] of values) values.set(key, render(value));
  return values;
}

/**
 * Whether this update hands the vApp properties over: a vApp bootstrap alone does on every update;
 * beside LinuxPrep or Sysprep only with the customization, as the VM powers on from off and
 * unless `customizeAtNextPowerOn` is false (vm-operator's BootStrapLinuxPrep and BootstrapSysPrep).
 */
function handsOver(vm: VirtualMachine, record: VmRecord): boolean {
  const bootstrap = vm.spec?.bootstrap;
  const provider = bootstrap?.linuxPrep ?? bootstrap?.sysprep;
  if (!provider) return true;
  const offToOn = record.powerState === 'poweredOff' && (vm.spec?.powerState ?? 'PoweredOn') === 'PoweredOn';
  return offToOn && provider.customizeAtNextPowerOn !== false;
}

/**
 * The edits of the VM's vApp properties its bootstrap asks for, with the values its Secrets gave
 * (none read, as when one is missing, asks for nothing): each user-configurable property whose
 * value differs, in the VM's order; undefined when none does. Throws what vm-operator's update
 * fails with: a VM without a vApp configuration, a value its property's type refuses.
 */
export function vAppEdits(
  vm: VirtualMachine,
  record: VmRecord,
  secrets: VAppSecrets | undefined,
  render: (text: string) => string,
): VmConfigSpec['vAppConfig'] | undefined {
  const spec = vAppBootstrapOf(vm);
  if (!spec || !secrets || !handsOver(vm, record)) return undefined;
  try {
    return editsOf(spec, record, secrets, render);
  } catch (error) {
    // As vm-operator's DoBootstrap reports any of its errors.
    throw new Error(`failed to create bootstrap data: ${(error as Error).message}`);
  }
}

function editsOf(
  spec: VirtualMachineBootstrapVAppConfigSpec,
  record: VmRecord,
  secrets: VAppSecrets,
  render: (text: string) => string,
): VmConfigSpec['vAppConfig'] | undefined {
  const properties = record.config.vAppConfig?.properties;
  if (!properties) throw new Error('vAppConfig is not yet available');
  const values = valuesOf(spec, secrets, render);
  const edits: { operation: 'edit'; info: { key: number; value: string } }[] = [];
  for (const p of properties) {
    if (!p.userConfigurable) continue;
    const value = values.get(p.id);
    if (value === undefined || (p.value ?? '') === value) continue;
    // As written for its type (`true` is `True`): what vm-operator's configuration hash compares.
    const checked = checkedValue(p, value);
    if ((p.value ?? '') !== checked) edits.push({ operation: 'edit', info: { key: p.key, value: checked } });
  }
  // The transport guestInfo, for a VM without the CD-ROM the ISO transport needs.
  return edits.length > 0
    ? { property: edits, ovfEnvironmentTransport: [OVF_ENVIRONMENT_GUEST_INFO] }
    : undefined;
}

/** The OVF environment transport through GuestInfo (`guestinfo.ovfEnv`). */
const OVF_ENVIRONMENT_GUEST_INFO = 'com.vmware.guestInfo';

const MAX_STRING_LENGTH = 65535;
const STRING_MIN = /^(?:string|password)\((\d+)\.\.\)$/;
const STRING_MAX = /^(?:string|password)\(\.\.(\d+)\)$/;
const STRING_MIN_MAX = /^(?:string|password)\((\d+)\.\.(\d+)\)$/;
const INT_RANGE = /^int\(([+-]?\d+)\.\.([+-]?\d+)\)$/;
const REAL_RANGE = /^real\(([+-]?(?:\d+(?:\.\d*)?|\.\d+))\.\.([+-]?(?:\d+(?:\.\d*)?|\.\d+))\)$/;

/** Go's strconv.ParseFloat of a decimal number, an infinity or NaN: the value, or undefined. */
function parseReal(text: string): number | undefined {
  if (/^[+-]?(?:inf|infinity)$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(text)) return Number.NaN;
  return /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(text) ? Number(text) : undefined;
}

/** The value a property takes, as vm-operator writes it for its type; its error otherwise. */
function checkedValue(p: VAppProperty, value: string): string {
  const prop = `prop=${JSON.stringify(p.id)}, type=${p.type}`;
  const parseError = () => new Error(`failed to parse ${prop}, value=${value}`);
  const lengthError = (min: number, max: number) =>
    new Error(
      `failed to parse ${prop} due to length: len=${Buffer.byteLength(value)}, min=${min}, max=${max}`,
    );
  const sizeError = (val: string, min: string, max: string) =>
    new Error(`failed to parse ${prop} due to size: val=${val}, min=${min}, max=${max}`);
  const length = Buffer.byteLength(value);
  switch (p.type) {
    case 'string':
    case 'password':
      if (length > MAX_STRING_LENGTH) throw lengthError(0, MAX_STRING_LENGTH);
      return value;
    case 'boolean':
      return isGoTrue(value) ? 'True' : 'False';
    case 'int':
      if (parseGoInteger(value, true, 32) === undefined) throw parseError();
      return value;
    case 'real':
      if (parseReal(value) === undefined) throw parseError();
      return value;
    case 'ip':
      // Go's net.ParseIP, or net.ParseCIDR for an address with a prefix length.
      if (!isIp(value) && !isCidr(value)) throw parseError();
      return value;
    case 'expression':
      throw new Error(`failed to parse unsupported ${prop}, value=${value}, reason=unsupported type`);
  }
  if (p.type.startsWith('ip:'))
    throw new Error(`failed to parse unsupported ${prop}, value=${value}, reason=unsupported type`);
  let m = STRING_MIN.exec(p.type);
  if (m) {
    const min = Number(m[1]);
    if (length < min) throw lengthError(min, MAX_STRING_LENGTH);
    return value;
  }
  m = STRING_MAX.exec(p.type);
  if (m) {
    const max = Number(m[1]);
    if (length > max) throw lengthError(0, max);
    return value;
  }
  m = STRING_MIN_MAX.exec(p.type);
  if (m) {
    const [min, max] = [Number(m[1]), Number(m[2])];
    if (min > max) throw new Error(`failed to parse ${prop} due to min=${min} > max=${max}`);
    if (length < min || length > max) throw lengthError(min, max);
    return value;
  }
  m = INT_RANGE.exec(p.type);
  if (m) {
    const [min, max] = [BigInt(m[1] as string), BigInt(m[2] as string)];
    if (min > max) throw new Error(`failed to parse ${prop} due to min=${min} > max=${max}`);
    const parsed = parseGoInteger(value, min < 0n, 64);
    if (parsed === undefined) throw parseError();
    if (parsed < min || parsed > max) throw sizeError(String(parsed), String(min), String(max));
    return value;
  }
  m = REAL_RANGE.exec(p.type);
  if (m) {
    const [min, max] = [Number(m[1]), Number(m[2])];
    // Go's %f: six decimals.
    if (min > max)
      throw new Error(`failed to parse ${prop} due to min=${min.toFixed(6)} > max=${max.toFixed(6)}`);
    const parsed = parseReal(value);
    if (parsed === undefined) throw parseError();
    if (parsed < min || parsed > max) throw sizeError(parsed.toFixed(6), min.toFixed(6), max.toFixed(6));
    return value;
  }
  return value;
}
