/** ServiceInstance's and the managers' properties. */

import type { ServiceObjectRecord } from '../inventory/records.js';
import { serviceContent } from '../inventory/service.js';
import { moref } from '../refs.js';
import type { UserSession } from '../sessions/sessions.js';
import { iso, type PropertyTable, type ReadContext } from './context.js';

export const userSession = (s: UserSession) => ({
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
  callCount: 0,
});

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
    sessionList: (_, ctx: ReadContext) => ctx.sessions.list().map(userSession),
    currentSession: (_, ctx: ReadContext) => {
      const session =
        ctx.sessionKey === undefined ? undefined : ctx.sessions.list().find((s) => s.key === ctx.sessionKey);
      return session && userSession(session);
    },
    defaultLocale: () => 'en',
    supportedLocaleList: () => LOCALES,
    messageLocaleList: () => LOCALES,
    message: () => undefined,
  },
  TaskManager: {
    recentTask: (_, ctx) => ctx.recentTasks.map((id) => moref('Task', id)),
    maxCollector: () => 32,
  },
  EventManager: {
    maxCollector: () => 32,
  },
  PropertyCollector: {
    filter: () => [],
  },
  ViewManager: {
    viewList: () => [],
  },
  CustomFieldsManager: {
    field: () => [],
  },
};
