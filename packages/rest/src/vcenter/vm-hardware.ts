/**
 * A VM's hardware settings (vcenter.vm.hardware, .boot, .cpu, .memory): `GET` reads them from the
 * VM's configuration, `PATCH` changes them with ReconfigVM_Task, and `?action=upgrade`
 * (`/hardware/action/upgrade` in `/rest`) raises the hardware version with UpgradeVM_Task.
 * What a running VM may change is the model's rule (hot plug flags, see vm-config-spec.ts); its
 * refusals are not_allowed_in_current_state through the error table.
 */
import {
  HOT_PLUG_MEMORY_INCREMENT_MB,
  hardwareVersionNumber,
  hotPlugMemoryLimitMB,
  LATEST_HARDWARE_VERSION,
  type VmConfig,
  type VmConfigSpec,
  type VmRecord,
} from '@vsim/vsphere';
import { restError } from '../errors.js';
import type { Call, Route, RouteSet } from '../routes.js';
import { field, isObject, reconfigureVm, specOf, targetVm } from './vm-target.js';

const HARDWARE = '/vcenter/vm/:vm/hardware';

/** vSphere's `vmx-19` as vAPI's `VMX_19`. */
export const vmxVersion = (version: string): string => version.toUpperCase().replace('-', '_');

/** vAPI's `VMX_19` as vSphere's `vmx-19`; invalid_argument for anything else. */
export const hardwareVersion = (value: unknown, name: string): string => {
  const m = typeof value === 'string' ? /^VMX_(\d+)$/.exec(value) : null;
  if (!m) throw restError('invalid_argument', `Invalid value '${String(value)}' for '${name}'.`);
  return `vmx-${m[1]}`;
};

const POLICIES: Readonly<Record<string, string>> = {
  never: 'NEVER',
  onSoftPowerOff: 'AFTER_CLEAN_SHUTDOWN',
  always: 'ALWAYS',
};
const POLICY_OF: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(POLICIES).map(([k, v]) => [v, k]),
);

export const hardwareInfo = (config: VmConfig) => {
  const upgrade = config.scheduledHardwareUpgrade;
  const policy = POLICIES[upgrade.upgradePolicy] ?? 'NEVER';
  return {
    version: vmxVersion(config.version),
    upgrade_policy: policy,
    ...(policy === 'NEVER'
      ? {}
      : { upgrade_version: vmxVersion(upgrade.versionKey ?? LATEST_HARDWARE_VERSION) }),
    upgrade_status: upgrade.scheduledHardwareUpgradeStatus.toUpperCase(),
  };
};

export const cpuInfo = (config: VmConfig) => ({
  count: config.numCPU,
  cores_per_socket: config.numCoresPerSocket,
  hot_add_enabled: config.cpuHotAddEnabled,
  hot_remove_enabled: config.cpuHotRemoveEnabled,
});

/** Memory.Info: the hot add increment and limit only of a running VM with hot add enabled, as vAPI sets them. */
export const memoryInfo = (vm: VmRecord) => ({
  size_MiB: vm.config.memoryMB,
  hot_add_enabled: vm.config.memoryHotAddEnabled,
  ...(vm.config.memoryHotAddEnabled && vm.powerState === 'poweredOn'
    ? {
        hot_add_increment_size_MiB: HOT_PLUG_MEMORY_INCREMENT_MB,
        hot_add_limit_MiB: hotPlugMemoryLimitMB(vm),
      }
    : {}),
});

/** Boot.Info; the network protocol only for EFI, where it applies. */
export const bootInfo = (config: VmConfig) => {
  const boot = config.bootOptions;
  return {
    type: config.firmware.toUpperCase(),
    ...(config.firmware === 'efi' ? { network_protocol: boot.networkBootProtocol.toUpperCase() } : {}),
    delay: boot.bootDelay,
    retry: boot.bootRetryEnabled,
    retry_delay: boot.bootRetryDelay,
    enter_setup_mode: boot.enterBIOSSetup,
  };
};

const FIRMWARE: Readonly<Record<string, string>> = { BIOS: 'bios', EFI: 'efi' };
const PROTOCOLS: Readonly<Record<string, string>> = { IPV4: 'ipv4', IPV6: 'ipv6' };

/** An enum field of a spec as vSphere's value; invalid_argument for a value not in `values`. */
const enumField = (spec: Record<string, unknown>, name: string, values: Readonly<Record<string, string>>) => {
  const value = field(spec, name, 'string');
  if (value === undefined) return undefined;
  const mapped = values[value];
  if (mapped === undefined) throw restError('invalid_argument', `Invalid value '${value}' for '${name}'.`);
  return mapped;
};

/** Boot.CreateSpec or Boot.UpdateSpec as a config spec's firmware and boot options (`efi_legacy_boot` is not kept). */
export const bootSpec = (spec: Record<string, unknown>): VmConfigSpec => {
  const firmware = enumField(spec, 'type', FIRMWARE);
  const protocol = enumField(spec, 'network_protocol', PROTOCOLS);
  const delay = field(spec, 'delay', 'number');
  const retry = field(spec, 'retry', 'boolean');
  const retryDelay = field(spec, 'retry_delay', 'number');
  const setup = field(spec, 'enter_setup_mode', 'boolean');
  const bootOptions = {
    ...(delay === undefined ? {} : { bootDelay: delay }),
    ...(retry === undefined ? {} : { bootRetryEnabled: retry }),
    ...(retryDelay === undefined ? {} : { bootRetryDelay: retryDelay }),
    ...(setup === undefined ? {} : { enterBIOSSetup: setup }),
    ...(protocol === undefined ? {} : { networkBootProtocol: protocol }),
  };
  return {
    ...(firmware === undefined ? {} : { firmware }),
    ...(Object.keys(bootOptions).length === 0 ? {} : { bootOptions }),
  };
};

const versionOf = (vmx: string) => hardwareVersionNumber(vmx) ?? 0;

/**
 * Hardware.UpdateSpec: a scheduled upgrade's policy and version. The version must be newer than
 * the VM's, and is refused under NEVER; unset, it is the latest the hosts run.
 */
const updateHardware = async (call: Call) => {
  const spec = specOf(call);
  const config = targetVm(call).config;
  const policyName = field(spec, 'upgrade_policy', 'string') ?? hardwareInfo(config).upgrade_policy;
  const upgradePolicy = POLICY_OF[policyName];
  if (upgradePolicy === undefined)
    throw restError('invalid_argument', `Invalid value '${policyName}' for 'upgrade_policy'.`);
  const wanted = spec.upgrade_version ?? undefined;
  if (upgradePolicy === 'never') {
    if (wanted !== undefined)
      throw restError('invalid_argument', "'upgrade_version' must be unset when 'upgrade_policy' is NEVER.");
    await reconfigureVm(call, { scheduledHardwareUpgradeInfo: { upgradePolicy } });
    return {};
  }
  const versionKey =
    wanted === undefined ? LATEST_HARDWARE_VERSION : hardwareVersion(wanted, 'upgrade_version');
  if (versionOf(versionKey) <= versionOf(config.version))
    throw restError(
      'invalid_argument',
      `The upgrade version ${vmxVersion(versionKey)} is not newer than the virtual machine's ${vmxVersion(config.version)}.`,
    );
  await reconfigureVm(call, { scheduledHardwareUpgradeInfo: { upgradePolicy, versionKey } });
  return {};
};

/**
 * Hardware.upgrade: now, with UpgradeVM_Task; the body is `{"version": ...}` in both styles (unset:
 * the latest). An older version than the VM's is invalid_argument, its own already_in_desired_state.
 */
const upgradeHardware = async (call: Call) => {
  const vm = targetVm(call);
  const requested = isObject(call.body) ? call.body.version : undefined;
  const version =
    requested === undefined || requested === null ? undefined : hardwareVersion(requested, 'version');
  if (version !== undefined && versionOf(version) < versionOf(vm.config.version))
    throw restError(
      'invalid_argument',
      `The version ${vmxVersion(version)} is older than the virtual machine's.`,
    );
  await call.vsphere.vm.upgrade(vm.id, version).wait();
  return {};
};

const updateCpu = async (call: Call) => {
  const spec = specOf(call);
  const count = field(spec, 'count', 'number');
  const cores = field(spec, 'cores_per_socket', 'number');
  const hotAdd = field(spec, 'hot_add_enabled', 'boolean');
  const hotRemove = field(spec, 'hot_remove_enabled', 'boolean');
  await reconfigureVm(call, {
    ...(count === undefined ? {} : { numCPUs: count }),
    ...(cores === undefined ? {} : { numCoresPerSocket: cores }),
    ...(hotAdd === undefined ? {} : { cpuHotAddEnabled: hotAdd }),
    ...(hotRemove === undefined ? {} : { cpuHotRemoveEnabled: hotRemove }),
  });
  return {};
};

const updateMemory = async (call: Call) => {
  const spec = specOf(call);
  const size = field(spec, 'size_MiB', 'number');
  const hotAdd = field(spec, 'hot_add_enabled', 'boolean');
  await reconfigureVm(call, {
    ...(size === undefined ? {} : { memoryMB: size }),
    ...(hotAdd === undefined ? {} : { memoryHotAddEnabled: hotAdd }),
  });
  return {};
};

export const vmHardwareRoutes: RouteSet = (style): Route[] => [
  { method: 'GET', path: HARDWARE, run: (call) => ({ value: hardwareInfo(targetVm(call).config) }) },
  { method: 'PATCH', path: HARDWARE, run: updateHardware },
  style === 'api'
    ? { method: 'POST', path: HARDWARE, action: 'upgrade', run: upgradeHardware }
    : { method: 'POST', path: `${HARDWARE}/action/upgrade`, run: upgradeHardware },
  { method: 'GET', path: `${HARDWARE}/boot`, run: (call) => ({ value: bootInfo(targetVm(call).config) }) },
  {
    method: 'PATCH',
    path: `${HARDWARE}/boot`,
    run: async (call) => {
      await reconfigureVm(call, bootSpec(specOf(call)));
      return {};
    },
  },
  { method: 'GET', path: `${HARDWARE}/cpu`, run: (call) => ({ value: cpuInfo(targetVm(call).config) }) },
  { method: 'PATCH', path: `${HARDWARE}/cpu`, run: updateCpu },
  {
    method: 'GET',
    path: `${HARDWARE}/memory`,
    run: (call) => ({ value: memoryInfo(targetVm(call)) }),
  },
  { method: 'PATCH', path: `${HARDWARE}/memory`, run: updateMemory },
];
