/**
 * How a controller gets its Event recorders: it names each component it records as (the image
 * and CSI controllers record as two), and its deps' `recorderFor` says where that component's
 * Events go. Deps without one record none, the Supervisor's default: Events cost writes.
 */
import { type EventRecorder, NO_EVENTS } from '../runtime/events.js';

/** Where a component's Events go, by the name it records as. */
export type RecorderFor = (component: string) => EventRecorder;

/** The component's recorder, as the deps give it (none when they give no `recorderFor`). */
export const recorderOf = (deps: { recorderFor?: RecorderFor }, component: string): EventRecorder =>
  deps.recorderFor?.(component) ?? NO_EVENTS;
