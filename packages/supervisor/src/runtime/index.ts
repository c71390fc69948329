export {
  Controller,
  type ControllerOptions,
  type ControllerState,
  type ControllerStats,
  type EventPriority,
  LOW_PRIORITY,
  type MapToKeys,
  type ReconcileOutcome,
  type ReconcileResult,
  type Reconciler,
  TerminalError,
  VM_OPERATOR_REQUEUE_DELAY,
  type WatchEventKind,
  type WatchTarget,
} from './controller.js';
export { type EventRecorder, eventRecorder, NO_EVENTS } from './events.js';
export { writeFinalizer } from './finalizers.js';
export { type ObjectKey, objectKey, parseObjectKey } from './keys.js';
export { type ControllerDefaults, Manager, type ManagerOptions, type ManagerStats } from './manager.js';
export {
  type BackoffOptions,
  DEFAULT_BASE_DELAY,
  DEFAULT_MAX_DELAY,
  ExponentialBackoff,
  type RateLimiter,
} from './rate-limiter.js';
export { DEFAULT_PRIORITY, WorkQueue, type WorkQueueOptions } from './work-queue.js';
