/**
 * The `Ready` condition of a VM with a readiness probe, as vm-operator sets it: a TCP probe
 * by its prober (the guest answers once it is powered on with an address; a named port is
 * not supported), a heartbeat or GuestInfo probe by the status update, from what vSphere
 * reports (the guest's heartbeat, the VM's `guestinfo.*` configuration keys).
 */
import { extraConfigValue, type VmRecord, type VSphere } from '@vsim/vsphere';
import type {
  GuestHeartbeatStatus,
  TCPSocketAction,
  VirtualMachine,
  VirtualMachineReadinessProbeSpec,
} from '../../api/types.js';
import { CONDITION, isFalse, isTrue, isUnknown, type Verdict } from './conditions.js';

const notReady = (message: string) => isFalse(CONDITION.ready, 'NotReady', message);

/** Heartbeat colours by rank; anything else ranks below every threshold (-1). */
const HEARTBEAT_RANK: Readonly<Record<string, number>> = { gray: 0, red: 1, yellow: 2, green: 3 };
const rankOf = (status: string | undefined) => (status === undefined ? -1 : (HEARTBEAT_RANK[status] ?? -1));

function tcpVerdict(vm: VirtualMachine, record: VmRecord, tcp: TCPSocketAction): Verdict {
  if (record.powerState !== 'poweredOn') return notReady('virtual machine is not powered on');
  if (typeof tcp.port !== 'number') return notReady(`no suitable port for manifest: ${vm.metadata.uid}`);
  // The guest listens: the probe passes once it has somewhere to connect.
  if (!tcp.host && record.guest.ipAddress === undefined)
    return notReady(`VM ${vm.metadata.namespace}/${vm.metadata.name} doesn't have an IP assigned`);
  return isTrue(CONDITION.ready);
}

function heartbeatVerdict(heartbeat: string, threshold: GuestHeartbeatStatus | undefined): Verdict {
  return rankOf(heartbeat) < rankOf(threshold)
    ? notReady(`heartbeat status "${heartbeat}" is below threshold`)
    : isTrue(CONDITION.ready);
}

/** Go's leading flag group (`(?i)`), which JavaScript takes as flags of the expression instead. */
const GO_FLAGS = /^\(\?([imsU]+)\)/;

/**
 * Whether a probe's value expression (Go's syntax) matches; one that does not compile matches
 * anything. Go's `U` (ungreedy) changes what matches, not whether: it is left out.
 */
function matches(expression: string, value: string): boolean {
  const flags = GO_FLAGS.exec(expression)?.[1] ?? '';
  try {
    return new RegExp(
      expression.slice(flags ? flags.length + 3 : 0),
      [...new Set(flags.replace(/U/g, ''))].join(''),
    ).test(value);
  } catch {
    return true;
  }
}

function guestInfoVerdict(
  record: VmRecord,
  wanted: NonNullable<VirtualMachineReadinessProbeSpec['guestInfo']>,
) {
  if (wanted.length === 0) return isUnknown(CONDITION.ready, 'Unknown', '');
  for (const { key, value } of wanted) {
    const found = extraConfigValue(record.config, `guestinfo.${key}`);
    if (found === undefined || (value && !matches(value, found))) return notReady('');
  }
  return isTrue(CONDITION.ready);
}

export function readinessVerdict(
  vsphere: VSphere,
  vm: VirtualMachine,
  record: VmRecord,
  probe: VirtualMachineReadinessProbeSpec,
): Verdict {
  if (probe.tcpSocket) return tcpVerdict(vm, record, probe.tcpSocket);
  if (probe.guestHeartbeat)
    return heartbeatVerdict(
      vsphere.read<string>(record.id, 'guestHeartbeatStatus'),
      probe.guestHeartbeat.thresholdStatus,
    );
  if (probe.guestInfo) return guestInfoVerdict(record, probe.guestInfo);
  return isUnknown(CONDITION.ready, 'Unknown', '');
}
