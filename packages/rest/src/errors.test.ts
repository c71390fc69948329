import { faults, moref, VimFault } from '@vsim/vsphere';
import { describe, expect, it } from 'vitest';
import { RestError, statusOf, toRestError } from './errors.js';

describe('vAPI errors', () => {
  it.each([
    [faults.notFound(), 'not_found', 404],
    [faults.managedObjectNotFound(moref('VirtualMachine', 'vm-1')), 'not_found', 404],
    [faults.alreadyExists('x'), 'already_exists', 400],
    [faults.duplicateName('x', moref('Folder', 'group-v3')), 'already_exists', 400],
    [faults.invalidArgument('spec'), 'invalid_argument', 400],
    [faults.invalidPowerState('poweredOn', 'poweredOn'), 'already_in_desired_state', 400],
    [faults.invalidPowerState('poweredOn', 'poweredOff'), 'not_allowed_in_current_state', 400],
    [faults.invalidPowerState(undefined, 'poweredOff'), 'not_allowed_in_current_state', 400],
    [faults.invalidState(), 'not_allowed_in_current_state', 400],
    [faults.notAuthenticated(moref('SessionManager', 'SessionManager')), 'unauthenticated', 401],
    [faults.toolsUnavailable(), 'service_unavailable', 503],
    [faults.concurrentAccess(), 'concurrent_change', 409],
    [new VimFault({ _type: 'SomethingElse' }, 'odd'), 'error', 500],
  ])('%s -> %s %i', (fault, type, status) => {
    const error = toRestError(fault);
    expect(error.type).toBe(type);
    expect(error.status).toBe(status);
    expect(error.messages[0]?.default_message).toBe(fault.message);
  });

  it('turns anything else into a 500 error', () => {
    const error = toRestError(new TypeError('boom'));
    expect(error.type).toBe('error');
    expect(error.status).toBe(500);
  });

  it('passes RestErrors through and maps statuses as vAPI does', () => {
    const error = new RestError('unauthorized', 'no');
    expect(toRestError(error)).toBe(error);
    expect(statusOf('unauthorized')).toBe(403);
    expect(statusOf('concurrent_change')).toBe(409);
    expect(statusOf('unable_to_allocate_resource')).toBe(400);
  });
});
