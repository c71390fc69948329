/** What the property collector answers, with vSphere's type and field names. */
import type { Fault, VimFault } from '../faults.js';
import type { MoRef } from '../refs.js';

export interface LocalizedMethodFault {
  readonly _type: 'LocalizedMethodFault';
  readonly fault: Fault;
  readonly localizedMessage: string;
}

export interface DynamicProperty {
  readonly name: string;
  readonly val: unknown;
}

export interface MissingProperty {
  readonly path: string;
  readonly fault: LocalizedMethodFault;
}

export interface ObjectContent {
  readonly obj: MoRef;
  readonly propSet: DynamicProperty[];
  readonly missingSet?: MissingProperty[];
}

export interface RetrieveResult {
  /** Set when more objects remain: pass it to ContinueRetrievePropertiesEx. */
  readonly token?: string;
  readonly objects: ObjectContent[];
}

export interface PropertyChange {
  readonly name: string;
  readonly op: 'add' | 'remove' | 'assign' | 'indirectRemove';
  readonly val?: unknown;
}

export interface ObjectUpdate {
  readonly kind: 'enter' | 'modify' | 'leave';
  readonly obj: MoRef;
  readonly changeSet: PropertyChange[];
  readonly missingSet: MissingProperty[];
}

export interface MissingObject {
  readonly obj: MoRef;
  readonly fault: LocalizedMethodFault;
}

export interface PropertyFilterUpdate {
  readonly filter: MoRef;
  readonly objectSet: ObjectUpdate[];
  readonly missingSet: MissingObject[];
}

export interface UpdateSet {
  readonly version: string;
  readonly filterSet: PropertyFilterUpdate[];
  readonly truncated: boolean;
}

export const localizedFault = (error: VimFault): LocalizedMethodFault => ({
  _type: 'LocalizedMethodFault',
  fault: error.fault,
  localizedMessage: error.message,
});
