/**
 * The vim25 endpoint: `POST /sdk` and `GET /sdk/vimServiceVersions.xml`. It decodes,
 * checks the session and the target object, calls the method's model operation and
 * encodes the answer for the client's API version. Nothing a client sends can crash it:
 * every failure becomes the fault vCenter would send.
 */
import { faults, isVimFault, ownedByAnother, type UserSession, VimFault, type VSphere } from '@vsim/vsphere';
import { decodeRequest } from './codec/decode.js';
import { encodeProperty } from './codec/encode.js';
import { faultEnvelope, responseEnvelope } from './codec/envelope.js';
import { isSubtypeOf, knownVersions, versionFromNamespace } from './metadata/registry.js';
import type { MethodTable, SoapCall } from './methods/call.js';
import { computeResourceMethods } from './methods/compute-resource.js';
import { cryptoManagerMethods } from './methods/crypto-manager.js';
import { customFieldsMethods } from './methods/custom-fields.js';
import { eventManagerMethods } from './methods/event-manager.js';
import { fileManagerMethods } from './methods/file-manager.js';
import { historyCollectorMethods } from './methods/history-collectors.js';
import { hostMethods } from './methods/host.js';
import { hostConfigMethods } from './methods/host-config.js';
import { inventoryMethods } from './methods/inventory.js';
import {
  propertyCollectorMethods,
  searchIndexMethods,
  viewManagerMethods,
} from './methods/property-collector.js';
import {
  customizationSpecManagerMethods,
  optionManagerMethods,
  serviceInstanceMethods,
  sessionManagerMethods,
  UNAUTHENTICATED,
} from './methods/service-instance.js';
import { snapshotMethods } from './methods/snapshot.js';
import { virtualDiskManagerMethods } from './methods/virtual-disk-manager.js';

/** The request/response shape of vsim's router (kept structural so this package needs no HTTP). */
export interface SoapRequest {
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

export interface SoapResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
}

export interface SoapOptions {
  /** Larger request bodies get InvalidRequest before parsing. Default 8 MiB. */
  maxBodyBytes?: number;
  /** Extra methods (property collector, views, ...), merged over the built-in ones. */
  methods?: MethodTable;
}

export const SESSION_COOKIE = 'vmware_soap_session';
const XML = { 'content-type': 'text/xml; charset=utf-8' } as const;
const decoder = new TextDecoder();

/** The newest API version the metadata knows; a client that names none gets it. */
const NEWEST =
  knownVersions()
    .filter((v) => /^\d/.test(v))
    .at(-1) ?? '7.0';

/** `"urn:vim25/6.7"` (quotes optional) -> `6.7`. */
const clientVersion = (soapAction: string | undefined): string => {
  const action = soapAction?.replaceAll('"', '').trim();
  return (action && versionFromNamespace(action)) || NEWEST;
};

/** The value of the cookie `name` among a request's cookies, its quotes taken off. */
export const cookieOf = (headers: Readonly<Record<string, string>>, name: string): string | undefined => {
  for (const part of (headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name)
      return part
        .slice(eq + 1)
        .trim()
        .replaceAll('"', '');
  }
  return undefined;
};

/** The SOAP session a request names: the `vmware_soap_session` header or cookie. */
export const sessionKeyOf = (headers: Readonly<Record<string, string>>): string | undefined => {
  const header = headers[SESSION_COOKIE];
  if (header) return header.replaceAll('"', '');
  return cookieOf(headers, SESSION_COOKIE);
};

export const createSoapHandler = (vsphere: VSphere, options: SoapOptions = {}) => {
  const methods: MethodTable = {
    ...serviceInstanceMethods,
    ...sessionManagerMethods,
    ...optionManagerMethods,
    ...customizationSpecManagerMethods,
    ...inventoryMethods,
    ...propertyCollectorMethods,
    ...viewManagerMethods,
    ...searchIndexMethods,
    ...eventManagerMethods,
    ...snapshotMethods,
    ...hostMethods,
    ...computeResourceMethods,
    ...hostConfigMethods,
    ...customFieldsMethods,
    ...historyCollectorMethods,
    ...fileManagerMethods,
    ...virtualDiskManagerMethods,
    ...cryptoManagerMethods,
    ...options.methods,
  };
  const maxBodyBytes = options.maxBodyBytes ?? 8 * 1024 * 1024;

  const handle = async (req: SoapRequest): Promise<SoapResponse> => {
    const version = clientVersion(req.headers.soapaction);
    const headers: Record<string, string | string[]> = { ...XML };
    try {
      if (req.body.byteLength > maxBodyBytes) {
        throw new VimFault({ _type: 'InvalidRequest' }, `The request body exceeds ${maxBodyBytes} bytes.`);
      }
      const call = decodeRequest(decoder.decode(req.body), version);
      const name = call.method.name;
      const key = sessionKeyOf(req.headers);
      let session: UserSession | undefined;
      if (!UNAUTHENTICATED.has(name)) {
        try {
          session = vsphere.sessions.authenticate(key);
        } catch {
          throw faults.notAuthenticated(call.this);
        }
      } else if (key !== undefined && vsphere.sessions.isActive(key)) {
        session = vsphere.sessions.authenticate(key);
      }
      // An object is found by its type and id together: a reference of another type names nothing,
      // and neither does one to an object another session made for itself (a view, a collector).
      const target = vsphere.store.get(call.this.value);
      if (!target || !isSubtypeOf(target.kind, call.this.type) || ownedByAnother(target, session?.key))
        throw faults.managedObjectNotFound(call.this);
      const impl = methods[name];
      if (!impl || !call.method.owners.some((owner) => isSubtypeOf(target.kind, owner))) {
        throw faults.methodNotFound(call.this, name);
      }
      const soapCall: SoapCall = {
        vsphere,
        self: { type: target.kind, value: target.id },
        args: call.args,
        session,
        version,
        startSession: (s) => {
          headers['set-cookie'] = `${SESSION_COOKIE}="${s.key}"; Path=/; HttpOnly`;
        },
        endSession: () => {
          headers['set-cookie'] = `${SESSION_COOKIE}=; Path=/; Max-Age=0`;
        },
      };
      const caller = { userName: session?.userName, sessionKey: session?.key };
      const result: unknown = await vsphere.runAs(caller, () => impl(soapCall));
      const returns = call.method.returns;
      const body = returns ? encodeProperty('returnval', result, returns, { version }) : '';
      return { status: 200, headers, body: responseEnvelope(name, body) };
    } catch (error) {
      const fault = isVimFault(error)
        ? error
        : new VimFault(
            { _type: 'SystemError', reason: String(error) },
            `A general system error occurred: ${String(error)}`,
          );
      return { status: 500, headers, body: faultEnvelope(fault.fault, fault.message, { version }) };
    }
  };

  return {
    handle,
    versions: () => ({ status: 200, headers: { ...XML }, body: serviceVersionsXml(vsphere) }),
  };
};

/** `/sdk/vimServiceVersions.xml`: the server's version first, then those it also speaks. */
const serviceVersionsXml = (vsphere: VSphere): string => {
  const [major = '8', minor = '0', patch = '0'] = vsphere.about.version.split('.');
  const current = `${major}.${minor}.${patch}.0`;
  const prior = knownVersions()
    .filter((v) => /^\d/.test(v) && v !== current)
    .reverse();
  return (
    '<?xml version="1.0" encoding="UTF-8" ?>\n<namespaces version="1.0">\n <namespace>\n  <name>urn:vim25</name>\n' +
    `  <version>${current}</version>\n  <priorVersions>\n${prior.map((v) => `   <version>${v}</version>\n`).join('')}` +
    '  </priorVersions>\n </namespace>\n</namespaces>\n'
  );
};
