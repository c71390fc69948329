export * from '@vsim/vsphere';
export { Router } from './http/router.js';
export type { Handler, PlainRequest, PlainResponse } from './http/types.js';
export {
  createSimulator,
  DEFAULT_URL,
  type ListenOptions,
  type Simulator,
  type SimulatorOptions,
} from './simulator.js';
