/**
 * VirtualMachineService validation as vm-operator's validating webhook does it: it refuses
 * what could not become a valid Kubernetes Service, with Kubernetes' own checks and words.
 * The WorkloadIPv6 capability is on: IP families pass to the Service, which judges them
 * (the Supervisor's cluster is IPv4: see the VirtualMachineService controller).
 */

import {
  dns1035LabelProblems,
  dns1123LabelProblems,
  dns1123SubdomainProblems,
  labelKeyProblems,
  labelValueProblems,
} from '../store/names.js';
import type { VirtualMachineService, VirtualMachineServicePort, VirtualMachineServiceSpec } from './types.js';
import {
  duplicate,
  type FieldError,
  forbidden,
  IMMUTABLE,
  invalid,
  required,
  unsupported,
} from './validation.js';

/** A spec as a client sent it: the webhook decodes into Go structs, so absent fields are zero values. */
type SentSpec = Partial<VirtualMachineServiceSpec>;
type SentPort = Partial<VirtualMachineServicePort>;

// Sorted, as Go's string sets list them in the message.
const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer'];
const PORT_PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
/** The cluster IP of a headless service. */
const HEADLESS = 'None';

/* IP addresses, as Go's netip parses them (strict) and as Kubernetes' ParseIPSloppy does. */

/**
 * `strict` is Go's netip; `sloppy` also takes leading zeros (IPv4 octets, IPv6 groups of
 * more than four digits), as Kubernetes' ParseIPSloppy, the older Go parser, does.
 */
type IpSyntax = 'strict' | 'sloppy';

/** The first ten bytes of an IPv4-mapped IPv6 address are zero, the next two 0xff. */
const V4_MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];
const HEX_DIGITS = /^[0-9a-fA-F]*/;

function parseIpv4(text: string, syntax: IpSyntax): number[] | undefined {
  const fields = text.split('.');
  const octets = fields.map((field) =>
    /^[0-9]+$/.test(field) && (syntax === 'sloppy' || !/^0[0-9]/.test(field)) ? Number(field) : Number.NaN,
  );
  return fields.length === 4 && octets.every((octet) => octet <= 255) ? octets : undefined;
}

function parseIpv6(text: string, syntax: IpSyntax): number[] | undefined {
  const bytes: number[] = [];
  let ellipsis = -1;
  let rest = text;
  if (rest.startsWith('::')) {
    ellipsis = 0;
    rest = rest.slice(2);
  }
  while (rest !== '' && bytes.length < 16) {
    const group = rest;
    const digits = HEX_DIGITS.exec(group)?.[0] ?? '';
    const value = Number.parseInt(digits, 16);
    if (digits === '' || (syntax === 'strict' ? digits.length > 4 : value > 0xffff)) return undefined;
    rest = group.slice(digits.length);
    if (rest.startsWith('.')) {
      // An IPv4 address may stand for the last two groups only.
      if ((ellipsis < 0 && bytes.length !== 12) || bytes.length > 12) return undefined;
      const octets = parseIpv4(group, syntax);
      if (!octets) return undefined;
      bytes.push(...octets);
      rest = '';
      break;
    }
    bytes.push(value >> 8, value & 0xff);
    if (rest === '') break;
    if (!rest.startsWith(':') || rest.length === 1) return undefined;
    rest = rest.slice(1);
    if (rest.startsWith(':')) {
      if (ellipsis >= 0) return undefined;
      ellipsis = bytes.length;
      rest = rest.slice(1);
    }
  }
  if (rest !== '') return undefined;
  // "::" stands for one zero group at least.
  if (bytes.length === 16) return ellipsis < 0 ? bytes : undefined;
  if (ellipsis < 0) return undefined;
  bytes.splice(ellipsis, 0, ...new Array<number>(16 - bytes.length).fill(0));
  return bytes;
}

/** An address's 16 bytes, IPv4 kept IPv4-mapped as Go keeps it; the first '.' or ':' tells the family. */
function parseIp(text: string, syntax: IpSyntax): number[] | undefined {
  const family = /[.:]/.exec(text)?.[0];
  if (family === '.') {
    const octets = parseIpv4(text, syntax);
    return octets && [...V4_MAPPED_PREFIX, ...octets];
  }
  return family === ':' ? parseIpv6(text, syntax) : undefined;
}

const isV4Mapped = (bytes: number[]): boolean => V4_MAPPED_PREFIX.every((byte, i) => bytes[i] === byte);

/** Go's net.IP String(): dotted IPv4, else IPv6 with its first longest run of two zero groups or more as "::". */
function formatIp(bytes: number[]): string {
  if (isV4Mapped(bytes)) return bytes.slice(12).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0));
  let zerosStart = -1;
  let zerosLength = 1;
  for (let i = 0; i < 8; ) {
    let end = i;
    while (groups[end] === 0) end++;
    if (end - i > zerosLength) [zerosStart, zerosLength] = [i, end - i];
    i = Math.max(end, i + 1);
  }
  const hex = groups.map((group) => group.toString(16));
  if (zerosStart < 0) return hex.join(':');
  return `${hex.slice(0, zerosStart).join(':')}::${hex.slice(zerosStart + zerosLength).join(':')}`;
}

/** Kubernetes' IsValidIP: an address, strictly written, not IPv4-mapped, in canonical form. */
function ipProblems(text: string): string[] {
  const address = parseIp(text, 'sloppy');
  if (!address) return ['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'];
  const problems: string[] = [];
  const strict = parseIp(text, 'strict');
  if (!strict) problems.push('must not have leading 0s');
  else if (text.includes(':') && isV4Mapped(strict)) problems.push('must not be an IPv4-mapped IPv6 address');
  const canonical = formatIp(address);
  if (text !== canonical) problems.push(`must be in canonical form (${JSON.stringify(canonical)})`);
  return problems;
}

/** Go's net.ParseCIDR: a strict address without zone, '/', a prefix length the family allows. */
function isCidr(text: string): boolean {
  const slash = text.indexOf('/');
  if (slash < 0) return false;
  const address = text.slice(0, slash);
  const prefix = text.slice(slash + 1);
  const maxPrefix = address.includes(':') ? 128 : 32;
  return parseIp(address, 'strict') !== undefined && /^[0-9]+$/.test(prefix) && Number(prefix) <= maxPrefix;
}

/* The webhook. */

const PORT_RANGE = 'must be between 1 and 65535, inclusive';
const isPortNumber = (port: number): boolean => Number.isInteger(port) && port >= 1 && port <= 65535;

function validatePort(port: SentPort, path: string, nameRequired: boolean, names: Set<string>): FieldError[] {
  const errors: FieldError[] = [];
  const name = port.name ?? '';
  if (name === '') {
    if (nameRequired) errors.push(required(`${path}.name`));
  } else {
    errors.push(...dns1123LabelProblems(name).map((problem) => invalid(`${path}.name`, name, problem)));
    if (names.has(name)) errors.push(duplicate(`${path}.name`, name));
    names.add(name);
  }
  const number = port.port ?? 0;
  if (!isPortNumber(number)) errors.push(invalid(`${path}.port`, number, PORT_RANGE));
  const protocol = port.protocol ?? '';
  if (protocol === '') errors.push(required(`${path}.protocol`));
  else if (!PORT_PROTOCOLS.includes(protocol))
    errors.push(unsupported(`${path}.protocol`, protocol, PORT_PROTOCOLS));
  const targetPort = port.targetPort ?? 0;
  if (!isPortNumber(targetPort)) errors.push(invalid(`${path}.targetPort`, targetPort, PORT_RANGE));
  return errors;
}

function validatePorts(spec: SentSpec): FieldError[] {
  const errors: FieldError[] = [];
  const ports: SentPort[] = spec.ports ?? [];
  // A headless or ExternalName service forwards no port of its own.
  if (ports.length === 0 && spec.clusterIp !== HEADLESS && spec.type !== 'ExternalName')
    errors.push(required('spec.ports'));
  const names = new Set<string>();
  ports.forEach((port, i) => {
    errors.push(...validatePort(port, `spec.ports[${i}]`, ports.length > 1, names));
  });
  // Two ports may not share protocol and number; the message shows the pair as a port of its own.
  const pairs = new Set<string>();
  ports.forEach((port, i) => {
    const pair = { name: '', protocol: port.protocol ?? '', port: port.port ?? 0, targetPort: 0 };
    const key = JSON.stringify(pair);
    if (pairs.has(key)) errors.push(duplicate(`spec.ports[${i}]`, pair));
    pairs.add(key);
  });
  return errors;
}

function validateExternalName(spec: SentSpec): FieldError[] {
  const errors: FieldError[] = [];
  if (spec.clusterIp) errors.push(forbidden('spec.clusterIP', 'may not be set for ExternalName services'));
  // The CNAME may end in a dot, marking it fully qualified.
  const cname = (spec.externalName ?? '').replace(/\.$/, '');
  if (cname === '') errors.push(required('spec.externalName'));
  else
    errors.push(
      ...dns1123SubdomainProblems(cname, 'characters').map((problem) =>
        invalid('spec.externalName', cname, problem),
      ),
    );
  return errors;
}

/** The spec's checks, on create and update alike. The paths are Go's field names (`clusterIP`). */
function validateSpec(spec: SentSpec): FieldError[] {
  const errors: FieldError[] = [];
  const clusterIP = spec.clusterIp ?? '';
  if (spec.type === 'LoadBalancer' && clusterIP === HEADLESS)
    errors.push(invalid('spec.clusterIP', clusterIP, "may not be set to 'None' for LoadBalancer services"));
  if (spec.type === 'ExternalName') errors.push(...validateExternalName(spec));
  errors.push(...validatePorts(spec));
  for (const [key, value] of Object.entries(spec.selector ?? {})) {
    errors.push(...labelKeyProblems(key).map((problem) => invalid('spec.selector', key, problem)));
    errors.push(...labelValueProblems(value).map((problem) => invalid('spec.selector', value, problem)));
  }
  if (clusterIP !== '' && clusterIP !== HEADLESS)
    errors.push(...ipProblems(clusterIP).map((problem) => invalid('spec.clusterIP', clusterIP, problem)));
  if (!spec.type) errors.push(required('spec.type'));
  else if (!SERVICE_TYPES.includes(spec.type))
    errors.push(unsupported('spec.type', spec.type, SERVICE_TYPES));
  const sourceRanges = spec.loadBalancerSourceRanges ?? [];
  if (sourceRanges.length > 0 && spec.type !== 'LoadBalancer')
    errors.push(forbidden('spec.loadBalancerSourceRanges', "may only be used when `type` is 'LoadBalancer'"));
  sourceRanges.forEach((range, i) => {
    const cidr = range.trim();
    if (!isCidr(cidr))
      errors.push(
        invalid(
          `spec.loadBalancerSourceRanges[${i}]`,
          cidr,
          'must be compatible with https://pkg.go.dev/net#ParseCIDR',
        ),
      );
  });
  return errors;
}

/** Validates a VirtualMachineService being created: its name must also make a Service name. */
export function validateVirtualMachineServiceCreate(svc: VirtualMachineService): FieldError[] {
  const name = svc.metadata.name ?? '';
  return [
    ...dns1035LabelProblems(name).map((problem) => invalid('metadata.name', name, problem)),
    ...validateSpec(svc.spec ?? {}),
  ];
}

/** Validates an update of a VirtualMachineService: type and cluster IP stay, as a Service's do. */
export function validateVirtualMachineServiceUpdate(
  svc: VirtualMachineService,
  old: VirtualMachineService,
): FieldError[] {
  const spec: SentSpec = svc.spec ?? {};
  const prev: SentSpec = old.spec ?? {};
  const errors: FieldError[] = [];
  if ((spec.type ?? '') !== (prev.type ?? '')) errors.push(forbidden('spec.type', IMMUTABLE));
  if ((spec.clusterIp ?? '') !== (prev.clusterIp ?? '')) errors.push(forbidden('spec.clusterIP', IMMUTABLE));
  return [...errors, ...validateSpec(spec)];
}
