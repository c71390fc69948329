import { constants, generateKeyPairSync, privateDecrypt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { VirtualMachine, VirtualMachineWebConsoleRequest } from '../../api/types.js';
import { WEB_CONSOLE_UUID_LABEL } from '../../api/webconsole-request-validation.js';
import { SUPERVISOR_PROPERTIES } from '../../appplatform-kinds.js';
import { isKubeError } from '../../store/errors.js';
import { type KubeObject, timestamp } from '../../store/meta.js';
import { createSupervisorFixture } from '../../testing/fixture.js';
import { SUPERVISOR_API_ADDRESS } from '../vm-service/index.js';
import { WEB_CONSOLE_EXPIRY_MS } from './webconsole-request.js';

const V5 = 'vmoperator.vmware.com/v1alpha5';
const REQUEST = { apiVersion: V5, kind: 'VirtualMachineWebConsoleRequest', namespace: 'ns1' };
const VM = { apiVersion: V5, kind: 'VirtualMachine', namespace: 'ns1' };

/** An RSA key pair, the public key as vm-operator takes it: PKCS #1 in a `PUBLIC KEY` PEM block. */
const keys = () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const der = publicKey.export({ type: 'pkcs1', format: 'der' }).toString('base64');
  const pem = `-----BEGIN PUBLIC KEY-----\n${der.match(/.{1,64}/g)?.join('\n')}\n-----END PUBLIC KEY-----\n`;
  return { pem, privateKey };
};

async function setup() {
  const f = await createSupervisorFixture({ namespaces: ['ns1'] });
  const prepared = await f.supervisor.prepareNamespace('ns1');
  const images = await f.kube.list({ apiVersion: V5, kind: 'VirtualMachineImage', namespace: 'ns1' });
  const vm = (name: string) =>
    f.kube.create({
      ...VM,
      metadata: { name, namespace: 'ns1' },
      spec: {
        className: 'best-effort-small',
        image: { kind: 'VirtualMachineImage', name: images.items[0]?.metadata.name },
        storageClass: prepared.storageClass,
      },
    });
  await vm('vm1');
  await f.settle();
  const request = (name: string, spec: Record<string, unknown>) =>
    f.kube.create({ ...REQUEST, metadata: { name, namespace: 'ns1' }, spec });
  const get = async (name: string) =>
    (await f.find({ ...REQUEST, name })) as unknown as VirtualMachineWebConsoleRequest | undefined;
  const errorOf = (name: string) => String(f.supervisor.webConsoleRequests.errors.get(`ns1/${name}`));
  return { ...f, vm, request, get, errorOf };
}

describe('the VirtualMachineWebConsoleRequest controller', () => {
  it("gives the first API server DNS name of the Supervisor's properties as the proxy address", async () => {
    const f = await setup();
    const properties = await f.kube.get(SUPERVISOR_PROPERTIES);
    expect(properties.spec).toEqual({
      virtualIP: SUPERVISOR_API_ADDRESS,
      networkProvider: 'vsphere-network',
    });
    await f.kube.patch(
      SUPERVISOR_PROPERTIES,
      { spec: { apiServerDNSNames: ['supervisor.example.com', 'api.example.com'] } },
      { type: 'merge' },
    );
    await f.request('console', { name: 'vm1', publicKey: keys().pem });
    await f.settle();
    expect((await f.get('console'))?.status?.proxyAddr).toBe('supervisor.example.com');
  });

  it("answers with the VM's console URL encrypted for the key, the proxy address, and an expiry", async () => {
    const f = await setup();
    const { pem, privateKey } = keys();
    const created = await f.request('console', { name: 'vm1', publicKey: pem });
    await f.settle();
    const answered = await f.get('console');
    const status = answered?.status ?? {};
    expect(status.proxyAddr).toBe(SUPERVISOR_API_ADDRESS);
    expect(status.expiryTime).toBe(timestamp(f.vsphere.clock.now() + WEB_CONSOLE_EXPIRY_MS));
    const url = privateDecrypt(
      { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha512' },
      Buffer.from(status.response ?? '', 'base64'),
    ).toString();
    const vm = (await f.kube.get({ ...VM, name: 'vm1' })) as unknown as VirtualMachine;
    expect(url).toMatch(new RegExp(`^wss://${vm.status?.nodeName}:443/ticket/[0-9A-Za-z_-]{32}$`));
    // Labelled with its uid, and the VM's: it goes with the VM.
    expect(answered?.metadata.labels).toEqual({ [WEB_CONSOLE_UUID_LABEL]: created.metadata.uid });
    expect(answered?.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'vmoperator.vmware.com/v1alpha6',
        kind: 'VirtualMachine',
        name: 'vm1',
        uid: vm.metadata.uid,
        controller: true,
      },
    ]);
    // Answered once: another pass changes nothing.
    f.supervisor.webConsoleRequests.enqueue('ns1/console');
    await f.settle();
    expect((await f.get('console'))?.metadata.resourceVersion).toBe(answered?.metadata.resourceVersion);
  });

  it('deletes a request once it expires, and with its VM', async () => {
    const f = await setup();
    const { pem } = keys();
    await f.request('once', { name: 'vm1', publicKey: pem });
    await f.settle();
    await f.advance(WEB_CONSOLE_EXPIRY_MS - 1_000);
    expect(await f.get('once')).toBeDefined();
    await f.advance(1_000);
    expect(await f.get('once')).toBeUndefined();
    await f.request('again', { name: 'vm1', publicKey: pem });
    await f.settle();
    await f.kube.delete({ ...VM, name: 'vm1' });
    await f.settle();
    expect(await f.get('again')).toBeUndefined();
  });

  it("without the proxy's Service, reports why, and still writes the response and lets it expire", async () => {
    const f = await setup();
    const { pem } = keys();
    await f.kube.delete({
      apiVersion: 'v1',
      kind: 'Service',
      namespace: 'kube-system',
      name: 'kube-apiserver-lb-svc',
    });
    await f.request('lost', { name: 'vm1', publicKey: pem });
    await f.settle();
    expect(f.errorOf('lost')).toBe(
      'Error: failed to get proxy address service  kube-system/kube-apiserver-lb-svc: services "kube-apiserver-lb-svc" not found',
    );
    const status = (await f.get('lost'))?.status;
    expect(status?.response).toBeDefined();
    expect(status?.proxyAddr).toBeUndefined();
    // Neither labelled nor owned until the address is found, as vm-operator returns before them.
    expect((await f.get('lost'))?.metadata.ownerReferences).toBeUndefined();
    // The Service back (a namespace prepared makes it), the address is found on a retry.
    await f.supervisor.prepareNamespace('ns1');
    await f.advance(10_000);
    const found = await f.get('lost');
    expect(found?.status).toEqual({ ...status, proxyAddr: SUPERVISOR_API_ADDRESS });
    expect(found?.metadata.ownerReferences?.map((o) => o.name)).toEqual(['vm1']);
    expect(found?.metadata.labels?.['vmoperator.vmware.com/webconsolerequest-uuid']).toBe(
      found?.metadata.uid,
    );
    await f.advance(WEB_CONSOLE_EXPIRY_MS);
    expect(await f.get('lost')).toBeUndefined();
  });

  it('reports a missing VM, and answers once it is there', async () => {
    const f = await setup();
    const { pem } = keys();
    await f.request('early', { name: 'vm2', publicKey: pem });
    await f.settle();
    expect(f.errorOf('early')).toBe(
      'Error: failed to get subject vm vm2: virtualmachines.vmoperator.vmware.com "vm2" not found',
    );
    expect((await f.get('early'))?.status?.response).toBeUndefined();
    await f.vm('vm2');
    await f.advance(1_000);
    expect((await f.get('early'))?.status?.response).toMatch(/^[A-Za-z0-9+/]+=*$/);
  });

  it("refuses, as vm-operator's webhook does, a request without a VM or a usable key, and any change of them or its label", async () => {
    const f = await setup();
    const refusal = async (work: Promise<unknown>) => {
      const error = await work.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isKubeError(error) && error.code).toBe(422);
      return (error as Error).message;
    };
    const name = 'default.validating.virtualmachinewebconsolerequest.v1alpha6.vmoperator.vmware.com';
    // Missing, they are the schema's to refuse; empty, the webhook's.
    expect(await refusal(f.request('a', {}))).toBe(
      'VirtualMachineWebConsoleRequest.vmoperator.vmware.com "a" is invalid: [spec.name: Required value, spec.publicKey: Required value]',
    );
    expect(await refusal(f.request('a', { name: '', publicKey: '' }))).toBe(
      `admission webhook "${name}" denied the request: spec.Name: Required value, spec.publicKey: Required value`,
    );
    expect(await refusal(f.request('b', { name: 'vm1', publicKey: 'ssh-rsa AAAA' }))).toContain(
      'spec.publicKey: Invalid value: "": invalid public key format',
    );
    const pkcs8 = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    expect(await refusal(f.request('c', { name: 'vm1', publicKey: pkcs8 }))).toContain(
      'spec.publicKey: Invalid value: "": invalid public key',
    );
    const { pem } = keys();
    await f.request('d', { name: 'vm1', publicKey: pem });
    await f.settle();
    const stored = await f.kube.get({ ...REQUEST, name: 'd' });
    expect(await refusal(f.kube.update({ ...stored, spec: { name: 'vm2', publicKey: pem } }))).toContain(
      'spec.Name: Invalid value: "vm2": field is immutable',
    );
    expect(
      await refusal(
        f.kube.update({
          ...stored,
          metadata: { ...stored.metadata, labels: { [WEB_CONSOLE_UUID_LABEL]: 'x' } },
        }),
      ),
    ).toContain(`metadata.labels[${WEB_CONSOLE_UUID_LABEL}]: Invalid value: "x": field is immutable`);
    // In process too, with the stored spec kept: the label is metadata.
    const direct = f.kube.direct.get({
      ...REQUEST,
      apiVersion: 'vmoperator.vmware.com/v1alpha6',
      name: 'd',
    }) as KubeObject;
    expect(() =>
      f.kube.direct.update({
        ...direct,
        metadata: { ...direct.metadata, labels: { [WEB_CONSOLE_UUID_LABEL]: 'y' } },
      }),
    ).toThrow('field is immutable');
    expect((await f.kube.get({ ...REQUEST, name: 'd' })).metadata.resourceVersion).toBe(
      stored.metadata.resourceVersion,
    );
  });
});

describe("v1alpha1's WebConsoleRequest controller", () => {
  const V1 = 'vmoperator.vmware.com/v1alpha1';
  const LEGACY = { apiVersion: V1, kind: 'WebConsoleRequest', namespace: 'ns1' };

  it('answers as the newer kind does, the VM named by spec.virtualMachineName and owning it in v1alpha1', async () => {
    const f = await setup();
    const { pem, privateKey } = keys();
    const created = await f.kube.create({
      ...LEGACY,
      metadata: { name: 'old', namespace: 'ns1' },
      spec: { virtualMachineName: 'vm1', publicKey: pem },
    });
    await f.settle();
    const answered = (await f.kube.get({
      ...LEGACY,
      name: 'old',
    })) as unknown as VirtualMachineWebConsoleRequest;
    const status = answered.status ?? {};
    expect(status.proxyAddr).toBe(SUPERVISOR_API_ADDRESS);
    expect(status.expiryTime).toBe(timestamp(f.vsphere.clock.now() + WEB_CONSOLE_EXPIRY_MS));
    const url = privateDecrypt(
      { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha512' },
      Buffer.from(status.response ?? '', 'base64'),
    ).toString();
    expect(url).toMatch(/^wss:\/\/.+:443\/ticket\/[0-9A-Za-z_-]{32}$/);
    const vm = await f.kube.get({ ...VM, name: 'vm1' });
    expect(answered.metadata.labels).toEqual({ [WEB_CONSOLE_UUID_LABEL]: created.metadata.uid });
    expect(answered.metadata.ownerReferences).toEqual([
      { apiVersion: V1, kind: 'VirtualMachine', name: 'vm1', uid: vm.metadata.uid, controller: true },
    ]);
    await f.advance(WEB_CONSOLE_EXPIRY_MS);
    expect(await f.find({ ...LEGACY, name: 'old' })).toBeUndefined();
  });

  it("is judged by its own webhook, in vm-operator's words", async () => {
    const f = await setup();
    const refusal = (spec: object) =>
      f.kube.create({ ...LEGACY, metadata: { name: 'bad', namespace: 'ns1' }, spec }).then(
        () => undefined,
        (e: unknown) => e as Error & { code: number },
      );
    const missing = await refusal({});
    expect(missing?.code).toBe(422);
    expect(missing?.message).toBe(
      'WebConsoleRequest.vmoperator.vmware.com "bad" is invalid: [spec.publicKey: Required value, spec.virtualMachineName: Required value]',
    );
    const error = await refusal({ virtualMachineName: '', publicKey: '' });
    expect(error?.code).toBe(422);
    expect(error?.message).toBe(
      'admission webhook "default.validating.webconsolerequest.v1alpha1.vmoperator.vmware.com" denied the request: spec.virtualMachineName: Required value, spec.publicKey: Required value',
    );
    // Its VM, key and, once set, UUID label never change.
    const { pem } = keys();
    await f.kube.create({
      ...LEGACY,
      metadata: { name: 'kept', namespace: 'ns1' },
      spec: { virtualMachineName: 'vm1', publicKey: pem },
    });
    await f.settle();
    const stored = await f.kube.get({ ...LEGACY, name: 'kept' });
    const changed = await f.kube
      .update({ ...stored, spec: { virtualMachineName: 'vm2', publicKey: pem } })
      .then(
        () => undefined,
        (e: unknown) => (e as Error).message,
      );
    expect(changed).toBe(
      'admission webhook "default.validating.webconsolerequest.v1alpha1.vmoperator.vmware.com" denied the request: spec.virtualMachineName: Invalid value: "vm2": field is immutable',
    );
    // Served in v1alpha1 alone, as vm-operator serves it.
    await expect(
      f.kube.list({
        apiVersion: 'vmoperator.vmware.com/v1alpha5',
        kind: 'WebConsoleRequest',
        namespace: 'ns1',
      }),
    ).rejects.toMatchObject({ code: 404 });
  });
});
