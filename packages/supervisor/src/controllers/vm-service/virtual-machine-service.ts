/**
 * vm-operator's VirtualMachineService controller, with the simulator standing in for the
 * load balancer. For each VirtualMachineService:
 * - the finalizer `vmoperator.vmware.com/virtualmachineservice` first (the deprecated
 *   `virtualmachineservice.vmoperator.vmware.com` is dropped);
 * - a Service of the same name it controls (see service.ts), which the store gives a cluster
 *   IP as the API server does (from 10.96.0.0/16) unless it is ExternalName or headless;
 * - for LoadBalancer, a VIP from the load balancer range (192.168.240.0/24, from .2 up),
 *   or `spec.loadBalancerIP` when it is in the range and free, written to the Service's
 *   `status.loadBalancer.ingress` with a `Ready` condition (False, and retried when an
 *   address is freed, while none can be had);
 * - Endpoints of the same name listing the selected VMs (see endpoints.ts); a
 *   VirtualMachineService without a selector gets none, as in vm-operator;
 * - its status: the Service's ingress, and `VirtualMachineServiceServiceReady` mirroring
 *   the Service's `Ready` condition (Unknown `ServiceReadyNotPresent` without one).
 * Deleting it deletes the Endpoints and the Service (which the garbage collector would
 * also do through their owner references, giving the cluster IP back) and gives the VIP back.
 * VIPs are held by the VirtualMachineService's uid, so the same objects created in the same
 * order get the same addresses.
 *
 * Keys come from VirtualMachineServices, the Services and Endpoints they own, and
 * VirtualMachines (each maps to the services of its namespace its labels, old or new,
 * match).
 */
import type { VSphere } from '@vsim/vsphere';
import type { VirtualMachine, VirtualMachineService } from '../../api/types.js';
import type { Controller } from '../../runtime/controller.js';
import { objectKey, parseObjectKey } from '../../runtime/keys.js';
import type { Manager } from '../../runtime/manager.js';
import { AddressRange } from '../../store/address-range.js';
import { ignoreNotFound } from '../../store/errors.js';
import type { KubeStore } from '../../store/kube-store.js';
import {
  controllerOf,
  deepEqual,
  type KubeObject,
  timestamp,
  withControllerReference,
} from '../../store/meta.js';
import { setCondition } from '../conditions.js';
import { type RecorderFor, recorderOf } from '../recorders.js';
import { endpointSubsets, readyTargets } from './endpoints.js';
import {
  type Endpoints,
  type LoadBalancerIngress,
  type Service,
  type ServiceStatus,
  serviceMeta,
  serviceSpec,
  VM_SERVICE_API_VERSION,
} from './service.js';

export const VM_SERVICE_CONTROLLER = 'virtualmachineservice-controller';
export const VM_SERVICE_FINALIZER = 'vmoperator.vmware.com/virtualmachineservice';
export const DEPRECATED_VM_SERVICE_FINALIZER = 'virtualmachineservice.vmoperator.vmware.com';
export const SERVICE_READY_CONDITION = 'VirtualMachineServiceServiceReady';
/** The simulated load balancer's condition on a Service: whether it gave it an address. */
export const LOAD_BALANCER_CONDITION = 'vsim.io/VirtualIPAssigned';
export const DEFAULT_LOAD_BALANCER_RANGE = { cidr: '192.168.240.0/24', first: '192.168.240.2' } as const;
/** The Supervisor API server's own load balancer address, before the range's first. */
export const SUPERVISOR_API_ADDRESS = '192.168.240.1';

export interface VirtualMachineServiceControllerOptions {
  /** Where load balancer VIPs come from (default 192.168.240.0/24 from .2). */
  loadBalancerRange?: { cidr: string; first?: string };
}

export interface VirtualMachineServiceControllerDeps {
  kube: KubeStore;
  vsphere: VSphere;
  options?: VirtualMachineServiceControllerOptions;
  /** Where vm-operator's Events of a VirtualMachineService go, by its recorder's name (none by default). */
  recorderFor?: RecorderFor;
}

export interface VirtualMachineServiceController {
  readonly controller: Controller;
  /** The VIPs handed out, by VirtualMachineService uid. */
  readonly loadBalancerAddresses: AddressRange;
}

const VM_SERVICE = { apiVersion: VM_SERVICE_API_VERSION, kind: 'VirtualMachineService' } as const;
const VM = { apiVersion: VM_SERVICE_API_VERSION, kind: 'VirtualMachine' } as const;
const SERVICE = { apiVersion: 'v1', kind: 'Service' } as const;
const ENDPOINTS = { apiVersion: 'v1', kind: 'Endpoints' } as const;

/** Whether labels match a VirtualMachineService's selector (an empty one selects nothing). */
const selects = (
  selector: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
) => {
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([k, v]) => labels?.[k] === v);
};

export function startVirtualMachineServiceController(
  manager: Manager,
  deps: VirtualMachineServiceControllerDeps,
): VirtualMachineServiceController {
  const { kube, vsphere } = deps;
  const events = recorderOf(deps, VM_SERVICE_CONTROLLER);
  const vips = new AddressRange(deps.options?.loadBalancerRange ?? DEFAULT_LOAD_BALANCER_RANGE);
  // The Supervisor API server's own address is never a workload's (when the range holds it).
  vips.claim('kube-system/kube-apiserver-lb-svc', SUPERVISOR_API_ADDRESS);
  /** The uid behind each key, to give its addresses back once the object is gone. */
  const holders = new Map<string, string>();
  /** Services waiting for a VIP: reconciled again when one is given back. */
  const waiting = new Set<string>();
  const now = () => timestamp(vsphere.clock.now());

  const giveBackVip = (holder: string) => {
    if (vips.release(holder) === undefined) return;
    for (const key of waiting) controller.enqueue(key);
  };

  const release = (key: string) => {
    const holder = holders.get(key);
    waiting.delete(key);
    if (holder === undefined) return;
    holders.delete(key);
    giveBackVip(holder);
  };

  const applyService = async (vmService: VirtualMachineService): Promise<Service> => {
    const ref = {
      ...SERVICE,
      namespace: vmService.metadata.namespace as string,
      name: vmService.metadata.name as string,
    };
    const existing = await kube.get<Service>(ref).catch(ignoreNotFound);
    const ownerReferences = withControllerReference(existing, vmService);
    const { labels, annotations } = serviceMeta(vmService, existing);
    const spec = serviceSpec(vmService, annotations, existing?.spec);
    // Empty maps are no maps, as stored and as vm-operator compares them (Semantic.DeepEqual).
    const { labels: _, annotations: __, ...kept } = existing?.metadata ?? {};
    const metadata = {
      ...kept,
      name: ref.name,
      namespace: ref.namespace,
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      ownerReferences,
    };
    // vm-operator records a Service it made or changed (CreateK8sServiceSuccess, UpdateK8sServiceSuccess).
    if (!existing) {
      const created = await kube.create<Service>({ ...SERVICE, metadata, spec });
      events.emit(vmService as unknown as KubeObject, 'CreateK8sService', undefined);
      return created;
    }
    if (deepEqual(existing.metadata, metadata) && deepEqual(existing.spec, spec)) return existing;
    const updated = await kube.update<Service>({ ...existing, metadata, spec });
    events.emit(vmService as unknown as KubeObject, 'UpdateK8sService', undefined);
    return updated;
  };

  /** The VIP a LoadBalancer service gets, or why it gets none. */
  const assignVip = (vmService: VirtualMachineService, service: Service) => {
    const uid = vmService.metadata.uid as string;
    const before = vips.addressOf(uid);
    const wanted = vmService.spec?.loadBalancerIP;
    let result: { ip: string } | { reason: string; message: string };
    if (wanted) {
      const claim = vips.claim(uid, wanted);
      if ('ip' in claim) result = claim;
      else
        result = {
          reason: 'LoadBalancerIPUnavailable',
          message:
            claim.refused === 'taken'
              ? `loadBalancerIP ${wanted} is in use by another service`
              : `loadBalancerIP ${wanted} is not in the load balancer's range ${vips.cidr}`,
        };
    } else {
      const ip = vips.adopt(uid, service.status?.loadBalancer?.ingress?.[0]?.ip);
      result = ip ? { ip } : { reason: 'NoAddressAvailable', message: `no free address in ${vips.cidr}` };
    }
    if (before !== undefined && vips.addressOf(uid) !== before)
      for (const key of waiting) controller.enqueue(key);
    return result;
  };

  /**
   * The Service's status, as the load balancer writes it: its address, and a condition of the
   * simulated load balancer's own saying whether it has one, or why not. Like most of a
   * Supervisor's load balancers it writes no `Ready`, so vm-operator's ServiceReady is Unknown.
   */
  const applyLoadBalancer = async (key: string, vmService: VirtualMachineService, service: Service) => {
    let status: ServiceStatus = { loadBalancer: {} };
    if (vmService.spec?.type === 'LoadBalancer') {
      const vip = assignVip(vmService, service);
      if ('ip' in vip) {
        waiting.delete(key);
        // With the mode the API server gives an address a load balancer reports.
        status = { loadBalancer: { ingress: [{ ip: vip.ip, ipMode: 'VIP' }] } };
        status.conditions = setCondition(
          service.status?.conditions,
          LOAD_BALANCER_CONDITION,
          { status: 'True' },
          now(),
        );
      } else {
        waiting.add(key);
        status.conditions = setCondition(
          service.status?.conditions,
          LOAD_BALANCER_CONDITION,
          { status: 'False', ...vip },
          now(),
        );
      }
    } else {
      waiting.delete(key);
      giveBackVip(vmService.metadata.uid as string);
    }
    if (deepEqual(service.status, status)) return service;
    return kube.updateStatus<Service>({ ...service, status });
  };

  const applyEndpoints = async (vmService: VirtualMachineService, service: Service) => {
    const selector = vmService.spec?.selector;
    if (!selector || Object.keys(selector).length === 0) return;
    const namespace = vmService.metadata.namespace as string;
    const ref = { ...ENDPOINTS, namespace, name: vmService.metadata.name as string };
    const existing = await kube.get<Endpoints>(ref).catch(ignoreNotFound);
    const ownerReferences = withControllerReference(existing, vmService);
    const vms = await kube.list<VirtualMachine & KubeObject>({
      ...VM,
      namespace,
      labelSelector: { matchLabels: selector },
    });
    const subsets = endpointSubsets(
      vms.items,
      vmService.spec?.ports ?? [],
      service.spec?.ipFamilies ?? [],
      readyTargets(existing?.subsets),
    );
    const metadata = { ...existing?.metadata, name: ref.name, namespace, ownerReferences };
    if (service.metadata.labels) metadata.labels = { ...service.metadata.labels };
    else delete metadata.labels;
    if (service.metadata.annotations) metadata.annotations = { ...service.metadata.annotations };
    else delete metadata.annotations;
    const desired: Endpoints = { ...ENDPOINTS, ...existing, metadata };
    if (subsets.length > 0) desired.subsets = subsets;
    else delete desired.subsets;
    if (!existing) await kube.create(desired);
    else if (!deepEqual(existing, desired)) await kube.update(desired);
  };

  /** An ingress point as a VirtualMachineService's status has it: its IP and host name alone. */
  const vmServiceIngress = ({ ip, hostname }: LoadBalancerIngress) => ({
    ...(ip ? { ip } : {}),
    ...(hostname ? { hostname } : {}),
  });

  const writeStatus = async (vmService: VirtualMachineService, service: Service) => {
    const ingress =
      vmService.spec?.type === 'LoadBalancer' ? (service.status?.loadBalancer?.ingress ?? []) : [];
    const ready = service.status?.conditions?.find((c) => c.type === 'Ready');
    const verdict =
      ready === undefined
        ? {
            status: 'Unknown' as const,
            reason: 'ServiceReadyNotPresent',
            message: 'Underlying Service does not have Ready condition',
          }
        : ready.status === 'True'
          ? { status: 'True' as const }
          : ready.status === 'False'
            ? {
                status: 'False' as const,
                reason: ready.reason || 'ServiceNotReady',
                message: ready.message || 'Underlying Service is not ready',
              }
            : {
                status: 'Unknown' as const,
                reason: ready.reason || 'ServiceReadinessUnknown',
                message: ready.message || 'Underlying Service readiness is unknown',
              };
    const status = {
      ...vmService.status,
      loadBalancer: ingress.length > 0 ? { ingress: ingress.map(vmServiceIngress) } : {},
      conditions: setCondition(vmService.status?.conditions, SERVICE_READY_CONDITION, verdict, now()),
    };
    if (deepEqual(vmService.status, status)) return;
    await kube.updateStatus({ ...vmService, status } as KubeObject);
  };

  const finalize = async (vmService: VirtualMachineService) => {
    const finalizers = vmService.metadata.finalizers ?? [];
    const namespace = vmService.metadata.namespace as string;
    const name = vmService.metadata.name as string;
    if (finalizers.includes(VM_SERVICE_FINALIZER) || finalizers.includes(DEPRECATED_VM_SERVICE_FINALIZER)) {
      await kube.delete({ ...ENDPOINTS, namespace, name }).catch(ignoreNotFound);
      await kube.delete({ ...SERVICE, namespace, name }).catch(ignoreNotFound);
      events.emit(vmService as unknown as KubeObject, 'DeleteK8sService', undefined);
    }
    release(objectKey({ namespace, name }));
    const kept = finalizers.filter(
      (f) => f !== VM_SERVICE_FINALIZER && f !== DEPRECATED_VM_SERVICE_FINALIZER,
    );
    if (kept.length !== finalizers.length)
      await kube.update({
        ...vmService,
        metadata: { ...vmService.metadata, finalizers: kept },
      } as KubeObject);
  };

  /** Adds the finalizer (dropping the deprecated one); vm-operator then goes on in the same pass. */
  const withFinalizer = async (vmService: VirtualMachineService): Promise<VirtualMachineService> => {
    const finalizers = vmService.metadata.finalizers ?? [];
    if (finalizers.includes(VM_SERVICE_FINALIZER)) return vmService;
    const next = [...finalizers.filter((f) => f !== DEPRECATED_VM_SERVICE_FINALIZER), VM_SERVICE_FINALIZER];
    const updated = await kube.update({
      ...vmService,
      metadata: { ...vmService.metadata, finalizers: next },
    } as KubeObject);
    return updated as unknown as VirtualMachineService;
  };

  const reconcile = async (key: string) => {
    const { namespace, name } = parseObjectKey(key);
    if (namespace === undefined) return undefined;
    const found = await kube.get({ ...VM_SERVICE, namespace, name }).catch(ignoreNotFound);
    if (!found) {
      release(key);
      return undefined;
    }
    let vmService = found as unknown as VirtualMachineService;
    const uid = vmService.metadata.uid as string;
    if (holders.get(key) !== uid) release(key);
    holders.set(key, uid);
    if (vmService.metadata.deletionTimestamp) {
      await finalize(vmService);
      return undefined;
    }
    vmService = await withFinalizer(vmService);
    let service = await applyService(vmService);
    service = await applyLoadBalancer(key, vmService, service);
    await applyEndpoints(vmService, service);
    await writeStatus(vmService, service);
    return undefined;
  };

  const controller = manager.controller({ name: VM_SERVICE_CONTROLLER, reconcile });

  /**
   * An owned object maps to its VirtualMachineService; any other to the one of its name,
   * which may be waiting for that name to be free.
   */
  const toOwner = (object: KubeObject) => {
    const owner = controllerOf(object);
    const name = owner?.kind === 'VirtualMachineService' ? owner.name : (object.metadata.name as string);
    return [objectKey({ namespace: object.metadata.namespace, name })];
  };

  const toServices = (vm: KubeObject, _event: string, old: KubeObject | undefined) => {
    const namespace = vm.metadata.namespace as string;
    // A relabelled VM leaves the services its old labels matched.
    const before = old?.metadata.labels;
    const after = vm.metadata.labels ?? {};
    const services = kube.direct.list(
      VM_SERVICE.apiVersion,
      VM_SERVICE.kind,
      namespace,
    ) as (VirtualMachineService & KubeObject)[];
    // Most namespaces have no VirtualMachineService: a VM's every write would make two empty lists.
    if (services.length === 0) return undefined;
    return services
      .filter((s) => selects(s.spec?.selector, after) || selects(s.spec?.selector, before))
      .map((s) => objectKey({ namespace, name: s.metadata.name as string }));
  };

  controller.watches(kube, VM_SERVICE);
  controller.watches(kube, SERVICE, toOwner);
  controller.watches(kube, ENDPOINTS, toOwner);
  controller.watches(kube, VM, toServices);
  return { controller, loadBalancerAddresses: vips };
}
