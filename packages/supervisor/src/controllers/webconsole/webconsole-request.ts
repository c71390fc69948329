/**
 * vm-operator's VirtualMachineWebConsoleRequest controller, and its v1alpha1 WebConsoleRequest
 * controller, which differ in where the VM is named (`spec.name`, `spec.virtualMachineName`) and in
 * the version of the VM the owner reference names. A request names a VirtualMachine of its namespace and
 * an RSA public key. The controller acquires the VM's `webmks` console ticket
 * from vSphere and writes into the request's status the console's URL
 * (`wss://<host>:<port>/ticket/<ticket>`) encrypted for the key (RSA-OAEP-SHA512, in base64),
 * its expiry 120 s on, and the proxy address the console is reached through: the first API server
 * DNS name of the Supervisor's properties (`SupervisorProperties` `supervisor-env-props`), else
 * the load balancer address of its API server Service, `kube-system/kube-apiserver-lb-svc`. It labels
 * the request with its uid and makes the VM its controller, so that it goes with the VM; once
 * expired, the request is deleted. The encryption's seed is a hash of the ticket (drawn from
 * the simulator's random) and the request's uid: the same seed gives the same response, and no
 * other id moves for it.
 */
import { createHash } from 'node:crypto';
import type { VSphere } from '@vsim/vsphere';
import type { VirtualMachine } from '../../api/types.js';
import {
  type ConsoleRequest,
  type ConsoleRequestVmName,
  rsaPublicKeyOf,
  VM_WEB_CONSOLE_REQUEST_VM_NAME,
  WEB_CONSOLE_REQUEST_VM_NAME,
  WEB_CONSOLE_UUID_LABEL,
} from '../../api/webconsole-request-validation.js';
import { SUPERVISOR_PROPERTIES } from '../../appplatform-kinds.js';
import type { Controller } from '../../runtime/controller.js';
import type { EventRecorder } from '../../runtime/events.js';
import { parseObjectKey } from '../../runtime/keys.js';
import type { Manager } from '../../runtime/manager.js';
import { ignoreNotFound } from '../../store/errors.js';
import type { KubeStore } from '../../store/kube-store.js';
import { type KubeObject, merged, timestamp } from '../../store/meta.js';
import { type RecorderFor, recorderOf } from '../recorders.js';
import { encryptOaepSha512 } from './oaep.js';

/** OAEP's 64 random bytes, made of what the answer is for. */
const oaepSeed = (url: string, uid: string): Buffer => createHash('sha512').update(`${uid}\n${url}`).digest();

export const WEB_CONSOLE_CONTROLLER = 'virtualmachinewebconsolerequest-controller';
export const V1ALPHA1_WEB_CONSOLE_CONTROLLER = 'webconsolerequest-controller';
/** How long a request's ticket is good for (vm-operator's DefaultExpiryTime). */
export const WEB_CONSOLE_EXPIRY_MS = 120_000;
/** The Service whose load balancer address is the console's proxy. */
export const PROXY_SERVICE = { namespace: 'kube-system', name: 'kube-apiserver-lb-svc' } as const;

/** What a kind of request differs in. */
interface ConsoleRequestKind {
  readonly controller: string;
  readonly request: { readonly apiVersion: string; readonly kind: string };
  /** The version the VM is read in, which its owner reference on the request names. */
  readonly vmApiVersion: string;
  readonly vmName: ConsoleRequestVmName;
}

const HUB = 'vmoperator.vmware.com/v1alpha6';
const V1ALPHA1 = 'vmoperator.vmware.com/v1alpha1';

const VM_WEB_CONSOLE_REQUESTS: ConsoleRequestKind = {
  controller: WEB_CONSOLE_CONTROLLER,
  request: { apiVersion: HUB, kind: 'VirtualMachineWebConsoleRequest' },
  vmApiVersion: HUB,
  vmName: VM_WEB_CONSOLE_REQUEST_VM_NAME,
};
const WEB_CONSOLE_REQUESTS: ConsoleRequestKind = {
  controller: V1ALPHA1_WEB_CONSOLE_CONTROLLER,
  request: { apiVersion: V1ALPHA1, kind: 'WebConsoleRequest' },
  vmApiVersion: V1ALPHA1,
  vmName: WEB_CONSOLE_REQUEST_VM_NAME,
};

type Request = ConsoleRequest & KubeObject;

export interface WebConsoleRequestControllerDeps {
  kube: KubeStore;
  vsphere: VSphere;
  /** Where each controller's Events go, by the controller's name (none by default). */
  recorderFor?: RecorderFor;
}

/** Both controllers: VirtualMachineWebConsoleRequests' and v1alpha1 WebConsoleRequests'. */
export function startWebConsoleRequestControllers(
  manager: Manager,
  deps: WebConsoleRequestControllerDeps,
): { webConsoleRequests: Controller; v1alpha1WebConsoleRequests: Controller } {
  const { kube, vsphere } = deps;
  /**
   * The proxy address, as vm-operator finds it: the first API server DNS name the Supervisor's
   * properties name, else the address of its API server's load balancer.
   */
  const proxyAddress = async (): Promise<string> => {
    const properties = kube.direct.get(SUPERVISOR_PROPERTIES) as
      | { spec?: { apiServerDNSNames?: string[] } }
      | undefined;
    const dnsName = properties?.spec?.apiServerDNSNames?.[0];
    if (dnsName) return dnsName;
    const where = `${PROXY_SERVICE.namespace}/${PROXY_SERVICE.name}`;
    const service = await kube
      .get({ apiVersion: 'v1', kind: 'Service', ...PROXY_SERVICE })
      .catch((error: Error) => {
        throw new Error(`failed to get proxy address service  ${where}: ${error.message}`);
      });
    const ingress = (service.status as { loadBalancer?: { ingress?: { ip?: string }[] } } | undefined)
      ?.loadBalancer?.ingress?.[0]?.ip;
    if (!ingress) throw new Error(`no ingress found for proxy address service ${where}`);
    return ingress;
  };

  /** The VM's console URL, encrypted for the request's key. */
  const ticketFor = (vm: VirtualMachine, publicKey: string, uid: string): string => {
    const failed = (why: string) => new Error(`failed to get webmksticket: ${why}`);
    const id = vm.status?.uniqueID;
    if (!id || vsphere.store.get(id)?.kind !== 'VirtualMachine')
      throw failed(`VirtualMachine ${vm.metadata.name} has no vSphere VM`);
    const key = rsaPublicKeyOf(publicKey);
    if (!key) throw failed('failed to decode PEM block containing public key');
    try {
      const ticket = vsphere.vm.acquireTicket(id, 'webmks');
      const url = `wss://${ticket.host}:${ticket.port}/ticket/${ticket.ticket}`;
      return encryptOaepSha512(key, Buffer.from(url), oaepSeed(url, uid)).toString('base64');
    } catch (error) {
      throw failed((error as Error).message);
    }
  };

  const reconcile = async (kind: ConsoleRequestKind, events: EventRecorder, key: string) => {
    const { namespace, name } = parseObjectKey(key);
    if (namespace === undefined) return undefined;
    const ref = { ...kind.request, namespace, name };
    const request = (await kube.get(ref).catch(ignoreNotFound)) as Request | undefined;
    if (!request) return undefined;
    const now = vsphere.clock.now();
    const expiry = Date.parse(request.status?.expiryTime ?? '');
    if (expiry <= now) {
      await kube.delete(ref).catch(ignoreNotFound);
      return undefined;
    }
    if (request.status?.response && request.status.proxyAddr) return { requeueAfter: expiry - now };
    // Answered without a proxy address: only that is looked for again, until the request expires.
    // (vm-operator's controllers answer such a request again whole, and their own status write
    // brings it back at once: a loop until the address is found, not followed here.)
    const vmName = request.spec?.[kind.vmName.field] ?? '';
    const vmRef = { apiVersion: kind.vmApiVersion, kind: 'VirtualMachine' };
    /** The request labelled with its UID and owned by its VM (as controller, no blockOwnerDeletion). */
    const labelledAndOwned = (vm: KubeObject) => {
      const labels = merged(request.metadata.labels ?? {}, {
        [WEB_CONSOLE_UUID_LABEL]: request.metadata.uid ?? '',
      });
      const owner = { ...vmRef, name: vmName, uid: vm.metadata.uid ?? '', controller: true };
      return kube.update(
        merged(request, { metadata: merged(request.metadata, { labels, ownerReferences: [owner] }) }),
      );
    };
    if (request.status?.response) {
      const proxyAddr = await proxyAddress();
      const vm = await kube.get({ ...vmRef, namespace, name: vmName }).catch(ignoreNotFound);
      const updated = vm ? await labelledAndOwned(vm) : request;
      await kube.updateStatus(merged(updated, { status: merged(request.status, { proxyAddr }) }));
      return { requeueAfter: expiry - now };
    }
    const vm = (await kube.get({ ...vmRef, namespace, name: vmName }).catch((error: Error) => {
      events.warning(request, 'VirtualMachine Not Found', '');
      throw new Error(`failed to get subject vm ${vmName}: ${error.message}`);
    })) as unknown as VirtualMachine & KubeObject;
    const response = ticketFor(vm, request.spec?.publicKey ?? '', request.metadata.uid ?? '');
    const expiryTime = timestamp(now + WEB_CONSOLE_EXPIRY_MS);
    events.emit(request, 'Acquired Ticket', undefined);
    const proxy = await proxyAddress().then(
      (address) => ({ address }),
      (error: unknown) => ({ error }),
    );
    // As vm-operator's deferred patch: without a proxy address, the response and its expiry are
    // written all the same (neither label nor owner yet), and the request goes when it expires.
    if ('error' in proxy) {
      await kube.updateStatus(merged(request, { status: { response, expiryTime } }));
      throw proxy.error;
    }
    const updated = await labelledAndOwned(vm);
    await kube.updateStatus(merged(updated, { status: { response, expiryTime, proxyAddr: proxy.address } }));
    return { requeueAfter: WEB_CONSOLE_EXPIRY_MS };
  };

  const start = (kind: ConsoleRequestKind) => {
    const events = recorderOf(deps, kind.controller);
    const controller = manager.controller({
      name: kind.controller,
      reconcile: (key) => reconcile(kind, events, key),
    });
    controller.watches(kube, kind.request);
    return controller;
  };
  return {
    webConsoleRequests: start(VM_WEB_CONSOLE_REQUESTS),
    v1alpha1WebConsoleRequests: start(WEB_CONSOLE_REQUESTS),
  };
}
