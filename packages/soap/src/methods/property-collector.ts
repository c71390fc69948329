/**
 * PropertyCollector, ViewManager and SearchIndex methods. Property values travel in
 * anyType slots (DynamicProperty.val, PropertyChange.val): each one is tagged with the
 * type its path has on its object's managed type, so it is written with the exact
 * xsi:type (ArrayOfManagedObjectReference, VirtualMachinePowerState, ...).
 */
import {
  faults,
  type MoRef,
  type ObjectContent,
  type PropertyFilterSpec,
  type RetrieveResult,
  type UpdateSet,
  type VSphere,
} from '@vsim/vsphere';
import { TypedValue } from '../codec/encode.js';
import { isSchemaPath, pathType } from '../metadata/paths.js';
import { versionOrder } from '../metadata/registry.js';
import type { MethodTable, SoapCall } from './call.js';

const typed = (obj: MoRef, name: string, val: unknown) => {
  const ref = pathType(obj.type, name);
  return ref ? new TypedValue(ref, val) : val;
};

/** Built field by field: cheaper than spreading, and the model's objects stay untouched. */
const typedContent = (o: ObjectContent): ObjectContent => {
  const propSet = o.propSet.map((p) => ({ name: p.name, val: typed(o.obj, p.name, p.val) }));
  return o.missingSet === undefined
    ? { obj: o.obj, propSet }
    : { obj: o.obj, propSet, missingSet: o.missingSet };
};

const typedContents = (objects: readonly ObjectContent[]) => objects.map(typedContent);

const typedResult = (r: RetrieveResult | undefined) => r && { ...r, objects: typedContents(r.objects) };

const typedUpdates = (u: UpdateSet | undefined) =>
  u && {
    ...u,
    filterSet: u.filterSet.map((f) => ({
      ...f,
      objectSet: f.objectSet.map((o) => ({
        ...o,
        changeSet: o.changeSet.map((c) =>
          c.val === undefined ? c : { ...c, val: typed(o.obj, c.name, c.val) },
        ),
      })),
    })),
  };

/** The wire's real-time wait; the model never arms a timer itself. */
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

const collector = ({ vsphere, self }: SoapCall) => vsphere.collector.get(self);

/**
 * The model checks a path's top-level name; a name below it must exist in the schema too.
 * A client newer than the schema may name properties the schema lacks: left to the model.
 */
const checkPaths = (specs: readonly PropertyFilterSpec[], version: string): readonly PropertyFilterSpec[] => {
  if (versionOrder(version) < 0) return specs;
  for (const spec of specs) {
    for (const p of spec.propSet ?? []) {
      for (const path of p.pathSet ?? []) {
        if (typeof p.type === 'string' && !isSchemaPath(p.type, path)) throw faults.invalidProperty(path);
      }
    }
  }
  return specs;
};

export const propertyCollectorMethods: MethodTable = {
  RetrieveProperties: (call) =>
    typedContents(collector(call).retrieveProperties(checkPaths(call.args.specSet, call.version))),
  RetrievePropertiesEx: (call) =>
    typedResult(
      collector(call).retrievePropertiesEx(
        checkPaths(call.args.specSet, call.version),
        call.args.options ?? {},
      ),
    ),
  ContinueRetrievePropertiesEx: (call) =>
    typedResult(collector(call).continueRetrievePropertiesEx(call.args.token)),
  CancelRetrievePropertiesEx: (call) => collector(call).cancelRetrievePropertiesEx(call.args.token),
  CreateFilter: (call) => {
    checkPaths([call.args.spec], call.version);
    return collector(call).createFilter(call.args.spec, call.args.partialUpdates);
  },
  DestroyPropertyFilter: ({ vsphere, self }) => vsphere.collector.destroyFilter(self),
  CheckForUpdates: async (call) => typedUpdates(collector(call).checkForUpdates(call.args.version)),
  WaitForUpdates: async (call) =>
    typedUpdates(await collector(call).waitForUpdates(call.args.version, {}, sleep)),
  WaitForUpdatesEx: async (call) =>
    typedUpdates(await collector(call).waitForUpdates(call.args.version, call.args.options ?? {}, sleep)),
  CancelWaitForUpdates: (call) => collector(call).cancelWaitForUpdates(),
  CreatePropertyCollector: ({ vsphere }) => vsphere.collector.create(),
  DestroyPropertyCollector: ({ vsphere, self }) => vsphere.collector.destroy(self),
};

const views = (v: VSphere) => v.views;

export const viewManagerMethods: MethodTable = {
  CreateContainerView: ({ vsphere, args }) =>
    views(vsphere).createContainerView(args.container, args.type ?? [], args.recursive),
  CreateListView: ({ vsphere, args }) => views(vsphere).createListView(args.obj ?? []),
  CreateListViewFromView: ({ vsphere, args }) =>
    views(vsphere).createListView(vsphere.read<MoRef[]>(args.view, 'view')),
  ModifyListView: ({ vsphere, self, args }) =>
    views(vsphere).modifyListView(self, args.add ?? [], args.remove ?? []),
  ResetListView: ({ vsphere, self, args }) => views(vsphere).resetListView(self, args.obj ?? []),
  ResetListViewFromView: ({ vsphere, self, args }) => {
    views(vsphere).resetListView(self, vsphere.read<MoRef[]>(args.view, 'view'));
  },
  DestroyView: ({ vsphere, self }) => views(vsphere).destroyView(self),
};

export const searchIndexMethods: MethodTable = {
  FindByInventoryPath: ({ vsphere, args }) => vsphere.search.findByInventoryPath(args.inventoryPath),
  FindChild: ({ vsphere, args }) => vsphere.search.findChild(args.entity, args.name),
  FindByUuid: ({ vsphere, args }) =>
    vsphere.search.findByUuid(args.datacenter, args.uuid, args.vmSearch, args.instanceUuid ?? false),
  FindAllByUuid: ({ vsphere, args }) =>
    vsphere.search.findAllByUuid(args.datacenter, args.uuid, args.vmSearch, args.instanceUuid ?? false),
  FindByIp: ({ vsphere, args }) => vsphere.search.findByIp(args.datacenter, args.ip, args.vmSearch),
  FindAllByIp: ({ vsphere, args }) => vsphere.search.findAllByIp(args.datacenter, args.ip, args.vmSearch),
  FindByDnsName: ({ vsphere, args }) =>
    vsphere.search.findByDnsName(args.datacenter, args.dnsName, args.vmSearch),
  FindAllByDnsName: ({ vsphere, args }) =>
    vsphere.search.findAllByDnsName(args.datacenter, args.dnsName, args.vmSearch),
  FindByDatastorePath: ({ vsphere, args }) => vsphere.search.findByDatastorePath(args.datacenter, args.path),
};
