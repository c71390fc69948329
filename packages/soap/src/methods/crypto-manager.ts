/** CryptoManagerKmip's methods (and CryptoManager's it inherits), each the model's key provider operation underneath. */
import type { MethodTable } from './call.js';

export const cryptoManagerMethods: MethodTable = {
  RegisterKmipServer: ({ vsphere, args }) => vsphere.crypto.registerKmipServer(args.server),
  UpdateKmipServer: ({ vsphere, args }) => vsphere.crypto.updateKmipServer(args.server),
  RemoveKmipServer: ({ vsphere, args }) => vsphere.crypto.removeKmipServer(args.clusterId, args.serverName),
  ListKmipServers: ({ vsphere, args }) => vsphere.crypto.listKmipServers(args.limit),
  RetrieveKmipServersStatus_Task: ({ vsphere, args }) =>
    vsphere.crypto.retrieveKmipServersStatus(args.clusters).ref,
  RegisterKmsCluster: ({ vsphere, args }) =>
    vsphere.crypto.registerKmsCluster(args.clusterId, args.managementType ?? undefined),
  UnregisterKmsCluster: ({ vsphere, args }) => vsphere.crypto.unregisterKmsCluster(args.clusterId),
  ListKmsClusters: ({ vsphere, args }) =>
    vsphere.crypto.listKmsClusters(args.includeKmsServers, args.managementTypeFilter, args.statusFilter),
  SetDefaultKmsCluster: ({ vsphere, args }) =>
    vsphere.crypto.setDefaultKmsCluster(args.entity, args.clusterId),
  GetDefaultKmsCluster: ({ vsphere, args }) =>
    vsphere.crypto.getDefaultKmsCluster(args.entity, args.defaultsToParent),
  MarkDefault: ({ vsphere, args }) => vsphere.crypto.markDefault(args.clusterId),
  IsKmsClusterActive: ({ vsphere, args }) => vsphere.crypto.isKmsClusterActive(args.cluster),
  GenerateKey: ({ vsphere, args }) => vsphere.crypto.generateKey(args.keyProvider),
  AddKeys: ({ vsphere, args }) => vsphere.crypto.addKeys(args.keys),
  ListKeys: ({ vsphere, args }) => vsphere.crypto.listKeys(args.limit),
  QueryCryptoKeyStatus: ({ vsphere, args }) =>
    vsphere.crypto.queryCryptoKeyStatus(args.keyIds, args.checkKeyBitMap),
  RemoveKeys: ({ vsphere, args }) => vsphere.crypto.removeKeys(args.keys, args.force),
};
