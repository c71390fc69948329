/**
 * Faults raised while decoding a request (before any model operation runs). They are
 * vSphere faults like any other: the server writes them with the SOAP fault shape.
 */
import { type Fault, VimFault } from '@vsim/vsphere';

export const invalidRequest = (message: string): VimFault =>
  new VimFault({ _type: 'InvalidRequest' }, message);

export const invalidType = (argument: string): VimFault =>
  new VimFault({ _type: 'InvalidType', argument } as Fault, `Invalid type for argument ${argument}`);
