/** EventManager.QueryEvents over the model's event history, with EventFilterSpec's filters. */
import type { MoRef, VimEvent, VSphere } from '@vsim/vsphere';
import type { MethodTable } from './call.js';

interface EventFilterSpec {
  entity?: { entity: MoRef; recursion?: 'self' | 'children' | 'all' | 'info' };
  time?: { beginTime?: string; endTime?: string };
  userName?: { userList?: string[] };
  eventChainId?: number;
  type?: string[];
  eventTypeId?: string[];
  maxCount?: number;
}

const ARGUMENTS = [
  ['datacenter', 'datacenter'],
  ['computeResource', 'computeResource'],
  ['host', 'host'],
  ['vm', 'vm'],
  ['ds', 'datastore'],
  ['net', 'network'],
] as const;

const refsOf = (e: VimEvent): string[] =>
  ARGUMENTS.flatMap(([arg, field]) => {
    const ref = (e[arg] as Record<string, MoRef> | undefined)?.[field];
    return ref ? [ref.value] : [];
  });

const isAncestor = (vsphere: VSphere, ancestor: string, id: string): boolean => {
  for (let r = vsphere.store.get(id); r; r = r.parent ? vsphere.store.get(r.parent) : undefined) {
    if (r.id === ancestor) return true;
  }
  return false;
};

export const queryEvents = (vsphere: VSphere, filter: EventFilterSpec): VimEvent[] => {
  const begin = filter.time?.beginTime ? Date.parse(filter.time.beginTime) : Number.NEGATIVE_INFINITY;
  const end = filter.time?.endTime ? Date.parse(filter.time.endTime) : Number.POSITIVE_INFINITY;
  const types = filter.eventTypeId ?? filter.type;
  const users = filter.userName?.userList;
  const target = filter.entity?.entity.value;
  const recursive = filter.entity?.recursion !== 'self';
  const matched = vsphere.events.list().filter((e) => {
    if (e.createdTime < begin || e.createdTime > end) return false;
    if (types && !types.includes(e._type) && !types.includes(String(e.eventTypeId))) return false;
    if (users && !users.includes(e.userName)) return false;
    if (filter.eventChainId !== undefined && e.chainId !== filter.eventChainId) return false;
    if (target === undefined) return true;
    const refs = refsOf(e);
    return refs.includes(target) || (recursive && refs.some((id) => isAncestor(vsphere, target, id)));
  });
  return filter.maxCount === undefined ? matched : matched.slice(-filter.maxCount);
};

export const eventManagerMethods: MethodTable = {
  QueryEvents: ({ vsphere, args }) => queryEvents(vsphere, args.filter ?? {}),
};
