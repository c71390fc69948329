/**
 * What a VM's guest reports through its tools (vcenter.vm.guest): its identity, its power state
 * and soft power operations (`?action=shutdown|reboot|standby`, which return at once as the
 * model's ShutdownGuest, RebootGuest and StandbyGuest do), and its network interfaces. Without
 * running tools vCenter answers service_unavailable; a guest operation on a VM that is not
 * running is not_allowed_in_current_state (the model's InvalidPowerState).
 */
import { customizationState, type VmRecord } from '@vsim/vsphere';
import { fieldName, iso, specOf, str } from '../content/wire.js';
import { restError } from '../errors.js';
import type { Call, Route, RouteSet } from '../routes.js';
import { guestOsOf } from './vm-info.js';
import { targetVm } from './vm-target.js';

const GUEST = '/vcenter/vm/:vm/guest';

const FAMILIES: Readonly<Record<string, string>> = {
  windowsGuest: 'WINDOWS',
  linuxGuest: 'LINUX',
  netwareGuest: 'NETWARE',
  solarisGuest: 'SOLARIS',
  darwinGuestFamily: 'DARWIN',
};

interface GuestView {
  toolsRunningStatus: string;
  guestId?: string;
  guestFamily?: string;
  guestFullName?: string;
  hostName?: string;
  ipAddress?: string;
  net?: readonly {
    macAddress?: string;
    deviceConfigId: number;
    ipConfig?: { ipAddress: readonly { ipAddress: string; prefixLength: number; state: string }[] };
  }[];
}

const toolsRunning = (guest: GuestView) => guest.toolsRunningStatus === 'guestToolsRunning';

/** The guest as its tools report it; service_unavailable (with `what`'s message id) while they do not run. */
const reportingGuest = (call: Call, what: string): { vm: VmRecord; guest: GuestView } => {
  const vm = targetVm(call);
  const guest = call.vsphere.read<GuestView>(vm.id, 'guest');
  if (!toolsRunning(guest) || guest.guestId === undefined) {
    throw restError(
      'service_unavailable',
      `Guest ${what} of virtual machine '${vm.id}' is not available: VMware Tools is not running.`,
      `com.vmware.api.vcenter.vm.guest.${what}.unavailable`,
      [vm.id],
    );
  }
  return { vm, guest };
};

const identity = (call: Call) => {
  const { guest } = reportingGuest(call, 'identity');
  return {
    value: {
      name: guestOsOf(guest.guestId as string),
      family: FAMILIES[guest.guestFamily ?? ''] ?? 'OTHER',
      full_name: {
        id: `vmsg.guestos.${guest.guestId}.label`,
        default_message: guest.guestFullName ?? '',
        args: [],
      },
      host_name: guest.hostName ?? '',
      ...(guest.ipAddress ? { ip_address: guest.ipAddress } : {}),
    },
  };
};

/** Power.Info: RUNNING while the VM runs, NOT_RUNNING otherwise; soft operations need the tools. */
const powerInfo = (call: Call) => {
  const vm = targetVm(call);
  const ready = toolsRunning(call.vsphere.read<GuestView>(vm.id, 'guest'));
  return {
    value: { state: vm.powerState === 'poweredOn' ? 'RUNNING' : 'NOT_RUNNING', operations_ready: ready },
  };
};

type GuestAction = 'shutdown' | 'reboot' | 'standby';
const GUEST_ACTIONS: readonly GuestAction[] = ['shutdown', 'reboot', 'standby'];

const guestPower = (call: Call, action: GuestAction) => {
  const id = targetVm(call).id;
  if (action === 'shutdown') call.vsphere.vm.shutdownGuest(id);
  else if (action === 'reboot') call.vsphere.vm.rebootGuest(id);
  else call.vsphere.vm.standbyGuest(id);
  return {};
};

/** `/rest` with `?action=`, which is how the 6.7 guest power operations are spelled there too. */
const guestPowerByQuery = (call: Call) => {
  const action = GUEST_ACTIONS.find((a) => a === call.query.get('action'));
  if (action === undefined)
    throw restError(
      'invalid_argument',
      `Unknown action '${call.query.get('action') ?? ''}' for POST on this resource.`,
    );
  return guestPower(call, action);
};

/** Networking.Interfaces: each NIC the guest reports, with its addresses. */
const interfaces = (call: Call) => {
  const { guest } = reportingGuest(call, 'networking');
  return {
    value: (guest.net ?? []).map((n) => ({
      nic: String(n.deviceConfigId),
      ...(n.macAddress ? { mac_address: n.macAddress } : {}),
      ip: {
        ip_addresses: (n.ipConfig?.ipAddress ?? []).map((a) => ({
          ip_address: a.ipAddress,
          prefix_length: a.prefixLength,
          state: a.state.toUpperCase(),
        })),
      },
    })),
  };
};

/**
 * Customization.Info: where the VM's customization is (IDLE, PENDING, RUNNING, SUCCEEDED, FAILED),
 * when the guest started and ended it, and the error its tools reported.
 */
const customizationInfo = (call: Call) => {
  const vm = targetVm(call);
  const c = vm.customization;
  return {
    value: {
      status: customizationState(vm),
      ...(c?.errorMsg === undefined ? {} : { error: c.errorMsg }),
      ...(c?.startTime === undefined ? {} : { start_time: iso(c.startTime) }),
      ...(c?.endTime === undefined ? {} : { end_time: iso(c.endTime) }),
    },
  };
};

/**
 * Customization.set: the saved spec (CustomizationSpecManager) `name` says, for the VM's next
 * boot, over any pending one; none clears a pending one. A spec given inline is not taken.
 */
const setCustomization = (call: Call) => {
  const id = targetVm(call).id;
  const spec = specOf(call, 'spec');
  if (spec.spec !== undefined)
    throw restError('invalid_argument', 'Only a saved customization specification, by name, is supported.');
  const name = str(spec, 'name', fieldName(call, 'spec', 'name'));
  call.vsphere.vm.setCustomization(
    id,
    name === undefined ? undefined : call.vsphere.customizationSpecs.get(name).spec,
  );
  return {};
};

export const vmGuestRoutes: RouteSet = (style): Route[] => [
  { method: 'GET', path: `${GUEST}/customization`, run: customizationInfo },
  { method: 'PUT', path: `${GUEST}/customization`, run: setCustomization },
  { method: 'GET', path: `${GUEST}/identity`, run: identity },
  { method: 'GET', path: `${GUEST}/power`, run: powerInfo },
  ...GUEST_ACTIONS.map(
    (action): Route => ({
      method: 'POST',
      path: `${GUEST}/power`,
      action,
      run: (call) => guestPower(call, action),
    }),
  ),
  ...(style === 'rest'
    ? [{ method: 'POST', path: `${GUEST}/power`, run: guestPowerByQuery } satisfies Route]
    : []),
  { method: 'GET', path: `${GUEST}/networking/interfaces`, run: interfaces },
];
