import { describe, expect, it } from 'vitest';
import type { CryptoKeyRef, VmRecord } from '../inventory/records.js';
import { SAMPLE_OVF_IMAGES } from '../library/ovf.js';
import { loadState, parseState, serializeState } from '../save.js';
import { createFixture, faultOf } from '../testing/fixture.js';
import { VSphere } from '../vsphere.js';

const setup = () => {
  const fixture = createFixture();
  const { vsphere } = fixture;
  const crypto = vsphere.crypto;
  const servers = () =>
    vsphere.read<{ clusterId: { id: string }; useAsDefault: boolean }[]>('CryptoManager', 'kmipServers');
  return { ...fixture, crypto, servers };
};

const server = (name: string) => ({ name, address: 'kms.example.com', port: 5696 });

describe('key providers (CryptoManagerKmip)', () => {
  it('makes a standard provider with its first server, the first provider the default', () => {
    const { crypto, servers, vsphere } = setup();
    expect(vsphere.read('CryptoManager', 'enabled')).toBe(true);
    crypto.registerKmipServer({ clusterId: { id: 'kms' }, info: server('kms-1') });
    crypto.registerKmipServer({ clusterId: { id: 'kms' }, info: server('kms-2') });
    crypto.registerKmsCluster({ id: 'nkp' }, 'nativeProvider');
    expect(servers()).toEqual([
      expect.objectContaining({
        clusterId: { _type: 'KeyProviderId', id: 'kms' },
        managementType: 'vCenter',
        useAsDefault: true,
        servers: [expect.objectContaining({ name: 'kms-1' }), expect.objectContaining({ name: 'kms-2' })],
      }),
      expect.objectContaining({ clusterId: { _type: 'KeyProviderId', id: 'nkp' }, useAsDefault: false }),
    ]);
    crypto.removeKmipServer({ id: 'kms' }, 'kms-2');
    crypto.updateKmipServer({ clusterId: { id: 'kms' }, info: { ...server('kms-1'), port: 5697 } });
    expect(crypto.listKmipServers()[0]?.servers).toEqual([
      expect.objectContaining({ name: 'kms-1', port: 5697 }),
    ]);
  });

  it('refuses what vCenter refuses, and leaves the providers as they were', async () => {
    const { crypto, servers } = setup();
    crypto.registerKmipServer({ clusterId: { id: 'kms' }, info: server('kms-1') });
    const before = servers();
    expect(
      await faultOf(() => crypto.registerKmipServer({ clusterId: { id: 'kms' }, info: server('kms-1') })),
    ).toBe('AlreadyExists');
    expect(
      await faultOf(() => crypto.registerKmipServer({ clusterId: { id: 'x' }, info: { name: '' } })),
    ).toBe('InvalidArgument');
    expect(await faultOf(() => crypto.registerKmsCluster({ id: 'ta' }, 'vCenter'))).toBe('InvalidArgument');
    expect(await faultOf(() => crypto.unregisterKmsCluster({ id: 'nope' }))).toBe('InvalidArgument');
    expect(await faultOf(() => crypto.removeKmipServer({ id: 'kms' }, 'nope'))).toBe('InvalidArgument');
    expect(servers()).toEqual(before);
  });

  it('keeps a global default and entities’ defaults, looked up through the parents', () => {
    const { crypto, ref } = setup();
    crypto.registerKmsCluster({ id: 'a' });
    crypto.registerKmsCluster({ id: 'b' });
    const cluster = ref('/DC0/host/DC0_C0');
    const host = ref('/DC0/host/DC0_C0/DC0_C0_H0');
    expect(crypto.getDefaultKmsCluster()).toEqual({ _type: 'KeyProviderId', id: 'a' });
    crypto.setDefaultKmsCluster(cluster, { id: 'b' });
    expect(crypto.getDefaultKmsCluster(cluster)).toEqual({ _type: 'KeyProviderId', id: 'b' });
    expect(crypto.getDefaultKmsCluster(host)).toBeUndefined();
    expect(crypto.getDefaultKmsCluster(host, true)).toEqual({ _type: 'KeyProviderId', id: 'b' });
    crypto.setDefaultKmsCluster(cluster, undefined);
    expect(crypto.getDefaultKmsCluster(host, true)).toEqual({ _type: 'KeyProviderId', id: 'a' });
    crypto.markDefault({ id: 'b' });
    expect(crypto.getDefaultKmsCluster()).toEqual({ _type: 'KeyProviderId', id: 'b' });
    crypto.setDefaultKmsCluster(undefined, undefined);
    expect(crypto.getDefaultKmsCluster()).toBeUndefined();
  });

  it('generates, adds, queries and removes keys', async () => {
    const { crypto, run } = setup();
    crypto.registerKmipServer({ clusterId: { id: 'kms' }, info: server('kms-1') });
    crypto.registerKmsCluster({ id: 'nkp' }, 'nativeProvider');
    const generated = crypto.generateKey();
    expect(generated).toMatchObject({ success: true, keyId: { providerId: { id: 'kms' } } });
    const keyId = generated.keyId.keyId;
    expect(await faultOf(() => crypto.generateKey({ id: 'nkp' }))).toBe('NotSupported');
    const added = crypto.addKeys([
      { keyId: { keyId: 'k2', providerId: { id: 'kms' } } },
      { keyId: { keyId, providerId: { id: 'kms' } } },
    ]);
    expect(added.map((r) => r.success)).toEqual([true, false]);
    expect(crypto.listKeys().map((k) => k.keyId)).toEqual([keyId, 'k2']);
    const status = crypto.queryCryptoKeyStatus(
      [{ keyId, providerId: { id: 'kms' } }, { keyId, providerId: { id: 'nkp' } }, { keyId: 'gone' }],
      0x01,
    );
    expect(status.map((s) => [s.keyAvailable, s.reason])).toEqual([
      [true, undefined],
      [false, 'KeyStateMissingInKMS'],
      [false, 'KeyStateMissingInCache'],
    ]);
    const tasks = await run(
      crypto.retrieveKmipServersStatus([{ clusterId: { id: 'kms' } }, { clusterId: { id: 'x' } }]),
    );
    expect(tasks).toEqual([
      expect.objectContaining({ clusterId: { _type: 'KeyProviderId', id: 'kms' }, overallStatus: 'green' }),
    ]);
    expect(crypto.removeKeys([{ keyId: 'k2', providerId: { id: 'kms' } }]).map((r) => r.success)).toEqual([
      true,
    ]);
    expect(crypto.listKeys().map((k) => k.keyId)).toEqual([keyId]);
  });
});

describe('a save', () => {
  it('keeps the providers, their keys and an encrypted VM', async () => {
    const { vsphere, crypto, run, at } = setup();
    crypto.registerKmipServer({ clusterId: { id: 'kms' }, info: server('kms-1') });
    const vm = at<VmRecord>('/DC0/vm/DC0_H0_VM0');
    await run(vsphere.vm.powerOff(vm.id));
    await run(
      vsphere.vm.reconfigure(vm.id, { crypto: { _type: 'CryptoSpecEncrypt', cryptoKeyId: { keyId: '' } } }),
    );
    const loaded = new VSphere({ seed: 2, inventory: { dc: 0 } });
    loadState(loaded, parseState(serializeState(vsphere)));
    expect(loaded.crypto.listKmipServers()).toEqual(crypto.listKmipServers());
    expect(loaded.crypto.listKeys()).toEqual(crypto.listKeys());
    expect((loaded.store.get(vm.id) as VmRecord).config.keyId).toEqual(
      (vsphere.store.get(vm.id) as VmRecord).config.keyId,
    );
  });
});

describe('VM encryption', () => {
  const withProvider = () => {
    const fixture = setup();
    fixture.crypto.registerKmipServer({ clusterId: { id: 'kms' }, info: server('kms-1') });
    const vm = fixture.at<VmRecord>('/DC0/vm/DC0_H0_VM0');
    const get = () => fixture.vsphere.store.get(vm.id) as VmRecord;
    const off = () => fixture.run(fixture.vsphere.vm.powerOff(vm.id));
    return { ...fixture, vm, get, off };
  };

  it('encrypts a VM that is off with a new key of the default provider, recrypts and decrypts it', async () => {
    const { vsphere, run, vm, get, off } = withProvider();
    await off();
    await run(
      vsphere.vm.reconfigure(vm.id, { crypto: { _type: 'CryptoSpecEncrypt', cryptoKeyId: { keyId: '' } } }),
    );
    const key = get().config.keyId as CryptoKeyRef;
    expect(key).toMatchObject({ providerId: 'kms' });
    expect(vsphere.crypto.listKeys().map((k) => k.keyId)).toContain(key.keyId);
    expect(vsphere.read(vm.id, 'config.keyId')).toEqual({
      _type: 'CryptoKeyId',
      keyId: key.keyId,
      providerId: { _type: 'KeyProviderId', id: 'kms' },
    });
    expect(vsphere.read(vm.id, 'runtime.cryptoState')).toBe('unlocked');
    expect(
      vsphere.crypto.queryCryptoKeyStatus([{ keyId: key.keyId, providerId: { id: 'kms' } }], 0x02)[0]
        ?.encryptedVMs,
    ).toEqual([{ type: 'VirtualMachine', value: vm.id }]);
    await run(
      vsphere.vm.reconfigure(vm.id, {
        crypto: { _type: 'CryptoSpecShallowRecrypt', newKeyId: { keyId: '', providerId: { id: 'kms' } } },
      }),
    );
    expect(get().config.keyId?.keyId).not.toBe(key.keyId);
    await run(vsphere.vm.reconfigure(vm.id, { crypto: { _type: 'CryptoSpecDecrypt' } }));
    expect(get().config.keyId).toBeUndefined();
    expect(vsphere.read(vm.id, 'runtime.cryptoState')).toBeUndefined();
  });

  it('refuses encryption changes as ESX does, with their message keys', async () => {
    const { vsphere, run, vm, get, off } = withProvider();
    const encrypt = { _type: 'CryptoSpecEncrypt', cryptoKeyId: { keyId: '' } };
    const keyOf = async (work: Promise<unknown>) => {
      try {
        await work;
      } catch (error) {
        const f = (error as { fault: { _type: string; faultMessage?: { key: string }[] } }).fault;
        return `${f._type} ${f.faultMessage?.[0]?.key ?? ''}`.trim();
      }
      return 'no fault';
    };
    expect(await keyOf(run(vsphere.vm.reconfigure(vm.id, { crypto: encrypt })))).toBe('InvalidPowerState');
    await off();
    expect(await keyOf(run(vsphere.vm.reconfigure(vm.id, { crypto: { _type: 'CryptoSpecDecrypt' } })))).toBe(
      'InvalidVmConfig msg.hostd.configSpec.enc.notEncrypted',
    );
    await run(vsphere.snapshot.create(vm.id, 's1'));
    expect(await keyOf(run(vsphere.vm.reconfigure(vm.id, { crypto: encrypt })))).toBe(
      'InvalidVmConfig msg.hostd.configSpec.enc.snapshots',
    );
    await run(vsphere.snapshot.removeAll(vm.id));
    expect(
      await keyOf(
        run(
          vsphere.vm.reconfigure(vm.id, {
            crypto: { _type: 'CryptoSpecEncrypt', cryptoKeyId: { keyId: 'nope', providerId: { id: 'kms' } } },
          }),
        ),
      ),
    ).toBe('GenericVmConfigFault msg.keysafe.locator');
    await run(vsphere.vm.reconfigure(vm.id, { crypto: encrypt }));
    expect(await keyOf(run(vsphere.vm.reconfigure(vm.id, { crypto: encrypt })))).toBe(
      'InvalidVmConfig msg.hostd.configSpec.enc.encrypted',
    );
    expect(get().config.keyId).toBeDefined();
  });

  it('encrypts disks with the VM: those under an encryption policy, those a change asks', async () => {
    const { vsphere, run, vm, get, off } = withProvider();
    await off();
    const disk = () => get().config.devices.find((d) => d._type === 'VirtualDisk');
    const diskKey = () => (disk()?.backing as { keyId?: { keyId: string } } | undefined)?.keyId?.keyId;
    const edit = (crypto: object) => ({
      deviceChange: [
        {
          operation: 'edit' as const,
          device: disk() as VmRecord['config']['devices'][number],
          backing: { crypto },
        },
      ],
    });
    expect(
      await faultOf(
        run(vsphere.vm.reconfigure(vm.id, edit({ _type: 'CryptoSpecEncrypt', cryptoKeyId: { keyId: '' } }))),
      ),
    ).toBe('InvalidDeviceSpec');
    await run(
      vsphere.vm.reconfigure(vm.id, { crypto: { _type: 'CryptoSpecEncrypt', cryptoKeyId: { keyId: '' } } }),
    );
    expect(diskKey()).toBeUndefined();
    await run(
      vsphere.vm.reconfigure(vm.id, edit({ _type: 'CryptoSpecEncrypt', cryptoKeyId: { keyId: '' } })),
    );
    expect(diskKey()).toBe(get().config.keyId?.keyId);
    // The VM cannot be decrypted while its disk stays encrypted.
    expect(
      await faultOf(run(vsphere.vm.reconfigure(vm.id, { crypto: { _type: 'CryptoSpecDecrypt' } }))),
    ).toBe('InvalidVmConfig');
    await run(
      vsphere.vm.reconfigure(vm.id, {
        crypto: { _type: 'CryptoSpecDecrypt' },
        ...edit({ _type: 'CryptoSpecDecrypt' }),
      }),
    );
    expect([get().config.keyId, diskKey()]).toEqual([undefined, undefined]);
    // Under a policy with an encryption filter, the disk is encrypted with its VM.
    const policy = vsphere.storagePolicies.create('encrypted', '', { encryption: true });
    await run(
      vsphere.vm.reconfigure(vm.id, {
        deviceChange: [
          {
            operation: 'edit',
            device: disk() as VmRecord['config']['devices'][number],
            profile: [{ profileId: policy }],
          },
        ],
      }),
    );
    expect(diskKey()).toBeUndefined();
    await run(
      vsphere.vm.reconfigure(vm.id, { crypto: { _type: 'CryptoSpecEncrypt', cryptoKeyId: { keyId: '' } } }),
    );
    expect(diskKey()).toBe(get().config.keyId?.keyId);
  });

  it('deep-recrypts only while off, keeps the key for NoOp and Register, and refuses crypto on other devices', async () => {
    const { vsphere, run, vm, get, off } = withProvider();
    await off();
    await run(
      vsphere.vm.reconfigure(vm.id, { crypto: { _type: 'CryptoSpecEncrypt', cryptoKeyId: { keyId: '' } } }),
    );
    const first = get().config.keyId;
    for (const _type of ['CryptoSpecNoOp', 'CryptoSpecRegister']) {
      await run(vsphere.vm.reconfigure(vm.id, { crypto: { _type, cryptoKeyId: { keyId: 'ignored' } } }));
      expect(get().config.keyId).toEqual(first);
    }
    await run(
      vsphere.vm.reconfigure(vm.id, { crypto: { _type: 'CryptoSpecDeepRecrypt', newKeyId: { keyId: '' } } }),
    );
    expect(get().config.keyId?.keyId).not.toBe(first?.keyId);
    await run(vsphere.vm.powerOn(vm.id));
    expect(
      await faultOf(
        run(
          vsphere.vm.reconfigure(vm.id, {
            crypto: { _type: 'CryptoSpecDeepRecrypt', newKeyId: { keyId: '' } },
          }),
        ),
      ),
    ).toBe('InvalidPowerState');
    expect(
      await faultOf(run(vsphere.vm.reconfigure(vm.id, { crypto: { _type: 'CryptoSpecUnknown' } }))),
    ).toBe('InvalidArgument');
    const cdrom = get().config.devices.find((d) => d._type === 'VirtualCdrom');
    expect(
      await faultOf(
        run(
          vsphere.vm.reconfigure(vm.id, {
            deviceChange: [
              {
                operation: 'edit',
                device: cdrom as VmRecord['config']['devices'][number],
                backing: { crypto: { _type: 'CryptoSpecEncrypt', cryptoKeyId: { keyId: '' } } },
              },
            ],
          }),
        ),
      ),
    ).toBe('InvalidDeviceSpec');
  });

  it('adds a virtual TPM to a VM that is off, encrypting it with the default provider', async () => {
    const { vsphere, run, vm, get, off, crypto } = withProvider();
    const tpm = { operation: 'add' as const, device: { _type: 'VirtualTPM', key: -1 } };
    expect(await faultOf(run(vsphere.vm.reconfigure(vm.id, { deviceChange: [tpm] })))).toBe(
      'InvalidPowerState',
    );
    await off();
    // vcsim's VMs are vmx-13, older than the first hardware version with a virtual TPM.
    expect(await faultOf(run(vsphere.vm.reconfigure(vm.id, { deviceChange: [tpm] })))).toBe(
      'GenericVmConfigFault',
    );
    await run(vsphere.vm.upgrade(vm.id, 'vmx-14'));
    await run(vsphere.vm.reconfigure(vm.id, { deviceChange: [tpm] }));
    expect(get().config.devices.find((d) => d._type === 'VirtualTPM')).toMatchObject({ key: 11000 });
    expect(get().config.keyId).toMatchObject({ providerId: 'kms' });
    expect(vsphere.read(vm.id, 'summary.config.tpmPresent')).toBe(true);
    expect(await faultOf(run(vsphere.vm.reconfigure(vm.id, { deviceChange: [tpm] })))).toBe('TooManyDevices');
    expect(
      await faultOf(run(vsphere.vm.reconfigure(vm.id, { crypto: { _type: 'CryptoSpecDecrypt' } }))),
    ).toBe('GenericVmConfigFault');
    await run(
      vsphere.vm.reconfigure(vm.id, {
        deviceChange: [{ operation: 'remove', device: { key: 11000 } as never }],
      }),
    );
    expect(vsphere.read(vm.id, 'summary.config.tpmPresent')).toBe(false);
    // Without a default provider, a VM that is not encrypted cannot take one.
    await run(vsphere.vm.reconfigure(vm.id, { crypto: { _type: 'CryptoSpecDecrypt' } }));
    crypto.setDefaultKmsCluster(undefined, undefined);
    expect(await faultOf(run(vsphere.vm.reconfigure(vm.id, { deviceChange: [tpm] })))).toBe(
      'GenericVmConfigFault',
    );
  });

  it('creates an encrypted VM, and clones keep the key', async () => {
    const { vsphere, run, ref, at } = withProvider();
    const created = await run(
      vsphere.vm.create(
        ref('/DC0/vm'),
        {
          name: 'secret',
          guestId: 'otherGuest64',
          files: { vmPathName: '[LocalDS_0]' },
          crypto: { _type: 'CryptoSpecEncrypt', cryptoKeyId: { keyId: '', providerId: { id: 'kms' } } },
        },
        ref('/DC0/host/DC0_H0/Resources'),
      ),
    );
    const record = vsphere.store.get(created.value) as VmRecord;
    expect(record.config.keyId).toMatchObject({ providerId: 'kms' });
    const clone = await run(
      vsphere.vm.clone(created.value, ref('/DC0/vm'), 'secret-2', {
        location: {},
        powerOn: false,
        template: false,
      }),
    );
    expect((vsphere.store.get(clone.value) as VmRecord).config.keyId).toEqual(record.config.keyId);
    expect(at('/DC0/vm/secret-2').id).toBe(clone.value);
  });

  it('deploys a library item encrypted, its disks under the storage profile’s encryption policy', async () => {
    const { vsphere, run, at } = withProvider();
    const lib = vsphere.library.create({
      name: 'images',
      datastore: at('/DC0/datastore/LocalDS_0').id,
      type: 'LOCAL',
    });
    const item = vsphere.library.createItem(lib, SAMPLE_OVF_IMAGES[0] as (typeof SAMPLE_OVF_IMAGES)[number]);
    const policy = vsphere.storagePolicies.create('encrypted', '', { encryption: true });
    const pool = at<VmRecord & { resourcePool: string }>('/DC0/host/DC0_C0').resourcePool;
    const spec = { name: 'encrypted', folder: at('/DC0/vm').id, pool, storageProfile: policy, powerOn: true };
    const ref = await run(
      vsphere.library.deploy(item, {
        ...spec,
        config: {
          crypto: { _type: 'CryptoSpecEncrypt', cryptoKeyId: { keyId: '', providerId: { id: 'kms' } } },
        },
      }),
    );
    const vm = vsphere.store.get(ref.value) as VmRecord;
    expect(vm.powerState).toBe('poweredOn');
    expect(vm.config.homeStoragePolicyId).toBe(policy);
    const disks = vm.config.devices.filter((d) => d._type === 'VirtualDisk');
    expect(
      disks.map((d) => [d.storagePolicyId, (d.backing as { keyId?: { keyId: string } }).keyId?.keyId]),
    ).toEqual(disks.map(() => [policy, vm.config.keyId?.keyId]));
    // A configuration spec's virtual TPM: the VM's files encrypted with the default provider's key.
    const tpm = await run(
      vsphere.library.deploy(item, {
        ...spec,
        name: 'with-tpm',
        config: {
          version: 'vmx-19',
          deviceChange: [{ operation: 'add', device: { _type: 'VirtualTPM', key: -1 } }],
        },
      }),
    );
    const withTpm = vsphere.store.get(tpm.value) as VmRecord;
    expect(withTpm.config.devices.find((d) => d._type === 'VirtualTPM')?.key).toBe(11000);
    expect(withTpm.config.keyId).toMatchObject({ providerId: 'kms' });
    expect(
      await faultOf(() => vsphere.library.deploy(item, { ...spec, name: 'x', storageProfile: 'nope' })),
    ).toBe('InvalidArgument');
  });
});
