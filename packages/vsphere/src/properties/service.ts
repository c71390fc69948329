/** ServiceInstance's and the managers' properties. */

import type { ServiceObjectRecord } from '../inventory/records.js';
import { serviceContent } from '../inventory/service.js';
import { clusterInfo, providersIn } from '../objects/crypto-manager.js';
import { settingsOf } from '../objects/option-manager.js';
import { moref } from '../refs.js';
import type { UserSession } from '../sessions/sessions.js';
import { iso, type PropertyTable, type ReadContext } from './context.js';
import { fieldDefInfo, fieldDefs } from './custom-fields.js';

export const userSession = (s: UserSession, callCount: number) => ({
  _type: 'UserSession',
  key: s.key,
  userName: s.userName,
  fullName: s.fullName,
  loginTime: iso(s.loginTime),
  lastActiveTime: iso(s.lastActiveTime),
  locale: s.locale,
  messageLocale: s.messageLocale,
  extensionSession: false,
  ipAddress: s.ipAddress,
  userAgent: s.userAgent,
  callCount,
});

const option = (key: string, value: unknown) => ({ _type: 'OptionValue', key, value });
const elementDescription = (key: string, label: string) => ({
  _type: 'ElementDescription',
  key,
  label,
  summary: label,
});
const role = (roleId: number, name: string, label: string, system = true) => ({
  _type: 'AuthorizationRole',
  roleId,
  system,
  name,
  info: { _type: 'Description', label, summary: label },
  privilege: [],
});

/** What the other managers report: enough for the clients that read them at start-up. */
const MANAGER_PROPERTIES: Readonly<Record<string, PropertyTable<ServiceObjectRecord>>> = {
  OptionManager: {
    setting: (manager, ctx) => settingsOf(ctx.about.instanceUuid, manager).map((o) => option(o.key, o.value)),
    supportedOption: () => [],
  },
  PerformanceManager: {
    description: () => ({ _type: 'PerformanceDescription', counterType: [], statsType: [] }),
    historicalInterval: () =>
      [
        [1, 300, 'Past day', 86400],
        [2, 1800, 'Past week', 604800],
        [3, 7200, 'Past month', 2592000],
        [4, 86400, 'Past year', 31536000],
      ].map(([key, samplingPeriod, name, length]) => ({
        _type: 'PerfInterval',
        key,
        samplingPeriod,
        name,
        length,
        level: 1,
        enabled: true,
      })),
    perfCounter: () => [],
  },
  LicenseManager: {
    source: () => ({ _type: 'EvaluationLicenseSource' }),
    sourceAvailable: () => true,
    featureInfo: () => [],
    licensedEdition: () => '',
    licenses: () => [
      {
        _type: 'LicenseManagerLicenseInfo',
        licenseKey: '00000-00000-00000-00000-00000',
        editionKey: 'eval',
        name: 'Evaluation Mode',
        total: 0,
        properties: [],
      },
    ],
  },
  AuthorizationManager: {
    privilegeList: () => [],
    roleList: () => [
      role(-5, 'NoAccess', 'No access'),
      role(-6, 'Anonymous', 'Anonymous'),
      role(-2, 'View', 'View'),
      role(-1, 'Admin', 'Administrator'),
      role(-3, 'ReadOnly', 'Read-only'),
    ],
    description: () => ({ _type: 'AuthorizationDescription', privilege: [], privilegeGroup: [] }),
  },
  UserDirectory: {
    domainList: () => ['vsphere.local'],
  },
  ExtensionManager: {
    extensionList: () => [],
  },
  AlarmManager: {
    defaultExpression: () => [],
    description: () => ({
      _type: 'AlarmDescription',
      expr: [],
      stateOperator: [],
      metricOperator: [],
      hostSystemConnectionState: [],
      virtualMachinePowerState: [],
      datastoreConnectionState: [],
      hostSystemPowerState: [],
      virtualMachineGuestHeartbeatStatus: [],
      entityStatus: [],
      action: [],
    }),
  },
  ScheduledTaskManager: {
    scheduledTask: () => [],
    description: () => ({
      _type: 'ScheduledTaskDescription',
      action: [],
      schedulerInfo: [],
      state: [],
      dayOfWeek: [],
      weekOfMonth: [],
    }),
  },
  CustomizationSpecManager: {
    info: (manager) =>
      (manager.customizationSpecs ?? []).map((item) => ({ _type: 'CustomizationSpecInfo', ...item.info })),
    encryptionKey: () => [],
  },
};

const LOCALES = ['en', 'de', 'fr', 'ja', 'ko', 'zh_CN', 'zh_TW', 'es', 'it'];

export const SERVICE_PROPERTIES: Readonly<Record<string, PropertyTable<ServiceObjectRecord>>> = {
  ServiceInstance: {
    content: (_, ctx) => serviceContent(ctx.about),
    serverClock: (_, ctx) => iso(ctx.clock.now()),
    capability: () => ({
      _type: 'Capability',
      provisioningSupported: true,
      multiHostSupported: true,
      userShellAccessSupported: false,
      supportedEVCMode: [],
      networkBackupAndRestoreSupported: true,
      ftDrsWithoutEvcSupported: true,
      hciWorkflowSupported: true,
    }),
  },
  SessionManager: {
    sessionList: (_, ctx: ReadContext) =>
      ctx.sessions.list().map((s) => userSession(s, ctx.sessions.callCount(s.key))),
    currentSession: (_, ctx: ReadContext) => {
      const session =
        ctx.sessionKey === undefined ? undefined : ctx.sessions.list().find((s) => s.key === ctx.sessionKey);
      return session && userSession(session, ctx.sessions.callCount(session.key));
    },
    defaultLocale: () => 'en',
    supportedLocaleList: () => LOCALES,
    messageLocaleList: () => LOCALES,
    message: () => undefined,
  },
  TaskManager: {
    recentTask: (_, ctx) => [...ctx.recentTasks].map((id) => moref('Task', id)),
    maxCollector: () => 32,
    description: () => ({ _type: 'TaskDescription', methodInfo: [], state: [], reason: [] }),
  },
  EventManager: {
    maxCollector: () => 32,
    description: () => ({
      _type: 'EventDescription',
      category: ['info', 'warning', 'error', 'user'].map((c) => elementDescription(c, c)),
      eventInfo: [],
    }),
  },
  PropertyCollector: {
    filter: () => [],
  },
  ViewManager: {
    viewList: () => [],
  },
  CustomFieldsManager: {
    field: (_, ctx) => fieldDefs(ctx.store).map(fieldDefInfo),
  },
  CryptoManagerKmip: {
    enabled: () => true,
    kmipServers: (_, ctx) => providersIn(ctx.store).map((p) => clusterInfo(p)),
  },
  ...MANAGER_PROPERTIES,
};
