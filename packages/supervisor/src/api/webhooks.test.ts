import { Random, VirtualClock } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import { KubeError } from '../store/errors.js';
import { KubeStore } from '../store/kube-store.js';
import type { KubeObject } from '../store/meta.js';
import { createNamespaceFixture } from '../testing/fixture.js';
import { registerTopologyKinds } from '../topology-kinds.js';
import { registerVmOperatorKinds } from '../vm-operator-kinds.js';
import { FAILED_OVER_VM_ANNOTATION, SKIP_VALIDATION_ANNOTATION } from './annotations.js';
import {
  defaultVirtualMachineOnCreate,
  type ImageCatalog,
  NO_DEFAULT_NIC_ANNOTATION,
  randomUUID,
  resolveImageName,
  resolveImageNameOnCreate,
} from './defaults.js';
import { upgradedAnnotations } from './schema-upgrade.js';
import type { ClusterVirtualMachineImage, VirtualMachine, VirtualMachineImage } from './types.js';
import { validateVirtualMachineCreate, validateVirtualMachineUpdate } from './validation.js';
import type { VirtualMachineServiceCapabilities } from './vm-service-validation.js';

function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

function vm(spec: VirtualMachine['spec'] = {}): VirtualMachine {
  return {
    apiVersion: 'vmoperator.vmware.com/v1alpha6',
    kind: 'VirtualMachine',
    metadata: { name: 'm', namespace: 'ns' },
    spec: { className: 'best-effort-small', imageName: 'ubuntu', ...spec },
  };
}

const network = { apiVersion: 'netoperator.vmware.com/v1alpha1', kind: 'Network', name: 'primary' };

describe('defaulting', () => {
  it('sets power state, UUIDs, cloud-init instanceID and eth0, leaving the modes to the schema', () => {
    const out = defaultVirtualMachineOnCreate(vm({ bootstrap: { cloudInit: {} } }), {
      random: seeded(1),
      defaultNetwork: network,
    });
    expect(out.spec?.powerState).toBe('PoweredOn');
    // The CRD schema's default, which the store fills in before any webhook runs.
    expect(out.spec?.powerOffMode).toBeUndefined();
    expect(out.spec?.instanceUUID).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(out.spec?.biosUUID).not.toBe(out.spec?.instanceUUID);
    expect(out.spec?.bootstrap?.cloudInit?.instanceID).toBe(out.spec?.biosUUID);
    expect(out.spec?.network?.interfaces).toEqual([{ name: 'eth0', network }]);
  });

  it('records the build and schema the VM is made at, over what its creator wrote', () => {
    const given = vm();
    given.metadata.annotations = { 'vmoperator.vmware.com/created-at-build-version': 'v9', keep: 'me' };
    const out = defaultVirtualMachineOnCreate(given, { random: seeded(1) });
    expect(out.metadata.annotations).toEqual({
      'vmoperator.vmware.com/created-at-build-version': 'v0.0.0',
      'vmoperator.vmware.com/created-at-schema-version': 'v1alpha6',
      keep: 'me',
    });
  });

  it("gives a VM both IDE buses unless it names some, as vm-operator's SetDefaultControllers does", () => {
    const out = defaultVirtualMachineOnCreate(vm({ hardware: { cdrom: [] } }), { random: seeded(1) });
    expect(out.spec?.hardware).toEqual({ cdrom: [], ideControllers: [{ busNumber: 0 }, { busNumber: 1 }] });
    expect(defaultVirtualMachineOnCreate(vm(), { random: seeded(1) }).spec?.hardware).toEqual({
      ideControllers: [{ busNumber: 0 }, { busNumber: 1 }],
    });
    const named = defaultVirtualMachineOnCreate(vm({ hardware: { ideControllers: [{ busNumber: 1 }] } }), {
      random: seeded(1),
    });
    expect(named.spec?.hardware?.ideControllers).toEqual([{ busNumber: 1 }]);
  });

  it('is reproducible with the same seed and keeps given values', () => {
    const a = defaultVirtualMachineOnCreate(vm(), { random: seeded(7) });
    const b = defaultVirtualMachineOnCreate(vm(), { random: seeded(7) });
    expect(a).toEqual(b);
    const kept = defaultVirtualMachineOnCreate(vm({ powerState: 'PoweredOff', biosUUID: 'x' }), {
      random: seeded(7),
    });
    expect(kept.spec?.powerState).toBe('PoweredOff');
    expect(kept.spec?.biosUUID).toBe('x');
    expect(randomUUID(seeded(3))).toHaveLength(36);
  });

  it('adds no interface when asked not to, or with one already there', () => {
    const none = vm();
    none.metadata.annotations = { [NO_DEFAULT_NIC_ANNOTATION]: '' };
    expect(
      defaultVirtualMachineOnCreate(none, { random: seeded(1), defaultNetwork: network }).spec?.network,
    ).toBeUndefined();
    const own = defaultVirtualMachineOnCreate(vm({ network: { interfaces: [{ name: 'nic0' }] } }), {
      random: seeded(1),
      defaultNetwork: network,
    });
    expect(own.spec?.network?.interfaces).toEqual([{ name: 'nic0', network }]);
  });

  it('leaves spec.image to the image name resolution', () => {
    expect(defaultVirtualMachineOnCreate(vm(), { random: seeded(1) }).spec?.image).toBeUndefined();
  });
});

describe('validation', () => {
  it('accepts a defaulted VM', () => {
    expect(validateVirtualMachineCreate(defaultVirtualMachineOnCreate(vm(), { random: seeded(1) }))).toEqual(
      [],
    );
  });

  it('requires className and refuses a new VM suspended', () => {
    const bad = vm();
    delete bad.spec?.className;
    expect(validateVirtualMachineCreate(bad).map((e) => e.field)).toEqual(['spec.className']);
    expect(validateVirtualMachineCreate(vm({ powerState: 'Suspended' }))[0]?.message).toContain(
      "cannot set a new VM's power state to Suspended",
    );
  });

  it('takes a biosUUID in the spellings Go reads, and refuses anything else', () => {
    const uuid = 'd6a4cce7-e2ff-4b2d-9f2e-d32baf30c299';
    for (const ok of [uuid, uuid.toUpperCase(), `{${uuid}}`, `urn:uuid:${uuid}`, uuid.replaceAll('-', '')])
      expect(validateVirtualMachineCreate(vm({ biosUUID: ok })), ok).toEqual([]);
    for (const bad of [
      'not-a-uuid',
      `${uuid}0`,
      `{${uuid}`,
      `${uuid}}`,
      `urn:uuid:${uuid}}`,
      uuid.replaceAll('-', '').slice(1),
    ])
      expect(validateVirtualMachineCreate(vm({ biosUUID: bad })), bad).toEqual([
        {
          field: 'spec.biosUUID',
          reason: 'FieldValueInvalid',
          message: `Invalid value: "${bad}": must provide a valid UUID`,
        },
      ]);
  });

  it('requires an image on create, not on update', () => {
    const { imageName: _name, ...spec } = vm().spec ?? {};
    const imageless = { ...vm(), spec };
    expect(validateVirtualMachineCreate(imageless)).toEqual([
      { field: 'spec.image', reason: 'FieldValueRequired', message: 'Required value' },
    ]);
    expect(validateVirtualMachineUpdate(imageless, imageless)).toEqual([]);
  });

  it('lets a privileged account import or restore a VM without an image or a class, as the capabilities allow', () => {
    const { imageName: _name, className: _class, ...spec } = vm().spec ?? {};
    const imported = { ...vm(), spec };
    const restricted = (field: string) => ({
      field,
      reason: 'FieldValueForbidden',
      message: 'Forbidden: restricted to privileged users',
    });
    const required = (field: string) => ({ field, reason: 'FieldValueRequired', message: 'Required value' });
    expect(validateVirtualMachineCreate(imported, {}, true)).toEqual([
      required('spec.image'),
      required('spec.className'),
    ]);
    const importing = { vmImportNewNet: true };
    expect(validateVirtualMachineCreate(imported, importing, true)).toEqual([]);
    expect(validateVirtualMachineCreate(imported, importing)).toEqual([
      restricted('spec.image'),
      restricted('spec.className'),
    ]);
    // Restores take VMs without an image, not without a class.
    expect(validateVirtualMachineCreate(imported, { vmIncrementalRestore: true }, true)).toEqual([
      required('spec.className'),
    ]);
    // A class given up by a resize: an import's alone.
    const sized = vm();
    const classless = { ...sized, spec: { ...sized.spec, className: '' } };
    expect(validateVirtualMachineUpdate(classless, sized, { vmResize: true }, true)).toEqual([
      required('spec.className'),
    ]);
    expect(validateVirtualMachineUpdate(classless, sized, { vmResize: true, ...importing }, true)).toEqual(
      [],
    );
    expect(validateVirtualMachineUpdate(classless, sized, { vmResize: true, ...importing })).toEqual([
      required('spec.className'),
    ]);
    expect(validateVirtualMachineUpdate(classless, classless, importing)).toEqual([]);
  });

  it("lets a privileged account take a failed-over VM's image away where VMs are restored", () => {
    const withImage = vm({ image: { kind: 'VirtualMachineImage', name: 'vmi-1' } });
    const { image: _image, imageName: _name, ...spec } = withImage.spec ?? {};
    const failedOver = (object: VirtualMachine) => ({
      ...object,
      metadata: { ...object.metadata, annotations: { [FAILED_OVER_VM_ANNOTATION]: '' } },
    });
    const imageless = failedOver({ ...withImage, spec });
    const restore = { vmIncrementalRestore: true };
    expect(validateVirtualMachineUpdate(imageless, failedOver(withImage), restore, true)).toEqual([]);
    expect(
      validateVirtualMachineUpdate(imageless, failedOver(withImage), restore).map((e) => e.field),
    ).toEqual(['spec.image', 'spec.imageName']);
    expect(
      validateVirtualMachineUpdate(imageless, failedOver(withImage), {}, true).map((e) => e.field),
    ).toEqual(['spec.imageName', 'spec.image']);
    // No image name is an empty one, as Go compares them.
    const unnamed = {
      ...withImage,
      spec: { ...spec, image: { kind: 'VirtualMachineImage', name: 'vmi-1' } },
    };
    const emptyName = { ...unnamed, spec: { ...unnamed.spec, imageName: '' } };
    expect(validateVirtualMachineUpdate(emptyName, unnamed)).toEqual([]);
    // Not failed over: the image stays.
    expect(
      validateVirtualMachineUpdate({ ...withImage, spec }, withImage, restore, true).map((e) => e.field),
    ).toEqual(['spec.imageName', 'spec.image']);
  });

  it('rejects mixed bootstrap providers and a bad image kind', () => {
    const errs = validateVirtualMachineCreate(
      vm({ bootstrap: { cloudInit: {}, linuxPrep: {} }, image: { kind: 'Pod', name: 'x' } }),
    );
    expect(errs.map((e) => e.field)).toEqual([
      'spec.image.kind',
      'spec.bootstrap.cloudInit',
      'spec.bootstrap.linuxPrep',
    ]);
  });

  it("takes a CloudConfig's commands as strings or lists of strings, and file contents as strings or Secret keys", () => {
    const cloudConfig = {
      runcmd: ['ls', ['echo', 'hi'], 7, ['a', 1]],
      write_files: [
        { path: '/a', content: 'text' },
        { path: '/b', content: { name: 's', key: 'k' } },
        { path: '/c' },
        { path: '/d', content: 42 },
        { path: '/e', content: { name: 3 } },
      ],
    };
    expect(validateVirtualMachineCreate(vm({ bootstrap: { cloudInit: { cloudConfig } } }))).toEqual([
      {
        field: 'spec.bootstrap.cloudInit.cloudConfig.runcmds[2]',
        message: 'Invalid value: "7": value must be a string or list of strings',
        reason: 'FieldValueInvalid',
      },
      {
        field: 'spec.bootstrap.cloudInit.cloudConfig.runcmds[3]',
        message: 'Invalid value: "[\\"a\\",1]": value must be a string or list of strings',
        reason: 'FieldValueInvalid',
      },
      {
        field: 'spec.bootstrap.cloudInit.cloudConfig.write_files[/d]',
        message: 'Invalid value: "42": value must be a string, multi-line string, or SecretKeySelector',
        reason: 'FieldValueInvalid',
      },
      {
        field: 'spec.bootstrap.cloudInit.cloudConfig.write_files[/e]',
        message:
          'Invalid value: "{\\"name\\":3}": value must be a string, multi-line string, or SecretKeySelector',
        reason: 'FieldValueInvalid',
      },
    ]);
    // After the bootstrap's own rules, as vm-operator lists them.
    const both = { cloudConfig: { runcmd: 'ls' }, rawCloudConfig: { name: 's', key: 'k' } };
    expect(validateVirtualMachineCreate(vm({ bootstrap: { cloudInit: both } })).map((e) => e.field)).toEqual([
      'spec.bootstrap.cloudInit',
      'spec.bootstrap.cloudInit.cloudConfig.runcmds',
    ]);
    const nulls = { runcmd: ['ls', null] };
    expect(validateVirtualMachineCreate(vm({ bootstrap: { cloudInit: { cloudConfig: nulls } } }))).toEqual(
      [],
    );
    const notAList = { runcmd: 'ls' };
    expect(
      validateVirtualMachineCreate(vm({ bootstrap: { cloudInit: { cloudConfig: notAList } } })).map(
        (e) => e.message,
      ),
    ).toEqual(['Invalid value: "\\"ls\\"": value must be a list']);
  });

  it('checks the host and domain names as vm-operator does', () => {
    const named = (name: string, spec: VirtualMachine['spec'] = {}) => {
      const out = vm(spec);
      out.metadata.name = name;
      return validateVirtualMachineCreate(out).map((e) => `${e.field}: ${e.message}`);
    };
    expect(named('web.example')).toEqual([
      'metadata.name: Invalid value: "web.example": host name must adhere to RFC-1123',
    ]);
    expect(named('web.example', { network: { hostName: 'web' } })).toEqual([]);
    expect(named('vm1', { network: { hostName: '10.0.0.1' } })).toEqual([]);
    expect(named('vm1', { network: { hostName: '10.0.0.1', domainName: 'example.com' } })).toEqual([
      'spec.network.hostName: Invalid value: "10.0.0.1": host name may not be IP address when domain name is non-empty',
    ]);
    expect(named('a-windows-host-name', { guestID: 'windows2019srv_64Guest' })).toEqual([
      'metadata.name: Invalid value: "a-windows-host-name": host name may not exceed 15 characters for Windows',
    ]);
    expect(named('vm1', { network: { domainName: '-bad.com' } })).toEqual([
      'spec.network.domainName: Invalid value: "-bad.com": domain name must adhere to RFC-1123',
    ]);
    const domain = `${Array.from({ length: 4 }, () => 'a'.repeat(61)).join('.')}.com`;
    expect(named('host-name-x', { network: { domainName: domain } })).toEqual([
      `spec.network: Invalid value: "host-name-x.${domain}": host name and domain name combined exceed 255 characters`,
    ]);
    // A Windows host name that was already long may stay on update.
    const old = vm({ bootstrap: { sysprep: {} } });
    old.metadata.name = 'a-windows-host-name';
    const updated = vm({ bootstrap: { sysprep: {} }, powerState: 'PoweredOff' });
    updated.metadata.name = 'a-windows-host-name';
    expect(validateVirtualMachineUpdate(updated, old).map((e) => e.field)).not.toContain('metadata.name');
  });

  it('checks a Sysprep as vm-operator does', () => {
    const errors = (spec: VirtualMachine['spec']) =>
      validateVirtualMachineCreate(vm(spec)).map((e) => `${e.field}: ${e.message}`);
    const userData = { fullName: 'Jane', orgName: 'Example' };
    expect(errors({ bootstrap: { sysprep: {} } })).toEqual([
      'spec.bootstrap.sysprep: Invalid value: "sysPrep": either sysprep or rawSysprep must be provided',
    ]);
    expect(
      errors({ bootstrap: { sysprep: { sysprep: { userData, guiUnattended: { autoLogon: true } } } } }),
    ).toEqual([
      'spec.bootstrap.sysprep.sysprep: Invalid value: "guiUnattended": autoLogon requires autoLogonCount to be specified',
      'spec.bootstrap.sysprep.sysprep: Invalid value: "guiUnattended": autoLogon requires password selector to be set',
    ]);
    const identification = { joinWorkgroup: 'WG', domainOU: 'OU=x' };
    expect(
      errors({
        network: { domainName: 'corp.example' },
        bootstrap: { sysprep: { sysprep: { userData, identification, expirePasswordAfterNextLogin: true } } },
      }),
    ).toEqual([
      'spec.bootstrap.sysprep.sysprep: Invalid value: "identification": spec.network.domainName and joinWorkgroup are mutually exclusive',
      'spec.bootstrap.sysprep.sysprep: Invalid value: "identification": spec.network.domainName requires domainAdmin and domainAdminPassword selector to be set',
      'spec.bootstrap.sysprep.sysprep: Invalid value: "identification": joinWorkgroup and domainAdmin/domainAdminPassword/domainOU are mutually exclusive',
      'spec.bootstrap.sysprep.expirePasswordAfterNextLogin: Forbidden: VC guest customization VCD parity capability is not enabled',
    ]);
    const joined = { domainAdmin: 'admin', domainAdminPassword: { name: 's', key: 'k' } };
    expect(
      errors({
        network: { domainName: 'corp.example' },
        bootstrap: { sysprep: { sysprep: { userData, identification: joined } } },
      }),
    ).toEqual([]);
  });

  it("refuses LinuxPrep's VCD parity fields, and vAppConfig properties beside raw ones, without a key or with two values", () => {
    const errors = (spec: VirtualMachine['spec']) =>
      validateVirtualMachineCreate(vm(spec)).map((e) => `${e.field}: ${e.message}`);
    const parity = 'Forbidden: VC guest customization VCD parity capability is not enabled';
    expect(
      errors({
        bootstrap: {
          linuxPrep: {
            hardwareClockIsUTC: true,
            expirePasswordAfterNextLogin: true,
            password: { name: 's', key: 'k' },
            scriptText: { value: 'echo hi' },
          },
        },
      }),
    ).toEqual([
      `spec.bootstrap.linuxPrep.expirePasswordAfterNextLogin: ${parity}`,
      `spec.bootstrap.linuxPrep.password: ${parity}`,
      `spec.bootstrap.linuxPrep.scriptText: ${parity}`,
    ]);
    expect(errors({ bootstrap: { linuxPrep: { timeZone: 'UTC' } } })).toEqual([]);
    // With the capability: taken, but a script from a Secret and inline at once, as Sysprep's.
    const parityOn = (spec: VirtualMachine['spec']) =>
      validateVirtualMachineCreate(vm(spec), { guestCustomizationVCDParity: true }).map(
        (e) => `${e.field}: ${e.message}`,
      );
    const script = { from: { name: 's', key: 'script' }, value: 'echo hi' };
    expect(
      parityOn({
        bootstrap: {
          linuxPrep: {
            expirePasswordAfterNextLogin: true,
            password: { name: 's', key: 'k' },
            scriptText: script,
          },
        },
      }),
    ).toEqual([
      'spec.bootstrap.linuxPrep.scriptText.value: Invalid value: "value": from and value are mutually exclusive',
    ]);
    expect(
      parityOn({
        bootstrap: {
          sysprep: {
            sysprep: {
              userData: { fullName: 'a', orgName: 'b' },
              expirePasswordAfterNextLogin: true,
              scriptText: script,
            },
          },
        },
      }),
    ).toEqual([
      'spec.bootstrap.sysprep.sysprep.scriptText.value: Invalid value: "value": from and value are mutually exclusive',
    ]);
    expect(parityOn({ bootstrap: { linuxPrep: { scriptText: { value: 'echo hi' } } } })).toEqual([]);
    expect(parityOn({ bootstrap: { linuxPrep: { scriptText: { from: { name: 's', key: 'k' } } } } })).toEqual(
      [],
    );
    // An empty inline value is a value all the same.
    expect(
      parityOn({ bootstrap: { linuxPrep: { scriptText: { from: { name: 's', key: 'k' }, value: '' } } } }),
    ).toHaveLength(1);
    const secret = { name: 's', key: 'k' };
    expect(
      errors({
        bootstrap: {
          linuxPrep: {},
          vAppConfig: {
            rawProperties: 'props',
            properties: [
              { key: '', value: { value: 'x' } },
              { key: 'a', value: { from: secret, value: 'y' } },
            ],
          },
        },
      }),
    ).toEqual([
      'spec.bootstrap.vAppConfig: Invalid value: "vAppConfig": properties and rawProperties are mutually exclusive',
      'spec.bootstrap.vAppConfig.properties.key: Invalid value: "key": key is a required field in vAppConfig Properties',
      'spec.bootstrap.vAppConfig.properties.value: Invalid value: "value": from and value are mutually exclusive',
    ]);
    expect(
      errors({ bootstrap: { vAppConfig: { properties: [{ key: 'a', value: { from: secret } }] } } }),
    ).toEqual([]);
  });

  it('checks volumes as vm-operator does: names, claims, removal', () => {
    const claim = (claimName: string, more: Record<string, unknown> = {}) => ({
      persistentVolumeClaim: { claimName, ...more },
    });
    const errors = (spec: VirtualMachine['spec']) =>
      validateVirtualMachineCreate(vm(spec)).map((e) => `${e.field}: ${e.message}`);
    expect(
      errors({
        volumes: [
          { name: 'data', ...claim('c1') },
          { name: 'logs', ...claim('c2') },
        ],
      }),
    ).toEqual([]);
    expect(
      errors({
        volumes: [
          { name: '', ...claim('c1') },
          { name: 'Data', ...claim('c1', { readOnly: true }) },
          { name: 'x', ...claim('') },
          { name: 'x', ...claim('c3') },
        ],
      }),
    ).toEqual([
      'spec.volumes[0].name: Required value',
      `spec.volumes[1].name: Invalid value: "Data": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      'spec.volumes[1].persistentVolumeClaim.claimName: Duplicate value: "c1"',
      'spec.volumes[1].persistentVolumeClaim.readOnly: Unsupported value: true: supported values: "false"',
      'spec.volumes[2].persistentVolumeClaim.claimName: Required value',
      'spec.volumes[3].name: Duplicate value: "x"',
    ]);
    // The attachment's name, `<vm>-<volume>`, must be a DNS subdomain.
    expect(errors({ volumes: [{ name: 'v'.repeat(252), ...claim('c') }] })).toEqual([
      `spec.volumes[0].name: Invalid value: "${'v'.repeat(252)}": must be no more than 253 characters`,
    ]);
    const old = vm({
      volumes: [
        { name: 'root', removable: false, ...claim('c') },
        { name: 'tmp', ...claim('t') },
      ],
    });
    // On update, only once the VM's schema is upgraded.
    expect(validateVirtualMachineUpdate(vm({ volumes: [] }), old)).toEqual([]);
    const upgraded = { ...old, metadata: { ...old.metadata, annotations: upgradedAnnotations(old, 1) } };
    expect(
      validateVirtualMachineUpdate(vm({ volumes: [] }), upgraded).map((e) => `${e.field}: ${e.message}`),
    ).toEqual(['spec.volumes[0]: Forbidden: cannot remove volume with removable=false']);
  });

  it('keeps immutable fields on update', () => {
    const old = defaultVirtualMachineOnCreate(vm({ reserved: { resourcePolicyName: 'p' } }), {
      random: seeded(1),
      defaultNetwork: network,
    });
    const next = structuredClone(old);
    if (next.spec) {
      next.spec.className = 'other';
      next.spec.storageClass = 'sc2';
      next.spec.biosUUID = 'changed';
      next.spec.reserved = { resourcePolicyName: 'q' };
      next.spec.network = { interfaces: [] };
      next.spec.powerState = 'PoweredOff';
    }
    // First the schema upgrade's rule (a VM not upgraded keeps its BIOS UUID), then the immutable fields.
    expect(validateVirtualMachineUpdate(next, old).map((e) => e.field)).toEqual([
      'spec.biosUUID',
      'spec.className',
      'spec.storageClass',
      'spec.biosUUID',
      'spec.reserved.resourcePolicyName',
      'spec.network.interfaces',
    ]);
    expect(validateVirtualMachineUpdate(old, old)).toEqual([]);
  });

  it("keeps an interface's network and MAC, and what powered-off and powered-on VMs may not change", () => {
    const old = defaultVirtualMachineOnCreate(vm({ powerState: 'PoweredOff' }), {
      random: seeded(1),
      defaultNetwork: network,
    });
    const next = structuredClone(old);
    const iface = next.spec?.network?.interfaces?.[0];
    if (!next.spec || !iface) throw new Error('no eth0');
    iface.network = { ...network, name: 'secondary' };
    iface.macAddr = '00:50:56:00:00:01';
    next.spec.powerState = 'Suspended';
    // In vm-operator's order: the immutable fields, the power state, then the network's checks.
    expect(validateVirtualMachineUpdate(next, old)).toEqual([
      {
        field: 'spec.network.interfaces[0].network',
        message: 'Forbidden: field is immutable',
        reason: 'FieldValueForbidden',
      },
      {
        field: 'spec.network.interfaces[0].macAddr',
        message: 'Invalid value: "00:50:56:00:00:01": field is immutable',
        reason: 'FieldValueInvalid',
      },
      {
        field: 'spec.powerState',
        message: 'Invalid value: "Suspended": cannot suspend a VM that is powered off',
        reason: 'FieldValueInvalid',
      },
      {
        field: 'spec.network.interfaces[0].macAddr',
        message:
          'Invalid value: "00:50:56:00:00:01": macAddr is available only with the following network providers: crd.nsx.vmware.com',
        reason: 'FieldValueInvalid',
      },
    ]);
    const on = { ...old, spec: { ...old.spec, powerState: 'PoweredOn' as const } };
    const guest = { ...on, spec: { ...on.spec, guestID: 'ubuntu64Guest' } };
    expect(validateVirtualMachineUpdate(guest, on).map((e) => `${e.field}: ${e.message}`)).toEqual([
      'spec.guestID: Forbidden: updates to this field is not allowed when VM power is on',
    ]);
  });

  it("lets a failed-over VM's interfaces change networks, and MutableNetworks add, remove and move them", () => {
    const old = defaultVirtualMachineOnCreate(vm({ powerState: 'PoweredOff' }), {
      random: seeded(1),
      defaultNetwork: network,
    });
    const moved = structuredClone(old);
    const eth0 = moved.spec?.network?.interfaces?.[0];
    if (!eth0) throw new Error('no eth0');
    eth0.network = { ...network, name: 'secondary' };
    const fields = (next: VirtualMachine, capabilities = {}, before = old) =>
      validateVirtualMachineUpdate(next, before, capabilities).map((e) => `${e.field}: ${e.message}`);
    expect(fields(moved)).toEqual(['spec.network.interfaces[0].network: Forbidden: field is immutable']);
    // A disaster recovery vendor connects a failed-over VM's interfaces to its test or
    // production networks (the VM marked so by a privileged account); none is added or removed
    // all the same.
    const failedOverAnnotations = { ...old.metadata.annotations, 'vmoperator.vmware.com/failed-over-vm': '' };
    const failedOverOld = { ...old, metadata: { ...old.metadata, annotations: failedOverAnnotations } };
    const failedOver = { ...moved, metadata: { ...moved.metadata, annotations: failedOverAnnotations } };
    expect(fields(failedOver, {}, failedOverOld)).toEqual([]);
    const renamed = structuredClone(failedOver);
    const renamedEth0 = renamed.spec?.network?.interfaces?.[0];
    if (renamedEth0) renamedEth0.name = 'nic0';
    expect(fields(renamed, {}, failedOverOld)).toEqual([]);
    const added = structuredClone(failedOver);
    added.spec?.network?.interfaces?.push({ name: 'eth1', network });
    expect(fields(added, {}, failedOverOld)).toEqual([
      'spec.network.interfaces: Forbidden: network interfaces cannot be added or removed',
    ]);
    // With MutableNetworks anything goes but a MAC address changed on an interface that stays.
    const mutable = { mutableNetworks: true };
    expect(fields(moved, mutable)).toEqual([]);
    expect(fields(added, mutable, failedOverOld)).toEqual([]);
    const removed = structuredClone(old);
    removed.spec = { ...removed.spec, network: { interfaces: [] } };
    expect(fields(removed, mutable)).toEqual([]);
    const withMac = structuredClone(old);
    const kept = withMac.spec?.network?.interfaces?.[0];
    if (!kept) throw new Error('no eth0');
    kept.macAddr = '00:50:56:00:00:01';
    expect(fields(withMac, mutable)).toEqual([
      'spec.network.interfaces[0].macAddr: Invalid value: "00:50:56:00:00:01": macAddr is available only with the following network providers: crd.nsx.vmware.com',
      'spec.network.interfaces[0].macAddr: Invalid value: "00:50:56:00:00:01": field is immutable',
    ]);
    // A MAC on an interface moved to another network is that interface's first.
    const movedWithMac = structuredClone(moved);
    const movedEth0 = movedWithMac.spec?.network?.interfaces?.[0];
    if (movedEth0) movedEth0.macAddr = '00:50:56:00:00:01';
    expect(fields(movedWithMac, mutable)).toEqual([
      'spec.network.interfaces[0].macAddr: Invalid value: "00:50:56:00:00:01": macAddr is available only with the following network providers: crd.nsx.vmware.com',
    ]);
  });

  it("compares an interface's network by value, and lets a VM held off by a power-on check change its guest", () => {
    const old = defaultVirtualMachineOnCreate(vm(), { random: seeded(1), defaultNetwork: network });
    const next = structuredClone(old);
    const iface = next.spec?.network?.interfaces?.[0];
    if (!next.spec || !iface?.network) throw new Error('no eth0');
    // The same reference, its keys in another order (as a Go client writes them).
    iface.network = { name: network.name, kind: network.kind, apiVersion: network.apiVersion };
    expect(Object.keys(iface.network)).not.toEqual(
      Object.keys(old.spec?.network?.interfaces?.[0]?.network ?? {}),
    );
    expect(validateVirtualMachineUpdate(next, old)).toEqual([]);
    const held = {
      ...old,
      metadata: { ...old.metadata, annotations: { 'poweron.check.vmoperator.vmware.com/app': 'wait' } },
    };
    const guest = { ...held, spec: { ...held.spec, guestID: 'ubuntu64Guest' } };
    expect(validateVirtualMachineUpdate(guest, held)).toEqual([]);
  });

  it('names the bootstrap provider dropped, or the bootstrap itself', () => {
    const old = vm({ bootstrap: { cloudInit: {} } });
    const fields = (next: VirtualMachine) => validateVirtualMachineUpdate(next, old).map((e) => e.field);
    expect(fields(vm({ bootstrap: { linuxPrep: {} } }))).toEqual(['spec.bootstrap.cloudInit']);
    expect(fields(vm())).toEqual(['spec.bootstrap']);
    expect(validateVirtualMachineUpdate(vm({ bootstrap: { linuxPrep: {} } }), vm())).toEqual([]);
  });
});

type Image = VirtualMachineImage | ClusterVirtualMachineImage;

const image = (kind: Image['kind'], name: string, display: string, namespace?: string): Image =>
  ({
    apiVersion: 'vmoperator.vmware.com/v1alpha6',
    kind,
    metadata: { name, ...(namespace ? { namespace } : {}) },
    status: { name: display },
  }) as Image;

const catalogOf = (images: readonly Image[]): ImageCatalog => ({
  get: (kind, name) => images.find((i) => i.kind === kind && i.metadata.name === name),
  list: (kind) => images.filter((i) => i.kind === kind),
});

describe('image name resolution', () => {
  const vmi = image('VirtualMachineImage', 'vmi-0a0044d7c690bcbea', 'ubuntu');
  const cvmi = image('ClusterVirtualMachineImage', 'vmi-1b1155e8d7a1cdcfb', 'photon');

  it('looks a vmi- name up as an object name, namespace first', () => {
    const shadowed = image('ClusterVirtualMachineImage', 'vmi-0a0044d7c690bcbea', 'ubuntu');
    expect(resolveImageName('vmi-0a0044d7c690bcbea', catalogOf([shadowed, vmi]))).toEqual({
      image: { kind: 'VirtualMachineImage', name: 'vmi-0a0044d7c690bcbea' },
    });
    expect(resolveImageName('vmi-1b1155e8d7a1cdcfb', catalogOf([vmi, cvmi]))).toEqual({
      image: { kind: 'ClusterVirtualMachineImage', name: 'vmi-1b1155e8d7a1cdcfb' },
    });
    // A vmi- name is never a display name.
    const odd = image('VirtualMachineImage', 'vmi-2', 'vmi-odd');
    expect(resolveImageName('vmi-odd', catalogOf([odd]))).toEqual({
      problem: 'no VM image exists for "vmi-odd" in namespace or cluster scope',
    });
  });

  it('looks any other name up by display name, unique across both scopes', () => {
    expect(resolveImageName('ubuntu', catalogOf([vmi, cvmi]))).toEqual({
      image: { kind: 'VirtualMachineImage', name: vmi.metadata.name },
    });
    expect(resolveImageName('photon', catalogOf([vmi, cvmi]))).toEqual({
      image: { kind: 'ClusterVirtualMachineImage', name: cvmi.metadata.name },
    });
    const again = (kind: Image['kind']) => image(kind, 'vmi-3', 'ubuntu');
    expect(resolveImageName('ubuntu', catalogOf([vmi, again('VirtualMachineImage')]))).toEqual({
      problem: 'multiple VM images exist for "ubuntu" in namespace scope',
    });
    expect(resolveImageName('ubuntu', catalogOf([vmi, again('ClusterVirtualMachineImage')]))).toEqual({
      problem: 'multiple VM images exist for "ubuntu" in namespace and cluster scope',
    });
    const twice = [
      again('ClusterVirtualMachineImage'),
      image('ClusterVirtualMachineImage', 'vmi-4', 'ubuntu'),
    ];
    expect(resolveImageName('ubuntu', catalogOf([vmi, ...twice]))).toEqual({
      problem: 'multiple VM images exist for "ubuntu" in cluster scope',
    });
    expect(resolveImageName('centos', catalogOf([vmi, cvmi]))).toEqual({
      problem: 'no VM image exists for "centos" in namespace or cluster scope',
    });
  });

  it('sets spec.image on create, or checks the one given', () => {
    const resolve = (name: string) => resolveImageName(name, catalogOf([vmi, cvmi]));
    const named = vm({ imageName: 'ubuntu' });
    expect(resolveImageNameOnCreate(named, resolve)).toBeUndefined();
    expect(named.spec?.image).toEqual({ kind: 'VirtualMachineImage', name: vmi.metadata.name });
    const given = vm({
      imageName: 'photon',
      image: { kind: 'ClusterVirtualMachineImage', name: 'vmi-1b1155e8d7a1cdcfb' },
    });
    expect(resolveImageNameOnCreate(given, resolve)).toBeUndefined();
    expect(given.spec?.image).toEqual({ kind: 'ClusterVirtualMachineImage', name: 'vmi-1b1155e8d7a1cdcfb' });
    const other = vm({
      imageName: 'photon',
      image: { kind: 'VirtualMachineImage', name: vmi.metadata.name ?? '' },
    });
    expect(resolveImageNameOnCreate(other, resolve)).toBe(
      'spec.imageName: Invalid value: "photon": must refer to the same resource as spec.image',
    );
    const imageOnly = vm({ image: { kind: 'VirtualMachineImage', name: 'vmi-none' } });
    delete imageOnly.spec?.imageName;
    expect(resolveImageNameOnCreate(imageOnly, resolve)).toBeUndefined();
    expect(imageOnly.spec?.image).toEqual({ kind: 'VirtualMachineImage', name: 'vmi-none' });
  });
});

describe('image name resolution in the store', () => {
  const V6 = 'vmoperator.vmware.com/v1alpha6';
  const V2 = 'vmoperator.vmware.com/v1alpha2';
  const WEBHOOK = 'default.mutating.virtualmachine.v1alpha6.vmoperator.vmware.com';

  async function setup(capabilities?: VirtualMachineServiceCapabilities) {
    const kube = new KubeStore(
      { clock: new VirtualClock(Date.UTC(2025, 0, 1)), random: new Random(1) },
      { namespaces: ['default', 'ns1', 'ns2'] },
    );
    registerVmOperatorKinds(kube, capabilities ? { capabilities } : {});
    const addImage = async (kind: Image['kind'], name: string, display: string, namespace?: string) => {
      const { status, ...object } = image(kind, name, display, namespace);
      const created = await kube.create(object as KubeObject);
      await kube.updateStatus({ ...created, status });
    };
    await addImage('VirtualMachineImage', 'vmi-0a0044d7c690bcbea', 'ubuntu', 'ns1');
    await addImage('VirtualMachineImage', 'vmi-5e5e5e5e5e5e5e5e5', 'centos', 'ns2');
    await addImage('ClusterVirtualMachineImage', 'vmi-1b1155e8d7a1cdcfb', 'photon');
    const create = (spec: Record<string, unknown>, apiVersion = V6, name = 'm') =>
      kube.create({
        apiVersion,
        kind: 'VirtualMachine',
        metadata: { name, namespace: 'ns1' },
        spec: { className: 'best-effort-small', ...spec },
      }) as Promise<VirtualMachine>;
    const denial = (spec: Record<string, unknown>) =>
      create(spec).then(
        () => undefined,
        (error: unknown) => error as KubeError,
      );
    return { kube, addImage, create, denial };
  }

  it('denies an instanceUUID set by the caller before resolving the image, as only privileged users may', async () => {
    const t = await setup();
    const instanceUUID = '11111111-2222-4333-8444-555555555555';
    const denied = await t.denial({ imageName: 'no-such-image', instanceUUID });
    expect(denied).toMatchObject({
      code: 403,
      reason: 'Forbidden',
      message: `admission webhook "${WEBHOOK}" denied the request: spec.instanceUUID: Forbidden: only privileged users may set this field`,
    });
    const created = await t.create({ imageName: 'ubuntu' });
    expect(created.spec?.instanceUUID).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("lists a create's problems in vm-operator's order, the store's findings and the metadata's among the spec's", async () => {
    const t = await setup();
    registerTopologyKinds(t.kube);
    const denied = await t.kube
      .create({
        apiVersion: V6,
        kind: 'VirtualMachine',
        metadata: {
          name: 'm',
          namespace: 'ns1',
          labels: { 'topology.kubernetes.io/zone': 'no-such-zone', 'vmoperator.vmware.com/paused': 'true' },
          annotations: {
            [FAILED_OVER_VM_ANNOTATION]: 'true',
            'vmoperator.vmware.com.protected/apply-power-state-time': 'soon',
          },
        },
        spec: {
          className: 'best-effort-small',
          imageName: 'ubuntu',
          storageClass: 'no-such-class',
          powerState: 'Suspended',
          readinessProbe: { tcpSocket: { port: 22 }, guestHeartbeat: { thresholdStatus: 'green' } },
          currentSnapshotName: 'snap',
        },
      })
      .then(
        () => undefined,
        (error: unknown) => error as KubeError,
      );
    // The webhook's errors, joined as vm-operator joins them into its denial's reason.
    const fields = (denied?.status.reason ?? '')
      .split(/, (?=metadata\.|spec\.)/)
      .map((e) => e.split(': ')[0]);
    expect(fields).toEqual([
      'metadata.labels[topology.kubernetes.io/zone]',
      'spec.storageClass',
      'spec.readinessProbe',
      'spec.powerState',
      `metadata.annotations[${FAILED_OVER_VM_ANNOTATION}]`,
      'metadata.labels.vmoperator.vmware.com/paused',
      'metadata.annotations[vmoperator.vmware.com.protected/apply-power-state-time]',
      'spec.currentSnapshotName',
    ]);
  });

  it("gives an interface the default network's kind on create, and on update with MutableNetworks", async () => {
    const netop = { apiVersion: 'netoperator.vmware.com/v1alpha1', kind: 'Network' };
    const networksOf = (vm: VirtualMachine) => vm.spec?.network?.interfaces?.map((iface) => iface.network);
    const t = await setup({ mutableNetworks: true });
    const created = await t.create({
      imageName: 'ubuntu',
      network: { interfaces: [{ name: 'eth0', network: { name: 'primary' } }] },
    });
    expect(networksOf(created)).toEqual([{ ...netop, name: 'primary' }]);
    const interfaces = [...(created.spec?.network?.interfaces ?? []), { name: 'eth1' }];
    const updated = (await t.kube.update({
      ...created,
      spec: { ...created.spec, network: { interfaces } },
    } as KubeObject)) as VirtualMachine;
    expect(networksOf(updated)).toEqual([
      { ...netop, name: 'primary' },
      { ...netop, name: '' },
    ]);
    // Nor to a network disabled.
    const disabled = (await t.kube.update({
      ...updated,
      spec: { ...updated.spec, network: { disabled: true, interfaces: [{ name: 'eth2' }] } },
    } as KubeObject)) as VirtualMachine;
    expect(networksOf(disabled)).toEqual([undefined]);
    // Without it, an update adds no interface at all.
    const fixed = await setup();
    const vm = await fixed.create({ imageName: 'ubuntu' });
    await expect(
      fixed.kube.update({
        ...vm,
        spec: {
          ...vm.spec,
          network: { interfaces: [...(vm.spec?.network?.interfaces ?? []), { name: 'eth1' }] },
        },
      } as KubeObject),
    ).rejects.toMatchObject({ code: 422 });
  });

  it('resolves a vmi- name, a display name and a cluster image', async () => {
    const t = await setup();
    const byName = await t.create({ imageName: 'vmi-0a0044d7c690bcbea' }, V6, 'a');
    expect(byName.spec?.image).toEqual({ kind: 'VirtualMachineImage', name: 'vmi-0a0044d7c690bcbea' });
    expect(byName.spec?.imageName).toBe('vmi-0a0044d7c690bcbea');
    const byDisplay = await t.create({ imageName: 'ubuntu' }, V6, 'b');
    expect(byDisplay.spec?.image).toEqual({ kind: 'VirtualMachineImage', name: 'vmi-0a0044d7c690bcbea' });
    expect(byDisplay.spec?.imageName).toBe('ubuntu');
    const cluster = await t.create({ imageName: 'photon' }, V6, 'c');
    expect(cluster.spec?.image).toEqual({
      kind: 'ClusterVirtualMachineImage',
      name: 'vmi-1b1155e8d7a1cdcfb',
    });
    const clusterByName = await t.create({ imageName: 'vmi-1b1155e8d7a1cdcfb' }, V6, 'd');
    expect(clusterByName.spec?.image?.kind).toBe('ClusterVirtualMachineImage');
  });

  it('denies an unknown name, and an image of another namespace, storing nothing', async () => {
    const t = await setup();
    const rv = t.kube.resourceVersion;
    for (const name of ['centos', 'vmi-5e5e5e5e5e5e5e5e5', 'debian']) {
      const error = await t.denial({ imageName: name });
      expect(error).toBeInstanceOf(KubeError);
      expect(error?.status).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `admission webhook "${WEBHOOK}" denied the request: no VM image exists for "${name}" in namespace or cluster scope`,
        reason: 'Forbidden',
        code: 403,
      });
    }
    expect(t.kube.resourceVersion).toBe(rv);
    await expect(
      t.kube.get({ apiVersion: V6, kind: 'VirtualMachine', namespace: 'ns1', name: 'm' }),
    ).rejects.toMatchObject({ code: 404 });
  });

  it('denies an ambiguous display name, then resolves it once it is unique', async () => {
    const t = await setup();
    await t.addImage('ClusterVirtualMachineImage', 'vmi-2c2266f9e8b2dedac', 'ubuntu');
    expect((await t.denial({ imageName: 'ubuntu' }))?.message).toBe(
      `admission webhook "${WEBHOOK}" denied the request: multiple VM images exist for "ubuntu" in namespace and cluster scope`,
    );
    await t.kube.delete({
      apiVersion: V6,
      kind: 'ClusterVirtualMachineImage',
      name: 'vmi-2c2266f9e8b2dedac',
    });
    expect((await t.create({ imageName: 'ubuntu' })).spec?.image?.name).toBe('vmi-0a0044d7c690bcbea');
  });

  it('keeps a given spec.image that the name agrees with, and denies one it does not', async () => {
    const t = await setup();
    const given = { kind: 'ClusterVirtualMachineImage', name: 'vmi-1b1155e8d7a1cdcfb' };
    const imageOnly = await t.create({ image: given }, V6, 'a');
    expect(imageOnly.spec?.image).toEqual(given);
    expect(imageOnly.spec?.imageName).toBeUndefined();
    expect((await t.create({ image: given, imageName: 'photon' }, V6, 'b')).spec?.image).toEqual(given);
    const error = await t.denial({ image: given, imageName: 'ubuntu' });
    expect(error).toMatchObject({ code: 403, reason: 'Forbidden' });
    expect(error?.message).toBe(
      `admission webhook "${WEBHOOK}" denied the request: spec.imageName: Invalid value: "ubuntu": must refer to the same resource as spec.image`,
    );
  });

  it('lets a v1alpha2 client read back and update what it wrote', async () => {
    const t = await setup();
    // The storage class the VM names exists, and the namespace's quota assigns it.
    await t.kube.create({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'sc' } });
    await t.kube.create({
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'quota', namespace: 'ns1' },
      spec: { hard: { 'sc.storageclass.storage.k8s.io/requests.storage': '1Gi' } },
    });
    const written = {
      imageName: 'ubuntu',
      className: 'best-effort-small',
      storageClass: 'sc',
      powerState: 'PoweredOn',
      powerOffMode: 'Hard',
      network: { interfaces: [{ name: 'eth0', network: { kind: 'Network', name: '' } }] },
    };
    await t.create(written, V2);
    const ref = { apiVersion: V2, kind: 'VirtualMachine', namespace: 'ns1', name: 'm' };
    const back = await t.kube.get<KubeObject & { spec: Record<string, unknown> }>(ref);
    expect(back.spec).toMatchObject(written);
    expect(back.spec.image).toBeUndefined();
    expect(back.status).toEqual({
      image: { apiVersion: V6, kind: 'VirtualMachineImage', name: 'vmi-0a0044d7c690bcbea' },
    });
    const hub = (await t.kube.get({ ...ref, apiVersion: V6 })) as unknown as VirtualMachine;
    expect(hub.spec?.image).toEqual({ kind: 'VirtualMachineImage', name: 'vmi-0a0044d7c690bcbea' });

    const updated = await t.kube.update({ ...back, spec: { ...back.spec, powerState: 'PoweredOff' } });
    expect((updated.spec as Record<string, unknown>).imageName).toBe('ubuntu');
    await t.kube.patch(ref, { spec: { powerState: 'PoweredOn' } }, { type: 'merge' });
    const after = (await t.kube.get({ ...ref, apiVersion: V6 })) as unknown as VirtualMachine;
    expect(after.spec).toMatchObject({
      imageName: 'ubuntu',
      image: hub.spec?.image,
      powerState: 'PoweredOn',
    });
  });
});

describe('nextRestartTime on update', () => {
  const V6 = 'vmoperator.vmware.com/v1alpha6';
  const WEBHOOK = 'default.mutating.virtualmachine.v1alpha6.vmoperator.vmware.com';
  const ref = { apiVersion: V6, kind: 'VirtualMachine', namespace: 'ns1', name: 'm' };

  async function setup(powerState: 'PoweredOn' | 'PoweredOff') {
    const clock = new VirtualClock(Date.UTC(2025, 0, 1));
    const kube = new KubeStore({ clock, random: new Random(1) }, { namespaces: ['ns1'] });
    registerVmOperatorKinds(kube, { defaultNetwork: null });
    await kube.create({
      apiVersion: V6,
      kind: 'VirtualMachine',
      metadata: { name: 'm', namespace: 'ns1' },
      spec: { className: 'c', image: { kind: 'VirtualMachineImage', name: 'vmi-1' }, powerState },
    });
    const restart = (value: string | undefined) =>
      kube.patch<VirtualMachine & KubeObject>(
        ref,
        { spec: { nextRestartTime: value ?? null } },
        { type: 'merge' },
      );
    return { kube, clock, restart };
  }

  it('turns "now", in any case, into the time of the update, and keeps it when the field is left out', async () => {
    const t = await setup('PoweredOn');
    t.clock.set(Date.UTC(2025, 0, 1) + 1_234);
    expect((await t.restart('Now')).spec?.nextRestartTime).toBe('2025-01-01T00:00:01.234Z');
    t.clock.set(Date.UTC(2025, 0, 1) + 2_000);
    expect((await t.restart('now')).spec?.nextRestartTime).toBe('2025-01-01T00:00:02Z');
    expect((await t.restart(undefined)).spec?.nextRestartTime).toBe('2025-01-01T00:00:02Z');
    const same = await t.restart('2025-01-01T00:00:02Z');
    expect(same.spec?.nextRestartTime).toBe('2025-01-01T00:00:02Z');
  });

  it("applies the schema's defaults again to an update that drops them, even of a VM being deleted", async () => {
    const t = await setup('PoweredOn');
    const stored = await t.kube.get<VirtualMachine & KubeObject>(ref);
    const { powerOffMode: _p, restartMode: _r, ...spec } = stored.spec ?? {};
    const updated = await t.kube.update<VirtualMachine & KubeObject>({ ...stored, spec });
    expect(updated.spec).toMatchObject({ powerOffMode: 'TrySoft', restartMode: 'TrySoft' });
    await t.kube.patch(ref, { metadata: { finalizers: ['example.com/hold'] } }, { type: 'merge' });
    await t.kube.delete(ref);
    const deleting = await t.kube.patch<VirtualMachine & KubeObject>(
      ref,
      { spec: { suspendMode: null } },
      { type: 'merge' },
    );
    expect(deleting.spec?.suspendMode).toBe('TrySoft');
  });

  it('denies "now" for a VM not powered on, and any other new value, changing nothing', async () => {
    const off = await setup('PoweredOff');
    const rv = off.kube.resourceVersion;
    await expect(off.restart('now')).rejects.toMatchObject({
      code: 403,
      reason: 'Forbidden',
      message: `admission webhook "${WEBHOOK}" denied the request: spec.nextRestartTime: Invalid value: "now": can only restart powered on vm`,
    });
    const on = await setup('PoweredOn');
    await expect(on.restart('2030-01-01T00:00:00Z')).rejects.toMatchObject({
      code: 403,
      message: `admission webhook "${WEBHOOK}" denied the request: spec.nextRestartTime: Invalid value: "2030-01-01T00:00:00Z": may only be set to "now"`,
    });
    expect(off.kube.resourceVersion).toBe(rv);
    expect((await off.kube.get<VirtualMachine & KubeObject>(ref)).spec?.nextRestartTime).toBeUndefined();
  });
});

describe('validating webhooks in the store', () => {
  const V6 = 'vmoperator.vmware.com/v1alpha6';
  const webhook = (kind: string) =>
    `admission webhook "default.validating.${kind.toLowerCase()}.v1alpha6.vmoperator.vmware.com" denied the request`;

  async function setup() {
    const kube = new KubeStore(
      { clock: new VirtualClock(Date.UTC(2025, 0, 1)), random: new Random(1) },
      { namespaces: ['ns1'] },
    );
    registerVmOperatorKinds(kube, { defaultNetwork: null });
    return kube;
  }

  it('refuses a VirtualMachineService without ports and a change of its type', async () => {
    const kube = await setup();
    const service = (spec: Record<string, unknown>) => ({
      apiVersion: V6,
      kind: 'VirtualMachineService',
      metadata: { name: 'web', namespace: 'ns1' },
      spec,
    });
    await expect(kube.create(service({ type: 'LoadBalancer' }))).rejects.toMatchObject({
      code: 422,
      message: `${webhook('VirtualMachineService')}: spec.ports: Required value`,
    });
    const ports = [{ name: 'https', protocol: 'TCP', port: 443, targetPort: 443 }];
    await kube.create(service({ type: 'LoadBalancer', ports }));
    const ref = { apiVersion: V6, kind: 'VirtualMachineService', namespace: 'ns1', name: 'web' };
    await expect(kube.patch(ref, { spec: { type: 'ClusterIP' } }, { type: 'merge' })).rejects.toMatchObject({
      message: `${webhook('VirtualMachineService')}: spec.type: Forbidden: field is immutable`,
    });
    // Metadata writes and the status are not the webhook's to judge.
    await kube.patch(ref, { metadata: { labels: { a: 'b' } } }, { type: 'merge' });
  });

  it("refuses what a VirtualMachineService's schema does not allow before the webhook sees it", async () => {
    const kube = await setup();
    const invalid = (causes: string) =>
      `VirtualMachineService.vmoperator.vmware.com "web" is invalid: ${causes}`;
    const NOT_CHECKED =
      '<nil>: Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation';
    const service = (spec: Record<string, unknown>) => ({
      apiVersion: V6,
      kind: 'VirtualMachineService',
      metadata: { name: 'web', namespace: 'ns1' },
      spec,
    });
    const ports = [{ name: 'https', protocol: 'TCP', port: 443, targetPort: 443 }];
    await expect(kube.create(service({ ports: [{ name: 'https', port: 443 }] }))).rejects.toMatchObject({
      code: 422,
      reason: 'Invalid',
      message: invalid(
        `[spec.type: Required value, spec.ports[0].protocol: Required value, spec.ports[0].targetPort: Required value, ${NOT_CHECKED}]`,
      ),
      status: { details: { causes: [{ field: 'spec.type', reason: 'FieldValueRequired' }, {}, {}, {}] } },
    });
    await expect(
      kube.create(
        service({ type: 'ClusterIP', ports, ipFamilyPolicy: 'Both', ipFamilies: ['IPv4', 'IPv4', 'IPv6'] }),
      ),
    ).rejects.toMatchObject({
      message: invalid(
        `[spec.ipFamilyPolicy: Unsupported value: "Both": supported values: "SingleStack", "PreferDualStack", "RequireDualStack", spec.ipFamilies: Too many: 3: must have at most 2 items, ${NOT_CHECKED}]`,
      ),
    });
    // The CEL rules run once nothing else is wrong.
    await expect(
      kube.create(service({ type: 'ClusterIP', ports, ipFamilies: ['IPv4', 'IPv4'] })),
    ).rejects.toMatchObject({
      message: invalid('spec: Invalid value: "object": ipFamilies must not contain duplicate entries'),
    });
    await expect(
      kube.create(service({ type: 'ClusterIP', ports, ipFamilies: ['IPv5'] })),
    ).rejects.toMatchObject({
      message: invalid('spec: Invalid value: "object": each ipFamilies entry must be IPv4 or IPv6'),
    });
    const external = { type: 'ExternalName', externalName: 'example.com', ipFamilyPolicy: 'SingleStack' };
    await expect(kube.create(service(external))).rejects.toMatchObject({
      message: invalid(
        'spec: Invalid value: "object": ipFamilies and ipFamilyPolicy may not be set when type is ExternalName',
      ),
    });

    // The primary family stays once set; a second may come and go.
    await kube.create(service({ type: 'ClusterIP', ports, ipFamilies: ['IPv4'] }));
    // An invalid object is refused as such before its name is found taken.
    await expect(kube.create(service({ ports }))).rejects.toMatchObject({ code: 422 });
    await expect(kube.create(service({ type: 'ClusterIP', ports }))).rejects.toMatchObject({ code: 409 });
    const ref = { apiVersion: V6, kind: 'VirtualMachineService', namespace: 'ns1', name: 'web' };
    const rv = kube.resourceVersion;
    for (const ipFamilies of [['IPv6'], null])
      await expect(kube.patch(ref, { spec: { ipFamilies } }, { type: 'merge' })).rejects.toMatchObject({
        message: invalid(
          'spec: Invalid value: "object": the primary IP family may not be changed or removed once set',
        ),
      });
    expect(kube.resourceVersion).toBe(rv);
    await kube.patch(
      ref,
      { spec: { ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'PreferDualStack' } },
      { type: 'merge' },
    );
  });

  it('forbids IP families on a Supervisor without the WorkloadIPv6 capability', async () => {
    const kube = new KubeStore(
      { clock: new VirtualClock(Date.UTC(2025, 0, 1)), random: new Random(1) },
      { namespaces: ['ns1'] },
    );
    registerVmOperatorKinds(kube, { defaultNetwork: null, capabilities: { workloadIPv6: false } });
    const service = (spec: Record<string, unknown>) => ({
      apiVersion: V6,
      kind: 'VirtualMachineService',
      metadata: { name: 'web', namespace: 'ns1' },
      spec: {
        type: 'ClusterIP',
        ports: [{ name: 'https', protocol: 'TCP', port: 443, targetPort: 443 }],
        ...spec,
      },
    });
    await expect(
      kube.create(service({ ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' })),
    ).rejects.toMatchObject({
      code: 422,
      message: `${webhook('VirtualMachineService')}: spec.ipFamilies: Forbidden: the WorkloadIPv6 feature is not enabled, spec.ipFamilyPolicy: Forbidden: the WorkloadIPv6 feature is not enabled`,
    });
    await kube.create(service({}));
    const ref = { apiVersion: V6, kind: 'VirtualMachineService', namespace: 'ns1', name: 'web' };
    await expect(
      kube.patch(ref, { spec: { ipFamilies: ['IPv4'] } }, { type: 'merge' }),
    ).rejects.toMatchObject({
      message: `${webhook('VirtualMachineService')}: spec.ipFamilies: Forbidden: the WorkloadIPv6 feature is not enabled`,
    });
  });

  it("keeps a resource policy's pool, and lets any update through once an object is being deleted", async () => {
    const kube = await setup();
    const ref = { apiVersion: V6, kind: 'VirtualMachineSetResourcePolicy', namespace: 'ns1', name: 'p' };
    await kube.create({
      ...ref,
      metadata: { name: 'p', namespace: 'ns1', finalizers: ['example.com/hold'] },
      spec: { resourcePool: { name: 'p', reservations: { cpu: '1' } } },
    });
    const change = { spec: { resourcePool: { reservations: { cpu: '2' } } } };
    await expect(kube.patch(ref, change, { type: 'merge' })).rejects.toMatchObject({
      code: 422,
      message: expect.stringContaining(
        `${webhook('VirtualMachineSetResourcePolicy')}: spec.resourcePool: Invalid value`,
      ),
    });
    await kube.delete(ref);
    const changed = await kube.patch<KubeObject & { spec: { resourcePool: { reservations: unknown } } }>(
      ref,
      change,
      { type: 'merge' },
    );
    expect(changed.spec.resourcePool.reservations).toEqual({ cpu: '2' });
  });

  it("refuses a VirtualMachineClass's request above its limit, storing nothing", async () => {
    const kube = await setup();
    const ref = { apiVersion: V6, kind: 'VirtualMachineClass', namespace: 'ns1', name: 'c' };
    const rv = kube.resourceVersion;
    const resources = { requests: { cpu: '2', memory: '4Gi' }, limits: { cpu: '1', memory: '4Gi' } };
    const denied = kube.create({
      ...ref,
      metadata: { name: 'c', namespace: 'ns1' },
      spec: { hardware: { cpus: 2, memory: '4Gi' }, policies: { resources } },
    });
    await expect(denied).rejects.toBeInstanceOf(KubeError);
    await expect(denied).rejects.toMatchObject({
      code: 422,
      message: `admission webhook "default.validating.virtualmachineclass.v1alpha6.vmoperator.vmware.com" denied the request: spec.policies.resources.requests.cpu: Invalid value: "2": CPU request must not be larger than the CPU limit`,
    });
    expect(kube.resourceVersion).toBe(rv);
    await expect(kube.get(ref)).rejects.toMatchObject({ code: 404 });
  });

  it("keeps a VirtualMachineClass's controller name that an update empties, as vm-operator's mutating webhook does", async () => {
    const kube = await setup();
    const ref = { apiVersion: V6, kind: 'VirtualMachineClass', namespace: 'ns1', name: 'c' };
    const created = await kube.create({
      ...ref,
      metadata: { name: 'c', namespace: 'ns1' },
      spec: { controllerName: 'vmoperator.vmware.com/vsphere', hardware: { cpus: 2, memory: '4Gi' } },
    });
    const updated = await kube.update({ ...created, spec: { hardware: { cpus: 4, memory: '4Gi' } } });
    expect(updated.spec).toEqual({
      controllerName: 'vmoperator.vmware.com/vsphere',
      hardware: { cpus: 4, memory: '4Gi' },
    });
    const renamed = await kube.update({
      ...updated,
      spec: { ...(updated.spec as object), controllerName: 'other' },
    });
    expect((renamed.spec as { controllerName: string }).controllerName).toBe('other');
  });

  it("keeps a VirtualMachinePublishRequest's target, leaving the stored request as it was", async () => {
    const kube = await setup();
    const ref = { apiVersion: V6, kind: 'VirtualMachinePublishRequest', namespace: 'ns1', name: 'pub' };
    await expect(
      kube.create({ ...ref, metadata: { name: 'pub', namespace: 'ns1' }, spec: { source: { kind: 'Pod' } } }),
    ).rejects.toMatchObject({
      code: 422,
      message: `${webhook('VirtualMachinePublishRequest')}: spec.source.kind: Unsupported value: "Pod": supported values: "VirtualMachine", "", spec.target.location.name: Required value, spec.target.location.kind: Unsupported value: "": supported values: "ContentLibrary", ""`,
    });
    const created = await kube.create({
      ...ref,
      metadata: { name: 'pub', namespace: 'ns1' },
      spec: { target: { location: { name: 'lib' } } },
    });
    const rv = kube.resourceVersion;
    await expect(
      kube.patch(ref, { spec: { target: { location: { name: 'other' } } } }, { type: 'merge' }),
    ).rejects.toMatchObject({
      code: 422,
      message: `${webhook('VirtualMachinePublishRequest')}: spec.target: Invalid value: {"item":{},"location":{"name":"other","apiVersion":"imageregistry.vmware.com/v1alpha1","kind":"ContentLibrary"}}: field is immutable`,
    });
    expect(kube.resourceVersion).toBe(rv);
    expect(await kube.get(ref)).toEqual(created);
    // Another field of the spec may change.
    await kube.patch(ref, { spec: { ttlSecondsAfterFinished: 60 } }, { type: 'merge' });
  });
});

describe('the JSON types of the CRD schemas, before any webhook', () => {
  it('refuses a value of the wrong type in every served version, and nothing reads it', async () => {
    const kube = new KubeStore(
      { clock: new VirtualClock(Date.UTC(2025, 0, 1)), random: new Random(1) },
      { namespaces: ['ns1'] },
    );
    registerVmOperatorKinds(kube, { defaultNetwork: null });
    const create = (apiVersion: string, kind: string, spec: unknown) =>
      kube.create({ apiVersion, kind, metadata: { name: 'x', namespace: 'ns1' }, spec: spec as never }).then(
        () => undefined,
        (error: KubeError) => [error.code, error.message],
      );
    for (const version of ['v1alpha2', 'v1alpha3', 'v1alpha4', 'v1alpha5'])
      expect(await create(`vmoperator.vmware.com/${version}`, 'VirtualMachine', 'small')).toEqual([
        422,
        'VirtualMachine.vmoperator.vmware.com "x" is invalid: spec: Invalid value: "string": spec in body must be of type object: "string"',
      ]);
    // v1alpha6's schema has CEL rules, which a value of another type keeps from running.
    expect(await create('vmoperator.vmware.com/v1alpha6', 'VirtualMachine', 'small')).toEqual([
      422,
      'VirtualMachine.vmoperator.vmware.com "x" is invalid: [spec: Invalid value: "string": spec in body must be of type object: "string", <nil>: Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation]',
    ]);
    expect(
      await create('vmoperator.vmware.com/v1alpha5', 'VirtualMachine', {
        className: 'c',
        imageName: [],
        volumes: 'd',
      }),
    ).toEqual([
      422,
      'VirtualMachine.vmoperator.vmware.com "x" is invalid: [spec.imageName: Invalid value: "array": spec.imageName in body must be of type string: "array", spec.volumes: Invalid value: "string": spec.volumes in body must be of type array: "string"]',
    ]);
    expect(
      await create('vmoperator.vmware.com/v1alpha5', 'VirtualMachineService', {
        ports: [null],
        selector: { a: 1 },
      }),
    ).toEqual([
      422,
      'VirtualMachineService.vmoperator.vmware.com "x" is invalid: [spec.ports[0]: Invalid value: "null": spec.ports[0] in body must be of type object: "null", spec.selector.a: Invalid value: "integer": spec.selector.a in body must be of type string: "integer"]',
    ]);
    // Quantities: an integer or a string of the schema's pattern, whatever Go would make of it.
    const pattern = String.raw`^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$`;
    expect(
      await create('vmoperator.vmware.com/v1alpha5', 'VirtualMachineClass', {
        hardware: { cpus: 2, memory: 'lots' },
        policies: { resources: { requests: { cpu: true, memory: 1.5 } } },
      }),
    ).toEqual([
      422,
      `VirtualMachineClass.vmoperator.vmware.com "x" is invalid: [spec.hardware.memory: Invalid value: "lots": spec.hardware.memory in body should match '${pattern}', spec.policies.resources.requests.cpu: Invalid value: "boolean": spec.policies.resources.requests.cpu in body must be of type integer,string: "boolean", spec.policies.resources.requests.memory: Invalid value: "number": spec.policies.resources.requests.memory in body must be of type integer,string: "number"]`,
    ]);
    expect(
      await create('vmoperator.vmware.com/v1alpha5', 'VirtualMachineClass', {
        hardware: { cpus: 2, memory: 4294967296 },
        policies: {
          resources: { requests: { cpu: '500m', memory: '1.5Gi' }, limits: { cpu: '+1', memory: '.5e10' } },
        },
      }),
    ).toBeUndefined();
    expect(
      await create('vmoperator.vmware.com/v1alpha1', 'VirtualMachineSetResourcePolicy', {
        resourcepool: { name: 'p', reservations: { cpu: '1 GHz' } },
      }),
    ).toEqual([
      422,
      `VirtualMachineSetResourcePolicy.vmoperator.vmware.com "x" is invalid: spec.resourcepool.reservations.cpu: Invalid value: "1 GHz": spec.resourcepool.reservations.cpu in body should match '${pattern}'`,
    ]);
  });
});

describe("v1alpha1's own kinds", () => {
  it('serves the deprecated ones in v1alpha1 alone, with their scope, and nothing reconciles them', async () => {
    const kube = new KubeStore(
      { clock: new VirtualClock(Date.UTC(2025, 0, 1)), random: new Random(1) },
      { namespaces: ['ns1'] },
    );
    registerVmOperatorKinds(kube, { defaultNetwork: null });
    const V1 = 'vmoperator.vmware.com/v1alpha1';
    const binding = await kube.create({
      apiVersion: V1,
      kind: 'VirtualMachineClassBinding',
      metadata: { name: 'small', namespace: 'ns1' },
      classRef: { apiVersion: V1, kind: 'VirtualMachineClass', name: 'best-effort-small' },
    });
    expect(binding.classRef).toEqual({
      apiVersion: V1,
      kind: 'VirtualMachineClass',
      name: 'best-effort-small',
    });
    const source = await kube.create({
      apiVersion: V1,
      kind: 'ContentSource',
      metadata: { name: 'lib', namespace: 'ignored' },
      spec: { providerRef: { apiVersion: V1, kind: 'ContentLibraryProvider', name: 'lib' } },
    });
    expect(source.metadata.namespace).toBeUndefined();
    await kube.create({
      apiVersion: V1,
      kind: 'ContentLibraryProvider',
      metadata: { name: 'lib' },
      spec: { uuid: 'a3f1c0de-0000-4000-8000-000000000001' },
    });
    await kube.create({
      apiVersion: V1,
      kind: 'ContentSourceBinding',
      metadata: { name: 'lib', namespace: 'ns1' },
      contentSourceRef: { apiVersion: V1, kind: 'ContentSource', name: 'lib' },
    });
    for (const kind of [
      'VirtualMachineClassBinding',
      'ContentSource',
      'ContentSourceBinding',
      'ContentLibraryProvider',
    ])
      await expect(
        kube.list({ apiVersion: 'vmoperator.vmware.com/v1alpha2', kind, namespace: 'ns1' }),
      ).rejects.toMatchObject({ code: 404 });
    expect(
      (await kube.list({ apiVersion: V1, kind: 'ContentSourceBinding', namespace: 'ns1' })).items.map(
        (b) => b.contentSourceRef,
      ),
    ).toEqual([{ apiVersion: V1, kind: 'ContentSource', name: 'lib' }]);
  });
});

describe('conversion failures', () => {
  it("answers 500 as the API server answers its conversion webhook's failure, and writes nothing", async () => {
    const kube = new KubeStore(
      { clock: new VirtualClock(Date.UTC(2025, 0, 1)), random: new Random(1) },
      { namespaces: ['ns1'] },
    );
    registerVmOperatorKinds(kube, { defaultNetwork: null });
    const V5 = 'vmoperator.vmware.com/v1alpha5';
    const service = await kube.create({
      apiVersion: V5,
      kind: 'VirtualMachineService',
      metadata: { name: 'lb', namespace: 'ns1' },
      spec: { type: 'LoadBalancer', ports: [{ name: 'https', protocol: 'TCP', port: 443, targetPort: 443 }] },
    });
    const withAnnotation = (value: string) => ({
      ...service,
      metadata: { ...service.metadata, annotations: { 'vmoperator.vmware.com/conversion': value } },
    });
    const refusal = (write: Promise<unknown>) =>
      write.then(
        () => undefined,
        (error: KubeError) => ({ code: error.code, reason: error.reason, message: error.message }),
      );
    expect(await refusal(kube.update(withAnnotation('{"spec": ')))).toMatchObject({
      code: 500,
      reason: 'InternalError',
      message: expect.stringMatching(
        /^Internal error occurred: conversion webhook for vmoperator\.vmware\.com\/v1alpha5, Kind=VirtualMachineService failed: the vmoperator\.vmware\.com\/conversion annotation is not JSON: /,
      ),
    });
    // What the annotation brings back is held to the hub's types, as decoding it would be.
    const wrongType = JSON.stringify({ spec: { ipFamilies: 'IPv4' } });
    expect(await refusal(kube.update(withAnnotation(wrongType)))).toEqual({
      code: 500,
      reason: 'InternalError',
      message:
        'Internal error occurred: conversion webhook for vmoperator.vmware.com/v1alpha5, Kind=VirtualMachineService failed: VirtualMachineService.vmoperator.vmware.com "lb" is invalid: spec.ipFamilies: Invalid value: "string": spec.ipFamilies in body must be of type array: "string"',
    });
    expect(
      (await kube.get({ apiVersion: V5, kind: 'VirtualMachineService', namespace: 'ns1', name: 'lb' }))
        .metadata.resourceVersion,
    ).toBe(service.metadata.resourceVersion);
  });
});

describe("v1alpha1's own schema", () => {
  const V1 = 'vmoperator.vmware.com/v1alpha1';
  async function setup() {
    const kube = new KubeStore(
      { clock: new VirtualClock(Date.UTC(2025, 0, 1)), random: new Random(1) },
      { namespaces: ['ns1'] },
    );
    registerVmOperatorKinds(kube, { defaultNetwork: null });
    return kube;
  }
  const refusal = (write: Promise<unknown>) =>
    write.then(
      () => undefined,
      (error: KubeError) => ({ code: error.code, message: error.message }),
    );

  it("holds a v1alpha1 VM to v1alpha1's required names and enums, in v1alpha1's spelling (in the order sent)", async () => {
    const kube = await setup();
    const vm = (spec: Record<string, unknown>) =>
      kube.create({
        apiVersion: V1,
        kind: 'VirtualMachine',
        metadata: { name: 'm', namespace: 'ns1' },
        spec,
      });
    expect(
      await refusal(
        vm({ powerState: 'PoweredOn', powerOffMode: 'Hard', vmMetadata: { transport: 'Bogus' } }),
      ),
    ).toEqual({
      code: 422,
      message:
        'VirtualMachine.vmoperator.vmware.com "m" is invalid: [spec.className: Required value, spec.imageName: Required value, spec.powerState: Unsupported value: "PoweredOn": supported values: "poweredOn", "poweredOff", "suspended", spec.powerOffMode: Unsupported value: "Hard": supported values: "hard", "soft", "trySoft", spec.vmMetadata.transport: Unsupported value: "Bogus": supported values: "ExtraConfig", "OvfEnv", "vAppConfig", "CloudInit", "Sysprep"]',
    });
    // Its own JSON types, not the hub's.
    expect(
      await refusal(vm({ className: 'c', imageName: 'i', networkInterfaces: { networkType: 'nsx-t' } })),
    ).toMatchObject({
      code: 422,
      message: expect.stringContaining(
        'spec.networkInterfaces: Invalid value: "object": spec.networkInterfaces in body must be of type array: "object"',
      ),
    });
    expect(await kube.list({ apiVersion: V1, kind: 'VirtualMachine', namespace: 'ns1' })).toMatchObject({
      items: [],
    });
  });

  it("types a v1alpha1 resource policy's folder as an object, the hub's as a string", async () => {
    const kube = await setup();
    const policy = (apiVersion: string, name: string, folder: unknown) =>
      kube.create({
        apiVersion,
        kind: 'VirtualMachineSetResourcePolicy',
        metadata: { name, namespace: 'ns1' },
        spec: { folder },
      });
    expect(await refusal(policy(V1, 'a', 'x'))).toMatchObject({
      code: 422,
      message: expect.stringContaining('spec.folder in body must be of type object: "string"'),
    });
    const made = await policy(V1, 'b', { name: 'x' });
    expect(made.spec).toEqual({ folder: { name: 'x' } });
    expect(
      (
        await kube.get({
          apiVersion: 'vmoperator.vmware.com/v1alpha5',
          kind: 'VirtualMachineSetResourcePolicy',
          namespace: 'ns1',
          name: 'b',
        })
      ).spec,
    ).toMatchObject({ folder: 'x' });
    expect(await refusal(policy('vmoperator.vmware.com/v1alpha5', 'c', { name: 'x' }))).toMatchObject({
      code: 422,
    });
  });
});

describe('the skip-validation annotation', () => {
  it("lets an object through vm-operator's validating webhooks, not its mutating ones or the schema", async () => {
    const f = await createNamespaceFixture();
    const skip = { [SKIP_VALIDATION_ANNOTATION]: '' };
    // Refused without it: a crypto spec without the capability.
    await expect(f.createVm('refused', { crypto: { encryptionClassName: 'x' } })).rejects.toMatchObject({
      code: 422,
    });
    const made = await f.kube.create({
      apiVersion: 'vmoperator.vmware.com/v1alpha5',
      kind: 'VirtualMachine',
      metadata: { name: 'kept', namespace: 'ns1', annotations: skip },
      spec: {
        className: 'best-effort-small',
        imageName: f.image,
        storageClass: f.prepared.storageClass,
        crypto: { encryptionClassName: 'x' },
      },
    });
    // The mutating webhook ran (the image resolved), and the object is stored as sent.
    expect(made.spec).toMatchObject({
      crypto: { encryptionClassName: 'x' },
      image: { kind: 'VirtualMachineImage' },
    });
    // The claims of instance storage are vm-operator's, unless the claim skips validation.
    const claim = (name: string, annotations?: Record<string, string>) =>
      f.kube.create({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: {
          name,
          namespace: 'ns1',
          labels: { 'vmoperator.vmware.com/instance-storage-resource': 'true' },
          ...(annotations ? { annotations } : {}),
        },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      });
    await expect(claim('refused')).rejects.toMatchObject({ code: 422 });
    await expect(claim('kept', skip)).resolves.toMatchObject({ metadata: { name: 'kept' } });
  });
});
