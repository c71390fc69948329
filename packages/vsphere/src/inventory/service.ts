/**
 * ServiceInstance, its ServiceContent and the managers it points to, with the fixed
 * moref values vCenter (and vcsim) use for them.
 */
import type { Tx } from '../model.js';
import { type MoRef, moref } from '../refs.js';
import { ROOT_FOLDER } from './build.js';

/** [ServiceContent property, managed type, moref value], in ServiceContent's order. */
const MANAGERS = [
  ['propertyCollector', 'PropertyCollector', 'propertyCollector'],
  ['viewManager', 'ViewManager', 'ViewManager'],
  ['setting', 'OptionManager', 'VpxSettings'],
  ['userDirectory', 'UserDirectory', 'UserDirectory'],
  ['sessionManager', 'SessionManager', 'SessionManager'],
  ['authorizationManager', 'AuthorizationManager', 'AuthorizationManager'],
  ['serviceManager', 'ServiceManager', 'ServiceMgr'],
  ['perfManager', 'PerformanceManager', 'PerfMgr'],
  ['scheduledTaskManager', 'ScheduledTaskManager', 'ScheduledTaskManager'],
  ['alarmManager', 'AlarmManager', 'AlarmManager'],
  ['eventManager', 'EventManager', 'EventManager'],
  ['taskManager', 'TaskManager', 'TaskManager'],
  ['extensionManager', 'ExtensionManager', 'ExtensionManager'],
  ['customizationSpecManager', 'CustomizationSpecManager', 'CustomizationSpecManager'],
  ['customFieldsManager', 'CustomFieldsManager', 'CustomFieldsManager'],
  ['diagnosticManager', 'DiagnosticManager', 'DiagMgr'],
  ['licenseManager', 'LicenseManager', 'LicenseManager'],
  ['searchIndex', 'SearchIndex', 'SearchIndex'],
  ['fileManager', 'FileManager', 'FileManager'],
  ['datastoreNamespaceManager', 'DatastoreNamespaceManager', 'DatastoreNamespaceManager'],
  ['virtualDiskManager', 'VirtualDiskManager', 'virtualDiskManager'],
  ['snmpSystem', 'HostSnmpSystem', 'SnmpSystem'],
  ['vmProvisioningChecker', 'VirtualMachineProvisioningChecker', 'ProvChecker'],
  ['vmCompatibilityChecker', 'VirtualMachineCompatibilityChecker', 'CompatChecker'],
  ['ovfManager', 'OvfManager', 'OvfManager'],
  ['ipPoolManager', 'IpPoolManager', 'IpPoolManager'],
  ['dvSwitchManager', 'DistributedVirtualSwitchManager', 'DVSManager'],
  ['hostProfileManager', 'HostProfileManager', 'HostProfileManager'],
  ['clusterProfileManager', 'ClusterProfileManager', 'ClusterProfileManager'],
  ['complianceManager', 'ProfileComplianceManager', 'MoComplianceManager'],
  ['localizationManager', 'LocalizationManager', 'LocalizationManager'],
  ['storageResourceManager', 'StorageResourceManager', 'StorageResourceManager'],
  ['guestOperationsManager', 'GuestOperationsManager', 'guestOperationsManager'],
  ['overheadMemoryManager', 'OverheadMemoryManager', 'OverheadMemoryManager'],
  ['certificateManager', 'CertificateManager', 'certificateManager'],
  ['ioFilterManager', 'IoFilterManager', 'IoFilterManager'],
  ['vStorageObjectManager', 'VcenterVStorageObjectManager', 'VStorageObjectManager'],
  ['hostSpecManager', 'HostSpecificationManager', 'HostSpecificationManager'],
  ['cryptoManager', 'CryptoManagerKmip', 'CryptoManager'],
  ['healthUpdateManager', 'HealthUpdateManager', 'HealthUpdateManager'],
  ['failoverClusterConfigurator', 'FailoverClusterConfigurator', 'FailoverClusterConfigurator'],
  ['failoverClusterManager', 'FailoverClusterManager', 'FailoverClusterManager'],
  ['tenantManager', 'TenantTenantManager', 'TenantManager'],
] as const;

export type ServiceObjectType = 'ServiceInstance' | (typeof MANAGERS)[number][1];

export const SERVICE_INSTANCE: MoRef = moref('ServiceInstance', 'ServiceInstance');

/** Puts ServiceInstance and every manager in the store; their ids never use the counter. */
export const createServiceObjects = (tx: Tx): void => {
  tx.put({ id: SERVICE_INSTANCE.value, kind: 'ServiceInstance', name: 'ServiceInstance' });
  for (const [, type, id] of MANAGERS) tx.put({ id, kind: type, name: type });
};

export interface AboutFacts {
  readonly version: string;
  readonly build: string;
  readonly instanceUuid: string;
}

/** AboutInfo of the simulated vCenter; apiVersion follows the configured version. */
export const aboutInfo = (about: AboutFacts) => ({
  _type: 'AboutInfo',
  name: 'VMware vCenter Server',
  fullName: `VMware vCenter Server ${about.version} build-${about.build}`,
  vendor: 'VMware, Inc.',
  version: about.version,
  build: about.build,
  localeVersion: 'INTL',
  localeBuild: '000',
  osType: 'linux-x64',
  productLineId: 'vpx',
  apiType: 'VirtualCenter',
  apiVersion: apiVersionOf(about.version),
  instanceUuid: about.instanceUuid,
  licenseProductName: 'VMware VirtualCenter Server',
  licenseProductVersion: `${about.version.split('.')[0]}.0`,
});

/** vCenter 8.0.3 speaks API 8.0.3.0; 7.0.3 speaks 7.0.3.0; 6.7.0 speaks 6.7.3-style `6.7`. */
const apiVersionOf = (version: string): string => {
  const [major = '8', minor = '0', patch = '0'] = version.split('.');
  return Number(major) >= 7 ? `${major}.${minor}.${patch}.0` : `${major}.${minor}`;
};

export const serviceContent = (about: AboutFacts) => {
  const content: Record<string, unknown> = {
    _type: 'ServiceContent',
    rootFolder: moref('Folder', ROOT_FOLDER),
  };
  for (const [property, type, id] of MANAGERS) {
    content[property] = moref(type, id);
    if (property === 'viewManager') content.about = aboutInfo(about);
  }
  return content;
};
