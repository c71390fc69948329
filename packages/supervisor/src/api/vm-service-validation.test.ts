import { describe, expect, it } from 'vitest';
import type { VirtualMachineService, VirtualMachineServiceSpec } from './types.js';
import type { FieldError } from './validation.js';
import {
  validateVirtualMachineServiceCreate,
  validateVirtualMachineServiceUpdate,
} from './vm-service-validation.js';

const HTTP = { name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 };

function svc(spec: Partial<VirtualMachineServiceSpec> = {}, name = 'web'): VirtualMachineService {
  return {
    apiVersion: 'vmoperator.vmware.com/v1alpha6',
    kind: 'VirtualMachineService',
    metadata: { name, namespace: 'ns' },
    spec: { type: 'ClusterIP', ports: [HTTP], ...spec },
  };
}

/** Each error as Go's field.Error prints it: `<field>: <message>`. */
const rendered = (errors: FieldError[]): string[] => errors.map((e) => `${e.field}: ${e.message}`);
const create = (spec: Partial<VirtualMachineServiceSpec>, name?: string) =>
  rendered(validateVirtualMachineServiceCreate(svc(spec, name)));

const PORT_RANGE = 'must be between 1 and 65535, inclusive';
const INVALID_IP = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';

describe('VirtualMachineService create', () => {
  it('accepts a valid service of each type', () => {
    expect(create({})).toEqual([]);
    expect(create({ type: 'LoadBalancer', loadBalancerSourceRanges: [' 10.0.0.0/8 ', '::/0'] })).toEqual([]);
    expect(create({ type: 'ExternalName', externalName: 'db.example.com.', ports: [] })).toEqual([]);
    expect(create({ clusterIp: 'None', ports: [] })).toEqual([]);
    expect(create({ selector: { 'example.com/app': 'web', tier: '' } })).toEqual([]);
  });

  it('requires a name that is a DNS-1035 label', () => {
    expect(create({}, '9-MyVMService')).toEqual([
      `metadata.name: Invalid value: "9-MyVMService": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
    ]);
    const long = 'a'.repeat(64);
    expect(create({}, long)).toEqual([
      `metadata.name: Invalid value: "${long}": must be no more than 63 characters`,
    ]);
  });

  it('requires a supported type', () => {
    const untyped = svc();
    delete (untyped.spec as Partial<VirtualMachineServiceSpec>).type;
    expect(validateVirtualMachineServiceCreate(untyped)).toEqual([
      { field: 'spec.type', message: 'Required value', reason: 'FieldValueRequired' },
    ]);
    expect(validateVirtualMachineServiceCreate(svc({ type: 'InvalidLB' as never }))).toEqual([
      {
        field: 'spec.type',
        message:
          'Unsupported value: "InvalidLB": supported values: "ClusterIP", "ExternalName", "LoadBalancer"',
        reason: 'FieldValueNotSupported',
      },
    ]);
  });

  it('requires ports unless headless or ExternalName', () => {
    expect(create({ ports: [] })).toEqual(['spec.ports: Required value']);
    expect(create({ type: 'LoadBalancer', ports: [] })).toEqual(['spec.ports: Required value']);
  });

  it('checks each port: name, numbers and protocol', () => {
    expect(create({ ports: [{ name: 'INVALID', protocol: 'TCP', port: 80, targetPort: 80 }] })).toEqual([
      `spec.ports[0].name: Invalid value: "INVALID": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
    ]);
    expect(create({ ports: [{ name: 'a.b', protocol: 'TCP', port: 80, targetPort: 80 }] })).toEqual([
      'spec.ports[0].name: Invalid value: "a.b": must not contain dots',
    ]);
    expect(create({ ports: [{ name: '', protocol: 'TCP', port: 100000, targetPort: 0 }] })).toEqual([
      `spec.ports[0].port: Invalid value: 100000: ${PORT_RANGE}`,
      `spec.ports[0].targetPort: Invalid value: 0: ${PORT_RANGE}`,
    ]);
    expect(create({ ports: [{ name: 'p', protocol: 'INVALID', port: 1, targetPort: 65535 }] })).toEqual([
      'spec.ports[0].protocol: Unsupported value: "INVALID": supported values: "SCTP", "TCP", "UDP"',
    ]);
  });

  it('takes absent port fields as Go zero values', () => {
    expect(create({ ports: [{} as never] })).toEqual([
      `spec.ports[0].port: Invalid value: 0: ${PORT_RANGE}`,
      'spec.ports[0].protocol: Required value',
      `spec.ports[0].targetPort: Invalid value: 0: ${PORT_RANGE}`,
    ]);
  });

  it('names every port of several, each differently', () => {
    const unnamed = { ...HTTP, name: '', port: 443 };
    expect(create({ ports: [HTTP, unnamed] })).toEqual(['spec.ports[1].name: Required value']);
    const twin = { ...HTTP, port: 443 };
    expect(validateVirtualMachineServiceCreate(svc({ ports: [HTTP, twin] }))).toEqual([
      { field: 'spec.ports[1].name', message: 'Duplicate value: "http"', reason: 'FieldValueDuplicate' },
    ]);
  });

  it('refuses two ports with the same protocol and number', () => {
    expect(create({ ports: [HTTP, { ...HTTP, name: 'other', targetPort: 9090 }] })).toEqual([
      'spec.ports[1]: Duplicate value: {"name":"","protocol":"TCP","port":80,"targetPort":0}',
    ]);
    expect(create({ ports: [HTTP, { ...HTTP, name: 'other', protocol: 'UDP' }] })).toEqual([]);
  });

  it('refuses a headless LoadBalancer', () => {
    expect(create({ type: 'LoadBalancer', clusterIp: 'None' })).toEqual([
      `spec.clusterIP: Invalid value: "None": may not be set to 'None' for LoadBalancer services`,
    ]);
  });

  it('requires an ExternalName service to name a host and no cluster IP', () => {
    expect(create({ type: 'ExternalName', clusterIp: '10.0.0.1', externalName: '.' })).toEqual([
      'spec.clusterIP: Forbidden: may not be set for ExternalName services',
      'spec.externalName: Required value',
    ]);
    expect(create({ type: 'ExternalName', externalName: 'InValid!' })).toEqual([
      `spec.externalName: Invalid value: "InValid!": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    ]);
    const long = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}`;
    expect(create({ type: 'ExternalName', externalName: long })).toEqual([
      `spec.externalName: Invalid value: "${long}": must be no more than 253 characters`,
    ]);
  });

  it('checks selector keys and values as labels', () => {
    expect(create({ selector: { 'THIS_NOT_VALID!': 'foo' } })).toEqual([
      `spec.selector: Invalid value: "THIS_NOT_VALID!": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    ]);
    expect(create({ selector: { '/app': 'web', 'Example.com/app': 'web' } })).toEqual([
      'spec.selector: Invalid value: "/app": prefix part must be non-empty',
      `spec.selector: Invalid value: "Example.com/app": prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    ]);
    expect(create({ selector: { 'a/b/c': 'web' } })).toEqual([
      `spec.selector: Invalid value: "a/b/c": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ]);
    const long = 'v'.repeat(64);
    expect(create({ selector: { [long]: '-web' } })).toEqual([
      `spec.selector: Invalid value: "${long}": name part must be no more than 63 bytes`,
      `spec.selector: Invalid value: "-web": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
    ]);
  });

  it('requires a cluster IP that is an IP strictly and canonically written', () => {
    expect(create({ clusterIp: '100.1000.1.1' })).toEqual([
      `spec.clusterIP: Invalid value: "100.1000.1.1": ${INVALID_IP}`,
    ]);
    expect(create({ clusterIp: 'fe80::1%eth0' })).toEqual([
      `spec.clusterIP: Invalid value: "fe80::1%eth0": ${INVALID_IP}`,
    ]);
    // A strict-parsing error alone: apimachinery does not complain of the same problem twice.
    expect(create({ clusterIp: '010.0.0.1' })).toEqual([
      'spec.clusterIP: Invalid value: "010.0.0.1": must not have leading 0s',
    ]);
    expect(create({ clusterIp: '::ffff:10.0.0.1' })).toEqual([
      'spec.clusterIP: Invalid value: "::ffff:10.0.0.1": must not be an IPv4-mapped IPv6 address',
    ]);
    expect(create({ clusterIp: '2001:DB8:0:0:1:0:0:1' })).toEqual([
      'spec.clusterIP: Invalid value: "2001:DB8:0:0:1:0:0:1": must be in canonical form ("2001:db8::1:0:0:1")',
    ]);
    expect(create({ clusterIp: '::00001' })).toEqual([
      'spec.clusterIP: Invalid value: "::00001": must not have leading 0s',
    ]);
    expect(create({ clusterIp: '::1.2.3.4' })).toEqual([
      'spec.clusterIP: Invalid value: "::1.2.3.4": must be in canonical form ("::102:304")',
    ]);
    expect(create({ clusterIp: '10.96.0.10' })).toEqual([]);
    expect(create({ clusterIp: '2001:db8::1:0:0:1' })).toEqual([]);
  });

  it('takes source ranges for a LoadBalancer only, each a CIDR', () => {
    expect(create({ loadBalancerSourceRanges: ['10.0.0.0/8'] })).toEqual([
      "spec.loadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'",
    ]);
    const ranges = [' 10.1.1.1/42 ', '01.2.3.4/8', 'fe80::1%eth0/64', '10.0.0.0', '::/129'];
    expect(create({ type: 'LoadBalancer', loadBalancerSourceRanges: ranges })).toEqual(
      ['10.1.1.1/42', '01.2.3.4/8', 'fe80::1%eth0/64', '10.0.0.0', '::/129'].map(
        (range, i) =>
          `spec.loadBalancerSourceRanges[${i}]: Invalid value: "${range}": must be compatible with https://pkg.go.dev/net#ParseCIDR`,
      ),
    );
  });

  it('leaves IP families to the Service, WorkloadIPv6 being on', () => {
    expect(create({ ipFamilies: ['IPv6'], ipFamilyPolicy: 'RequireDualStack' })).toEqual([]);
  });
});

describe('VirtualMachineService update', () => {
  const update = (next: Partial<VirtualMachineServiceSpec>, prev: Partial<VirtualMachineServiceSpec> = {}) =>
    rendered(validateVirtualMachineServiceUpdate(svc(next), svc(prev)));

  it('accepts an unchanged or re-ported service', () => {
    expect(update({})).toEqual([]);
    expect(update({ ports: [{ ...HTTP, port: 8443 }] })).toEqual([]);
  });

  it('keeps type and cluster IP', () => {
    expect(update({ type: 'LoadBalancer', clusterIp: '10.96.0.11' }, { clusterIp: '10.96.0.10' })).toEqual([
      'spec.type: Forbidden: field is immutable',
      'spec.clusterIP: Forbidden: field is immutable',
    ]);
  });

  it('checks the spec again but not the name', () => {
    const renamed = svc({ ports: [] }, '9-Invalid');
    expect(rendered(validateVirtualMachineServiceUpdate(renamed, svc()))).toEqual([
      'spec.ports: Required value',
    ]);
  });
});
