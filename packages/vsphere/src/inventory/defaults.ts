/** Default settings of simulated objects, as vcsim and a fresh vCenter show them. */
import type { Allocation } from './records.js';

const allocation = (a: Allocation): Allocation => Object.freeze(a);

/**
 * The root pool `Resources` of a compute resource (vcsim's ESX template values). Its reservation
 * and limit are read as the compute resource's effective capacity (see objects/reservations.ts).
 */
export const ROOT_POOL_ALLOCATION = Object.freeze({
  cpu: allocation({
    reservation: 4121,
    expandableReservation: false,
    limit: 4121,
    shares: { level: 'custom', shares: 9000 },
  }),
  memory: allocation({
    reservation: 961,
    expandableReservation: false,
    limit: 961,
    shares: { level: 'custom', shares: 9000 },
  }),
});

/** A new child pool or vApp when the spec leaves allocation unset. */
export const CHILD_POOL_ALLOCATION = Object.freeze({
  cpu: allocation({
    reservation: 0,
    expandableReservation: true,
    limit: -1,
    shares: { level: 'normal', shares: 4000 },
  }),
  memory: allocation({
    reservation: 0,
    expandableReservation: true,
    limit: -1,
    shares: { level: 'normal', shares: 163840 },
  }),
});

/** What every simulated ESXi host reports about its hardware (vcsim's values). */
export const HOST_HARDWARE = Object.freeze({
  vendor: 'VMware, Inc.',
  model: 'VMware Virtual Platform',
  cpuModel: 'Intel(R) Core(TM) i7-3615QM CPU @ 2.30GHz',
  cpuMhz: 2294,
  numCpuPkgs: 2,
  numCpuCores: 2,
  numCpuThreads: 2,
  memorySize: 4294430720,
  numNics: 1,
  numHBAs: 3,
});

/** The ESXi product every simulated host runs. */
export const HOST_PRODUCT = Object.freeze({
  _type: 'AboutInfo',
  name: 'VMware ESXi',
  fullName: 'VMware ESXi 8.0.2 build-21997540',
  vendor: 'VMware, Inc.',
  version: '8.0.2',
  build: '21997540',
  localeVersion: 'INTL',
  localeBuild: '000',
  osType: 'vmnix-x86',
  productLineId: 'embeddedEsx',
  apiType: 'HostAgent',
  apiVersion: '8.0.2.0',
  licenseProductName: 'VMware ESX Server',
  licenseProductVersion: '8.0',
});
