/**
 * vm-operator's webhooks on a VM's `spec.crypto` with the Bring Your Own Key capability: the
 * mutating webhook's default EncryptionClass for a new VM of an encryption storage class
 * (SetDefaultEncryptionClass), the validating webhook's rule that a class needs such a storage
 * class (validateCrypto), on create and every update.
 */
import {
  defaultEncryptionClass,
  ENCRYPTION_CLASS,
  type GetObject,
  isEncryptedStorageClass,
} from '../encryption-kinds.js';
import type { StoreReader } from '../store/kinds.js';
import type { VirtualMachine } from './types.js';
import { type FieldError, invalid } from './validation.js';

/** A reader's objects as the encryption readings get them. */
export const getterOf =
  (reader: StoreReader): GetObject =>
  (apiVersion, kind, namespace, name) =>
    reader.get({ apiVersion, kind, ...(namespace === undefined ? {} : { namespace }), name });

/**
 * A new VM of an encryption storage class without an EncryptionClass given its namespace's
 * default one, in place; the mutating webhook's denial when the namespace has several.
 */
export function defaultEncryptionClassOnCreate(vm: VirtualMachine, reader: StoreReader): string | undefined {
  const spec = vm.spec;
  if (!spec?.storageClass || spec.crypto?.encryptionClassName) return undefined;
  if (!isEncryptedStorageClass(getterOf(reader), spec.storageClass)) return undefined;
  const found = defaultEncryptionClass(
    reader.list(ENCRYPTION_CLASS.apiVersion, ENCRYPTION_CLASS.kind, vm.metadata.namespace ?? ''),
  );
  if (found.problem) return found.problem;
  // The API server then defaults what the webhook's patch added; in the struct's order.
  if (found.name)
    spec.crypto = {
      encryptionClassName: found.name,
      useDefaultKeyProvider: spec.crypto?.useDefaultKeyProvider ?? true,
      vTPMMode: spec.crypto?.vTPMMode ?? 'New',
    };
  return undefined;
}

/** An EncryptionClass named on a VM whose storage class is no encryption one. */
export function cryptoProblems(vm: VirtualMachine, reader: StoreReader): FieldError[] {
  const name = vm.spec?.crypto?.encryptionClassName;
  if (!name || isEncryptedStorageClass(getterOf(reader), vm.spec?.storageClass)) return [];
  return [
    invalid(
      'spec.crypto.encryptionClassName',
      name,
      'requires spec.storageClass specify an encryption storage class',
    ),
  ];
}
