/**
 * vCenter's key providers (CryptoManagerKmip, ServiceContent.cryptoManager) and the keys they hold:
 * standard providers (`vCenter`, a cluster of KMIP servers, made by RegisterKmipServer), Trust
 * Authority and native ones (RegisterKmsCluster); the default provider, global or an entity's
 * (SetDefaultKmsCluster, GetDefaultKmsCluster, MarkDefault); keys generated, added, listed,
 * queried and removed. The providers and keys live on the CryptoManager record, so a save keeps
 * them and property filters on `kmipServers` see them change.
 *
 * vCenter's rules kept here: the first provider registered becomes the default; a native provider
 * generates no keys through GenerateKey (vCenter derives them itself); a key is available when the
 * provider named holds it. What VMs do with the keys is objects/vm-crypto.ts's.
 */
import { faults } from '../faults.js';
import type { CryptoKeyRef, InventoryRecord, ServiceObjectRecord, VmRecord } from '../inventory/records.js';
import type { Model, Ref, Tx } from '../model.js';
import { type MoRef, moref } from '../refs.js';

export const CRYPTO_MANAGER = 'CryptoManager';

/** KmipServerInfo: one KMIP server of a standard provider. */
export interface KmipServerInfo {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly [field: string]: unknown;
}

/** A key provider as stored. */
export interface KeyProvider {
  readonly id: string;
  /** KmipClusterInfoKmsManagementType: `vCenter`, `trustAuthority`, `nativeProvider` or `unknown`. */
  readonly managementType: string;
  readonly servers: readonly KmipServerInfo[];
  readonly useAsDefault: boolean;
  /** The entities (clusters, host folders) whose default it is. */
  readonly entityDefaults: readonly MoRef[];
  /** A native provider's: the id of the key it derives keys from, and whether it serves TPM hosts alone. */
  readonly native?: { readonly keyId: string; readonly tpmRequired: boolean };
}

/** The management type of vCenter's own (native) key providers. */
const NATIVE_PROVIDER = 'nativeProvider';

const isNative = (provider: KeyProvider): boolean => provider.managementType === NATIVE_PROVIDER;

/** What the CryptoManager record carries beyond its id and kind. */
export interface CryptoManagerState {
  readonly providers?: readonly KeyProvider[];
  /** The keys the providers hold, oldest first. */
  readonly keys?: readonly CryptoKeyRef[];
}

type ManagerRecord = ServiceObjectRecord & CryptoManagerState;

/** The types RegisterKmsCluster registers (a standard provider comes from RegisterKmipServer). */
const KMS_CLUSTER_TYPES: readonly string[] = ['trustAuthority', NATIVE_PROVIDER, 'unknown'];

/** ListKmsClusters' managementTypeFilter bits. */
const TYPE_FILTER_BITS: Readonly<Record<string, number>> = {
  vCenter: 0x01,
  trustAuthority: 0x02,
  nativeProvider: 0x08,
  unknown: 0x01,
};

/** QueryCryptoKeyStatus' checkKeyBitMap: whether the key is available, which VMs use it. */
const CHECK_KEY_AVAILABLE = 0x01;
const CHECK_KEY_USED_BY_VMS = 0x02;

/** KeyProviderId and CryptoKeyId on the wire. */
export interface KeyProviderId {
  readonly id?: string;
}
export interface CryptoKeyId {
  readonly keyId?: string;
  readonly providerId?: KeyProviderId;
}

export const cryptoKeyId = (key: CryptoKeyRef) => ({
  _type: 'CryptoKeyId',
  keyId: key.keyId,
  providerId: { _type: 'KeyProviderId', id: key.providerId },
});

/** The providers and keys of the store (or of a transaction's view of it). */
export const cryptoStateIn = (store: Pick<Tx, 'get'>): CryptoManagerState =>
  (store.get(CRYPTO_MANAGER) as ManagerRecord | undefined) ?? {};

export const providersIn = (store: Pick<Tx, 'get'>): readonly KeyProvider[] =>
  cryptoStateIn(store).providers ?? [];

/** KmipClusterInfo on the wire. */
export const clusterInfo = (p: KeyProvider, withServers = true) => ({
  _type: 'KmipClusterInfo',
  clusterId: { _type: 'KeyProviderId', id: p.id },
  ...(withServers && p.servers.length > 0
    ? { servers: p.servers.map((s) => ({ _type: 'KmipServerInfo', ...s })) }
    : {}),
  useAsDefault: p.useAsDefault,
  managementType: p.managementType,
  ...(p.entityDefaults.length > 0 ? { useAsEntityDefault: p.entityDefaults } : {}),
});

/**
 * The default provider for an entity: its own, then (with `defaultsToParent`) its parents', then
 * the global one; none without any.
 */
export const defaultProvider = (
  store: Pick<Tx, 'get'>,
  entity: string | undefined,
  defaultsToParent: boolean,
): KeyProvider | undefined => {
  const providers = providersIn(store);
  if (entity === undefined) return providers.find((p) => p.useAsDefault);
  for (let id: string | undefined = entity; id !== undefined; ) {
    const own = providers.find((p) => p.entityDefaults.some((e) => e.value === id));
    if (own || !defaultsToParent) return own;
    id = (store.get(id) as InventoryRecord | undefined)?.parent;
  }
  return providers.find((p) => p.useAsDefault);
};

/** The provider of this id; InvalidArgument on `property` without one. */
const providerIn = (tx: Pick<Tx, 'get'>, id: string | undefined, property: string): KeyProvider => {
  const found = id ? providersIn(tx).find((p) => p.id === id) : undefined;
  if (!found) throw faults.invalidArgument(property);
  return found;
};

/** A key a provider holds. */
export const heldKey = (store: Pick<Tx, 'get'>, keyId: string, providerId: string): boolean =>
  (cryptoStateIn(store).keys ?? []).some((k) => k.keyId === keyId && k.providerId === providerId);

/** The VMs encrypted with a key (their configuration's key). */
const vmsUsing = (m: Model, key: CryptoKeyRef): string[] => {
  const out: string[] = [];
  for (const vm of m.store.ofKind<VmRecord>('VirtualMachine')) {
    const k = vm.config.keyId;
    if (k && k.keyId === key.keyId && k.providerId === key.providerId) out.push(vm.id);
  }
  return out;
};

const putState = (tx: Tx, state: CryptoManagerState) =>
  tx.put({ ...(tx.get(CRYPTO_MANAGER) as ManagerRecord), ...state });

const holdKey = (tx: Tx, key: CryptoKeyRef) =>
  putState(tx, { keys: [...(cryptoStateIn(tx).keys ?? []), key] });

/** A new key from a provider, which holds it from now on: GenerateKey's, or an encryption's. */
export const newKey = (m: Model, tx: Tx, providerId: string): CryptoKeyRef => {
  const key = { keyId: m.random.uuid(), providerId };
  holdKey(tx, key);
  return key;
};

export const cryptoManagerOperations = (m: Model) => {
  const setProviders = (tx: Tx, providers: readonly KeyProvider[]) => putState(tx, { providers });
  /** A new provider, the default when it is the first. */
  const register = (tx: Tx, provider: Omit<KeyProvider, 'useAsDefault' | 'entityDefaults'>): void => {
    const providers = providersIn(tx);
    if (providers.some((p) => p.id === provider.id)) throw faults.alreadyExists(provider.id);
    setProviders(tx, [
      ...providers,
      { ...provider, useAsDefault: providers.length === 0, entityDefaults: [] },
    ]);
  };
  const checkServer = (info: Partial<KmipServerInfo> | undefined): KmipServerInfo => {
    if (!info?.name) throw faults.invalidArgument('server.info.name');
    if (!info.address) throw faults.invalidArgument('server.info.address');
    if (!Number.isInteger(info.port)) throw faults.invalidArgument('server.info.port');
    const { _type: _, ...fields } = info as KmipServerInfo & { _type?: string };
    return fields;
  };
  const method = (name: string) => ({ method: name, target: CRYPTO_MANAGER });
  /** A native provider's facts: its key's id, its constraint. */
  const nativeFacts = (tpmRequired = false) => ({ native: { keyId: m.random.uuid(), tpmRequired } });
  /** The native provider of this id: NotFound without one, NotSupported for another kind. */
  const nativeIn = (tx: Tx, id: string): KeyProvider => {
    const found = providersIn(tx).find((p) => p.id === id);
    if (!found) throw faults.notFound(`The key provider ${id} does not exist.`);
    if (!isNative(found)) throw faults.notSupported(`The key provider ${id} is not a native key provider.`);
    return found;
  };
  /** The providers but this one, and the keys but those it held. */
  const withoutProvider = (tx: Tx, provider: KeyProvider) =>
    putState(tx, {
      providers: providersIn(tx).filter((p) => p !== provider),
      keys: (cryptoStateIn(tx).keys ?? []).filter((k) => k.providerId !== provider.id),
    });

  return {
    /** RegisterKmipServer: a server added to its standard provider, made with its first server. */
    registerKmipServer(spec: { clusterId?: KeyProviderId; info?: Partial<KmipServerInfo> }): void {
      m.call(method('RegisterKmipServer'), (tx) => {
        const id = spec.clusterId?.id;
        if (!id) throw faults.invalidArgument('server.clusterId');
        const info = checkServer(spec.info);
        const existing = providersIn(tx).find((p) => p.id === id);
        if (!existing) return register(tx, { id, managementType: 'vCenter', servers: [info] });
        if (existing.servers.some((s) => s.name === info.name)) throw faults.alreadyExists(info.name);
        setProviders(
          tx,
          providersIn(tx).map((p) => (p === existing ? { ...p, servers: [...p.servers, info] } : p)),
        );
      });
    },

    /** UpdateKmipServer: a server's settings replaced. */
    updateKmipServer(spec: { clusterId?: KeyProviderId; info?: Partial<KmipServerInfo> }): void {
      m.call(method('UpdateKmipServer'), (tx) => {
        const provider = providerIn(tx, spec.clusterId?.id, 'server.clusterId');
        const info = checkServer(spec.info);
        if (!provider.servers.some((s) => s.name === info.name))
          throw faults.invalidArgument('server.info.name');
        const servers = provider.servers.map((s) => (s.name === info.name ? info : s));
        setProviders(
          tx,
          providersIn(tx).map((p) => (p === provider ? { ...p, servers } : p)),
        );
      });
    },

    /** RemoveKmipServer: a server of a provider removed; the provider stays. */
    removeKmipServer(clusterId: KeyProviderId, serverName: string): void {
      m.call(method('RemoveKmipServer'), (tx) => {
        const provider = providerIn(tx, clusterId?.id, 'clusterId');
        if (!provider.servers.some((s) => s.name === serverName)) throw faults.invalidArgument('serverName');
        const servers = provider.servers.filter((s) => s.name !== serverName);
        setProviders(
          tx,
          providersIn(tx).map((p) => (p === provider ? { ...p, servers } : p)),
        );
      });
    },

    /** RegisterKmsCluster: a Trust Authority provider by default, or a native (or unknown) one. */
    registerKmsCluster(clusterId: KeyProviderId, managementType = 'trustAuthority'): void {
      m.call(method('RegisterKmsCluster'), (tx) => {
        if (!clusterId?.id) throw faults.invalidArgument('clusterId');
        if (!KMS_CLUSTER_TYPES.includes(managementType)) throw faults.invalidArgument('managementType');
        const facts = managementType === NATIVE_PROVIDER ? nativeFacts() : {};
        register(tx, { id: clusterId.id, managementType, servers: [], ...facts });
      });
    },

    /**
     * vcenter.crypto_manager.kms.providers.create: a native provider, vCenter's own (its key's id
     * drawn from the seeded random), for hosts with a TPM alone when `tpmRequired`.
     */
    createNativeProvider(id: string, tpmRequired = false): void {
      m.call(method('vcenter.crypto_manager.kms.providers.create'), (tx) => {
        if (!id) throw faults.invalidArgument('provider');
        register(tx, { id, managementType: NATIVE_PROVIDER, servers: [], ...nativeFacts(tpmRequired) });
      });
    },

    /** vcenter.crypto_manager.kms.providers.update: a native provider's constraint. */
    updateNativeProvider(id: string, tpmRequired: boolean): void {
      m.call(method('vcenter.crypto_manager.kms.providers.update'), (tx) => {
        const provider = nativeIn(tx, id);
        setProviders(
          tx,
          providersIn(tx).map((p) =>
            p === provider
              ? { ...p, native: { ...(p.native as NonNullable<KeyProvider['native']>), tpmRequired } }
              : p,
          ),
        );
      });
    },

    /** vcenter.crypto_manager.kms.providers.delete: a native provider (another kind: NotSupported). */
    deleteNativeProvider(id: string): void {
      m.call(method('vcenter.crypto_manager.kms.providers.delete'), (tx) => {
        withoutProvider(tx, nativeIn(tx, id));
      });
    },

    /** The native providers, oldest first (vcenter.crypto_manager.kms.providers.list). */
    nativeProviders(): KeyProvider[] {
      return providersIn(m.store).filter(isNative);
    },

    /** UnregisterKmsCluster: the provider goes; the keys it held with it. */
    unregisterKmsCluster(clusterId: KeyProviderId): void {
      m.call(method('UnregisterKmsCluster'), (tx) => {
        withoutProvider(tx, providerIn(tx, clusterId?.id, 'clusterId'));
      });
    },

    /** ListKmipServers: the providers with their servers, the first `limit` of them. */
    listKmipServers(limit?: number) {
      return m.call(method('ListKmipServers'), (tx) => {
        const providers = providersIn(tx);
        const shown = limit === undefined || limit < 0 ? providers : providers.slice(0, limit);
        return shown.map((p) => clusterInfo(p));
      });
    },

    /**
     * ListKmsClusters: the providers of the types `managementTypeFilter` sets (bits 0x01
     * standard, 0x02 Trust Authority, 0x08 native; all when absent or -1), active ones (every
     * provider is, bit 0x01 of `statusFilter`), their servers only when asked.
     */
    listKmsClusters(includeKmsServers = false, managementTypeFilter = -1, statusFilter = -1) {
      return m.call(method('ListKmsClusters'), (tx) => {
        const active = statusFilter === -1 || (statusFilter & 0x01) !== 0;
        if (!active) return [];
        return providersIn(tx)
          .filter(
            (p) =>
              managementTypeFilter === -1 ||
              ((TYPE_FILTER_BITS[p.managementType] ?? 0) & managementTypeFilter) !== 0,
          )
          .map((p) => clusterInfo(p, includeKmsServers));
      });
    },

    /**
     * RetrieveKmipServersStatus_Task: each provider asked (all when none is), every server of it
     * reachable (green); providers and servers it does not have are left out.
     */
    retrieveKmipServersStatus(
      clusters?: readonly { clusterId?: KeyProviderId; servers?: readonly { name?: string }[] }[],
    ) {
      return m.task(
        {
          method: 'RetrieveKmipServersStatus_Task',
          target: CRYPTO_MANAGER,
          descriptionId: 'encryption.CryptoManagerKmip.retrieveKmipServersStatus',
        },
        (tx) => {
          const providers = providersIn(tx);
          const asked = clusters?.length
            ? clusters.flatMap((c) => {
                const p = providers.find((x) => x.id === c.clusterId?.id);
                return p ? [{ p, names: c.servers?.map((s) => s.name) }] : [];
              })
            : providers.map((p) => ({ p, names: undefined }));
          return asked.map(({ p, names }) => ({
            _type: 'CryptoManagerKmipClusterStatus',
            clusterId: { _type: 'KeyProviderId', id: p.id },
            overallStatus: 'green',
            managementType: p.managementType,
            servers: p.servers
              .filter((s) => names === undefined || names.length === 0 || names.includes(s.name))
              .map((s) => ({
                _type: 'CryptoManagerKmipServerStatus',
                name: s.name,
                status: 'green',
                connectionStatus: 'Connected',
              })),
          }));
        },
      );
    },

    /**
     * SetDefaultKmsCluster: the global default (without `entity`), or a cluster's or host folder's;
     * without `clusterId`, that default cleared.
     */
    setDefaultKmsCluster(entity: Ref | undefined, clusterId: KeyProviderId | undefined): void {
      m.call(method('SetDefaultKmsCluster'), (tx) => {
        const target = entity === undefined ? undefined : m.lookup(entity);
        if (target && target.kind !== 'ClusterComputeResource' && target.kind !== 'Folder')
          throw faults.invalidArgument('entity');
        const chosen = clusterId?.id ? providerIn(tx, clusterId.id, 'clusterId') : undefined;
        setProviders(
          tx,
          providersIn(tx).map((p) => {
            if (target === undefined) return { ...p, useAsDefault: p === chosen };
            const others = p.entityDefaults.filter((e) => e.value !== target.id);
            return {
              ...p,
              entityDefaults: p === chosen ? [...others, moref(target.kind, target.id)] : others,
            };
          }),
        );
      });
    },

    /** MarkDefault: the global default provider. */
    markDefault(clusterId: KeyProviderId): void {
      m.call(method('MarkDefault'), (tx) => {
        const chosen = providerIn(tx, clusterId?.id, 'clusterId');
        setProviders(
          tx,
          providersIn(tx).map((p) => ({ ...p, useAsDefault: p === chosen })),
        );
      });
    },

    /** GetDefaultKmsCluster: the default provider's id, an entity's (or its parents'), or none. */
    getDefaultKmsCluster(entity?: Ref, defaultsToParent = false) {
      return m.call(method('GetDefaultKmsCluster'), (tx) => {
        const entityId = entity === undefined ? undefined : m.lookup(entity).id;
        const p = defaultProvider(tx, entityId, defaultsToParent);
        return p ? { _type: 'KeyProviderId', id: p.id } : undefined;
      });
    },

    /** IsKmsClusterActive: whether a provider (the default one when none is named) can serve keys. */
    isKmsClusterActive(cluster?: KeyProviderId): boolean {
      return m.call(method('IsKmsClusterActive'), (tx) => {
        if (cluster?.id) providerIn(tx, cluster.id, 'cluster');
        else if (!defaultProvider(tx, undefined, false)) throw faults.invalidArgument('cluster');
        return true;
      });
    },

    /**
     * GenerateKey: a new key from a provider (the default one when none is named); a native
     * provider makes none this way.
     */
    generateKey(keyProvider?: KeyProviderId) {
      return m.call(method('GenerateKey'), (tx) => {
        const provider = keyProvider?.id
          ? providerIn(tx, keyProvider.id, 'keyProvider')
          : defaultProvider(tx, undefined, false);
        if (!provider) throw faults.invalidArgument('keyProvider');
        if (isNative(provider)) throw faults.notSupported('Cannot generate keys with a native key provider.');
        return { _type: 'CryptoKeyResult', keyId: cryptoKeyId(newKey(m, tx, provider.id)), success: true };
      });
    },

    /** AddKeys: existing keys a provider holds, each added unless it is there or has no provider. */
    addKeys(keys: readonly { keyId?: CryptoKeyId }[] = []) {
      return m.call(method('AddKeys'), (tx) =>
        keys.map(({ keyId: id }) => {
          const keyId = id?.keyId ?? '';
          const providerId = id?.providerId?.id ?? '';
          const known = providersIn(tx).some((p) => p.id === providerId);
          const fresh = keyId !== '' && known && !heldKey(tx, keyId, providerId);
          if (fresh) holdKey(tx, { keyId, providerId });
          return {
            _type: 'CryptoKeyResult',
            keyId: {
              _type: 'CryptoKeyId',
              keyId,
              ...(providerId ? { providerId: { _type: 'KeyProviderId', id: providerId } } : {}),
            },
            success: fresh,
            ...(fresh ? {} : { reason: known ? 'Key already exists' : 'Invalid key provider' }),
          };
        }),
      );
    },

    /** ListKeys: the keys held, the first `limit` of them. */
    listKeys(limit?: number) {
      return m.call(method('ListKeys'), (tx) => {
        const keys = cryptoStateIn(tx).keys ?? [];
        return (limit === undefined || limit < 0 ? keys : keys.slice(0, limit)).map(cryptoKeyId);
      });
    },

    /**
     * QueryCryptoKeyStatus: per key, whether its provider holds it (bit 0x01 of `checkKeyBitMap`)
     * and which VMs are encrypted with it (bit 0x02).
     */
    queryCryptoKeyStatus(keyIds: readonly CryptoKeyId[] = [], checkKeyBitMap = 0) {
      return m.call(method('QueryCryptoKeyStatus'), (tx) =>
        keyIds.map((id) => {
          const key = { keyId: id.keyId ?? '', providerId: id.providerId?.id ?? '' };
          const available = heldKey(tx, key.keyId, key.providerId);
          const vms = checkKeyBitMap & CHECK_KEY_USED_BY_VMS ? vmsUsing(m, key) : [];
          return {
            _type: 'CryptoManagerKmipCryptoKeyStatus',
            keyId: { _type: 'CryptoKeyId', ...id },
            ...(checkKeyBitMap & CHECK_KEY_AVAILABLE
              ? {
                  keyAvailable: available,
                  ...(available
                    ? {}
                    : { reason: key.providerId ? 'KeyStateMissingInKMS' : 'KeyStateMissingInCache' }),
                }
              : {}),
            ...(vms.length > 0 ? { encryptedVMs: vms.map((vm) => moref('VirtualMachine', vm)) } : {}),
          };
        }),
      );
    },

    /**
     * RemoveKeys: keys no VM uses removed (with `force`, those in use too); each result says
     * whether its key went.
     */
    removeKeys(keys: readonly CryptoKeyId[] = [], force = false) {
      return m.call(method('RemoveKeys'), (tx) =>
        keys.map((id) => {
          const key = { keyId: id.keyId ?? '', providerId: id.providerId?.id ?? '' };
          const held = heldKey(tx, key.keyId, key.providerId);
          const inUse = !force && vmsUsing(m, key).length > 0;
          const removed = held && !inUse;
          if (removed)
            putState(tx, {
              keys: (cryptoStateIn(tx).keys ?? []).filter(
                (k) => k.keyId !== key.keyId || k.providerId !== key.providerId,
              ),
            });
          return {
            _type: 'CryptoKeyResult',
            keyId: { _type: 'CryptoKeyId', ...id },
            success: removed || (force && !held),
            ...(removed || (force && !held) ? {} : { reason: inUse ? 'Key is in use' : 'Key not found' }),
          };
        }),
      );
    },
  };
};

export type CryptoManagerOperations = ReturnType<typeof cryptoManagerOperations>;
