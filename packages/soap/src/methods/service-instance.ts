/** ServiceInstance, SessionManager and OptionManager methods. */
import { faults } from '@vsim/vsphere';
import type { MethodTable } from './call.js';

const iso = (ms: number) => new Date(ms).toISOString();

export const serviceInstanceMethods: MethodTable = {
  RetrieveServiceContent: ({ vsphere }) => vsphere.read('ServiceInstance', 'content'),
  CurrentTime: ({ vsphere }) => iso(vsphere.clock.now()),
};

/** vCenter's advanced settings (ServiceContent.setting). */
export const optionManagerMethods: MethodTable = {
  QueryOptions: ({ vsphere, self, args }) =>
    vsphere.settings
      .query(self, args.name)
      .map((o) => ({ _type: 'OptionValue', key: o.key, value: o.value })),
  UpdateOptions: ({ vsphere, self, args }) => vsphere.settings.update(self, args.changedValue ?? []),
};

const userSession = ({ vsphere }: Parameters<MethodTable[string]>[0], key: string) =>
  vsphere.read<{ key: string }[]>('SessionManager', 'sessionList').find((s) => s.key === key);

export const sessionManagerMethods: MethodTable = {
  Login: (call) => {
    // A second Login on a live session is refused, as vCenter does.
    if (call.session) throw faults.invalidLogin();
    const session = call.vsphere.sessions.login(call.args.userName, call.args.password);
    call.startSession(session);
    return userSession(call, session.key);
  },
  Logout: (call) => {
    call.vsphere.sessions.logout((call.session as { key: string }).key);
    call.endSession();
  },
  SessionIsActive: ({ vsphere, args }) => vsphere.sessions.isActive(args.sessionID, args.userName),
  TerminateSession: ({ vsphere, args, session }) => vsphere.sessions.terminate(args.sessionId, session?.key),
  AcquireCloneTicket: ({ vsphere, session }) =>
    vsphere.sessions.acquireCloneTicket((session as { key: string }).key),
  // Only HTTP requests are ticketed here: the simulator serves no other service a ticket could name.
  AcquireGenericServiceTicket: ({ vsphere, session, args }) => {
    if (args.spec._type !== 'SessionManagerHttpServiceRequestSpec')
      throw faults.notSupported(`A ${args.spec._type} names no service the simulator serves.`);
    return {
      _type: 'SessionManagerGenericServiceTicket',
      id: vsphere.sessions.acquireServiceTicket((session as { key: string }).key, args.spec),
    };
  },
  CloneSession: (call) => {
    const session = call.vsphere.sessions.cloneByTicket(call.args.cloneTicket);
    call.startSession(session);
    return userSession(call, session.key);
  },
};

/** Methods a client may call before it has a session. */
export const UNAUTHENTICATED = new Set([
  'RetrieveServiceContent',
  'Login',
  'LoginByToken',
  'LoginExtensionByCertificate',
  'LoginExtensionBySubjectName',
  'CloneSession',
]);

/** vCenter's guest customization specs, kept by name (CustomizationSpecManager). */
export const customizationSpecManagerMethods: MethodTable = {
  DoesCustomizationSpecExist: ({ vsphere, args }) => vsphere.customizationSpecs.exists(args.name),
  GetCustomizationSpec: ({ vsphere, args }) => {
    const { info, spec } = vsphere.customizationSpecs.get(args.name);
    return { _type: 'CustomizationSpecItem', info: { _type: 'CustomizationSpecInfo', ...info }, spec };
  },
  CreateCustomizationSpec: ({ vsphere, args }) => vsphere.customizationSpecs.create(args.item),
  OverwriteCustomizationSpec: ({ vsphere, args }) => vsphere.customizationSpecs.overwrite(args.item),
  DeleteCustomizationSpec: ({ vsphere, args }) => vsphere.customizationSpecs.delete(args.name),
  DuplicateCustomizationSpec: ({ vsphere, args }) =>
    vsphere.customizationSpecs.duplicate(args.name, args.newName),
  RenameCustomizationSpec: ({ vsphere, args }) => vsphere.customizationSpecs.rename(args.name, args.newName),
};
